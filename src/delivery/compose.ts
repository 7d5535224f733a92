// Single messages (double opt-in, notices): composed whole by nodemailer's MailComposer, which encodes names
// and subjects (RFC 2047) and folds header lines; the digest uses the faster per-digest template in message.ts.
import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { parseMailbox } from '../config/schema.js';
import { oneLine } from '../content/text.js';
import { DeliveryError } from '../errors.js';
import type { RawMessage } from './transport.js';

/** One mailbox: an address and the display name, if any. */
export interface Mailbox {
  address: string;
  name: string | null;
}

/** What a single message says and to whom. */
export interface MailInput {
  /** `Name <address>` as in site.json, or a parsed mailbox. */
  from: string | Mailbox;
  to: Mailbox;
  subject: string;
  html: string;
  text: string;
  /** `<…@…>`; see `messageIdFor` for a stable one. */
  messageId: string;
  /** Extra headers (List-Unsubscribe and the like); values are folded and encoded, never raw. */
  headers?: Record<string, string>;
  replyTo?: string | Mailbox | null;
  date?: Date;
  /** The envelope sender (SMTP MAIL FROM), where bounces go: the From address when not given. */
  envelopeFrom?: string;
}

const headerName = /^[!-9;-~]+$/;

/** Parses a `from` / `replyTo` value into a mailbox; a malformed one is a DeliveryError. */
export function toMailbox(value: string | Mailbox): Mailbox {
  if (typeof value !== 'string') return value;
  const parsed = parseMailbox(value);
  if (!parsed) throw new DeliveryError(`"${value}" is not a mailbox like "Name <address>"`);
  return parsed;
}

/** The domain of an address (after the last @), lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/**
 * A Message-ID on the sender's domain, `<label.HASH@domain>`: the same label and key always give the same id
 * (so a resent copy is recognisable), and the hash keeps ids of different databases apart.
 */
export function messageIdFor(label: string, key: string, from: string | Mailbox): string {
  const safeLabel = label.replace(/[^A-Za-z0-9.-]/g, '-');
  const hash = createHash('sha256').update(key).digest('base64url').slice(0, 16).replace(/[_-]/g, 'x');
  return `<${safeLabel}.${hash}@${domainOf(toMailbox(from).address)}>`;
}

/** A mailbox as nodemailer takes it, each part on one line. */
export function nodemailerAddress(mailbox: Mailbox): { name: string; address: string } {
  return { name: oneLine(mailbox.name ?? ''), address: oneLine(mailbox.address) };
}

/** Composes one complete RFC 5322 message (multipart/alternative text + HTML) with its envelope. */
export async function composeMessage(mail: MailInput): Promise<RawMessage> {
  const from = nodemailerAddress(toMailbox(mail.from));
  const to = nodemailerAddress(mail.to);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(mail.headers ?? {})) {
    if (!headerName.test(name)) throw new DeliveryError(`"${name}" is not a valid header name`);
    headers[name] = oneLine(value);
  }
  const replyTo = mail.replyTo ? nodemailerAddress(toMailbox(mail.replyTo)) : undefined;
  const messageId = oneLine(mail.messageId);
  const node = new MailComposer({
    from,
    to,
    ...(replyTo ? { replyTo } : {}),
    subject: oneLine(mail.subject),
    messageId,
    date: mail.date ?? new Date(),
    // Quoted-printable always (nodemailer sends ASCII as 7bit), so that a line's `From ` can be written `=46rom `.
    text: { content: mail.text, contentTransferEncoding: 'quoted-printable' },
    html: { content: mail.html, contentTransferEncoding: 'quoted-printable' },
    headers,
    newline: 'win',
  }).compile();
  const raw = await node.build();
  return { envelope: { from: mail.envelopeFrom ?? from.address, to: to.address }, messageId, raw: withoutFromLines(raw) };
}

/**
 * The message with the F of each body line starting `From ` written `=46` (every text part is quoted-printable):
 * mbox delivery writes `>From ` for such a line, which changes the signed body and fails DKIM. The header has none
 * (its field is `From:`).
 */
function withoutFromLines(raw: Buffer): Buffer {
  const source = raw.toString('latin1');
  const body = source.indexOf('\r\n\r\n');
  if (!source.includes('\r\nFrom ', body)) return raw;
  return Buffer.from(source.slice(0, body) + source.slice(body).replaceAll('\r\nFrom ', '\r\n=46rom '), 'latin1');
}
