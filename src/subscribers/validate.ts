// What may enter the subscriber list: one rule for the CLI, the CSV import and the public form.
import { asciiDomain, practicalEmail } from '../addresses.js';

/** An address that passed `validateEmail`. */
export type ValidEmail = { ok: true; email: string };

/** A checked address, or why it was refused and how to fix it. */
export type EmailCheck = ValidEmail | { ok: false; message: string; hint: string };

const maxAddress = 254; // RFC 5321: the longest path is 256 octets including the angle brackets
const maxLocalPart = 64;
const maxLabel = 63;
const maxName = 100;

const typoHint = 'an address looks like name@example.org; fix the typo';

/** What is pasted around an address, and how a refusal says so: the address itself is the pattern's group. */
const pastedAround: readonly (readonly [RegExp, string])[] = [
  [/^mailto:(\S+)$/i, 'starts with "mailto:"'],
  [/^(\S+?)[;,]+$/, 'ends with a separator'],
  [/^(\S+)\s+\([^()]*\)$/, 'has a comment after it'],
];

function refuse(message: string, hint = typoHint): EmailCheck {
  return { ok: false, message, hint };
}

/**
 * Checks an address: one line, no spaces or control characters, one `@`, at most 254 characters (64 before
 * the `@`), a domain of valid DNS labels, and zod's practical address pattern. Surrounding spaces are trimmed;
 * an internationalised domain is stored in its ASCII (punycode) form.
 */
export function validateEmail(value: string): EmailCheck {
  if (/[\r\n\u2028\u2029]/.test(value)) return refuse('contains a line break', 'an address is one line; remove the line break');
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return refuse('contains a control character', 'retype the address');
  const trimmed = value.trim();
  if (trimmed === '') return refuse('is empty', 'give an address such as name@example.org');
  // As a mail program copies an address (`Jane Roe <jane@example.org>`): the address is in the brackets, when it is one.
  const [, name = '', inner = ''] = /^([^<>]*)<([^<>\s]+)>$/.exec(trimmed) ?? [];
  if (inner !== '' && validateEmail(inner).ok) {
    const hint = `give the address alone (${inner})`;
    return name.trim() === '' ? refuse('is in angle brackets', hint) : refuse('is a name with an address', `${hint}; a name goes in its own field`);
  }
  // As people paste an address with something around it (a link, a list's separator, a comment): the address alone is the fix.
  for (const [pattern, what] of pastedAround) {
    const alone = pattern.exec(trimmed)?.[1];
    if (alone !== undefined && validateEmail(alone).ok) return refuse(what, `give the address alone (${alone})`);
  }
  if (/\s/.test(trimmed)) return refuse('contains a space', 'an address has no spaces; remove them');
  const at = trimmed.lastIndexOf('@');
  if (at === -1) return refuse('has no @', typoHint);
  if (trimmed.indexOf('@') !== at) return refuse('has more than one @', typoHint);
  const local = trimmed.slice(0, at);
  const domainText = trimmed.slice(at + 1);
  if (local === '') return refuse('has nothing before the @', typoHint);
  if (local.length > maxLocalPart) return refuse(`has more than ${maxLocalPart} characters before the @`, 'check the address');
  if (!/^[\x21-\x7e]+$/.test(local)) return refuse('has non-ASCII characters before the @', 'Gazette sends to ASCII addresses only');
  const domain = asciiDomain(domainText);
  if (domain === '') return refuse(`has an invalid domain "${domainText}"`, 'check the part after the @');
  const email = `${local}@${domain}`;
  if (email.length > maxAddress) return refuse(`is longer than ${maxAddress} characters`, 'check the address');
  const labels = domain.split('.');
  if (labels.length < 2) return refuse(`has a domain without a dot ("${domain}")`, 'write the full domain, e.g. example.org');
  if (labels.some((label) => label.length === 0 || label.length > maxLabel || label.startsWith('-') || label.endsWith('-'))) {
    return refuse(`has an invalid domain "${domain}"`, 'each part of the domain is 1–63 letters, digits or inner hyphens');
  }
  if (!practicalEmail.safeParse(email).success) return refuse('is not a valid email address', typoHint);
  return { ok: true, email };
}

/** Domains whose mailboxes ignore dots before `@` and which are one another's aliases: Gmail's. */
const dotlessDomains = new Set(['gmail.com', 'googlemail.com']);

/**
 * The mailbox an address delivers to, for limits: lower case, without a `+tag` (`Ada+x@Example.org` and
 * `ada@example.org` reach the same person); at Gmail also without dots, and `googlemail.com` is `gmail.com`
 * (`a.d.a@googlemail.com` is `ada@gmail.com`'s inbox).
 */
export function mailboxKey(email: string): string {
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1).trim().toLowerCase();
  const local = (email.slice(0, at).split('+')[0] ?? '').trim().toLowerCase();
  return dotlessDomains.has(domain) ? `${local.replaceAll('.', '')}@gmail.com` : `${local}@${domain}`;
}

/** Cleans a display name: control and line-break characters become spaces, runs of space shrink, at most 100 characters; empty → null. */
export function cleanName(value: string | null | undefined): string | null {
  if (value == null) return null;
  const cleaned = value
    .normalize('NFC')
    // Cc: controls incl. CR/LF; Zl/Zp: line and paragraph separators; bidi overrides that could disguise text.
    .replace(/[\p{Cc}\p{Zl}\p{Zp}\u202a-\u202e\u2066-\u2069]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (cleaned === '') return null;
  const chars = Array.from(cleaned);
  return chars.length <= maxName ? cleaned : chars.slice(0, maxName).join('').trimEnd();
}
