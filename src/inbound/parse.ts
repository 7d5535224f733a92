// What a message that reached the return path is: a delivery status notification (RFC 3464, or one of the
// non-standard bounces older servers still send), a complaint (ARF, RFC 5965), an auto-reply (RFC 3834), a
// mailto unsubscribe, or nothing Gazette acts on. Pure: the bytes in, a plain object out; no store, no secret.
import { createHash } from 'node:crypto';
import PostalMime, { type Email } from 'postal-mime';
import { oneLine, shorten } from '../content/text.js';
import { enhancedStatusOf, isBadAddress } from '../delivery/status.js';

/** How a delivery ended for the reader, as the report says or as guessed from a non-standard one. */
export type DeliveryVerdict = 'permanent' | 'transient' | 'delivered';

/** Fields every parsed message has. */
interface Common {
  /** The report's own identity (its Message-ID, else a hash of its bytes): the same report twice counts once. */
  id: string;
  /**
   * Addresses quoted from the original message inside the report (its Return-Path and List-Unsubscribe mailtos,
   * ARF's Original-Mail-From): they name the reader when the report did not come to a VERP address.
   */
  references: string[];
}

/** A delivery status notification. */
export interface DsnReport extends Common {
  kind: 'dsn';
  verdict: DeliveryVerdict;
  /** Enhanced status code (`5.1.1`), or null when none was given or found. */
  status: string | null;
  /** The remote server's words (Diagnostic-Code or the line that held the code), one line, at most 300 characters. */
  diagnostic: string | null;
  /** The recipient the report is about, when it says. */
  recipient: string | null;
  /** True for a multipart/report DSN; false when the verdict was guessed from a non-standard bounce. */
  standard: boolean;
}

/** One message that arrived at the return path, classified. */
export type InboundMessage =
  | DsnReport
  | (Common & { kind: 'arf'; feedbackType: string; recipient: string | null })
  | (Common & { kind: 'auto-reply' })
  | (Common & { kind: 'mailto-unsubscribe'; from: string | null })
  | (Common & { kind: 'unknown'; reason: string });

/**
 * Feedback types that speak for a reader: RFC 5965's complaints, and the draft's `opt-out` and `opt-out-list` (which
 * some feedback loops still send for a reader's request to leave: see optOutTypes). `not-spam`, `auth-failure` and
 * the like do not.
 */
const readerTypes = new Set(['abuse', 'fraud', 'virus', 'other', 'opt-out', 'opt-out-list']);

/** Feedback types that ask for a reader to leave the list, no complaint of spam (draft-shafranovich-feedback-report). */
export const optOutTypes: ReadonlySet<string> = new Set(['opt-out', 'opt-out-list']);

type Fields = Map<string, string>;

