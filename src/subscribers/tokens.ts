// Unforgeable links: a token names one subscriber and one purpose, signed with HMAC-SHA256 over both.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/types.js';

/** What a token lets its bearer do; `return-N` names the digest a VERP envelope sender was made for. */
export type TokenPurpose = 'confirm' | 'unsubscribe' | `return-${number}`;

function mac(secret: string, subscriberId: number, purpose: TokenPurpose): Buffer {
  return createHmac('sha256', secret).update(`gazette:${purpose}:${subscriberId}`).digest();
}

/** Makes the token `<id>.<mac>` for a subscriber and purpose. */
export function createToken(secret: string, subscriberId: number, purpose: TokenPurpose): string {
  return `${subscriberId}.${mac(secret, subscriberId, purpose).toString('base64url')}`;
}

/** Returns the subscriber id a token was made for, or null when it is malformed, forged or for another purpose. */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose): number | null {
  const match = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!match) return null;
  const id = Number(match[1]);
  const given = Buffer.from(match[2] ?? '', 'base64url');
  const expected = mac(secret, id, purpose);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/**
 * The token for an email local part, `<id>-<mac>`: the same HMAC as `createToken`, cut to 128 bits and written in
 * lower-case hex, so it fits the 64-octet limit and survives a server that folds the address to lower case.
 */
export function createAddressToken(secret: string, subscriberId: number, purpose: TokenPurpose): string {
  return `${subscriberId}-${mac(secret, subscriberId, purpose).subarray(0, 16).toString('hex')}`;
}

/** Returns the subscriber id of an address token (any case), or null when it is malformed, forged or for another purpose. */
export function verifyAddressToken(secret: string, token: string, purpose: TokenPurpose): number | null {
  const match = /^([1-9]\d{0,15})-([0-9a-f]{32})$/i.exec(token);
  if (!match) return null;
  const id = Number(match[1]);
  const given = Buffer.from((match[2] ?? '').toLowerCase(), 'hex');
  const expected = mac(secret, id, purpose).subarray(0, 16);
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

/** The secret for tokens: `GAZETTE_SECRET` when set, else one generated on first use and kept in the store. */
export async function resolveSecret(configured: string | null, store: Store): Promise<string> {
  return configured ?? store.getOrCreateSecret(() => randomBytes(32).toString('base64url'));
}

/** The https link that unsubscribes one reader (GET shows a button, POST unsubscribes). */
export function unsubscribeUrl(baseUrl: string, secret: string, subscriberId: number): string {
  return `${baseUrl}/unsubscribe?token=${encodeURIComponent(createToken(secret, subscriberId, 'unsubscribe'))}`;
}

/** The link in the double opt-in mail that makes a pending reader active. */
export function confirmUrl(baseUrl: string, secret: string, subscriberId: number): string {
  return `${baseUrl}/confirm?token=${encodeURIComponent(createToken(secret, subscriberId, 'confirm'))}`;
}
