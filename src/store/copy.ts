// `gazette db copy`: everything one store keeps, copied into another (SQLite → PostgreSQL, or back). Rows go in
// batches in key order, each batch upserted by its primary key in one transaction, so an interrupted copy run
// again completes without duplicates. Leases are not copied: they belong to the processes of the source.
import { BusyError, StoreError, UsageError } from '../errors.js';
import type { Driver, Params } from './driver.js';
import { holderId } from '../processes.js';
import { defaultClaimTtlMs, defaultLeaseTtlMs, runLeaseName, withClaims, withLease } from './lease.js';
import { migrate } from './migrations.js';
import { SqlStore } from './sql.js';

interface Table {
  name: string;
  /** What the summary calls one row, and more. */
  label: readonly [one: string, other: string];
  columns: readonly string[];
  /** The primary key, in the order rows are read. */
  key: readonly string[];
}

/** The tables copied, parents before children (foreign keys). */
const tables: readonly Table[] = [
  { name: 'meta', label: ['setting (secret, schedule state)', 'settings (secret, schedule state)'], columns: ['key', 'value'], key: ['key'] },
  {
    name: 'subscribers',
    label: ['subscriber', 'subscribers'],
    columns: [
      'id',
      'public_id',
      'email',
      'email_key',
      'name',
      'status',
      'created_at',
      'updated_at',
      'sections',
      'editions',
      'confirm_nonce',
      'confirm_requested_at',
      'requested_name',
      'requested_sections',
      'requested_editions',
    ],
    key: ['id'],
  },
  {
    name: 'subscriber_events',
    label: ['subscriber event', 'subscriber events'],
    columns: ['id', 'subscriber_id', 'at', 'kind', 'source', 'digest_number', 'detail', 'dedupe_key'],
    key: ['id'],
  },
  {
    name: 'digests',
    label: ['digest', 'digests'],
    columns: ['number', 'edition', 'issue', 'created_at', 'subject', 'html', 'text', 'blocks'],
    key: ['number'],
  },
  {
    name: 'digest_articles',
    label: ['digest article', 'digest articles'],
    columns: ['edition', 'slug', 'digest_number', 'role', 'position'],
    key: ['edition', 'slug'],
  },
  {
    name: 'deliveries',
    label: ['ledger row', 'ledger rows'],
    columns: ['digest_number', 'subscriber_id', 'status', 'attempts', 'detail', 'updated_at'],
    key: ['digest_number', 'subscriber_id'],
  },
];

/** Marks a target whose copy has begun, so that a rerun of the same copy may go on without --force. */
const copyMarker = 'copy:from';

/** Rows per batch: well under SQLite's limit of variables per statement. */
const batchSize = 500;

/** How many rows of each table the target holds after the copy. */
export type CopySummary = { table: string; label: string; rows: number }[];

async function count(db: Driver, table: string): Promise<number> {
  const [row] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${table}`);
  return Number(row?.n ?? 0);
}

function upsertSql(table: Table, rows: number): string {
  const one = `(${table.columns.map(() => '?').join(', ')})`;
  const update = table.columns.filter((c) => !table.key.includes(c)).map((c) => `${c} = excluded.${c}`);
  return (
    `INSERT INTO ${table.name} (${table.columns.join(', ')}) VALUES ${Array.from({ length: rows }, () => one).join(', ')} ` +
    `ON CONFLICT (${table.key.join(', ')}) DO UPDATE SET ${update.join(', ')}`
  );
}

async function copyTable(from: Driver, to: Driver, table: Table): Promise<void> {
  const keys = table.key.join(', ');
  const after = `(${keys}) > (${table.key.map(() => '?').join(', ')})`;
  let cursor: Params | null = null;
  for (;;) {
    const rows: Record<string, string | number | null>[] = await from.query(
      `SELECT ${table.columns.join(', ')} FROM ${table.name} ${cursor ? `WHERE ${after}` : ''} ORDER BY ${keys} LIMIT ?`,
      [...(cursor ?? []), batchSize],
    );
    if (rows.length === 0) return;
    const params = rows.flatMap((row) => table.columns.map((c) => row[c] ?? null));
    await to.transaction((tx) => tx.run(upsertSql(table, rows.length), params));
    const last = rows.at(-1) ?? {};
    cursor = table.key.map((k) => last[k] ?? null);
    if (rows.length < batchSize) return;
  }
}

/**
 * Refuses a merge (`--force`) that would put a reader of the source in the place of another reader of the target:
 * rows are merged by id, ids are the databases' own, and carol@ of the target was silently replaced by alice@.
 */
async function refuseOtherReaders(from: Driver, to: Driver): Promise<void> {
  const target = new Map((await to.query<{ id: number; email: string }>('SELECT id, email FROM subscribers')).map((r) => [Number(r.id), r.email]));
  const clashes: string[] = [];
  for (const { id, email } of await from.query<{ id: number; email: string }>('SELECT id, email FROM subscribers')) {
    const theirs = target.get(Number(id));
    if (theirs !== undefined && theirs !== email) clashes.push(`id ${id}: ${theirs} there, ${email} here`);
  }
  if (clashes.length === 0) return;
  throw new UsageError(
    `the target holds ${clashes.length} other reader${clashes.length === 1 ? '' : 's'} under ids the source uses (${clashes.slice(0, 3).join('; ')}${clashes.length > 3 ? '; …' : ''}); ` +
      'merging would replace them, so nothing was copied — copy into an empty database, or move those readers with subscribers export and import',
  );
}

/** PostgreSQL's identity columns do not follow ids inserted explicitly: move them past the copied ones. */
async function resetIdentities(to: Driver): Promise<void> {
  if (to.dialect !== 'postgres') return;
  for (const table of ['subscribers', 'subscriber_events']) {
    await to.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 0) + 1, false) FROM ${table}`);
  }
}

