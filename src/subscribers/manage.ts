// The changes a subscriber's status may go through, shared by the CLI and the public endpoints.
import { editionsOf, editionsReceived, hasEditions, type Edition } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import { hasLeft, type ConfirmOutcome, type Store, type Subscriber, type SubscriberChoices, type UpsertOutcome } from '../store/types.js';
import { newNonce } from './tokens.js';
import { cleanName, mailboxKey, type ValidEmail } from './validate.js';

/** What adding or requesting an address did. */
export interface Upserted {
  subscriber: Subscriber;
  outcome: UpsertOutcome;
}

/**
 * Adds an address the operator vouches for as `active`, with the choices given (others unchanged, or all
 * sections and the default edition for a new one); one that unsubscribed or bounced is kept as it is.
 */
export function addSubscriber(
  store: Store,
  address: ValidEmail,
  name: string | null | undefined,
  now: Date,
  choices: Partial<SubscriberChoices> = {},
): Promise<Upserted> {
  return store.upsertSubscriber({ email: address.email, name: cleanName(name), status: 'active', ...choices }, now, { source: 'cli' });
}

/** How long a confirmation link works. */
export const confirmLinkLifetimeMs = 7 * 24 * 60 * 60_000;

/**
 * Records a reader's own request to subscribe (SPEC "Consent"), with the sections and editions chosen on the form.
 * Unless `noMail` says why not, the request gets a new nonce, the only one whose link will confirm it, for the
 * confirmation mail. A new address becomes `pending`; a known one keeps its status and choices until the link is followed.
 */
export async function requestSubscription(
  store: Store,
  address: ValidEmail,
  name: string | null | undefined,
  now: Date,
  noMail: string | null,
  choices: Partial<SubscriberChoices> = {},
): Promise<{ subscriber: Subscriber; nonce: string | null }> {
  const nonce = noMail === null ? newNonce() : null;
  const { subscriber } = await store.requestSubscription({ email: address.email, name: cleanName(name), ...choices }, now, {
    source: 'web',
    detail: noMail === null ? null : `no mail: ${noMail}`,
    mail: nonce === null ? null : { nonce, mailbox: mailboxKey(address.email) },
  });
  return { subscriber, nonce };
}

/** Follows a confirmation link: confirms the newest request of that reader, if it is under 7 days old. */
export function confirmSubscription(store: Store, publicId: string, nonce: string, now: Date): Promise<ConfirmOutcome> {
  return store.confirmSubscription(publicId, nonce, now, new Date(now.getTime() - confirmLinkLifetimeMs), 'web');
}

/**
 * Unsubscribes a pending or active subscriber, journalling `source` (`web`, `cli`…); idempotent, and a bounced
 * one stays bounced. An unsubscribed one stays so too, but loses any request made since (setSubscriberStatus): the
 * confirmation link it sent no longer subscribes them.
 */
export async function unsubscribeSubscriber(store: Store, id: number, now: Date, source: string): Promise<Subscriber | null> {
  const subscriber = await store.getSubscriber(id);
  if (!subscriber || subscriber.status === 'bounced') return subscriber;
  return store.setSubscriberStatus(id, 'unsubscribed', now, { kind: 'unsubscribed', source });
}

/** A reader leaving one edition only: the editions they keep, and whether they had left it already. */
export interface EditionLeave {
  edition: Edition;
  kept: string[];
  /** Left already (a one-click POST or a mailto may come twice): nothing changes. */
  left: boolean;
}

/**
 * What leaving edition `editionId` means for a reader who still gets another (each edition is a list of its own: RFC
 * 2369 and 8058 mean the list of the mail's `List-Id`), `left` when they left it already. Null when it is the last
 * edition they get (they leave the newsletter), or the site has no such edition.
 */
export function editionLeave(config: SiteConfig, subscriber: Subscriber, editionId: string | null | undefined): EditionLeave | null {
  const all = editionsOf(config);
  const edition = hasEditions(config) && !hasLeft(subscriber.status) ? all.find((e) => e.id === editionId) : undefined;
  if (edition === undefined) return null;
  const gets = editionsReceived(subscriber.editions, all);
  // An edition site.json no longer has sends nothing: kept alone, the reader would get nothing and think otherwise.
  const kept = gets.filter((e) => e !== edition.id && all.some((known) => known.id === e));
  return kept.length > 0 ? { edition, kept, left: !gets.includes(edition.id) } : null;
}

/** Leaves one edition as `leave` says (see editionLeave), journalling `source`; the reader as they are now, null when gone. */
export async function leaveEdition(store: Store, subscriber: Subscriber, leave: EditionLeave, now: Date, source: string): Promise<Subscriber | null> {
  if (leave.left) return subscriber;
  return store.setSubscriberChoices(subscriber.id, { sections: subscriber.sections, editions: leave.kept }, now, source);
}
