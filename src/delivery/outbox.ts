// The outbox: each message a complete .eml file in a folder, for when no SMTP server is configured.
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { DeliveryError } from '../errors.js';
import { makeFolders, whyNoFolder, writeFileAtomic } from '../files.js';
import { SendFailure, type RawMessage, type Transport } from './transport.js';

/** The file name of a message: its Message-ID made safe, so a resent message overwrites its earlier copy. */
export function outboxFileName(messageId: string): string {
  const bare = messageId.replace(/^<|>$/g, '');
  const safe = bare.replace(/[^A-Za-z0-9._@+=-]/g, '_').replace(/^\.+/, '_').slice(0, 180);
  // Two ids that differ only in replaced characters must not share a file.
  const changed = safe !== bare;
  const suffix = changed ? `-${createHash('sha256').update(bare).digest('hex').slice(0, 12)}` : '';
  return `${safe}${suffix}.eml`;
}

/** Writes each message atomically (temporary file, then rename) as `<Message-ID>.eml` in `dir`. */
export class OutboxTransport implements Transport {
  readonly description: string;
  private ready: Promise<void> | null = null;

  constructor(private readonly dir: string) {
    this.description = resolve(dir);
  }

  async send(message: RawMessage): Promise<string> {
    // Messages carry addresses and personal unsubscribe tokens: only the owner may read them.
    // Not Node's recursive mkdir, which never returns under /proc (see makeFolder).
    this.ready ??= makeFolders(this.dir, 0o700).catch(async (error: unknown) => {
      const { what } = await whyNoFolder(this.dir, error);
      const hint =
        'pass --outbox DIR (env GAZETTE_OUTBOX) naming a folder this user can write, or set SMTP_URL to send by SMTP; what was to go out stays pending in the database, and "gazette send" delivers it';
      throw new DeliveryError(`cannot create the outbox folder ${this.description}: ${what} — ${hint}`, { cause: error });
    });
    await this.ready;
    const name = outboxFileName(message.messageId);
    try {
      await writeFileAtomic(join(this.dir, name), message.raw, 0o600);
    } catch (error) {
      // A full disk or a permission problem may pass; the row stays pending and a later send retries.
      throw new SendFailure(`cannot write ${name}: ${(error as Error).message}`, 'temporary', null, false, { cause: error });
    }
    return `written ${name}`;
  }

  async close(): Promise<void> {}
}
