// The changes a subscriber's status may go through, shared by the CLI and the public endpoints.
import type { ConfirmOutcome, Store, Subscriber, SubscriberChoices, UpsertOutcome } from '../store/types.js';
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
