// `subscribers export` and `subscribers list`: the list streamed page by page, never held whole in memory.
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Store, Subscriber, SubscriberStatus } from '../store/types.js';
import { protectCell } from './csv.js';

/** A subscriber as `list --json` and `export` show it. */
export interface SubscriberRecord {
  email: string;
  name: string | null;
  status: SubscriberStatus;
  createdAt: string;
}

/** The public shape of a subscriber (no internal id). */
function toRecord(subscriber: Subscriber): SubscriberRecord {
  return {
    email: subscriber.email,
    name: subscriber.name,
    status: subscriber.status,
    createdAt: subscriber.createdAt.toISOString(),
  };
}

/** Writes the list as CSV (email,name,status,createdAt) to `output`; `end: false` leaves it open (stdout). */
export async function exportSubscribers(
  store: Store,
  output: Writable | NodeJS.WritableStream,
  options: { status?: SubscriberStatus; end?: boolean } = {},
): Promise<void> {
  const filter = options.status === undefined ? {} : { status: options.status };
  async function* rows(): AsyncGenerator<string[]> {
    for await (const s of store.listSubscribers(filter)) {
      // Names are free text and guarded. Addresses are not: a valid one has only letters, digits, `_ ' + - .` before
      // its @ (validateEmail), which can start but never call a formula, and a guard would change the address.
      yield [s.email, protectCell(s.name ?? ''), s.status, s.createdAt.toISOString()];
    }
  }
  const csv = stringify({ header: true, columns: ['email', 'name', 'status', 'createdAt'], record_delimiter: 'unix' });
  await pipeline(Readable.from(rows()), csv, output, { end: options.end ?? true });
}

/** Writes the list as one JSON array (`list --json`), one subscriber a line. */
export async function writeSubscribersJson(
  store: Store,
  output: Writable | NodeJS.WritableStream,
  filter: { status?: SubscriberStatus } = {},
): Promise<void> {
  async function* chunks(): AsyncGenerator<string> {
    let first = true;
    yield '[';
    for await (const s of store.listSubscribers(filter)) {
      yield `${first ? '\n' : ',\n'}  ${JSON.stringify(toRecord(s))}`;
      first = false;
    }
    yield first ? ']\n' : '\n]\n';
  }
  await pipeline(Readable.from(chunks()), output, { end: false });
}

/** Writes the list as an aligned table: status and date first (fixed width), so no pass over the list is needed to align. */
export async function writeSubscribersTable(
  store: Store,
  output: Writable | NodeJS.WritableStream,
  filter: { status?: SubscriberStatus } = {},
): Promise<number> {
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    yield `${'STATUS'.padEnd(13)}${'CREATED'.padEnd(12)}${'EMAIL'.padEnd(32)} NAME\n`;
    for await (const s of store.listSubscribers(filter)) {
      count++;
      yield `${s.status.padEnd(13)}${s.createdAt.toISOString().slice(0, 10).padEnd(12)}${s.email.padEnd(32)} ${s.name ?? ''}\n`;
    }
  }
  await pipeline(Readable.from(lines()), output, { end: false });
  return count;
}
