// Return-path addresses at `newsletter.returnPath`'s domain: `local+N-<token>` (VERP: digest N, one reader) is the
// envelope sender of each message, `local+c-<token>` that of a reader's confirmation mail, `local+u-<token>` the
// mailto unsubscribe (of one edition's mail, on a site with editions). The token says who and, by its purpose, which
// edition; nothing else does.
import { asciiDomain } from '../addresses.js';
import { addressTokenLength, createAddressToken, verifyAddressToken, type TokenPurpose } from '../subscribers/tokens.js';

/** What a return-path address names, once its token is verified. */
export type ReturnAddress =
  /** A bounce address: of one digest's message, or (digestNumber null) of a confirmation mail. */
  | { purpose: 'bounce'; subscriberId: number; digestNumber: number | null }
  /** The mailto unsubscribe: of the newsletter, or (edition not null) of that edition's mail. */
  | { purpose: 'unsubscribe'; subscriberId: number; edition: string | null };

/**
 * The longest local part `newsletter.returnPath` may have: RFC 5321 allows 64 octets, and a VERP address adds
 * `+<digest>-<reader>-<token>`, 36 characters up to digest 99,999 and reader 99,999,999 (a server may refuse a longer
 * envelope sender, and with it the message).
 */
export const maxReturnLocalPart = 64 - (1 + 5 + 1 + addressTokenLength(8));

function split(returnPath: string): { local: string; domain: string } {
  const at = returnPath.lastIndexOf('@');
  return { local: returnPath.slice(0, at), domain: returnPath.slice(at + 1).toLowerCase() };
}

/** The domain of the return path, lower-cased: the only one the inbound listener takes mail for. */
export function returnDomain(returnPath: string): string {
  return split(returnPath).domain;
}

/** The VERP envelope sender of one reader's copy of one digest. */
export function bounceAddress(returnPath: string, secret: string, digestNumber: number, subscriberId: number): string {
  const { local, domain } = split(returnPath);
  return `${local}+${digestNumber}-${createAddressToken(secret, subscriberId, `return-${digestNumber}`)}@${domain}`;
}

/**
 * The VERP envelope sender of a reader's confirmation mail: the mail most likely to bounce (a typo, a made-up address),
 * whose bounce then ends the request as a digest's ends a subscription.
 */
export function confirmationBounceAddress(returnPath: string, secret: string, subscriberId: number): string {
  const { local, domain } = split(returnPath);
  return `${local}+c-${createAddressToken(secret, subscriberId, 'return-confirm')}@${domain}`;
}

/**
 * The address a reader mails to unsubscribe (the mailto of List-Unsubscribe): from `edition` only, when not null. The
 * edition is in the token's MAC, not in the address, which has no room for a 40-letter id.
 */
export function unsubscribeAddress(returnPath: string, secret: string, subscriberId: number, edition: string | null = null): string {
  const { local, domain } = split(returnPath);
  return `${local}+u-${createAddressToken(secret, subscriberId, unsubscribePurpose(edition))}@${domain}`;
}

function unsubscribePurpose(edition: string | null): TokenPurpose {
  return edition === null ? 'unsubscribe' : `unsubscribe-edition:${edition}`;
}

/**
 * The domain of an envelope address as the return path spells it (ASCII, lower-cased), or null without an `@`: a
 * mail server hands an internationalised domain over in Unicode (`почта.пример.рф`), the config keeps it in punycode.
 */
export function envelopeDomain(address: string): string | null {
  const at = address.lastIndexOf('@');
  return at < 0 ? null : asciiDomain(address.slice(at + 1)).toLowerCase();
}

/**
 * Reads a return-path address: who and what it names, or null when it is another address or its token is forged. A
 * mailto unsubscribe names one of `editions` when its token was made for it.
 */
export function readReturnAddress(returnPath: string, secret: string, address: string, editions: readonly string[] = []): ReturnAddress | null {
  const { local, domain } = split(returnPath);
  const at = address.lastIndexOf('@');
  if (envelopeDomain(address) !== domain) return null;
  const given = address.slice(0, at);
  if (given.slice(0, local.length + 1).toLowerCase() !== `${local}+`.toLowerCase()) return null;
  const tag = given.slice(local.length + 1);
  const unsubscribe = /^u-(.+)$/i.exec(tag);
  if (unsubscribe) {
    for (const edition of [null, ...editions]) {
      const subscriberId = verifyAddressToken(secret, unsubscribe[1] ?? '', unsubscribePurpose(edition));
      if (subscriberId !== null) return { purpose: 'unsubscribe', subscriberId, edition };
    }
    return null;
  }
  const confirmation = /^c-(.+)$/i.exec(tag);
  if (confirmation) {
    const subscriberId = verifyAddressToken(secret, confirmation[1] ?? '', 'return-confirm');
    return subscriberId === null ? null : { purpose: 'bounce', subscriberId, digestNumber: null };
  }
  const bounce = /^([1-9]\d{0,9})-(.+)$/.exec(tag);
  if (!bounce) return null;
  const digestNumber = Number(bounce[1]);
  const subscriberId = verifyAddressToken(secret, bounce[2] ?? '', `return-${digestNumber}`);
  return subscriberId === null ? null : { purpose: 'bounce', subscriberId, digestNumber };
}
