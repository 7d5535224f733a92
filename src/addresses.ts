// Email addresses as Gazette takes them, in the site config and on the list: one pattern for both.
import { domainToASCII } from 'node:url';
import * as z from 'zod';

/** zod's practical address pattern, with a top-level domain that may also be an IDN one in punycode (`.xn--p1ai` is `.рф`). */
export const practicalEmail = z.email({ pattern: new RegExp(z.regexes.email.source.replace('[A-Za-z]{2,}$', '(?:[A-Za-z]{2,}|xn--[A-Za-z0-9-]{2,59})$')) });

/** An address's domain as mail carries it: ASCII, in punycode when it is written in another script (`пример.рф`); '' when it is none. */
export function asciiDomain(domain: string): string {
  return /^[\x21-\x7e]+$/.test(domain) ? domain : domainToASCII(domain);
}

/** `address` with its domain in ASCII (see asciiDomain) when that is a practical address, else null. */
export function asciiAddress(address: string): string | null {
  const at = address.lastIndexOf('@');
  const email = `${address.slice(0, at)}@${asciiDomain(address.slice(at + 1))}`;
  return at > 0 && practicalEmail.safeParse(email).success ? email : null;
}
