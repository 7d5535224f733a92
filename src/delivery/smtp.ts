// SMTP through one pooled nodemailer transport. Messages go out as raw bytes (`envelope` + `raw`), so nodemailer
// does no MIME building; the send loop, not the pool, decides about retries and pace.
import nodemailer from 'nodemailer';
import type { NodemailerError } from 'nodemailer';
import { DeliveryError } from '../errors.js';
import { SendFailure, type RawMessage, type Transport } from './transport.js';

/** How hard to push the SMTP server. */
export interface SmtpSettings {
  /** Connections open at once, which is also how many messages are in flight. */
  maxConnections: number;
}

/** Network failures that may pass: the row stays pending and is tried again. */
const transientCodes = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'EPROTOCOL', 'ESTREAM', 'EMAXLIMIT']);

/**
 * Sorts an SMTP error into a SendFailure for this one message (4xx and network: temporary; 5xx to the recipient
 * or the message, or an address nodemailer cannot send to: permanent), or a DeliveryError when the setup itself is wrong and no message can go out
 * (login refused, sender rejected, TLS or configuration problems).
 */
export function classifySmtpError(error: unknown): SendFailure | DeliveryError {
  const e = error as Partial<NodemailerError> & Error;
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const command = typeof e.command === 'string' ? e.command : '';
  const options = { cause: error };
  if (code !== null && code >= 400 && code < 500) {
    return new SendFailure(e.message, 'temporary', code, code === 421 || code === 454, options);
  }
  if (code !== null && code >= 500) {
    if (/^(RCPT|DATA)/.test(command)) return new SendFailure(e.message, 'permanent', code, false, options);
    return new DeliveryError(`the SMTP server refused ${command || 'the session'}: ${e.message} — check SMTP_URL and newsletter.from`, options);
  }
  // Nodemailer refuses an address it cannot put in an envelope before talking to the server: that row never works.
  if (e.code === 'EENVELOPE') return new SendFailure(e.message, 'permanent', null, false, options);
  if (e.code !== undefined && transientCodes.has(e.code)) return new SendFailure(e.message, 'temporary', null, false, options);
  return new DeliveryError(`cannot send through SMTP: ${e.message} — check SMTP_URL`, options);
}

/** SMTP_URL without its password, for logs. */
export function describeSmtpUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587')}`;
}

/** Sends raw messages over a pool of SMTP connections. */
export class SmtpTransport implements Transport {
  readonly description: string;
  private readonly mailer;

  constructor(url: string, settings: SmtpSettings) {
    this.description = describeSmtpUrl(url);
    this.mailer = nodemailer.createTransport({
      url,
      pool: true,
      maxConnections: settings.maxConnections,
      // A connection cut mid-message comes back to the send loop, which counts it and backs off.
      maxRequeues: 0,
    });
  }

  async send(message: RawMessage): Promise<string> {
    try {
      const info = await this.mailer.sendMail({ envelope: message.envelope, raw: message.raw });
      return info.response;
    } catch (error) {
      throw classifySmtpError(error);
    }
  }

  async close(): Promise<void> {
    this.mailer.close();
  }
}
