// A digest's messages, composed once per digest: nodemailer's MailComposer builds the MIME skeleton (static headers,
// boundaries, part headers) and quoted-printable encodes the bodies between the per-reader placeholders once.
// Each reader's message is then a few small encoded values spliced between those prepared pieces.
import MailComposer from 'nodemailer/lib/mail-composer';
import MimeNode from 'nodemailer/lib/mime-node';
import { encodeWord, foldLines, quoteString } from 'nodemailer/lib/mime-funcs';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { editionsOf, hasEditions } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import { oneLine } from '../content/text.js';
import { copyFor } from '../digest/assemble.js';
import { mailHtml, personalize, placeholders, type Reader, type RenderedEmail } from '../digest/personalize.js';
import { digestWebUrl } from '../digest/urls.js';
import { t } from '../i18n/index.js';
import type { DigestRecord } from '../store/types.js';
import { bounceAddress, unsubscribeAddress } from '../inbound/verp.js';
import { preferencesUrl, unsubscribeUrl } from '../subscribers/tokens.js';
import { messageIdFor, nodemailerAddress, toMailbox, type Mailbox } from './compose.js';
import type { RawMessage } from './transport.js';

/** The reader a message is for. */
export interface Recipient {
  /** The reader's opaque id: the links' tokens and the Message-ID carry it. */
  publicId: string;
  /** The sequential id: only the return-path addresses carry it (a public id and a MAC do not fit a local part). */
  subscriberId: number;
  email: string;
  name: string | null;
  /** The sections the reader chose (keys); empty: all. */
  sections: readonly string[];
}

/** Makes each reader's message of one digest; null when none of its articles is in the reader's sections. */
export type DigestMessages = (recipient: Recipient, now: Date) => RawMessage | null;

type Field = keyof Reader;
const fields = Object.keys(placeholders) as Field[];
const tokenPattern = new RegExp(fields.map((f) => placeholders[f]).join('|'), 'g');
const fieldOfToken = new Map(fields.map((f) => [placeholders[f] as string, f]));

// Values are separated by NUL in the probe: personalize turns control characters in values into spaces, so a
// NUL in its output can only be one of these separators.
const probe: RenderedEmail = {
  subject: '',
  html: fields.map((f) => placeholders[f]).join('\u0000'),
  text: fields.map((f) => placeholders[f]).join('\u0000'),
};

/** The reader's values as personalize escapes them for each part: HTML-escaped for HTML, one line for text. */
function readerValues(reader: Reader, anonymous: string): { html: Record<Field, string>; text: Record<Field, string> } {
  const { html, text } = personalize(probe, reader, anonymous);
  const pick = (joined: string): Record<Field, string> => {
    const values = joined.split('\u0000');
    return Object.fromEntries(fields.map((f, i) => [f, values[i] ?? ''])) as Record<Field, string>;
  };
  return { html: pick(html), text: pick(text) };
}

// Lines of 75 characters leave room for the `=` of the soft line break that joins two encoded pieces.
const qpLine = 75;
const softBreak = Buffer.from('=\r\n', 'latin1');

/**
 * `text` quoted-printable, with the F of every `From ` written `=46`: a piece or a value spliced after a soft line break
 * starts a line, and so may a headline, and mbox delivery writes `>From ` for a line that starts `From `, which changes
 * what the reader sees and breaks the DKIM body hash (RFC 2049 §3(8)). Encoded before wrapping, so lines stay in length.
 */
function quotedPrintable(text: string): string {
  return qpWrap(qpEncode(text).replaceAll('From ', '=46rom '), qpLine);
}

/** A body cut at its placeholders, each piece quoted-printable encoded once. */
interface EncodedBody {
  pieces: Buffer[];
  /** `fields[i]` comes after `pieces[i]`. */
  fields: Field[];
}

function encodeBody(template: string): EncodedBody {
  const crlf = template.replace(/\r?\n/g, '\r\n');
  const pieces: Buffer[] = [];
  const bodyFields: Field[] = [];
  let last = 0;
  for (const match of crlf.matchAll(tokenPattern)) {
    pieces.push(Buffer.from(quotedPrintable(crlf.slice(last, match.index)), 'latin1'));
    bodyFields.push(fieldOfToken.get(match[0]) as Field);
    last = match.index + match[0].length;
  }
  pieces.push(Buffer.from(quotedPrintable(crlf.slice(last)), 'latin1'));
  return { pieces, fields: bodyFields };
}