/**
 * Copies every table of `from` into `to`, both brought to the newest schema first. Refuses (UsageError) a target
 * that holds data unless `force` or it is the unfinished copy of the same source (`sourceName`), then checks that
 * the target holds at least every row of the source.
 */
export async function copyDatabase(from: Driver, to: Driver, options: { force: boolean; sourceName: string; targetName: string }): Promise<CopySummary> {
  await migrate(from);
  await migrate(to);
  // Under the run lease of both: a send working on the source meanwhile left a copy whose ledger was behind, and
  // sending from it sent thousands of readers the digest again.
  const holder = holderId();
  const underLease = <T>(driver: Driver, name: string, fn: () => Promise<T>): Promise<T> => {
    let taken = false;
    const work = (): Promise<T> => {
      taken = true;
      return fn();
    };
    return withLease(new SqlStore(driver), runLeaseName, holder, defaultLeaseTtlMs, work).catch((error: unknown) => {
      // The lease refused: say which database, and what to do.
      if (!taken && error instanceof BusyError) {
        throw new BusyError(`${name}: ${error.message}; stop the daemon and every publish or send on it before copying`, { cause: error });
      }
      throw error;
    });
  };
  const held = <T>(driver: Driver, name: string, fn: () => Promise<T>): Promise<T> => underLease(driver, name, () => holdLedger(driver, name, holder, fn));
  return held(from, options.sourceName, () => held(to, options.targetName, () => copyAll(from, to, options)));
}

/**
 * On PostgreSQL senders take rows by claims, under no lease (`gazette send`, a daemon helping): the copy claims
 * every pending row itself, so none starts sending meanwhile, and refuses while a sender holds some.
 */
async function holdLedger<T>(driver: Driver, name: string, holder: string, fn: () => Promise<T>): Promise<T> {
  if (driver.dialect !== 'postgres') return fn();
  return withClaims(new SqlStore(driver), holder, defaultClaimTtlMs, async () => {
    const now = Date.now();
    await driver.run("UPDATE deliveries SET claimed_by = ?, claimed_until = ? WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)", [
      holder,
      now + defaultClaimTtlMs,
      now,
    ]);
    const [busy] = await driver.query<{ n: number | string }>("SELECT count(*) AS n FROM deliveries WHERE status = 'pending' AND claimed_by <> ? AND claimed_until > ?", [holder, now]);
    if (Number(busy?.n ?? 0) > 0) {
      throw new BusyError(`${name}: senders are sending ${Number(busy?.n)} of its ledger rows (gazette send, or a daemon helping); stop them before copying`);
    }
    return fn();
  });
}

async function copyAll(from: Driver, to: Driver, options: { force: boolean; sourceName: string }): Promise<CopySummary> {
  const [marker] = await to.query<{ value: string }>('SELECT value FROM meta WHERE key = ?', [copyMarker]);
  const resuming = marker?.value === options.sourceName;
  const held = await Promise.all(tables.map(async (t) => [t.name, await count(to, t.name)] as const));
  const nonEmpty = held.filter(([name, n]) => n > (name === 'meta' && marker ? 1 : 0));
  if (nonEmpty.length > 0 && !options.force && !resuming) {
    // A choice the user makes with a flag, so a usage error (exit 2), not a failure.
    throw new UsageError(
      `the target database already holds data (${nonEmpty.map(([name, n]) => `${n} in ${name}`).join(', ')}); nothing was copied — ` +
        'copy into an empty database, or pass --force to merge into it (rows with the same keys are overwritten)',
    );
  }
  if (nonEmpty.length > 0 && !resuming) await refuseOtherReaders(from, to);
  await to.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
    copyMarker,
    options.sourceName,
  ]);
  for (const table of tables) await copyTable(from, to, table);
  await resetIdentities(to);
  await to.run('DELETE FROM meta WHERE key = ?', [copyMarker]);

  const summary: CopySummary = [];
  for (const table of tables) {
    const [source, target] = [await count(from, table.name), await count(to, table.name)];
    if (target < source) {
      throw new StoreError(`the copy is incomplete: ${table.name} has ${source} rows in the source but ${target} in the target — run db copy again`);
    }
    summary.push({ table: table.name, label: table.label[target === 1 ? 0 : 1], rows: target });
  }
  return summary;
}
