// `subscribers export` and `subscribers list`: the list streamed page by page, never held whole in memory.
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { hasLeft, type LeaveReason, type Store, type Subscriber, type SubscriberFilter, type SubscriberStatus } from '../store/types.js';
import { protectCell } from './csv.js';

/** A subscriber as `list --json` and `export` show it. */
export interface SubscriberRecord {
  email: string;
  name: string | null;
  status: SubscriberStatus;
  createdAt: string;
  /** Section keys (empty: all) and edition ids (empty: the default edition). */
  sections: string[];
  editions: string[];
}

/** Why a reader left, as `list` shows it: the journal entry that bounced or unsubscribed them. */
export interface ReasonRecord {
  kind: string;
  source: string;
  detail: string | null;
  at: string;
}

const listPage = 500;

/** The list page by page, each reader who left paired with the reason, the others with null. */
async function* withReasons(store: Store, filter: SubscriberFilter): AsyncGenerator<[Subscriber, ReasonRecord | null]> {
  let page: Subscriber[] = [];
  async function* flush(): AsyncGenerator<[Subscriber, ReasonRecord | null]> {
    const left = page.filter((s) => hasLeft(s.status)).map((s) => s.id);
    const reasons = left.length > 0 ? await store.leaveReasons(left) : new Map<number, LeaveReason>();
    for (const s of page) {
      const r = reasons.get(s.id);
      yield [s, r ? { kind: r.kind, source: r.source, detail: r.detail, at: r.at.toISOString() } : null];
    }
    page = [];
  }
  for await (const s of store.listSubscribers(filter)) {
    page.push(s);
    if (page.length >= listPage) yield* flush();
  }
  yield* flush();
}

/** The public shape of a subscriber (no internal id). */
function toRecord(subscriber: Subscriber): SubscriberRecord {
  return {
    email: subscriber.email,
    name: subscriber.name,
    status: subscriber.status,
    createdAt: subscriber.createdAt.toISOString(),
    sections: subscriber.sections,
    editions: subscriber.editions,
  };
}

/**
 * Writes the list as CSV (email,name,status,createdAt,sections,editions; a reader's sections or editions in one
 * cell, comma-separated, empty for all / the default) to `output`; `end: false` leaves it open (stdout).
 */
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
      yield [s.email, protectCell(s.name ?? ''), s.status, s.createdAt.toISOString(), s.sections.join(','), s.editions.join(',')];
    }
  }
  const columns = ['email', 'name', 'status', 'createdAt', 'sections', 'editions'];
  const csv = stringify({ header: true, columns, record_delimiter: 'unix' });
  await pipeline(Readable.from(rows()), csv, output, { end: options.end ?? true });
}

/** Writes the list as one JSON array (`list --json`), one subscriber a line, with `reason` (why they left, or null). */
export async function writeSubscribersJson(
  store: Store,
  output: Writable | NodeJS.WritableStream,
  filter: SubscriberFilter = {},
): Promise<void> {
  async function* chunks(): AsyncGenerator<string> {
    let first = true;
    yield '[';
    for await (const [s, reason] of withReasons(store, filter)) {
      yield `${first ? '\n' : ',\n'}  ${JSON.stringify({ ...toRecord(s), reason })}`;
      first = false;
    }
    yield first ? ']\n' : '\n]\n';
  }
  await pipeline(Readable.from(chunks()), output, { end: false });
}

/** A reader's sections or editions as the list shows them: comma-separated, or `none` when they chose none (all / default). */
export function describeChoices(keys: readonly string[], none: string): string {
  return keys.length === 0 ? none : keys.join(',');
}

/** Writes the list as an aligned table: status and date first (fixed width), so no pass over the list is needed to align. */
export async function writeSubscribersTable(
  store: Store,
  output: Writable | NodeJS.WritableStream,
  filter: SubscriberFilter = {},
): Promise<number> {
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    yield `${'STATUS'.padEnd(13)}${'CREATED'.padEnd(12)}${'EMAIL'.padEnd(32)} ${'SECTIONS'.padEnd(20)} ${'EDITIONS'.padEnd(16)} NAME\n`;
    for await (const [s, reason] of withReasons(store, filter)) {
      count++;
      const choices = `${describeChoices(s.sections, 'all').padEnd(20)} ${describeChoices(s.editions, 'default').padEnd(16)}`;
      const why = reason ? `  (${reason.kind === 'complaint' ? 'complained' : reason.kind} via ${reason.source}${reason.detail ? `: ${reason.detail}` : ''})` : '';
      yield `${s.status.padEnd(13)}${s.createdAt.toISOString().slice(0, 10).padEnd(12)}${s.email.padEnd(32)} ${choices} ${s.name ?? ''}${why}\n`;
    }
  }
  await pipeline(Readable.from(lines()), output, { end: false });
  return count;
}