/** Reads header-style field groups (a delivery-status or feedback-report body): folded lines joined, groups split by blank lines. */
export function parseFieldGroups(text: string): Fields[] {
  const groups: Fields[] = [];
  let current: Fields | null = null;
  let last: string | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') {
      current = null;
      last = null;
      continue;
    }
    if (/^[ \t]/.test(line) && current && last) {
      current.set(last, `${current.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    if (!current) {
      current = new Map();
      groups.push(current);
    }
    last = line.slice(0, colon).trim().toLowerCase();
    current.set(last, line.slice(colon + 1).trim());
  }
  return groups;
}

function header(email: Email, key: string): string | null {
  return email.headers.find((h) => h.key === key)?.value ?? null;
}

function attachmentText(email: Email, types: readonly string[]): string | null {
  const part = email.attachments.find((a) => types.includes(a.mimeType));
  if (!part) return null;
  return typeof part.content === 'string' ? part.content : Buffer.from(part.content as ArrayBuffer).toString('utf8');
}

/** `rfc822; ann@example.net` → `ann@example.net` */
function addressField(value: string | undefined): string | null {
  if (!value) return null;
  const address = value.replace(/^[^;]*;/, '').trim().replace(/^<|>$/g, '');
  return address.includes('@') ? address : null;
}

function clean(text: string | null | undefined): string | null {
  if (!text) return null;
  const line = oneLine(text);
  return line === '' ? null : shorten(line, 300);
}

const statusPattern = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

function verdictOf(action: string, status: string | null, diagnostic: string): DeliveryVerdict {
  if (/^(delivered|relayed|expanded|deliverable)$/.test(action) || status?.startsWith('2')) return 'delivered';
  // Action "failed" with a 4.x.x status is a message given up after days of temporary errors: transient for the reader;
  // so is a 5.x.x that refuses the message or the sender (a DMARC policy, a filter) rather than the address. The
  // generic 5.0.0 (Postfix's when the remote reply had no enhanced code) is judged by the remote's words. When the
  // remote's own code differs from the report's (sendmail writes 5.1.1 over a remote `550 5.7.1 IP blacklisted`), both
  // must name the address as bad.
  if (status) {
    const remote = enhancedStatusOf(diagnostic);
    const statuses = remote !== null && remote !== status ? [status, remote] : [status];
    return status.startsWith('5') && statuses.every((each) => isBadAddress({ status: each, words: diagnostic })) ? 'permanent' : 'transient';
  }
  return action === 'failed' ? 'permanent' : 'transient';
}

/**
 * The verdict of a standard DSN from its message/delivery-status part, or null when it has no usable recipient group.
 * Without a Diagnostic-Code, a code that is not permanent alone is judged by the Status comment and `notice`.
 */
function readDeliveryStatus(text: string, notice: string): Omit<DsnReport, 'kind' | keyof Common> | null {
  const recipients = parseFieldGroups(text).filter((g) => g.has('action') && (g.has('final-recipient') || g.has('original-recipient')));
  const chosen = recipients.find((g) => g.get('action')?.toLowerCase() === 'failed') ?? recipients[0];
  if (!chosen) return null;
  const action = (chosen.get('action') ?? '').toLowerCase().split(/\s/)[0] ?? '';
  const status = statusPattern.exec(chosen.get('status') ?? '')?.[0] ?? null;
  const diagnostic = chosen.get('diagnostic-code');
  const verdict = verdictOf(action, status, diagnostic ?? '');
  const comment = /\((.*)\)/.exec(chosen.get('status') ?? '')?.[1] ?? '';
  return {
    verdict: diagnostic === undefined && verdict === 'transient' ? verdictOf(action, status, `${comment}\n${notice}`) : verdict,
    status,
    diagnostic: clean(chosen.get('diagnostic-code')?.replace(/^[\w-]+;\s*/, '')),
    recipient: addressField(chosen.get('final-recipient') ?? chosen.get('original-recipient')),
    standard: true,
  };
}

/** True for the bounces servers send without RFC 3464: from the mailer daemon, with X-Failed-Recipients, or so titled. */
function looksLikeBounce(email: Email, bySubject: boolean): boolean {
  // `From: mailer-daemon` (no domain) is a name to postal-mime, not an address.
  const from = email.from?.address || header(email, 'from') || '';
  const subject = email.subject ?? '';
  return (
    /^(mailer-daemon|postmaster)(@|$)/i.test(from) ||
    header(email, 'x-failed-recipients') !== null ||
    (bySubject && /undeliver|returned mail|failure notice|delivery (status notification|failure|failed|has failed)|mail delivery (failed|subsystem)|delivery problem/i.test(subject))
  );
}

/**
 * Where the quoted original message starts in a non-standard bounce: the separators of Exim, Gmail, qmail and Yahoo,
 * 1&1 and GMX, sendmail and IMail (the line trimmed), or the first header line of a message (`Return-Path:`,
 * `Received:`) at the very start of a line, as a message's header has it (a report's own lines are often indented).
 */
function startsQuote(line: string): boolean {
  return (
    /^(-+ ?(original message|this is a copy of the message|below this line is a copy of the message|the header of the original message is following|unsent message follows)|original message follows)/i.test(line.trim()) ||
    /^(return-path|received):/i.test(line)
  );
}

/** The report's own words: its text part up to the quoted original message (see startsQuote). */
function reportWords(email: Email): string {
  const lines = (email.text ?? '').split(/\r?\n/);
  const quoted = lines.findIndex(startsQuote);
  return (quoted === -1 ? lines : lines.slice(0, quoted)).join('\n');
}

/** The SMTP command a reply answered, as a bounce says it on its line or the lines around: Exim's `after RCPT TO:` (`after pipelined RCPT TO:`), Postfix's `(in reply to RCPT TO command)`, sendmail's `>>> MAIL From:`. */
const commandWords =
  /\b(?:after|in reply to)\s+(?:the\s+)?(?:pipelined\s+)?(initial connection|connect|helo|ehlo|mail from|rcpt to|end of data|data|message body)\b|^\s*>>>\s*(mail from|rcpt to|data|helo|ehlo)\b|^\s*(body of message) generated response|\bconnected to .* but (my name|sender) was rejected/i;

/**
 * What the reply on line `index` of a bounce's report answered: our sender (at connection, HELO or MAIL FROM, before
 * the reader's address was given), the reader's address (RCPT TO), the message (DATA), or null when it does not say.
 * The nearest mention on the line, the two before or the one after counts.
 */
function commandOf(lines: readonly string[], index: number): 'sender' | 'recipient' | 'message' | null {
  for (const at of [index, index - 1, index + 1, index - 2]) {
    const match = commandWords.exec(lines[at] ?? '');
    const command = (match?.[1] ?? match?.[2] ?? match?.[3] ?? match?.[4])?.toLowerCase().replace(/\s+/g, ' ');
    if (command === undefined) continue;
    if (command === 'rcpt to') return 'recipient';
    return /data|message|body/.test(command) ? 'message' : 'sender';
  }
  return null;
}

/**
 * Guesses the verdict of a non-standard bounce from its text before the quoted message, IP addresses left out: the
 * first enhanced status code, else the first SMTP reply code, else the report's words. Permanent only when it names
 * the address as bad (isBadAddress), never for a reply to our sender (at connection or MAIL FROM), and a bare reply code
 * counts only as an answer to RCPT TO; with nothing to go on it is transient (counted, not fatal). "This is a permanent
 * error" opens Exim's every bounce, a full mailbox's too: it says nothing of the address.
 */
function guessBounce(email: Email): Omit<DsnReport, 'kind' | keyof Common> {
  const text = email.text ?? '';
  // IP addresses (`[5.9.20.30]`) look like status codes, and the quoted original message is not the report.
  const lines = text.split(/\r?\n/).map((line) => line.replace(/\[?\b\d{1,3}(?:\.\d{1,3}){3}\b\]?/g, ' '));
  const quoted = lines.findIndex(startsQuote);
  const report = quoted === -1 ? lines : lines.slice(0, quoted);
  const enhancedCode = /\b[45]\.\d{1,3}\.\d{1,3}\b/;
  // A reply code stands alone or before an enhanced code (`550-5.1.1`); `555-0100` is a phone number.
  const replyCode = /(?:^|[\s:(])([45])(\d\d)(?=[\s:]|$|-[45]\.\d)/;
  const enhanced = report.findIndex((l) => enhancedCode.test(l));
  const smtp = report.findIndex((l) => replyCode.test(l));
  const recipient = header(email, 'x-failed-recipients')?.split(',')[0]?.trim() ?? null;
  const coded = enhanced !== -1 ? enhanced : smtp;
  if (coded !== -1) {
    const line = report[coded] ?? '';
    const command = commandOf(report, coded);
    const [, klass, rest] = replyCode.exec(line) ?? [];
    const status = enhanced !== -1 ? (enhancedCode.exec(line)?.[0] ?? null) : klass ? `${klass}.0.0` : null;
    const rcptCode = command === 'recipient' && klass ? Number(`${klass}${rest}`) : null;
    // A line of nothing but a code (qmail's `. (#5.5.0)`) is judged with the reply on the line before it.
    const words = /^[\s.]*\(?#?[45]\.\d{1,3}\.\d{1,3}\)?\s*$/.test(line) ? `${report[coded - 1] ?? ''}\n${line}` : line;
    const permanent = command !== 'sender' && status !== null && status.startsWith('5') && isBadAddress({ status: enhanced !== -1 ? status : null, words, rcptCode });
    return { verdict: permanent ? 'permanent' : 'transient', status, diagnostic: clean(words), recipient, standard: false };
  }
  // Nothing coded: the report's own words (never the quoted digest's: an article may say "does not exist").
  const permanent = isBadAddress({ status: null, words: report.join('\n') });
  return { verdict: permanent ? 'permanent' : 'transient', status: null, diagnostic: clean(email.subject), recipient, standard: false };
}

/**
 * RFC 3834 `Auto-Submitted` other than `no` (but not at the unsubscribe address), or the headers and subjects
 * auto-responders use without it.
 */
function isAutoReply(email: Email, addressedTo: 'bounce' | 'unsubscribe' | null): boolean {
  const autoSubmitted = (header(email, 'auto-submitted') ?? 'no').split(';')[0]?.trim().toLowerCase();
  // Mail clients that unsubscribe for their user mark their mail so (Apple Mail's Unsubscribe button `auto-replied`,
  // others `auto-generated`): at the unsubscribe address an out-of-office must show itself by its other headers or subject.
  if (autoSubmitted !== 'no' && addressedTo !== 'unsubscribe') return true;
  if (header(email, 'x-autoreply') !== null || header(email, 'x-autorespond') !== null) return true;
  if (/^auto_?reply$/i.test(header(email, 'precedence') ?? '')) return true;
  return /^(auto(matic)? ?reply|autoreply|out of (the )?office|auto:)/i.test(email.subject ?? '');
}

/** The header fields of the original message quoted in a report, or null when it quotes none. */
function quotedHeaders(email: Email): Fields | null {
  const quoted = attachmentText(email, ['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);
  if (!quoted) return null;
  const head = quoted.split(/\r?\n\r?\n/)[0] ?? '';
  return parseFieldGroups(head)[0] ?? new Map<string, string>();
}

/** Addresses of the original message quoted in a report (`fields`, see quotedHeaders): its Return-Path and List-Unsubscribe mailtos. */
function quotedAddresses(fields: Fields | null): string[] {
  if (!fields) return [];
  const found: string[] = [];
  const returnPath = addressField(fields.get('return-path'));
  if (returnPath) found.push(returnPath);
  for (const match of (fields.get('list-unsubscribe') ?? '').matchAll(/<mailto:([^?>]+)/gi)) if (match[1]) found.push(decodeURIComponent(match[1]));
  return found;
}

function reportType(email: Email): string | null {
  const contentType = header(email, 'content-type') ?? '';
  if (!/^multipart\/report\b/i.test(contentType)) return null;
  return /report-type\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1]?.toLowerCase() ?? null;
}

/** More lines starting with `--` than any delivery report, complaint or unsubscribe has (each part starts with one). */
const maxPartLines = 500;

/**
 * Lines of `raw` that start with `--` (MIME boundary delimiters among them) or a `Content-Type:` field (each
 * `message/rfc822` one starts a message within), counted up to just past `limit`.
 */
function countPartLines(raw: Buffer | string, limit: number): number {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  let count = 0;
  for (const _line of text.matchAll(/^(?:--|content-type:)/gim)) if (++count > limit) break;
  return count;
}

/**
 * Classifies one message that arrived at the return path. `addressedTo` is what its verified envelope recipient
 * named (`unsubscribe` makes a plain message a mailto unsubscribe). Never throws: what cannot be read is `unknown`.
 */
export async function parseInboundMessage(raw: Buffer | string, addressedTo: 'bounce' | 'unsubscribe' | null): Promise<InboundMessage> {
  const fallbackId = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  // A report has a handful of MIME parts; 80,000 empty ones (800 KB, under the size limit) held this thread 2 s in
  // postal-mime, and the daemon's web server with it, as did 31,000 nested `message/rfc822` headers (1.1 s). Lines that
  // start a part or name its type are counted before anything is parsed.
  const partLines = countPartLines(raw, maxPartLines);
  if (partLines > maxPartLines) return { kind: 'unknown', reason: `over ${maxPartLines} MIME part delimiters and types: no report has that many`, id: fallbackId, references: [] };
  let email: Email;
  try {
    email = await PostalMime.parse(raw, { forceRfc822Attachments: true, attachmentEncoding: 'utf8', maxNestingDepth: 20 });
  } catch (error) {
    return { kind: 'unknown', reason: `unreadable MIME: ${error instanceof Error ? error.message : String(error)}`, id: fallbackId, references: [] };
  }
  const id = email.messageId?.trim() || fallbackId;
  const quoted = quotedHeaders(email);
  const references = quotedAddresses(quoted);
  const type = reportType(email);

  // Microsoft's feedback loop (JMRP) sends no ARF: the original message, attached whole, under a subject of its own.
  // Never to the unsubscribe address, where everything is the request of its reader.
  if (type === null && quoted !== null && addressedTo !== 'unsubscribe' && /^complaint about message from\b/i.test(email.subject?.trim() ?? '')) {
    return { kind: 'arf', feedbackType: 'abuse', recipient: addressField(quoted.get('x-hmxmroriginalrecipient')), id, references };
  }

  if (type === 'feedback-report') {
    const fields = parseFieldGroups(attachmentText(email, ['message/feedback-report']) ?? '')[0];
    const feedbackType = fields?.get('feedback-type')?.toLowerCase() ?? '';
    const mailFrom = addressField(fields?.get('original-mail-from'));
    if (mailFrom) references.unshift(mailFrom);
    if (readerTypes.has(feedbackType)) {
      return { kind: 'arf', feedbackType, recipient: addressField(fields?.get('original-rcpt-to')), id, references };
    }
    return { kind: 'unknown', reason: `feedback report of type "${feedbackType || 'missing'}" is not a complaint`, id, references };
  }
  if (type === 'delivery-status' || type === 'global-delivery-status') {
    const status = readDeliveryStatus(attachmentText(email, ['message/delivery-status', 'message/global-delivery-status']) ?? '', reportWords(email));
    if (status) return { kind: 'dsn', ...status, id, references };
  }
  // Postfix, Gmail and Exim mark their bounces `Auto-Submitted: auto-replied` too: a bounce is not an out-of-office.
  // A subject is no sign of a bounce in an auto-reply: an out-of-office quotes the digest's subject ("… undelivered").
  const autoReply = isAutoReply(email, addressedTo);
  const bounce = looksLikeBounce(email, !autoReply) || type === 'delivery-status';
  if (autoReply && !bounce) return { kind: 'auto-reply', id, references };
  if (bounce) return { kind: 'dsn', ...guessBounce(email), id, references };
  if (addressedTo === 'unsubscribe') return { kind: 'mailto-unsubscribe', from: email.from?.address ?? null, id, references };
  return { kind: 'unknown', reason: 'not a delivery report, complaint or unsubscribe', id, references };
}
