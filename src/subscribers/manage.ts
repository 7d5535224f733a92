// The changes a subscriber's status may go through, shared by the CLI and the public endpoints.
import type { Store, Subscriber, SubscriberChoices, UpsertOutcome } from '../store/types.js';
import { cleanName, type ValidEmail } from './validate.js';

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

/**
 * Records a reader's own request to subscribe: a new address, or one that had left, becomes `pending` until it
 * confirms (double opt-in). An active one is left exactly as it is: an unconfirmed request changes nothing of it.
 */
export async function requestSubscription(
  store: Store,
  address: ValidEmail,
  name: string | null | undefined,
  now: Date,
  choices: Partial<SubscriberChoices> = {},
): Promise<Upserted> {
  const existing = await store.findSubscriber(address.email);
  if (existing?.status === 'active') return { subscriber: existing, outcome: 'unchanged' };
  return store.upsertSubscriber({ email: address.email, name: cleanName(name), status: 'pending', ...choices }, now, { revive: true, source: 'web' });
}

/** Makes a pending subscriber active; `refused` when the reader has since left (an old link must not bring them back). */
export async function confirmSubscriber(
  store: Store,
  id: number,
  now: Date,
): Promise<{ result: 'confirmed' | 'already' | 'refused' | 'unknown' }> {
  const subscriber = await store.getSubscriber(id);
  if (!subscriber) return { result: 'unknown' };
  if (subscriber.status === 'active') return { result: 'already' };
  if (subscriber.status !== 'pending') return { result: 'refused' };
  await store.setSubscriberStatus(id, 'active', now, { kind: 'confirmed', source: 'web' });
  return { result: 'confirmed' };
}

/**
 * Unsubscribes a pending or active subscriber, journalling `source` (`web`, `cli`…); idempotent, and a bounced
 * one stays bounced.
 */
export async function unsubscribeSubscriber(store: Store, id: number, now: Date, source: string): Promise<Subscriber | null> {
  const subscriber = await store.getSubscriber(id);
  if (!subscriber || subscriber.status === 'unsubscribed' || subscriber.status === 'bounced') return subscriber;
  return store.setSubscriberStatus(id, 'unsubscribed', now, { kind: 'unsubscribed', source });
}
