// The inbound SMTP listener: the MX of `newsletter.returnPath`'s domain. It takes mail for that domain only (never a
// relay), at most 1 MB a message and a bounded number of connections, and turns each report into one event.
// A message is answered 250 only once its event is recorded, so a store that is down makes the sender retry (451).
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { UsageError } from '../errors.js';
import { clientKey } from '../server/rate-limit.js';
import type { Logger } from '../log.js';
import { resolveInbound, type ReturnEvent } from './events.js';
import { parseInboundMessage } from './parse.js';
import { envelopeDomain, readReturnAddress, returnDomain, type ReturnAddress } from './verp.js';

/** Largest message taken: reports are a few kilobytes; a bigger one is refused with 552. */
export const maxInboundBytes = 1024 * 1024;
/** Connections served at once; more are answered 421 and closed. */
export const maxInboundConnections = 100;
/** Connections served at once from one address: one client cannot take every slot (a mail server sends a few at a time). */
export const maxInboundPerAddress = 10;
/** Longest a connection is kept, however busy: a client that sends NOOP forever keeps its slot no longer. */
export const maxInboundSessionMs = 5 * 60_000;

/** What recording an event did, as the store says (`bounced`, `counted`, `duplicate`, `already left`…). */
export type RecordEvent = (event: ReturnEvent) => Promise<string>;

/** What the listener is built from. */
export interface InboundDeps {
  returnPath: string;
  secret: string;
  logger: Logger;
  /** Records an event in the store and says what it did. */
  record: RecordEvent;
  /**
   * The ids of the editions whose mail may have a mailto unsubscribe of its own: site.json's and those digests were
   * made for, asked at each message (an edition added or removed since the listener started still reads).
   */
  editions?: () => Promise<readonly string[]>;
  port: number;
  hostname?: string;
  maxConnections?: number;
  /** Connections from one address at once (default maxInboundPerAddress). */
  maxPerAddress?: number;
  /** Longest a connection is kept, in ms (default maxInboundSessionMs). */
  maxSessionMs?: number;
  clock?: () => Date;
}

/** A listening inbound server. */
export interface RunningInbound {
  port: number;
  close(): Promise<void>;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** Reads, classifies and records one message; returns nothing on success, or the SMTP error to answer. */
async function handle(raw: Buffer, recipients: string[], deps: InboundDeps): Promise<void> {
  const clock = deps.clock ?? (() => new Date());
  const editions = (await deps.editions?.()) ?? [];
  const named: ReturnAddress | null = recipients.map((r) => readReturnAddress(deps.returnPath, deps.secret, r, editions)).find((r) => r !== null) ?? null;
  const message = await parseInboundMessage(raw, named?.purpose ?? null);
  const resolution = resolveInbound(message, named, deps.returnPath, deps.secret, clock(), editions);
  const base = { report: message.kind, reportId: message.id, to: recipients, bytes: raw.length };
  if ('ignored' in resolution) {
    deps.logger.info({ ...base, outcome: 'ignored', reason: resolution.ignored }, 'inbound message ignored');
    return;
  }
  const { event } = resolution;
  const outcome = await deps.record(event);
  deps.logger.info(
    { ...base, event: event.kind, ...event.reader, digest: event.digestNumber, ...(event.edition === undefined ? {} : { edition: event.edition }), detail: event.detail, outcome },
    `inbound ${event.kind}: ${outcome}`,
  );
}

/** Starts the listener on `port` (0: any free one). */
export async function startInboundListener(deps: InboundDeps): Promise<RunningInbound> {
  const domain = returnDomain(deps.returnPath);
  const { logger } = deps;
  const perAddress = deps.maxPerAddress ?? maxInboundPerAddress;
  const sessionMs = deps.maxSessionMs ?? maxInboundSessionMs;
  // Connections served, by session id (the connection's id too): their address and when they came. A refused one is
  // not among them, though it is closed like the others.
  const served = new Map<string, { address: string; since: number }>();
  const server = new SMTPServer({
    name: domain,
    banner: 'Gazette return path',
    authOptional: true,
    // TLS for an MX needs a certificate for its host name; senders deliver reports in the clear when none is offered.
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxInboundBytes,
    maxClients: deps.maxConnections ?? maxInboundConnections,
    socketTimeout: 60_000,
    closeTimeout: 5_000,
    disableReverseLookup: true,
    logger: false,
    onConnect(session, callback) {
      // An IPv6 client has a /64 to connect from, as the web server's limits count it.
      const address = clientKey(session.remoteAddress);
      // Counted among at most maxConnections: no tally to keep in step.
      const count = [...served.values()].filter((connection) => connection.address === address).length;
      if (count >= perAddress) {
        logger.info({ outcome: 'refused', remote: address, limit: perAddress }, 'inbound connection refused: too many from one address');
        return callback(smtpError(421, `4.7.0 too many connections from your address, at most ${perAddress} at once`));
      }
      served.set(session.id, { address, since: Date.now() });
      callback();
    },
    onClose(session) {
      served.delete(session.id);
    },
    onRcptTo(address, session, callback) {
      if (envelopeDomain(address.address) !== domain) {
        logger.info({ outcome: 'refused', to: address.address, remote: session.remoteAddress }, 'inbound recipient refused: not the return-path domain');
        return callback(smtpError(550, `5.7.1 <${address.address}>: relay access denied, this server takes mail for ${domain} only`));
      }
      if (session.envelope.rcptTo.length >= 10) return callback(smtpError(452, '4.5.3 too many recipients'));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxInboundBytes) chunks.push(chunk);
      });
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        if (stream.sizeExceeded) {
          logger.info({ outcome: 'refused', to: recipients, bytes: size, limit: maxInboundBytes }, 'inbound message refused: too large');
          return callback(smtpError(552, `5.3.4 message too big, the limit is ${maxInboundBytes} bytes`));
        }
        handle(Buffer.concat(chunks), recipients, deps).then(
          () => callback(null, 'report taken'),
          (error: unknown) => {
            logger.error({ err: error, to: recipients }, 'inbound message not recorded: the sender will retry');
            callback(smtpError(451, '4.3.0 temporary failure, try again later'));
          },
        );
      });
    },
  });
  // A client that resets or sends garbage is its own problem: log it, keep listening.
  server.on('error', (error: Error) => logger.debug({ err: error }, 'inbound connection error'));
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      const hint = error.code === 'EADDRINUSE' ? 'another program uses it: pass --smtp-port N or set GAZETTE_INBOUND_PORT' : 'check --smtp-port / GAZETTE_INBOUND_PORT';
      reject(new UsageError(`cannot listen for inbound mail on port ${deps.port}: ${error.message} — ${hint}`, { cause: error }));
    };
    server.server.once('error', failed);
    server.listen(deps.port, deps.hostname, () => {
      server.server.off('error', failed);
      resolve();
    });
  });
  const sweep = setInterval(
    () => {
      const now = Date.now();
      for (const connection of server.connections as Set<{ id: string; close(): void }>) {
        const since = served.get(connection.id)?.since;
        if (since !== undefined && now - since >= sessionMs) connection.close();
      }
    },
    Math.min(sessionMs / 4, 30_000),
  );
  sweep.unref();
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweep);
        server.close(() => resolve());
      }),
  };
}
