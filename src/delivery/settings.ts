// Delivery tuning from the environment: how many SMTP connections, how fast, how many tries per run.
import { UsageError } from '../errors.js';

/** How a send run paces itself. */
export interface DeliverySettings {
  /**
   * SMTP sessions at work at once (one told to QUIT no longer counts), which is also how many messages are in flight
   * (`SMTP_MAX_CONNECTIONS`, default 5).
   */
  maxConnections: number;
  /** Messages per second at most; 0 means no limit (`SMTP_RATE_PER_SECOND`, default 0). */
  ratePerSecond: number;
  /** Attempts per row in one run before it is left pending for the next (`GAZETTE_SEND_ATTEMPTS`, default 5). */
  maxAttempts: number;
  /** On PostgreSQL, how long a sender's claim on rows lasts unless renewed (`GAZETTE_CLAIM_SECONDS`, default 60). */
  claimSeconds?: number;
  /** Messages one SMTP session sends before it is replaced (`SMTP_MESSAGES_PER_CONNECTION`, default 500). */
  messagesPerConnection?: number;
}

/**
 * Messages one SMTP session sends before a new one replaces it: Exim's client default (`connection_max_messages`), half
 * the MAIL commands an Exim server takes on one connection by default; Postfix's client counts none. A new session
 * pays a connect, the server's greeting (often held back on purpose: 100 ms in smtp-server) and EHLO: after every 100
 * messages, as nodemailer's pool does, that was 44% of a send's time on loopback.
 */
export const defaultMessagesPerConnection = 500;

/** The defaults: five connections, no rate limit, five attempts per run, sessions of 500 messages. */
export const defaultDeliverySettings: DeliverySettings = { maxConnections: 5, ratePerSecond: 0, maxAttempts: 5, messagesPerConnection: defaultMessagesPerConnection };

/** A whole number from `min` to `max` in environment variable `name`, or `fallback` when unset; else a UsageError. */
export function integer(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${name}="${text}" is not a whole number from ${min} to ${max}`);
  }
  return value;
}

/**
 * Reads `SMTP_MAX_CONNECTIONS`, `SMTP_RATE_PER_SECOND`, `SMTP_MESSAGES_PER_CONNECTION`, `GAZETTE_SEND_ATTEMPTS` and
 * `GAZETTE_CLAIM_SECONDS`; a bad value is a UsageError.
 */
export function resolveDeliverySettings(env: Readonly<Record<string, string | undefined>>): DeliverySettings {
  return {
    maxConnections: integer(env, 'SMTP_MAX_CONNECTIONS', defaultDeliverySettings.maxConnections, 1, 100),
    ratePerSecond: integer(env, 'SMTP_RATE_PER_SECOND', defaultDeliverySettings.ratePerSecond, 0, 100_000),
    maxAttempts: integer(env, 'GAZETTE_SEND_ATTEMPTS', defaultDeliverySettings.maxAttempts, 1, 100),
    claimSeconds: integer(env, 'GAZETTE_CLAIM_SECONDS', 60, 1, 86_400),
    messagesPerConnection: integer(env, 'SMTP_MESSAGES_PER_CONNECTION', defaultMessagesPerConnection, 1, 1_000_000),
  };
}
