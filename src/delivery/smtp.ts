// SMTP over a small pool of nodemailer's SMTPConnection sessions. Messages are already complete RFC 5322 bytes,
// so the Mail/MailComposer layers of a nodemailer transport would only add work (measured: about 2.5× slower
// on loopback); the send loop decides about retries and pace. The pool itself sends a message once more only when a
// relay ends a session at its own limit of messages (see `send`).
import type { Transform, TransformCallback } from 'node:stream';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { NodemailerError } from 'nodemailer';
import { DeliveryError } from '../errors.js';
import { defaultMessagesPerConnection, type DeliverySettings } from './settings.js';
import { SendFailure, type RawMessage, type Transport } from './transport.js';
import { enhancedStatusOf, isBadAddress } from './status.js';

/** How hard to push the SMTP server: the delivery settings the pool reads. */
export type SmtpSettings = Pick<DeliverySettings, 'maxConnections' | 'messagesPerConnection'>;

/** Network failures that may pass: the row stays pending and is tried again. */
const transientCodes = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'EPROTOCOL', 'ESTREAM', 'EMAXLIMIT']);

/**
 * Sorts an SMTP error into a SendFailure for this one message (4xx and network: temporary; 5xx to the recipient
 * or the message, or an address nodemailer cannot send to: permanent), or a DeliveryError when the setup itself
 * is wrong and no message can go out (login refused, sender rejected, TLS or configuration problems).
 */
function classifySmtpError(error: unknown): SendFailure | DeliveryError {
  const e = error as Partial<NodemailerError> & Error;
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const command = typeof e.command === 'string' ? e.command : '';
  const options = { cause: error };
  // Before the 4xx rule: a 454 to STARTTLS would be retried until it failed, the reason never said.
  if (command === 'STARTTLS') {
    if (code === null) {
      return new DeliveryError(`the TLS handshake with the SMTP server failed (${e.message}) — check that its certificate is valid for the host in SMTP_URL`, options);
    }
    const hint = 'use smtps:// (port 465) or a server that offers STARTTLS, or add ?requireTLS=false to SMTP_URL for a relay on a network you trust';
    return new DeliveryError(`the SMTP server would not start TLS (${e.message}), and Gazette does not send SMTP_URL's password in the clear — ${hint}`, options);
  }
  if (code !== null && code >= 400 && code < 500) {
    return new SendFailure(e.message, 'temporary', code, code === 421 || code === 454, options);
  }
  if (code !== null && code >= 500) {
    if (/^(RCPT|DATA)/.test(command)) {
      // Only a refusal of the address bounces the reader; a quota, policy or content refusal is retried like a 4xx
      // (and stops the run when every message gets it), so no reader is lost to it.
      const words = typeof e.response === 'string' ? e.response : e.message;
      const badAddress = isBadAddress({ status: enhancedStatusOf(words) ?? enhancedStatusOf(e.message), words, rcptCode: command.startsWith('RCPT') ? code : null });
      return new SendFailure(e.message, badAddress ? 'permanent' : 'temporary', code, false, options);
    }
    return new DeliveryError(`the SMTP server refused ${command || 'the session'}: ${e.message} — check SMTP_URL and newsletter.from`, options);
  }
  // Nodemailer refuses an address it cannot put in an envelope before talking to the server: that row never works.
  if (e.code === 'EENVELOPE') return new SendFailure(e.message, 'permanent', null, false, options);
  if (e.code !== undefined && transientCodes.has(e.code)) return new SendFailure(e.message, 'temporary', null, false, options);
  return new DeliveryError(`cannot send through SMTP: ${e.message} — check SMTP_URL`, options);
}

/** SMTP_URL without its password, for logs. */
function describeSmtpUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587')}`;
}

const cr = 0x0d;
const lf = 0x0a;
const dot = 0x2e;
const stuffing = Buffer.from('.');

/**
 * A chunk of a message as SMTP's DATA carries it (RFC 5321 4.5.2: a dot stuffed before each `.` that starts a line),
 * when its line breaks are all CRLF already; null when it has a bare CR or LF, which nodemailer's own code turns
 * into CRLF. `previous` is the byte before the chunk (false at the start of the message). Native `indexOf` finds
 * the few line ends of a message, where nodemailer's JavaScript loop over each byte was the largest cost of a send.
 */
