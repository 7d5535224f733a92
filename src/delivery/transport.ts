// The one interface every way of sending implements (SMTP pool, outbox files), so one contract test covers all.

/** A complete RFC 5322 message and its SMTP envelope. */
export interface RawMessage {
  envelope: { from: string; to: string };
  /** `<…@…>`, as in the Message-ID header. */
  messageId: string;
  /** The whole message, headers and body, CRLF line endings. */
  raw: Buffer;
}

/** Why a send failed: `temporary` may succeed later, `permanent` never will. */
export class SendFailure extends Error {
  override readonly name = 'SendFailure';
  constructor(
    message: string,
    readonly kind: 'temporary' | 'permanent',
    /** The SMTP reply code, when the server gave one. */
    readonly responseCode: number | null,
    /** The server asked us to slow down (421, 454). */
    readonly slowDown: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Sends one message at a time; may run several sends concurrently. */
export interface Transport {
  /** For logs and summaries: `smtp://host:port` or the outbox folder. */
  readonly description: string;
  /**
   * Resolves with the server's answer once the message is accepted; rejects with a SendFailure for this message,
   * or a DeliveryError when the transport itself cannot work (wrong login, unwritable outbox) and no message can.
   */
  send(message: RawMessage): Promise<string>;
  /** Finishes what is in flight and releases connections. */
  close(): Promise<void>;
}

/**
 * Whether a failure's words (a run's last failure) say no mail server answered at all: refused, no such host, no route,
 * or silence, as Node and nodemailer word them at the start of the message (a server's own reply may quote such words:
 * `451 … queryMx ENOTFOUND`). Such a failure is retried like any network one, yet it is usually SMTP_URL naming the
 * wrong host or port, or a server not started.
 */
export function isUnreachableServer(failure: string): boolean {
  return /^(?:connect (?:ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|Connection timeout|Greeting never received)\b/.test(failure);
}