/** Appends a body to `out`, pieces and values joined by soft line breaks (which decode to nothing). */
function spliceBody(body: EncodedBody, values: Record<Field, string>, out: Buffer[]): void {
  out.push(body.pieces[0] as Buffer);
  for (let i = 0; i < body.fields.length; i++) {
    const value = values[body.fields[i] as Field];
    if (value !== '') out.push(softBreak, Buffer.from(quotedPrintable(value), 'latin1'));
    const next = body.pieces[i + 1] as Buffer;
    if (next.length > 0) out.push(softBreak, next);
  }
}

/**
 * A display name as a header phrase: bare when plain, quoted when ASCII with specials, else RFC 2047. A name with
 * `=?` is encoded too: RFC 2047 forbids encoded words inside quotes, yet clients decode them there, so a quoted
 * `=?utf-8?B?…?=` showed as a name of the sender's choosing ("Admin <admin@evil.org>").
 */
function phrase(name: string): string {
  if (/^[\w ]*$/.test(name)) return name;
  if (/^[\x20-\x7e]*$/.test(name) && !name.includes('=?')) return quoteString(name);
  return encodeWord(name, 'Q', 52);
}

function mailboxHeader(mailbox: Mailbox): string {
  const name = oneLine(mailbox.name ?? '');
  // The address is stored validated; angle brackets and controls are dropped anyway so none can end the field.
  // eslint-disable-next-line no-control-regex
  const address = mailbox.address.replace(/[\u0000-\u001f\u007f<>,;\s]+/g, '');
  return name ? `${phrase(name)} <${address}>` : `<${address}>`;
}

function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * `List-Id: "Title" <newsletter.host>`, the same for every issue; on a site with editions each edition is a list
 * of its own (RFC 2919), `"Title: Edition" <edition.newsletter.host>`, so a reader can file each apart.
 */
export function listId(config: SiteConfig, editionId: string): string {
  const host = new URL(config.baseUrl).hostname;
  const edition = hasEditions(config) ? editionsOf(config).find((e) => e.id === editionId) : undefined;
  if (edition === undefined) return `${phrase(oneLine(config.title))} <newsletter.${host}>`;
  return `${phrase(oneLine(`${config.title}: ${edition.name}`))} <${edition.id}.newsletter.${host}>`;
}

/** The `mailto:` unsubscribe: an address at the return path's domain that carries the reader's token (and `edition`'s, when not null) itself. */
export function unsubscribeMailto(returnPath: string, secret: string, subscriberId: number, edition: string | null = null): string {
  return `mailto:${unsubscribeAddress(returnPath, secret, subscriberId, edition)}?subject=unsubscribe`;
}

/** The stable Message-ID of one reader's copy of a digest. */
export function digestMessageId(digest: Pick<DigestRecord, 'number' | 'createdAt'>, publicId: string, from: Mailbox): string {
  const label = `digest-${digest.number}.reader-${publicId}`;
  return messageIdFor(label, `${digest.createdAt.toISOString()}:${label}`, from);
}

const textMark = 'GZTEXTBODYGZ';
const htmlMark = 'GZHTMLBODYGZ';

/** Splits a built message into its header block (without the fields set per reader) and the body around the marks. */
function skeleton(built: Buffer): { head: Buffer; parts: [Buffer, Buffer, Buffer] } {
  const source = built.toString('latin1');
  const end = source.indexOf('\r\n\r\n');
  const perReader = /^(date|message-id|to|subject):/i;
  const kept = source
    .slice(0, end)
    .split(/\r\n(?![ \t])/)
    .filter((field) => !perReader.test(field));
  const body = source.slice(end);
  const textAt = body.indexOf(textMark);
  const htmlAt = body.indexOf(htmlMark);
  if (textAt < 0 || htmlAt < textAt) throw new Error('the message skeleton lost its body marks');
  const part = (from: number, to?: number): Buffer => Buffer.from(body.slice(from, to), 'latin1');
  return {
    head: Buffer.from(`${kept.join('\r\n')}`, 'latin1'),
    parts: [part(0, textAt), part(textAt + textMark.length, htmlAt), part(htmlAt + htmlMark.length)],
  };
}

/**
 * The Subject field of a copy, encoded and folded as MailComposer does it. One holding `=?` is encoded whole, as a
 * name is (see phrase): a headline spelt as an encoded word showed decoded, as words the desk never wrote.
 */