export function smtpDataChunk(chunk: Buffer, previous: number | false): Buffer | null {
  if (previous === cr && chunk.length > 0 && chunk[0] !== lf) return null;
  for (let at = chunk.indexOf(cr); at !== -1; at = chunk.indexOf(cr, at + 1)) {
    if (at + 1 < chunk.length && chunk[at + 1] !== lf) return null;
  }
  const pieces: Buffer[] = [];
  let from = 0;
  if (chunk[0] === dot && (previous === false || previous === lf)) pieces.push(stuffing);
  for (let at = chunk.indexOf(lf); at !== -1; at = chunk.indexOf(lf, at + 1)) {
    if ((at === 0 ? previous : chunk[at - 1]) !== cr) return null;
    if (chunk[at + 1] === dot) {
      pieces.push(chunk.subarray(from, at + 1), stuffing);
      from = at + 1;
    }
  }
  if (pieces.length === 0) return chunk;
  pieces.push(chunk.subarray(from));
  return Buffer.concat(pieces);
}

/** What nodemailer's DataStream (internal) keeps about a message: its counts and its last byte, for the final `.` line. */
interface DataStream extends Transform {
  inByteCount: number;
  outByteCount: number;
  lastByte: number | false;
  _transform(chunk: Buffer, encoding: BufferEncoding, done: TransformCallback): void;
}

/**
 * nodemailer's session whose DATA stream stuffs dots with `smtpDataChunk`, and leaves a chunk with bare line breaks
 * to nodemailer's own transform, so the bytes on the wire are the same. This hooks nodemailer's internal
 * `_createSendStream`: were it renamed, the hook would not run and nodemailer would encode every byte as before.
 */
class SmtpSession extends SMTPConnection {
  _createSendStream(callback: unknown): DataStream {
    const create = (SMTPConnection.prototype as unknown as { _createSendStream(this: SMTPConnection, callback: unknown): DataStream })._createSendStream;
    const stream = create.call(this, callback);
    const general = stream._transform;
    stream._transform = (chunk: Buffer, encoding, done) => {
      const data = Buffer.isBuffer(chunk) && chunk.length > 0 ? smtpDataChunk(chunk, stream.lastByte) : null;
      if (data === null) return general.call(stream, chunk, encoding, done);
      stream.inByteCount += chunk.length;
      stream.outByteCount += data.length;
      stream.lastByte = chunk[chunk.length - 1] as number;
      done(null, data);
    };
    return stream;
  }
}

/** Resolves with a callback API's result, or rejects with its error (or the first 'error' the session emits). */
function settle<T>(connection: SMTPConnection, run: (done: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    connection.once('error', onError);
    run((error, value) => {
      connection.off('error', onError);
      if (error) reject(error);
      else resolve(value as T);
    });
  });
}

