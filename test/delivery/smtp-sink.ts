// A real SMTP server (smtp-server) on an ephemeral loopback port that records what it accepts and can be told
// to fail: a reply to RCPT TO, or a connection cut in the middle of DATA, per address and attempt.
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

/** A message the server accepted (answered 250 to its DATA). */
export interface Received {
  to: string;
  /** The envelope sender (MAIL FROM). */
  from: string;
  messageId: string;
  raw: Buffer;
}

/** Injected faults; `attempt` counts the tries for this address, from 1. */
export interface Faults {
  /** A reply code and text to refuse RCPT TO with, or null to accept. */
  rcpt?: (address: string, attempt: number) => { code: number; message: string } | null;
  /** A reply code and text to refuse MAIL FROM with, or null to accept. */
  mail?: (address: string) => { code: number; message: string } | null;
  /** True to cut the connection after the first bytes of the message, before the final reply. */
  cutData?: (address: string, attempt: number) => boolean;
  /** Milliseconds to wait before accepting each message (a distant relay). */
  delayMs?: number;
  /** Messages one session may carry: the next MAIL FROM is answered 421 and the session ends (a relay's limit). */
  messagesPerSession?: number;
}

/** A running sink: where to send, what arrived, and a `received` event per accepted message. */
export interface Sink {
  url: string;
  port: number;
  received: Received[];
  events: EventEmitter;
  /** Recipient addresses by how many times each was accepted. */
  countByAddress(): Map<string, number>;
  close(): Promise<void>;
}

/** The Message-ID header of a raw message (first header block only). */
export function messageIdOf(raw: Buffer): string {
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1');
  return /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? '';
}

/** Starts a sink on 127.0.0.1 (or `host`) at a free port. */
export async function startSink(faults: Faults = {}, options: SMTPServerOptions = {}, host = '127.0.0.1'): Promise<Sink> {
  const received: Received[] = [];
  const events = new EventEmitter();
  const attempts = new Map<string, number>();
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    ...options,
    onMailFrom(address, session, callback) {
      if (faults.messagesPerSession !== undefined && session.transaction > faults.messagesPerSession) {
        return callback(Object.assign(new Error('4.7.0 too many messages in this session'), { responseCode: 421 }));
      }
      const reply = faults.mail?.(address.address);
      if (!reply) return callback();
      callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
    },
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      const attempt = (attempts.get(to) ?? 0) + 1;
      attempts.set(to, attempt);
      const reply = faults.rcpt?.(to, attempt);
      if (!reply) return callback();
      callback(Object.assign(new Error(reply.message), { responseCode: reply.code }));
    },
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo[0]?.address.toLowerCase() ?? '';
      const cut = faults.cutData?.(to, attempts.get(to) ?? 1) ?? false;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (cut) {
          for (const connection of server.connections) if (connection.id === session.id) connection._socket.destroy();
        }
      });
      stream.on('end', () => {
        if (cut) return;
        const raw = Buffer.concat(chunks);
        const accept = (): void => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const message = { to, from, messageId: messageIdOf(raw), raw };
          received.push(message);
          callback(null, 'queued');
          events.emit('received', message);
        };
        if (faults.delayMs) setTimeout(accept, faults.delayMs);
        else accept();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  // Clients that are killed or cut off reset their sockets; smtp-server reports that as a server 'error'.
  server.on('error', () => {});
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://${host}:${port}`,
    port,
    received,
    events,
    countByAddress() {
      const counts = new Map<string, number>();
      for (const message of received) counts.set(message.to, (counts.get(message.to) ?? 0) + 1);
      return counts;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