function subjectField(subject: string): string {
  const line = oneLine(subject);
  const node = new MimeNode('text/plain', { newline: 'win' });
  node.setHeader('Subject', line.includes('=?') ? { prepared: true, foldLines: true, value: encodeWord(line, 'Q', 52) } : line);
  return node.buildHeaders().split(/\r\n(?![ \t])/)[0] ?? '';
}

/** A copy's parts that are the same for each of its readers. */
interface EncodedCopy {
  subject: string;
  text: EncodedBody;
  html: EncodedBody;
}

/**
 * Prepares the messages of one stored digest: composed once here, each copy (combination of sections)
 * encoded once, then per reader only the To, Date, Message-ID and List-Unsubscribe fields, the envelope sender
 * and the reader's values in the bodies.
 */
export async function prepareDigestMessages(digest: DigestRecord, config: SiteConfig, secret: string): Promise<DigestMessages> {
  const from = toMailbox(config.newsletter.from);
  const replyTo = config.newsletter.replyTo ? toMailbox(config.newsletter.replyTo) : null;
  const built = await new MailComposer({
    from: nodemailerAddress(from),
    ...(replyTo ? { replyTo: nodemailerAddress(replyTo) } : {}),
    headers: {
      'List-Id': { prepared: true, foldLines: true, value: listId(config, digest.edition) },
      // RFC 8058 one-click needs an https unsubscribe URI: a site on http (a trial on a laptop) offers the link only.
      ...(config.baseUrl.startsWith('https:') ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
      Precedence: 'bulk',
      'Auto-Submitted': 'auto-generated',
    },
    text: { content: textMark, contentType: 'text/plain; charset=utf-8', contentTransferEncoding: 'quoted-printable' },
    html: { content: htmlMark, contentType: 'text/html; charset=utf-8', contentTransferEncoding: 'quoted-printable' },
    newline: 'win',
  })
    .compile()
    .build();
  const { head, parts } = skeleton(built);
  const copies = new Map<RenderedEmail, EncodedCopy>();
  const webUrl = digestWebUrl(config, digest);
  const { returnPath } = config.newsletter;
  const anonymous = t(config.locale, 'mail.greeting.anonymous');
  // Each edition is a list of its own (see listId): its unsubscribe link and mailto leave that edition only (see the
  // server and the inbound listener).
  const edition = hasEditions(config) ? digest.edition : null;
  const editionParam = edition === null ? '' : `&edition=${encodeURIComponent(edition)}`;

  return (recipient, now) => {
    const copy = copyFor(digest, recipient.sections);
    if (copy === null) return null;
    let encoded = copies.get(copy);
    if (!encoded) {
      encoded = { subject: subjectField(copy.subject), text: encodeBody(copy.text), html: encodeBody(mailHtml(copy.html)) };
      copies.set(copy, encoded);
    }
    const messageId = digestMessageId(digest, recipient.publicId, from);
    const https = `${unsubscribeUrl(config.baseUrl, secret, recipient.publicId)}${editionParam}`;
    const preferences = preferencesUrl(config.baseUrl, secret, recipient.publicId);
    const values = readerValues({ name: recipient.name, unsubscribeUrl: https, preferencesUrl: preferences, webUrl }, anonymous);
    const fieldsOfReader = [
      foldLines(`To: ${mailboxHeader({ address: recipient.email, name: recipient.name })}`, 76),
      `Date: ${rfc5322Date(now)}`,
      `Message-ID: ${messageId}`,
      encoded.subject,
      foldLines(`List-Unsubscribe: <${https}>${returnPath ? `, <${unsubscribeMailto(returnPath, secret, recipient.subscriberId, edition)}>` : ''}`, 76),
      '',
    ].join('\r\n');
    const out: Buffer[] = [Buffer.from(fieldsOfReader, 'utf8'), head, parts[0]];
    spliceBody(encoded.text, values.text, out);
    out.push(parts[1]);
    spliceBody(encoded.html, values.html, out);
    out.push(parts[2]);
    // With a return path, bounces come back to a VERP address naming this digest and reader (SPEC "Return path").
    const sender = returnPath ? bounceAddress(returnPath, secret, digest.number, recipient.subscriberId) : from.address;
    return { envelope: { from: sender, to: recipient.email }, messageId, raw: Buffer.concat(out) };
  };
}