/** A refusal of this one message on a healthy session, which RSET makes usable again. */
function refusedOnly(error: unknown, connection: SMTPConnection): boolean {
  const e = error as Partial<NodemailerError>;
  return (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421 && !connection.destroyed;
}

/** A 421 to MAIL FROM: the server ends the session before the message begins (as Exim does past its limit of messages a connection). */
function endsSession(error: unknown): boolean {
  const e = error as Partial<NodemailerError>;
  return e.responseCode === 421 && typeof e.command === 'string' && e.command.startsWith('MAIL');
}

/** Whether `host` is this machine (a local relay): credentials sent to it never cross a network. */
const isLoopback = (host: string | undefined): boolean => host === undefined || /^(?:localhost|127(?:\.\d+){3}|::1|\[::1\])$/i.test(host);

/**
 * nodemailer's options for an SMTP URL. `smtp://` with credentials to another machine requires STARTTLS (RFC 8314):
 * a server that does not offer it, or a network that strips it from the greeting, would otherwise get the password
 * and every message in the clear. `?requireTLS=false` in the URL opts out.
 */
export function smtpOptionsOf(url: string): ReturnType<typeof parseConnectionUrl> {
  const options = parseConnectionUrl(url);
  if (options.auth && options.secure !== true && options.requireTLS === undefined && !isLoopback(options.host)) options.requireTLS = true;
  return options;
}

/** Sends raw messages over up to `maxConnections` SMTP sessions, opened on demand and reused. */
export class SmtpTransport implements Transport {
  readonly description: string;
  private readonly options: ReturnType<typeof parseConnectionUrl>;
  private readonly idle: SMTPConnection[] = [];
  private readonly waiting: (() => void)[] = [];
  /** Messages each session has carried (tried, whatever the answer). */
  private readonly sent = new WeakMap<SMTPConnection, number>();
  /** Sessions taken out of the pool (ended, or told to QUIT): they no longer hold one of the `maxConnections` slots. */
  private readonly gone = new WeakSet<SMTPConnection>();
  /** Messages a session carries before it is replaced. */
  private readonly perSession: number;
  private open = 0;
  private closed = false;

  constructor(
    url: string,
    private readonly settings: SmtpSettings,
  ) {
    this.description = describeSmtpUrl(url);
    this.options = smtpOptionsOf(url);
    this.perSession = settings.messagesPerConnection ?? defaultMessagesPerConnection;
  }

  async send(message: RawMessage): Promise<string> {
    const connection = await this.acquire(this.perSession);
    const carried = this.carried(connection);
    try {
      return await this.sendOn(connection, message);
    } catch (error) {
      if (carried === 0 || !endsSession(error)) throw classifySmtpError(error);
    }
    // Relays limit the messages a session carries (SocketLabs documents 50, ReachMail 25; Exim answers the next MAIL
    // FROM with a 421): the message goes again straight away (after any sender already waiting for a session), on a
    // session that carried fewer. A busy server's 421 may pass the same way, or fail the second try, which is then
    // reported as before. No limit is learnt: one busy moment at a session's second message would have made every
    // later message open a session of its own.
    const fresher = await this.acquire(carried);
    return this.sendOn(fresher, message).catch((error: unknown) => {
      throw classifySmtpError(error);
    });
  }

  /** Sends on `connection` and gives it back: to the idle sessions when it can carry more, else it is ended. */
  private async sendOn(connection: SMTPConnection, message: RawMessage): Promise<string> {
    let reusable = false;
    try {
      const envelope = { from: message.envelope.from, to: [message.envelope.to], size: message.raw.length };
      const info = await settle<{ response: string }>(connection, (done) => connection.send(envelope, message.raw, done));
      reusable = true;
      return info.response;
    } catch (error) {
      reusable = refusedOnly(error, connection) && (await settle(connection, (done) => connection.reset(done)).then(() => true, () => false));
      throw error;
    } finally {
      this.release(connection, reusable);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of [...this.idle]) this.retire(connection);
    // Senders waiting for a session wake to find the transport closed.
    for (const wake of this.waiting.splice(0)) wake();
  }

  /**
   * The idle session that carried the most messages short of `fewerThan`, else a new session, else (every slot taken)
   * an idle session that carried too many is ended to make room, else it waits for a slot. The most used first: used in
   * turns, the sessions reached their limit together and were all replaced at once, each waiting for a greeting (a
   * send to 20,000 readers fell from 4,400 to 3,400 messages a second).
   */
  private async acquire(fewerThan: number): Promise<SMTPConnection> {
    for (;;) {
      if (this.closed) throw new DeliveryError('the SMTP transport is closed');
      const usable = this.mostUsed(this.idle.filter((c) => this.carried(c) < fewerThan));
      if (usable) {
        this.idle.splice(this.idle.indexOf(usable), 1);
        return usable;
      }
      if (this.open < this.settings.maxConnections) return this.connect();
      const spare = this.mostUsed(this.idle);
      if (spare) this.retire(spare);
      else await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private carried(connection: SMTPConnection): number {
    return this.sent.get(connection) ?? 0;
  }

  private mostUsed(sessions: readonly SMTPConnection[]): SMTPConnection | undefined {
    return sessions.reduce<SMTPConnection | undefined>((most, c) => (most && this.carried(most) >= this.carried(c) ? most : c), undefined);
  }

  private release(connection: SMTPConnection, reusable: boolean): void {
    const count = this.carried(connection) + 1;
    this.sent.set(connection, count);
    if (reusable && !this.closed && !connection.destroyed && count < this.perSession) {
      this.idle.push(connection);
      this.waiting.shift()?.();
    } else this.retire(connection);
  }

  /** Ends a session with QUIT; its slot is free at once (a server that never answers QUIT keeps a socket, not a slot). */
  private retire(connection: SMTPConnection): void {
    this.forget(connection);
    connection.quit();
  }

  /** Takes a session out of the pool, once, and hands its slot to a waiting sender. */
  private forget(connection: SMTPConnection): void {
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    if (this.gone.has(connection)) return;
    this.gone.add(connection);
    this.open--;
    this.waiting.shift()?.();
  }

  private async connect(): Promise<SMTPConnection> {
    this.open++;
    const connection = new SmtpSession(this.options);
    // Errors reach whoever waits on the session (connect, login, send); an idle session's error only ends it.
    connection.on('error', () => {});
    connection.once('end', () => this.forget(connection));
    try {
      await settle<void>(connection, (done) => {
        connection.once('end', () => done(Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' })));
        connection.connect((error) => done(error ?? null));
      });
      const { auth } = this.options;
      if (auth && connection.allowsAuth) await settle(connection, (done) => connection.login(auth, done));
      return connection;
    } catch (error) {
      connection.close();
      throw classifySmtpError(error);
    }
  }
}
