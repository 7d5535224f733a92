// Unforgeable links: a token names one reader by their opaque public id, one purpose and (to confirm) one request,
// signed with HMAC-SHA256 over all of them.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/types.js';

/**
 * What a token lets its bearer do; `return-N` names the digest a VERP envelope sender was made for, `return-confirm`
 * the confirmation mails', `unsubscribe-edition:<id>` the mailto unsubscribe of one edition's mail.
 */
export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences' | `return-${number}` | 'return-confirm' | `unsubscribe-edition:${string}`;

/** What a valid token names: the reader's public id and, for a confirm token, the request's nonce (else ''). */
export interface TokenSubject {
  publicId: string;
  nonce: string;
}

function mac(secret: string, purpose: TokenPurpose, { publicId, nonce }: TokenSubject): Buffer {
  return createHmac('sha256', secret).update(`gazette:${purpose}:${publicId}:${nonce}`).digest();
}

/** Makes the token `<publicId>.<mac>` (unsubscribe) or `<publicId>.<nonce>.<mac>` (confirm one request). */
export function createToken(secret: string, publicId: string, purpose: TokenPurpose, nonce = ''): string {
  const signature = mac(secret, purpose, { publicId, nonce }).toString('base64url');
  return nonce === '' ? `${publicId}.${signature}` : `${publicId}.${nonce}.${signature}`;
}

const shapes = {
  plain: /^([0-9a-f]{32})\.()([A-Za-z0-9_-]{43})$/,
  confirm: /^([0-9a-f]{32})\.([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$/,
};

/**
 * What a token names, or null when it is malformed, forged or for another purpose. One spelling only: the MAC must
 * be the canonical base64url of its bytes (the last character of 43 carries 2 spare bits, which decoding ignores).
 */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose): TokenSubject | null {
  const match = (purpose === 'confirm' ? shapes.confirm : shapes.plain).exec(token);
  if (!match) return null;
  const subject = { publicId: match[1] ?? '', nonce: match[2] ?? '' };
  const text = match[3] ?? '';
  const given = Buffer.from(text, 'base64url');
  if (given.toString('base64url') !== text) return null;
  const expected = mac(secret, purpose, subject);
  return given.length === expected.length && timingSafeEqual(given, expected) ? subject : null;
}

/**
 * The sequential id an unsubscribe link in mail sent before readers had public ids names (`<id>.<mac>`, the whole
 * address MAC of its mailto unsubscribe), or null. Unsubscribing only: a reader must be able to leave from any mail ever sent,
 * and a link that can do nothing else needs no nonce. (Today's MACs cover a `:` and a nonce after the public id, so
 * neither kind can pass for the other.)
 */
export function verifyLegacyUnsubscribeToken(secret: string, token: string): number | null {
  const match = /^([1-9]\d{0,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
  const text = match?.[2] ?? '';
  const given = Buffer.from(text, 'base64url');
  if (!match || given.toString('base64url') !== text) return null;
  const id = Number(match[1]);
  return timingSafeEqual(given, addressMac(secret, id, 'unsubscribe')) ? id : null;
}

/** A new request's nonce: 128 random bits as 32 hex digits. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

// An address token still names the sequential id: the public id and a MAC would not fit the 64-octet local part.
function addressMac(secret: string, subscriberId: number, purpose: TokenPurpose): Buffer {
  return createHmac('sha256', secret).update(`gazette:${purpose}:${subscriberId}`).digest();
}

/**
 * Bytes of an address token's MAC: 80 bits, so that a VERP address with room for its digest and reader numbers keeps to
 * 64 octets. RFC 2104 (section 5) asks for no fewer, and for half the hash against birthday attacks, which need a
 * MAC an attacker can compute offline; this one can only be tried by sending mail to it, 2^-80 a guess. Gazette wrote
 * 128 bits before: tokens in mail already out (a mailto unsubscribe, a late bounce) are read as well.
 */
const ADDRESS_MAC_BYTES = 10;

/**
 * The token for an email local part, `<id>-<mac>`: an HMAC over purpose and id, cut to 80 bits and written in
 * lower-case hex (20 digits), which survives a server that folds the address to lower case.
 */
export function createAddressToken(secret: string, subscriberId: number, purpose: TokenPurpose): string {
  return `${subscriberId}-${addressMac(secret, subscriberId, purpose).subarray(0, ADDRESS_MAC_BYTES).toString('hex')}`;
}

/** The longest address token for a reader id of `idDigits` digits: what a return-path local part must leave room for. */
export function addressTokenLength(idDigits: number): number {
  return idDigits + 1 + 2 * ADDRESS_MAC_BYTES;
}

/** Returns the subscriber id of an address token (any case, 80 or 128 bits), or null when it is malformed, forged or for another purpose. */
export function verifyAddressToken(secret: string, token: string, purpose: TokenPurpose): number | null {
  const match = /^([1-9]\d{0,15})-([0-9a-f]{20}|[0-9a-f]{32})$/i.exec(token);
  if (!match) return null;
  const id = Number(match[1]);
  const given = Buffer.from((match[2] ?? '').toLowerCase(), 'hex');
  return timingSafeEqual(given, addressMac(secret, id, purpose).subarray(0, given.length)) ? id : null;
}

/** The secret for tokens: `GAZETTE_SECRET` when set, else one generated on first use and kept in the store. */
export async function resolveSecret(configured: string | null, store: Store): Promise<string> {
  return configured ?? store.getOrCreateSecret(() => randomBytes(32).toString('base64url'));
}

/** The https link that unsubscribes one reader (GET shows a button, POST unsubscribes). */
export function unsubscribeUrl(baseUrl: string, secret: string, publicId: string): string {
  return `${baseUrl}/unsubscribe?token=${encodeURIComponent(createToken(secret, publicId, 'unsubscribe'))}`;
}

/** The link to a reader's page of sections and editions (`/preferences`, linked from every digest). */
export function preferencesUrl(baseUrl: string, secret: string, publicId: string): string {
  return `${baseUrl}/preferences?token=${encodeURIComponent(createToken(secret, publicId, 'preferences'))}`;
}

/** The link in the double opt-in mail that confirms one request (GET shows a button, POST confirms). */
export function confirmUrl(baseUrl: string, secret: string, publicId: string, nonce: string): string {
  return `${baseUrl}/confirm?token=${encodeURIComponent(createToken(secret, publicId, 'confirm', nonce))}`;
}
