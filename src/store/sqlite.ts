// The embedded store: one SQLite file through better-sqlite3, in WAL mode so the server reads while a send writes.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { migrations } from './migrations.js';
import {
  subscriberStatuses,
  type DeliveryCounts,
  type DeliveryCursor,
  type DeliveryOutcome,
  type DigestInput,
  type DigestRecord,
  type PendingDelivery,
  type Store,
  type Subscriber,
  type SubscriberInput,
  type SubscriberStatus,
  type UpsertOutcome,
} from './types.js';

interface SubscriberRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  created_at: string;
  updated_at: string;
}

interface DigestRow {
  number: number;
  created_at: string;
  subject: string;
  html: string;
  text: string;
}

const pageSize = 1000;

function toSubscriber(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** The case-insensitive identity of an address. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Brings a database up to the newest schema version, each migration in its own transaction. */
export function migrate(db: Database.Database, upTo = migrations.length): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new StoreError(
      `the database is at schema version ${current}, newer than this Gazette knows (${migrations.length}) — upgrade Gazette`,
    );
  }
  for (let version = current; version < upTo; version++) {
    db.transaction(() => {
      db.exec(migrations[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/** Opens (creating when needed) the SQLite store at `path` and brings its schema up to date. */
export function openSqliteStore(path: string): Store {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`cannot open the database ${path}: ${(error as Error).message} — check --db / GAZETTE_DB`, {
      cause: error,
    });
  }
  return new SqliteStore(db);
}

class SqliteStore implements Store {
  private readonly sql;

  constructor(private readonly db: Database.Database) {
    this.sql = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      insertMetaIfAbsent: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      subscriberById: db.prepare<[number], SubscriberRow>('SELECT * FROM subscribers WHERE id = ?'),
      subscriberByKey: db.prepare<[string], SubscriberRow>('SELECT * FROM subscribers WHERE email_key = ?'),
      insertSubscriber: db.prepare<[string, string, string | null, string, string, string], SubscriberRow>(
        `INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING *`,
      ),
      updateSubscriber: db.prepare<[string | null, string, string, number], SubscriberRow>(
        'UPDATE subscribers SET name = ?, status = ?, updated_at = ? WHERE id = ? RETURNING *',
      ),
      subscribersPage: db.prepare<[number, number], SubscriberRow>('SELECT * FROM subscribers WHERE id > ? ORDER BY id LIMIT ?'),
      subscribersPageByStatus: db.prepare<[string, number, number], SubscriberRow>(
        'SELECT * FROM subscribers WHERE status = ? AND id > ? ORDER BY id LIMIT ?',
      ),
      countSubscribers: db.prepare<[], { status: SubscriberStatus; n: number }>(
        'SELECT status, count(*) AS n FROM subscribers GROUP BY status',
      ),
      seenSlugs: db.prepare<[], { slug: string }>('SELECT slug FROM digest_articles'),
      nextDigestNumber: db.prepare<[], { n: number }>('SELECT coalesce(max(number), 0) + 1 AS n FROM digests'),
      insertDigest: db.prepare('INSERT INTO digests (number, created_at, subject, html, text) VALUES (?, ?, ?, ?, ?)'),
      insertDigestArticle: db.prepare(
        'INSERT INTO digest_articles (slug, digest_number, role, position) VALUES (?, ?, ?, ?)',
      ),
      insertLedger: db.prepare(
        `INSERT INTO deliveries (digest_number, subscriber_id, status, updated_at)
         SELECT ?, id, 'pending', ? FROM subscribers WHERE status = 'active'`,
      ),
      digest: db.prepare<[number], DigestRow>('SELECT * FROM digests WHERE number = ?'),
      digestSlugs: db.prepare<[number], { slug: string }>(
        "SELECT slug FROM digest_articles WHERE digest_number = ? AND role = 'carried' ORDER BY position",
      ),
      digests: db.prepare<[], Omit<DigestRow, 'html' | 'text'>>(
        'SELECT number, created_at, subject FROM digests ORDER BY number DESC',
      ),
      pending: db.prepare<[number, number, number], PendingRow>(
        `SELECT d.digest_number, d.subscriber_id, d.attempts, s.email, s.name, s.status
         FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
         WHERE d.status = 'pending' AND (d.digest_number, d.subscriber_id) > (?, ?)
         ORDER BY d.digest_number, d.subscriber_id LIMIT ?`,
      ),
      finish: db.prepare(
        "UPDATE deliveries SET status = ?, detail = ?, attempts = attempts + 1, updated_at = ? WHERE digest_number = ? AND subscriber_id = ? AND status = 'pending'",
      ),
      skip: db.prepare(
        "UPDATE deliveries SET status = 'skipped', detail = ?, updated_at = ? WHERE digest_number = ? AND subscriber_id = ? AND status = 'pending'",
      ),
      retry: db.prepare(
        "UPDATE deliveries SET attempts = attempts + 1, detail = ?, updated_at = ? WHERE digest_number = ? AND subscriber_id = ? AND status = 'pending'",
      ),
      bounce: db.prepare(
        "UPDATE subscribers SET status = 'bounced', updated_at = ? WHERE id = ? AND status IN ('active', 'pending')",
      ),
      countDeliveries: db.prepare<[], { status: keyof DeliveryCounts; n: number }>(
        'SELECT status, count(*) AS n FROM deliveries GROUP BY status',
      ),
      countDigestDeliveries: db.prepare<[number], { status: keyof DeliveryCounts; n: number }>(
        'SELECT status, count(*) AS n FROM deliveries WHERE digest_number = ? GROUP BY status',
      ),
      takeLease: db.prepare(
        `INSERT INTO leases (name, holder, expires_at) VALUES (@name, @holder, @expires)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.holder = excluded.holder OR leases.expires_at <= @now`,
      ),
      releaseLease: db.prepare('DELETE FROM leases WHERE name = ? AND holder = ?'),
    };
  }

  getOrCreateSecret(generate: () => string): string {
    this.sql.insertMetaIfAbsent.run('secret', generate());
    return this.sql.getMeta.get('secret')?.value ?? '';
  }

  getState(key: string): string | null {
    return this.sql.getMeta.get(`state:${key}`)?.value ?? null;
  }

  setState(key: string, value: string): void {
    this.sql.setMeta.run(`state:${key}`, value);
  }

  upsertSubscriber(
    input: SubscriberInput,
    now: Date,
    options: { revive?: boolean } = {},
  ): { subscriber: Subscriber; outcome: UpsertOutcome } {
    const at = now.toISOString();
    const existing = this.sql.subscriberByKey.get(emailKey(input.email));
    if (!existing) {
      const row = this.sql.insertSubscriber.get(input.email.trim(), emailKey(input.email), input.name, input.status, at, at);
      if (!row) throw new StoreError(`could not add ${input.email}`);
      return { subscriber: toSubscriber(row), outcome: 'added' };
    }
    const gone = existing.status === 'unsubscribed' || existing.status === 'bounced';
    if (gone && !options.revive) return { subscriber: toSubscriber(existing), outcome: 'kept' };
    // An address never steps back from active to pending: a repeated opt-in request must not unconfirm it.
    const status = existing.status === 'active' ? 'active' : input.status;
    const name = input.name ?? existing.name;
    if (status === existing.status && name === existing.name) return { subscriber: toSubscriber(existing), outcome: 'unchanged' };
    const row = this.sql.updateSubscriber.get(name, status, at, existing.id);
    if (!row) throw new StoreError(`could not update ${input.email}`);
    return { subscriber: toSubscriber(row), outcome: 'updated' };
  }

  upsertSubscribers(inputs: readonly SubscriberInput[], now: Date): UpsertOutcome[] {
    return this.db.transaction(() => inputs.map((input) => this.upsertSubscriber(input, now).outcome))();
  }

  getSubscriber(id: number): Subscriber | null {
    const row = this.sql.subscriberById.get(id);
    return row ? toSubscriber(row) : null;
  }

  findSubscriber(email: string): Subscriber | null {
    const row = this.sql.subscriberByKey.get(emailKey(email));
    return row ? toSubscriber(row) : null;
  }

  setSubscriberStatus(id: number, status: SubscriberStatus, now: Date): Subscriber | null {
    const existing = this.sql.subscriberById.get(id);
    if (!existing) return null;
    if (existing.status === status) return toSubscriber(existing);
    const row = this.sql.updateSubscriber.get(existing.name, status, now.toISOString(), id);
    return row ? toSubscriber(row) : null;
  }

  *listSubscribers(filter: { status?: SubscriberStatus } = {}): Iterable<Subscriber> {
    let after = 0;
    for (;;) {
      const rows =
        filter.status === undefined
          ? this.sql.subscribersPage.all(after, pageSize)
          : this.sql.subscribersPageByStatus.all(filter.status, after, pageSize);
      for (const row of rows) yield toSubscriber(row);
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      after = last.id;
    }
  }

  countSubscribers(): Record<SubscriberStatus, number> {
    const counts = Object.fromEntries(subscriberStatuses.map((s) => [s, 0])) as Record<SubscriberStatus, number>;
    for (const { status, n } of this.sql.countSubscribers.all()) counts[status] = n;
    return counts;
  }

  seenSlugs(): Set<string> {
    return new Set(this.sql.seenSlugs.all().map((row) => row.slug));
  }

  nextDigestNumber(): number {
    return this.sql.nextDigestNumber.get()?.n ?? 1;
  }

  createDigest(input: DigestInput): DigestRecord {
    return this.db.transaction(() => {
      const { number } = input;
      if (number !== this.nextDigestNumber()) {
        throw new StoreError(`digest ${number} was made by another process meanwhile; nothing was stored — run publish again`);
      }
      const at = input.createdAt.toISOString();
      this.sql.insertDigest.run(number, at, input.subject, input.html, input.text);
      try {
        input.carried.forEach((slug, i) => this.sql.insertDigestArticle.run(slug, number, 'carried', i));
        input.passedOver.forEach((slug, i) => this.sql.insertDigestArticle.run(slug, number, 'passed_over', i));
      } catch (error) {
        throw new StoreError('an article of this digest was already in an earlier digest; nothing was stored', {
          cause: error,
        });
      }
      this.sql.insertLedger.run(number, at);
      return { number, createdAt: input.createdAt, subject: input.subject, html: input.html, text: input.text, articleSlugs: [...input.carried] };
    }).immediate();
  }

  getDigest(number: number): DigestRecord | null {
    const row = this.sql.digest.get(number);
    if (!row) return null;
    return {
      number: row.number,
      createdAt: new Date(row.created_at),
      subject: row.subject,
      html: row.html,
      text: row.text,
      articleSlugs: this.sql.digestSlugs.all(number).map((r) => r.slug),
    };
  }

  listDigests(): Omit<DigestRecord, 'html' | 'text'>[] {
    return this.sql.digests.all().map((row) => ({
      number: row.number,
      createdAt: new Date(row.created_at),
      subject: row.subject,
      articleSlugs: this.sql.digestSlugs.all(row.number).map((r) => r.slug),
    }));
  }

  pendingDeliveries(limit: number, after: DeliveryCursor = { digestNumber: 0, subscriberId: 0 }): PendingDelivery[] {
    return this.sql.pending.all(after.digestNumber, after.subscriberId, limit).map((row) => ({
      digestNumber: row.digest_number,
      subscriberId: row.subscriber_id,
      email: row.email,
      name: row.name,
      subscriberStatus: row.status,
      attempts: row.attempts,
    }));
  }

  recordDeliveries(outcomes: readonly DeliveryOutcome[]): void {
    this.db.transaction(() => {
      for (const o of outcomes) {
        const at = o.at.toISOString();
        if (o.result === 'retry') this.sql.retry.run(o.detail, at, o.digestNumber, o.subscriberId);
        else if (o.result === 'skipped') this.sql.skip.run(o.detail, at, o.digestNumber, o.subscriberId);
        else {
          const { changes } = this.sql.finish.run(o.result, o.detail, at, o.digestNumber, o.subscriberId);
          // Only a row that was still pending may bounce its subscriber: a late duplicate outcome changes nothing.
          if (o.result === 'bounced' && changes === 1) this.sql.bounce.run(at, o.subscriberId);
        }
      }
    })();
  }

  deliveryCounts(digestNumber?: number): DeliveryCounts {
    const counts: DeliveryCounts = { pending: 0, sent: 0, bounced: 0, failed: 0, skipped: 0 };
    const rows =
      digestNumber === undefined ? this.sql.countDeliveries.all() : this.sql.countDigestDeliveries.all(digestNumber);
    for (const { status, n } of rows) counts[status] = n;
    return counts;
  }

  acquireLease(name: string, holder: string, ttlMs: number, now: Date): boolean {
    const at = now.getTime();
    return this.sql.takeLease.run({ name, holder, expires: at + ttlMs, now: at }).changes === 1;
  }

  releaseLease(name: string, holder: string): void {
    this.sql.releaseLease.run(name, holder);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface PendingRow {
  digest_number: number;
  subscriber_id: number;
  attempts: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
}
