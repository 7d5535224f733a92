// The store, written once in SQL that SQLite and PostgreSQL both run, over a driver (see driver.ts). Writes that
// must see a consistent list (upserts, digests, bounces) run in the driver's one-writer-at-a-time transaction;
// the send loop's hot writes (claims, their renewal, a batch of outcomes) are single statements on rows the
// sender has claimed, which need no such lock.
import { randomBytes } from 'node:crypto';
import { StoreError } from '../errors.js';
import type { Driver, Queryable } from './driver.js';
import { migrate } from './migrations.js';
import {
  softBounceLimit,
  subscriberStatuses,
  type DeliveryCounts,
  type DeliveryCursor,
  type DepartedDay,
  type JoinedDay,
  type RecentEvent,
  type DeliveryOutcome,
  type DigestInput,
  type ConfirmLinkState,
  type ConfirmOutcome,
  type DigestRecord,
  hasLeft,
  nothingInSections,
  type DigestStats,
  type LeaveReason,
  type ListTotals,
  type PendingDelivery,
  type ReaderState,
  type ReturnEventInput,
  type ReturnEventOutcome,
  type StatusChange,
  type SubscribeRequestOutcome,
  type Store,
  type Subscriber,
  type SubscriberEvent,
  type SubscriberEventInput,
  type SubscriberChoices,
  type SubscriberEventKind,
  type SubscriberFilter,
  type SubscriberInput,
  type SubscriberStatus,
  type UpsertOutcome,
} from './types.js';

interface SubscriberRow {
  id: number;
  public_id: string;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  created_at: string;
  updated_at: string;
  sections: string;
  editions: string;
  confirm_nonce: string | null;
  confirm_requested_at: string | null;
  requested_name: string | null;
  requested_sections: string | null;
  requested_editions: string | null;
}

interface DigestRow {
  number: number;
  edition: string;
  issue: number;
  created_at: string;
  subject: string;
  html: string;
  text: string;
  blocks: string;
}

interface PendingRow {
  digest_number: number;
  subscriber_id: number;
  public_id: string;
  attempts: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  sections: string;
}

interface EventRow {
  id: number;
  subscriber_id: number;
  at: string;
  kind: SubscriberEventKind;
  source: string;
  digest_number: number | null;
  detail: string | null;
  dedupe_key: string | null;
}

/** A count as the engines return it: a number from SQLite, a bigint's decimal string from PostgreSQL. */
type Count = number | string;

const pageSize = 1000;
const defaultSource = 'gazette';

/** The journal kind a change to `status` implies when the caller names none. */
const kindOfStatus: Record<SubscriberStatus, SubscriberEventKind> = {
  pending: 'subscribed',
  active: 'confirmed',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
};

const sql = {
  getMeta: 'SELECT value FROM meta WHERE key = ?',
  setMeta: 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  insertMetaIfAbsent: 'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
  subscriberById: 'SELECT * FROM subscribers WHERE id = ?',
  subscriberByKey: 'SELECT * FROM subscribers WHERE email_key = ?',
  insertSubscriber: `INSERT INTO subscribers (public_id, email, email_key, name, status, created_at, updated_at, sections, editions)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
  subscriberByPublicId: 'SELECT * FROM subscribers WHERE public_id = ?',
  recordRequest: `UPDATE subscribers SET confirm_nonce = ?, confirm_requested_at = ?, requested_name = ?,
    requested_sections = ?, requested_editions = ? WHERE id = ?`,
  confirmRequest: `UPDATE subscribers SET status = 'active', name = ?, sections = ?, editions = ?, updated_at = ?,
    confirm_nonce = NULL, confirm_requested_at = NULL, requested_name = NULL, requested_sections = NULL, requested_editions = NULL
    WHERE id = ? RETURNING *`,
  countMail: "SELECT count(*) AS n FROM subscriber_events WHERE kind = 'confirmation_sent' AND at >= ?",
  countMailTo: "SELECT count(*) AS n FROM subscriber_events WHERE kind = 'confirmation_sent' AND at >= ? AND detail = ?",
  updateSubscriber: 'UPDATE subscribers SET name = ?, status = ?, updated_at = ? WHERE id = ? RETURNING *',
  renameSectionKeys: 'UPDATE subscribers SET sections = ?, requested_sections = ? WHERE id = ?',
  dropRequest: `UPDATE subscribers SET confirm_nonce = NULL, confirm_requested_at = NULL, requested_name = NULL,
    requested_sections = NULL, requested_editions = NULL WHERE id = ?`,
  updateChoices: 'UPDATE subscribers SET sections = ?, editions = ?, updated_at = ? WHERE id = ? RETURNING *',
  countSubscribers: 'SELECT status, count(*) AS n FROM subscribers GROUP BY status',
  countByEditions: "SELECT editions, count(*) AS n FROM subscribers WHERE status IN ('active', 'pending') GROUP BY editions",
  insertEvent: `INSERT INTO subscriber_events (subscriber_id, at, kind, source, digest_number, detail, dedupe_key)
    VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING`,
  eventsOf: 'SELECT * FROM subscriber_events WHERE subscriber_id = ? ORDER BY id DESC LIMIT ?',
  eventsSince: 'SELECT * FROM subscriber_events WHERE at >= ? AND id > ? ORDER BY id LIMIT ?',
  joinedDays: `SELECT substr(created_at, 1, 10) AS day, status, count(*) AS n FROM subscribers
    WHERE created_at >= ? GROUP BY substr(created_at, 1, 10), status`,
  departedDays: `SELECT substr(updated_at, 1, 10) AS day, substr(created_at, 1, 10) AS joined, status, count(*) AS n
    FROM subscribers WHERE status IN ('unsubscribed', 'bounced') AND updated_at >= ?
    GROUP BY substr(updated_at, 1, 10), substr(created_at, 1, 10), status`,
  sendingProgress: `SELECT d.digest_number, count(*) FILTER (WHERE d.status = 'pending') AS pending,
    count(*) FILTER (WHERE d.status = 'sent') AS sent,
    count(*) FILTER (WHERE d.status = 'sent' AND d.updated_at >= ?) AS sent_since
    FROM deliveries d WHERE d.digest_number IN (SELECT DISTINCT digest_number FROM deliveries WHERE status = 'pending')
    GROUP BY d.digest_number ORDER BY d.digest_number`,
  seenSlugs: 'SELECT slug FROM digest_articles WHERE edition = ?',
  seenSlugsBefore: `SELECT slug FROM digest_articles
    WHERE edition = ? AND digest_number < coalesce((SELECT min(number) FROM digests WHERE edition = ?), 2147483647)`,
  nextDigestNumber: 'SELECT coalesce(max(number), 0) + 1 AS n FROM digests',
  mailedEditions: 'SELECT DISTINCT edition FROM digests ORDER BY edition',
  nextIssueNumber: 'SELECT coalesce(max(issue), 0) + 1 AS n FROM digests WHERE edition = ?',
  insertDigest: 'INSERT INTO digests (number, edition, issue, created_at, subject, html, text, blocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  insertDigestArticle: 'INSERT INTO digest_articles (edition, slug, digest_number, role, position) VALUES (?, ?, ?, ?, ?)',
  digest: 'SELECT * FROM digests WHERE number = ?',
  digestSlugs: "SELECT slug FROM digest_articles WHERE digest_number = ? AND role = 'carried' ORDER BY position",
  digests: 'SELECT number, edition, issue, created_at, subject, blocks FROM digests ORDER BY number DESC',
  pending: `SELECT d.digest_number, d.subscriber_id, d.attempts, s.public_id, s.email, s.name, s.status, s.sections
    FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
    WHERE d.status = 'pending' AND (d.digest_number, d.subscriber_id) > (?, ?)
    ORDER BY d.digest_number, d.subscriber_id LIMIT ?`,
  claim: `UPDATE deliveries SET claimed_by = ?, claimed_until = ?
    WHERE (digest_number, subscriber_id) IN (
      SELECT digest_number, subscriber_id FROM deliveries
      WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)
      ORDER BY digest_number, subscriber_id LIMIT ? %LOCK%)
    RETURNING digest_number, subscriber_id, attempts`,
  readerStatesOf: 'SELECT id, status, sections FROM subscribers WHERE id IN (%IDS%)',
  subscriberStatusesOf: 'SELECT id, public_id, email, name, status, sections FROM subscribers WHERE id IN (%IDS%)',
  countUnclaimed: `SELECT count(*) AS n FROM deliveries
    WHERE status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ? OR claimed_by = ?)`,
  renewClaims: `UPDATE deliveries SET claimed_until = ?
    WHERE (digest_number, subscriber_id) IN (
      SELECT digest_number, subscriber_id FROM deliveries WHERE claimed_by = ? AND status = 'pending' %LOCK%)`,
  releaseClaims: "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND status = 'pending'",
  reserveRateSlot: `INSERT INTO rate_slots (name, next_at) VALUES (?, ?)
    ON CONFLICT (name) DO UPDATE SET next_at = (CASE WHEN rate_slots.next_at > ? THEN rate_slots.next_at ELSE ? END) + ?
    RETURNING next_at`,
  finish: `UPDATE deliveries SET status = ?, detail = ?, attempts = attempts + 1, updated_at = ?
    WHERE digest_number = ? AND subscriber_id = ? AND status = 'pending'`,
  skip: `UPDATE deliveries SET status = 'skipped', detail = ?, updated_at = ?
    WHERE digest_number = ? AND subscriber_id = ? AND status = 'pending'`,
  retry: `UPDATE deliveries SET attempts = attempts + 1, detail = ?, updated_at = ?
    WHERE digest_number = ? AND subscriber_id = ? AND status = 'pending'`,
  bounce: "UPDATE subscribers SET status = 'bounced', updated_at = ? WHERE id = ? AND status IN ('active', 'pending')",
  countDeliveries: 'SELECT status, count(*) AS n FROM deliveries GROUP BY status',
  countDigestDeliveries: 'SELECT status, count(*) AS n FROM deliveries WHERE digest_number = ? GROUP BY status',
  takeLease: `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
    ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
    WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
  releaseLease: 'DELETE FROM leases WHERE name = ? AND holder = ?',
  getLease: 'SELECT holder, expires_at FROM leases WHERE name = ?',
  takeOverLease: 'UPDATE leases SET holder = ?, expires_at = ? WHERE name = ? AND holder = ?',
} as const;

/** Rows (or ids) one statement carries at most: with 6 parameters a row this stays far below both engines' limits. */
const chunkSize = 500;

/** `items` in slices of `chunkSize`, for statements with one placeholder (or row of them) per item. */
function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += chunkSize) yield items.slice(i, i + chunkSize);
}

/**
 * Settles `count` ledger rows still pending in one statement, each from a row of values (digest, subscriber,
 * status, detail, attempts to add, updated_at): a retry stays pending and counts an attempt, a skip does not.
 */
function settleDeliveries(count: number): string {
  const row = '(CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS TEXT))';
  return `UPDATE deliveries SET status = v.column3, detail = v.column4, attempts = deliveries.attempts + v.column5, updated_at = v.column6
    FROM (VALUES ${Array.from({ length: count }, () => row).join(', ')}) AS v
    WHERE deliveries.digest_number = v.column1 AND deliveries.subscriber_id = v.column2 AND deliveries.status = 'pending'`;
}

/** The values `settleDeliveries` takes for one outcome that bounces nobody. */
function outcomeValues(o: DeliveryOutcome): (string | number | null)[] {
  const status = o.result === 'retry' ? 'pending' : o.result;
  return [o.digestNumber, o.subscriberId, status, o.detail, o.result === 'skipped' ? 0 : 1, o.at.toISOString()];
}

// ---- Issue 11: the return path and stats ----

/** Journal kinds that count in stats: how readers left or were counted after a send. */
const returnKinds = "('bounced', 'soft_bounce', 'complaint', 'unsubscribed')";

/**
 * Journal sources of no digest's doing, left out of the reports' counts: a bounce at send time (the ledger counts it), a
 * report on a confirmation mail, a leaver an import brought in.
 */
const noDigestsDoing = "('delivery', 'confirmation', 'import')";

const returnSql = {
  seenDedupeKey: 'SELECT 1 AS one FROM subscriber_events WHERE dedupe_key = ?',
  // Soft bounces since the reader last (re)joined, within the window.
  recentSoftBounces: `SELECT count(*) AS n FROM subscriber_events
    WHERE subscriber_id = ? AND kind = 'soft_bounce' AND at >= ?
      AND id > coalesce((SELECT max(id) FROM subscriber_events WHERE subscriber_id = ? AND kind IN ('subscribed', 'confirmed', 'imported')), 0)`,
  setStatus: "UPDATE subscribers SET status = ?, updated_at = ? WHERE id = ? AND status IN ('active', 'pending')",
  // A reader who had unsubscribed, whose new request's confirmation bounced.
  bounceLeaver: "UPDATE subscribers SET status = 'bounced', updated_at = ? WHERE id = ? AND status = 'unsubscribed'",
  // The newest digests before a number, each with the next one's date: the window its undated events fall in.
  digestWindow: `SELECT d.number, d.created_at, d.subject,
      (SELECT min(n.created_at) FROM digests n WHERE n.number > d.number) AS next_at
    FROM digests d WHERE d.number < ? ORDER BY d.number DESC LIMIT ?`,
  ledgerCounts: `SELECT digest_number, count(*) AS recipients,
      sum(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent,
      sum(CASE WHEN status = 'bounced' THEN 1 ELSE 0 END) AS bounced,
      sum(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
      sum(CASE WHEN status = 'pending' THEN 1 ELSE 0 END) AS pending,
      sum(CASE WHEN status = 'skipped' THEN 1 ELSE 0 END) AS skipped
    FROM deliveries WHERE digest_number BETWEEN ? AND ? GROUP BY digest_number`,
  // Events that name their digest. Bounces at send time are the ledger's (source 'delivery'), not counted again.
  digestEventCounts: `SELECT digest_number AS number, kind, count(*) AS n FROM subscriber_events
    WHERE digest_number BETWEEN ? AND ? AND kind IN ${returnKinds} AND source <> 'delivery'
    GROUP BY digest_number, kind`,
  // Events that name no digest (an unsubscribe link, a mailto) belong to the newest digest made before them; a report
  // on a confirmation mail belongs to none (the reader never had a digest), nor does a leaver an import brought in
  // (another tool's unsubscribed or cleaned reader).
  undatedEventCounts: `SELECT d.number, e.kind, count(*) AS n
    FROM (SELECT number, created_at, (SELECT min(n.created_at) FROM digests n WHERE n.number > digests.number) AS next_at
          FROM digests WHERE number BETWEEN ? AND ?) d
    JOIN subscriber_events e ON e.digest_number IS NULL AND e.kind IN ${returnKinds} AND e.source NOT IN ${noDigestsDoing}
      AND e.at >= d.created_at AND (d.next_at IS NULL OR e.at < d.next_at)
    WHERE e.at >= ?
    GROUP BY d.number, e.kind`,
  countDigests: 'SELECT count(*) AS n FROM digests',
  countReturnEvents: `SELECT kind, count(*) AS n FROM subscriber_events WHERE kind IN ${returnKinds} AND source NOT IN ${noDigestsDoing} GROUP BY kind`,
  leaveReasons: (count: number): string => `SELECT * FROM subscriber_events WHERE id IN (
      SELECT max(id) FROM subscriber_events
      WHERE subscriber_id IN (${Array.from({ length: count }, () => '?').join(', ')}) AND kind IN ('bounced', 'complaint', 'unsubscribed')
      GROUP BY subscriber_id)`,
} as const;

interface DigestWindowRow {
  number: number;
  created_at: string;
  subject: string;
  next_at: string | null;
}

interface LedgerCountRow {
  digest_number: number;
  recipients: Count;
  sent: Count;
  bounced: Count;
  failed: Count;
  pending: Count;
  skipped: Count;
}

interface EventCountRow {
  number: number;
  kind: string;
  n: Count;
}

function emptyDigestStats(d: DigestWindowRow): DigestStats {
  return {
    number: d.number,
    createdAt: new Date(d.created_at),
    subject: d.subject,
    recipients: 0,
    sent: 0,
    bouncedDuringSend: 0,
    bouncedAfter: 0,
    softBounces: 0,
    complaints: 0,
    unsubscribedSince: 0,
    failed: 0,
    pending: 0,
    skipped: 0,
  };
}

function addLedger(s: DigestStats, row: LedgerCountRow): void {
  s.recipients += Number(row.recipients);
  s.sent += Number(row.sent);
  s.bouncedDuringSend += Number(row.bounced);
  s.failed += Number(row.failed);
  s.pending += Number(row.pending);
  s.skipped += Number(row.skipped);
}

function addEvents(s: DigestStats, row: EventCountRow): void {
  const n = Number(row.n);
  if (row.kind === 'bounced') s.bouncedAfter += n;
  else if (row.kind === 'soft_bounce') s.softBounces += n;
  else if (row.kind === 'complaint') s.complaints += n;
  else if (row.kind === 'unsubscribed') s.unsubscribedSince += n;
}

function toSubscriber(row: SubscriberRow): Subscriber {
  return {
    id: row.id,
    publicId: row.public_id,
    email: row.email,
    name: row.name,
    status: row.status,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    sections: splitKeys(row.sections),
    editions: splitKeys(row.editions),
  };
}

// Issue 14: a reader's sections and editions are kept as one comma-separated column each ('' = none chosen),
// so that a digest's audience is one WHERE clause both engines run.
function splitKeys(stored: string): string[] {
  // Once each: migration 10 folded two keys of one section (`dış-…` and `diş-…`) into one.
  return stored === '' ? [] : [...new Set(stored.split(','))];
}

function joinKeys(keys: readonly string[]): string {
  return keys.join(',');
}

/** A LIKE pattern that matches a key in a comma-separated column wrapped in commas. */
function keyPattern(key: string): string {
  return `%,${key},%`;
}

/** Rows whose comma-separated `column` holds a key. Takes one keyPattern. */
const hasKey = (column: string): string => `(',' || ${column} || ',') LIKE ?`;

/** Readers who get a section: those of all sections and those who chose it. Takes one LIKE pattern. */
const sectionClause = `(sections = '' OR ${hasKey('sections')})`;

/** Readers of an edition: those who chose it, and those who never chose when it is the default one. Takes one LIKE pattern. */
function editionClause(defaultEdition: boolean): string {
  return `(${defaultEdition ? "editions = '' OR " : ''}${hasKey('editions')})`;
}

function toDigestSummary(row: Omit<DigestRow, 'html' | 'text'>): Omit<DigestRecord, 'html' | 'text' | 'articleSlugs'> {
  return {
    number: row.number,
    edition: row.edition,
    issue: row.issue,
    createdAt: new Date(row.created_at),
    subject: row.subject,
    blocks: JSON.parse(row.blocks) as DigestRecord['blocks'],
  };
}

function toEvent(row: EventRow): SubscriberEvent {
  return {
    id: row.id,
    subscriberId: row.subscriber_id,
    at: new Date(row.at),
    kind: row.kind,
    source: row.source,
    digestNumber: row.digest_number,
    detail: row.detail,
    dedupeKey: row.dedupe_key,
  };
}

/** A new reader's public id: 128 random bits as 32 hex digits (migration 5 gives older readers the same kind). */
function newPublicId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Only the newest request's link works, and only if that request was made after `notBefore`; an unsubscribe drops
 * the request (setSubscriberStatus), so a link older than it is refused.
 */
/** The name and stored choices a reader has once their newest request is confirmed: what it asked for, else theirs. */
function requested(row: SubscriberRow): { name: string | null; sections: string; editions: string } {
  return { name: row.requested_name ?? row.name, sections: row.requested_sections ?? row.sections, editions: row.requested_editions ?? row.editions };
}

function linkState(row: SubscriberRow, nonce: string, notBefore: Date): ConfirmLinkState {
  if (row.confirm_nonce !== nonce) return row.confirm_nonce === null && row.status === 'unsubscribed' ? 'refused' : 'replaced';
  return row.confirm_requested_at === null || new Date(row.confirm_requested_at) < notBefore ? 'expired' : 'current';
}

/** The case-insensitive identity of an address. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/** Brings the database behind `driver` up to date and returns the store over it; closes the driver on failure. */
export async function openSqlStore(driver: Driver): Promise<Store> {
  try {
    await migrate(driver);
  } catch (error) {
    await driver.close();
    throw error;
  }
  return new SqlStore(driver);
}

/** The one store implementation; `driver` decides the engine. */
export class SqlStore implements Store {
  constructor(readonly driver: Driver) {}

  async getOrCreateSecret(generate: () => string): Promise<string> {
    await this.driver.run(sql.insertMetaIfAbsent, ['secret', generate()]);
    return (await this.getMeta(this.driver, 'secret')) ?? '';
  }

  getState(key: string): Promise<string | null> {
    return this.getMeta(this.driver, `state:${key}`);
  }

  async setState(key: string, value: string): Promise<void> {
    await this.driver.run(sql.setMeta, [`state:${key}`, value]);
  }

  upsertSubscriber(input: SubscriberInput, now: Date, options: { source?: string } = {}): Promise<{ subscriber: Subscriber; outcome: UpsertOutcome }> {
    return this.driver.transaction((tx) => this.upsertIn(tx, input, now, { source: options.source ?? defaultSource }));
  }

  upsertSubscribers(inputs: readonly SubscriberInput[], now: Date, options: { source?: string } = {}): Promise<UpsertOutcome[]> {
    const change: StatusChange = { kind: 'imported', source: options.source ?? defaultSource };
    return this.driver.transaction(async (tx) => {
      const outcomes: UpsertOutcome[] = [];
      for (const input of inputs) outcomes.push((await this.upsertIn(tx, input, now, change)).outcome);
      return outcomes;
    });
  }

  async getSubscriber(id: number): Promise<Subscriber | null> {
    const [row] = await this.driver.query<SubscriberRow>(sql.subscriberById, [id]);
    return row ? toSubscriber(row) : null;
  }

  async readerStates(ids: readonly number[]): Promise<Map<number, ReaderState>> {
    const states = new Map<number, ReaderState>();
    for (const chunk of chunks(ids)) {
      const rows = await this.driver.query<Pick<SubscriberRow, 'id' | 'status' | 'sections'>>(
        sql.readerStatesOf.replace('%IDS%', chunk.map(() => '?').join(', ')),
        chunk,
      );
      for (const row of rows) states.set(row.id, { status: row.status, sections: splitKeys(row.sections) });
    }
    return states;
  }

  async findSubscriber(email: string): Promise<Subscriber | null> {
    const [row] = await this.driver.query<SubscriberRow>(sql.subscriberByKey, [emailKey(email)]);
    return row ? toSubscriber(row) : null;
  }

  setSubscriberStatus(
    id: number,
    status: SubscriberStatus,
    now: Date,
    change: StatusChange = { source: defaultSource },
  ): Promise<Subscriber | null> {
    return this.driver.transaction(async (tx) => {
      const [existing] = await tx.query<SubscriberRow>(sql.subscriberById, [id]);
      if (!existing) return null;
      // The reader's latest decision wins: a confirmation link sent before they left must not bring them back.
      if (status === 'unsubscribed' && existing.confirm_nonce !== null) await tx.run(sql.dropRequest, [id]);
      if (existing.status === status) return toSubscriber(existing);
      const [row] = await tx.query<SubscriberRow>(sql.updateSubscriber, [existing.name, status, now.toISOString(), id]);
      await this.journal(tx, id, status, now, change);
      return row ? toSubscriber(row) : null;
    });
  }

  async *listSubscribers(filter: SubscriberFilter = {}): AsyncIterable<Subscriber> {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.section !== undefined) {
      where.push(sectionClause);
      params.push(keyPattern(filter.section));
    }
    if (filter.edition !== undefined) {
      where.push(editionClause(filter.edition.defaultEdition));
      params.push(keyPattern(filter.edition.id));
    }
    const page = `SELECT * FROM subscribers WHERE ${[...where, 'id > ?'].join(' AND ')} ORDER BY id LIMIT ?`;
    let after = 0;
    for (;;) {
      const rows = await this.driver.query<SubscriberRow>(page, [...params, after, pageSize]);
      for (const row of rows) yield toSubscriber(row);
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      after = last.id;
    }
  }

  async countByEditions(): Promise<{ editions: string[]; count: number }[]> {
    const rows = await this.driver.query<{ editions: string; n: Count }>(sql.countByEditions);
    return rows.map((row) => ({ editions: splitKeys(row.editions), count: Number(row.n) }));
  }

  async countSubscribers(): Promise<Record<SubscriberStatus, number>> {
    const counts = Object.fromEntries(subscriberStatuses.map((s) => [s, 0])) as Record<SubscriberStatus, number>;
    const rows = await this.driver.query<{ status: SubscriberStatus; n: Count }>(sql.countSubscribers);
    for (const { status, n } of rows) counts[status] = Number(n);
    return counts;
  }

  async appendSubscriberEvent(event: SubscriberEventInput): Promise<boolean> {
    return (await this.appendIn(this.driver, event)) === 1;
  }

  async subscriberEvents(subscriberId: number, limit: number): Promise<SubscriberEvent[]> {
    return (await this.driver.query<EventRow>(sql.eventsOf, [subscriberId, limit])).map(toEvent);
  }

  async *subscriberEventsSince(since: Date): AsyncIterable<SubscriberEvent> {
    let after = 0;
    for (;;) {
      const rows = await this.driver.query<EventRow>(sql.eventsSince, [since.toISOString(), after, pageSize]);
      for (const row of rows) yield toEvent(row);
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) return;
      after = last.id;
    }
  }

  async subscriberFlows(since: Date): Promise<{ joined: JoinedDay[]; departed: DepartedDay[] }> {
    const at = since.toISOString();
    const [joined, departed] = await Promise.all([
      this.driver.query<{ day: string; status: SubscriberStatus; n: Count }>(sql.joinedDays, [at]),
      this.driver.query<{ day: string; joined: string; status: 'unsubscribed' | 'bounced'; n: Count }>(sql.departedDays, [at]),
    ]);
    return {
      joined: joined.map((r) => ({ day: r.day, status: r.status, count: Number(r.n) })),
      departed: departed.map((r) => ({ day: r.day, joinedDay: r.joined, status: r.status, count: Number(r.n) })),
    };
  }

  async recentEvents(kinds: readonly SubscriberEventKind[], limit: number): Promise<RecentEvent[]> {
    if (kinds.length === 0) return [];
    const rows = await this.driver.query<{ at: string; email: string; kind: SubscriberEventKind; source: string; detail: string | null }>(
      `SELECT e.at, s.email, e.kind, e.source, e.detail FROM subscriber_events e JOIN subscribers s ON s.id = e.subscriber_id
       WHERE e.kind IN (${kinds.map(() => '?').join(', ')}) ORDER BY e.at DESC, e.id DESC LIMIT ?`,
      [...kinds, limit],
    );
    return rows.map((r) => ({ at: new Date(r.at), email: r.email, kind: r.kind, source: r.source, detail: r.detail }));
  }

  async sendingProgress(since: Date): Promise<{ digestNumber: number; pending: number; sent: number; sentSince: number }[]> {
    const rows = await this.driver.query<{ digest_number: number; pending: Count; sent: Count; sent_since: Count }>(sql.sendingProgress, [
      since.toISOString(),
    ]);
    return rows.map((r) => ({ digestNumber: Number(r.digest_number), pending: Number(r.pending), sent: Number(r.sent), sentSince: Number(r.sent_since) }));
  }

  setSubscriberChoices(id: number, choices: SubscriberChoices, now: Date, source = defaultSource): Promise<Subscriber | null> {
    return this.driver.transaction(async (tx) => {
      const sections = joinKeys(choices.sections);
      const editions = joinKeys(choices.editions);
      const [row] = await tx.query<SubscriberRow>(sql.updateChoices, [sections, editions, now.toISOString(), id]);
      if (!row) return null;
      const detail = `sections: ${sections || 'all'}; editions: ${editions || 'default'}`;
      await this.appendIn(tx, { subscriberId: id, at: now, kind: 'preferences', source, detail });
      return toSubscriber(row);
    });
  }

  // Issue 12 (consent): requests to subscribe, each with its own nonce, and their confirmation.

  async findSubscriberByPublicId(publicId: string): Promise<Subscriber | null> {
    const [row] = await this.driver.query<SubscriberRow>(sql.subscriberByPublicId, [publicId]);
    return row ? toSubscriber(row) : null;
  }

  requestSubscription(
    input: { email: string; name: string | null } & Partial<SubscriberChoices>,
    now: Date,
    request: { source: string; detail: string | null; mail: { nonce: string; mailbox: string } | null },
  ): Promise<{ subscriber: Subscriber; outcome: SubscribeRequestOutcome }> {
    return this.driver.transaction(async (tx) => {
      const [existing] = await tx.query<SubscriberRow>(sql.subscriberByKey, [emailKey(input.email)]);
      const row = existing ?? (await this.insertIn(tx, { ...input, status: 'pending' }, now, { source: request.source }));
      const at = now.toISOString();
      await this.appendIn(tx, { subscriberId: row.id, at: now, kind: 'requested', source: request.source, detail: request.detail });
      if (request.mail) {
        const choices = [input.sections, input.editions].map((keys) => (keys === undefined ? null : joinKeys(keys)));
        await tx.run(sql.recordRequest, [request.mail.nonce, at, input.name, ...choices, row.id]);
        await this.appendIn(tx, { subscriberId: row.id, at: now, kind: 'confirmation_sent', source: request.source, detail: request.mail.mailbox });
      }
      return { subscriber: toSubscriber(row), outcome: existing ? 'requested' : 'added' };
    });
  }

  confirmSubscription(publicId: string, nonce: string, now: Date, notBefore: Date, source: string): Promise<ConfirmOutcome> {
    return this.driver.transaction(async (tx): Promise<ConfirmOutcome> => {
      const [row] = await tx.query<SubscriberRow>(sql.subscriberByPublicId, [publicId]);
      if (!row) return 'unknown';
      const state = linkState(row, nonce, notBefore);
      if (state !== 'current') return row.status === 'active' ? 'already' : state;
      const asked = requested(row);
      await tx.query<SubscriberRow>(sql.confirmRequest, [asked.name, asked.sections, asked.editions, now.toISOString(), row.id]);
      if (row.status === 'active') return 'already';
      await this.journal(tx, row.id, 'active', now, { kind: 'confirmed', source, detail: row.status === 'pending' ? null : `was ${row.status}` });
      return 'confirmed';
    });
  }

  async confirmState(id: number, nonce: string, notBefore: Date): Promise<ConfirmLinkState> {
    const [row] = await this.driver.query<SubscriberRow>(sql.subscriberById, [id]);
    return row ? linkState(row, nonce, notBefore) : 'replaced';
  }

  async readRequest(id: number): Promise<({ name: string | null } & SubscriberChoices) | null> {
    const [row] = await this.driver.query<SubscriberRow>(sql.subscriberById, [id]);
    if (!row) return null;
    const { name, sections, editions } = requested(row);
    return { name, sections: splitKeys(sections), editions: splitKeys(editions) };
  }

  async countConfirmationMail(since: Date, mailbox?: string): Promise<number> {
    const [row] =
      mailbox === undefined
        ? await this.driver.query<{ n: Count }>(sql.countMail, [since.toISOString()])
        : await this.driver.query<{ n: Count }>(sql.countMailTo, [since.toISOString(), mailbox]);
    return Number(row?.n ?? 0);
  }

  async renameSectionKeys(renames: ReadonlyMap<string, string>): Promise<number> {
    if (renames.size === 0) return 0;
    const patterns = [...renames.keys()].flatMap((key) => [keyPattern(key), keyPattern(key)]);
    const where = [...renames.keys()].map(() => `${hasKey('sections')} OR ${hasKey("COALESCE(requested_sections, '')")}`).join(' OR ');
    const moved = (stored: string): string => joinKeys([...new Set(splitKeys(stored).map((key) => renames.get(key) ?? key))]);
    return this.driver.transaction(async (tx) => {
      const rows = await tx.query<Pick<SubscriberRow, 'id' | 'sections' | 'requested_sections'>>(`SELECT id, sections, requested_sections FROM subscribers WHERE ${where}`, patterns);
      for (const row of rows) await tx.run(sql.renameSectionKeys, [moved(row.sections), row.requested_sections === null ? null : moved(row.requested_sections), row.id]);
      return rows.length;
    });
  }

  async seenSlugs(edition: string): Promise<Set<string>> {
    return new Set((await this.driver.query<{ slug: string }>(sql.seenSlugs, [edition])).map((row) => row.slug));
  }

  async seenSlugsBefore(from: string, edition: string): Promise<Set<string>> {
    return new Set((await this.driver.query<{ slug: string }>(sql.seenSlugsBefore, [from, edition])).map((row) => row.slug));
  }

  nextDigestNumber(): Promise<number> {
    return this.nextNumberIn(this.driver);
  }

  async mailedEditions(): Promise<string[]> {
    return (await this.driver.query<{ edition: string }>(sql.mailedEditions)).map((row) => row.edition);
  }

  async nextIssueNumber(edition: string): Promise<number> {
    const [row] = await this.driver.query<{ n: Count }>(sql.nextIssueNumber, [edition]);
    return Number(row?.n ?? 1);
  }

  createDigest(input: DigestInput): Promise<DigestRecord> {
    return this.driver.transaction(async (tx) => {
      const { number, edition, issue } = input;
      const [next] = await tx.query<{ n: Count }>(sql.nextIssueNumber, [edition]);
      if (number !== (await this.nextNumberIn(tx)) || issue !== Number(next?.n ?? 1)) {
        throw new StoreError(`digest ${number} was made by another process meanwhile; nothing was stored — run publish again`);
      }
      const at = input.createdAt.toISOString();
      await tx.run(sql.insertDigest, [number, edition, issue, at, input.subject, input.html, input.text, JSON.stringify(input.blocks)]);
      const seen = new Set((await tx.query<{ slug: string }>(sql.seenSlugs, [edition])).map((row) => row.slug));
      const articles = [
        ...input.carried.map((slug, i) => [slug, 'carried', i] as const),
        ...input.passedOver.map((slug, i) => [slug, 'passed_over', i] as const),
      ];
      // Checked before inserting: on PostgreSQL a failed statement would abort the whole transaction.
      if (articles.some(([slug]) => seen.has(slug)) || new Set(articles.map(([slug]) => slug)).size < articles.length) {
        throw new StoreError('an article of this digest was already in an earlier digest; nothing was stored');
      }
      for (const [slug, role, position] of articles) await tx.run(sql.insertDigestArticle, [edition, slug, number, role, position]);
      await this.insertLedger(tx, input, at);
      return {
        number,
        edition,
        issue,
        createdAt: input.createdAt,
        subject: input.subject,
        html: input.html,
        text: input.text,
        articleSlugs: [...input.carried],
        blocks: [...input.blocks],
      };
    });
  }

  async getDigest(number: number): Promise<DigestRecord | null> {
    const [row] = await this.driver.query<DigestRow>(sql.digest, [number]);
    if (!row) return null;
    return { ...toDigestSummary(row), html: row.html, text: row.text, articleSlugs: await this.digestSlugs(row.number) };
  }

  async listDigests(): Promise<Omit<DigestRecord, 'html' | 'text'>[]> {
    const rows = await this.driver.query<Omit<DigestRow, 'html' | 'text'>>(sql.digests);
    const digests: Omit<DigestRecord, 'html' | 'text'>[] = [];
    for (const row of rows) digests.push({ ...toDigestSummary(row), articleSlugs: await this.digestSlugs(row.number) });
    return digests;
  }

  async pendingDeliveries(limit: number, after: DeliveryCursor = { digestNumber: 0, subscriberId: 0 }): Promise<PendingDelivery[]> {
    const rows = await this.driver.query<PendingRow>(sql.pending, [after.digestNumber, after.subscriberId, limit]);
    return rows.map((row) => ({
      digestNumber: row.digest_number,
      subscriberId: row.subscriber_id,
      publicId: row.public_id,
      email: row.email,
      name: row.name,
      sections: splitKeys(row.sections),
      subscriberStatus: row.status,
      attempts: row.attempts,
    }));
  }

  async claimDeliveries(holder: string, limit: number, ttlMs: number, now: Date): Promise<PendingDelivery[]> {
    const at = now.getTime();
    // PostgreSQL: rows another sender is claiming right now are skipped, not waited for.
    const rows = await this.driver.query<{ digest_number: number; subscriber_id: number; attempts: number }>(this.locking(sql.claim), [
      holder,
      at + ttlMs,
      at,
      limit,
    ]);
    if (rows.length === 0) return [];
    const ids = [...new Set(rows.map((r) => r.subscriber_id))];
    const people = await this.driver.query<Pick<SubscriberRow, 'id' | 'public_id' | 'email' | 'name' | 'status' | 'sections'>>(
      sql.subscriberStatusesOf.replace('%IDS%', ids.map(() => '?').join(', ')),
      ids,
    );
    const byId = new Map(people.map((p) => [p.id, p]));
    return rows
      .sort((a, b) => a.digest_number - b.digest_number || a.subscriber_id - b.subscriber_id)
      .flatMap((row) => {
        const person = byId.get(row.subscriber_id);
        return person
          ? [
              {
                digestNumber: row.digest_number,
                subscriberId: row.subscriber_id,
                publicId: person.public_id,
                email: person.email,
                name: person.name,
                sections: splitKeys(person.sections),
                subscriberStatus: person.status,
                attempts: row.attempts,
              },
            ]
          : [];
      });
  }

  renewClaims(holder: string, ttlMs: number, now: Date): Promise<number> {
    // PostgreSQL: a row being recorded right now is passed over, not waited for. Waiting, the renewal held the
    // rows it had renewed so far while the recording transaction waited for one of them: a deadlock that stopped
    // the sender. The row passed over is settled by that transaction, or renewed next time.
    return this.driver.run(this.locking(sql.renewClaims), [now.getTime() + ttlMs, holder]);
  }

  async countUnclaimed(holder: string, now: Date): Promise<number> {
    const [row] = await this.driver.query<{ n: Count }>(sql.countUnclaimed, [now.getTime(), holder]);
    return Number(row?.n ?? 0);
  }

  async releaseClaims(holder: string): Promise<void> {
    await this.driver.run(sql.releaseClaims, [holder]);
  }

  async reserveRateSlot(name: string, intervalMs: number, now: Date): Promise<number> {
    const at = now.getTime();
    const [row] = await this.driver.query<{ next_at: Count }>(sql.reserveRateSlot, [name, at + intervalMs, at, at, intervalMs]);
    return Number(row?.next_at ?? at + intervalMs) - intervalMs;
  }

  async recordDeliveries(outcomes: readonly DeliveryOutcome[]): Promise<void> {
    // The usual batch (no bounce, each row once) is one statement: atomic on its own, one round trip, and on
    // PostgreSQL without the writer lock, which rows claimed by one sender alone do not need.
    const keys = new Set(outcomes.map((o) => `${o.digestNumber}:${o.subscriberId}`));
    if (keys.size === outcomes.length && !outcomes.some((o) => o.result === 'bounced')) {
      for (const chunk of chunks(outcomes)) {
        await this.driver.run(settleDeliveries(chunk.length), chunk.flatMap(outcomeValues));
      }
      return;
    }
    return this.driver.transaction(async (tx) => {
      for (const o of outcomes) {
        const at = o.at.toISOString();
        if (o.result === 'retry') await tx.run(sql.retry, [o.detail, at, o.digestNumber, o.subscriberId]);
        else if (o.result === 'skipped') await tx.run(sql.skip, [o.detail, at, o.digestNumber, o.subscriberId]);
        else {
          const changes = await tx.run(sql.finish, [o.result, o.detail, at, o.digestNumber, o.subscriberId]);
          // Only a row that was still pending may bounce its subscriber: a late duplicate outcome changes nothing.
          if (o.result === 'bounced' && changes === 1 && (await tx.run(sql.bounce, [at, o.subscriberId])) === 1) {
            await this.journal(tx, o.subscriberId, 'bounced', o.at, { source: 'delivery', detail: o.detail, digestNumber: o.digestNumber });
          }
        }
      }
    });
  }

  async deliveryCounts(digestNumber?: number): Promise<DeliveryCounts> {
    const counts: DeliveryCounts = { pending: 0, sent: 0, bounced: 0, failed: 0, skipped: 0 };
    const rows =
      digestNumber === undefined
        ? await this.driver.query<{ status: keyof DeliveryCounts; n: Count }>(sql.countDeliveries)
        : await this.driver.query<{ status: keyof DeliveryCounts; n: Count }>(sql.countDigestDeliveries, [digestNumber]);
    for (const { status, n } of rows) counts[status] = Number(n);
    return counts;
  }

  async acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    const at = now.getTime();
    return (await this.driver.run(sql.takeLease, [name, holder, at + ttlMs, at])) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.driver.run(sql.releaseLease, [name, holder]);
  }

  async getLease(name: string): Promise<{ holder: string; expiresAt: number } | null> {
    const [row] = await this.driver.query<{ holder: string; expires_at: Count }>(sql.getLease, [name]);
    return row ? { holder: row.holder, expiresAt: Number(row.expires_at) } : null;
  }

  async takeOverLease(name: string, from: string, holder: string, ttlMs: number, now: Date): Promise<boolean> {
    return (await this.driver.run(sql.takeOverLease, [holder, now.getTime() + ttlMs, name, from])) === 1;
  }

  async clockOffsetMs(): Promise<number> {
    if (this.driver.dialect !== 'postgres') return 0;
    // The server read its clock at some moment of the round trip. Of three, the quickest says the most (a wait for a
    // pool connection or a reconnect comes first, and read as skew); and of that one only what the trip cannot
    // explain counts: a busy pool is no wrong clock.
    let best = { offset: 0, trip: Infinity };
    for (let i = 0; i < 3; i++) {
      const before = Date.now();
      const [row] = await this.driver.query<{ now: Count }>('SELECT floor(extract(epoch FROM clock_timestamp()) * 1000) AS now');
      const after = Date.now();
      if (after - before < best.trip) best = { offset: Number(row?.now) - (before + after) / 2, trip: after - before };
    }
    return Math.sign(best.offset) * Math.max(0, Math.abs(best.offset) - best.trip / 2);
  }

  // ---- Issue 11: the return path (bounces, complaints, mailto unsubscribes) and stats ----

  recordReturnEvent(event: ReturnEventInput): Promise<ReturnEventOutcome> {
    return this.driver.transaction(async (tx) => {
      const [reader] =
        'subscriberId' in event.reader
          ? await tx.query<SubscriberRow>(sql.subscriberById, [event.reader.subscriberId])
          : await tx.query<SubscriberRow>(sql.subscriberByKey, [emailKey(event.reader.email)]);
      if (!reader) return 'unknown-reader';
      // A complaint or an unsubscribe is the reader's latest decision: a confirmation link sent before it (even to a
      // reader who had left and asked again) must no longer subscribe them.
      if (event.kind !== 'soft_bounce' && event.kind !== 'bounced' && reader.confirm_nonce !== null) await tx.run(sql.dropRequest, [reader.id]);
      // A reader who unsubscribed and asked again is sent a confirmation: its bounce says the address is bad, and marks
      // it so, or every later request for it would be mailed (and bounce) again.
      const badAddress = event.kind === 'bounced' && event.source === 'confirmation' && reader.status === 'unsubscribed';
      if (hasLeft(reader.status) && !badAddress) return 'already-left';
      const [seen] = await tx.query<{ one: number }>(returnSql.seenDedupeKey, [event.dedupeKey]);
      if (seen) return 'duplicate';
      const at = event.at.toISOString();
      const journalled = { subscriberId: reader.id, at: event.at, source: event.source, digestNumber: event.digestNumber, detail: event.detail, dedupeKey: event.dedupeKey };
      if (event.kind === 'soft_bounce') {
        await this.appendIn(tx, { ...journalled, kind: 'soft_bounce' });
        const since = new Date(event.at.getTime() - softBounceLimit.withinDays * 86_400_000).toISOString();
        const [row] = await tx.query<{ n: Count }>(returnSql.recentSoftBounces, [reader.id, since, reader.id]);
        const count = Number(row?.n ?? 0);
        if (count < softBounceLimit.count) return 'counted';
        await tx.run(returnSql.setStatus, ['bounced', at, reader.id]);
        const detail = `${count} soft bounces within ${softBounceLimit.withinDays} days; the last: ${event.detail ?? 'no detail'}`;
        await this.appendIn(tx, { ...journalled, kind: 'bounced', detail, dedupeKey: null });
        return 'bounced';
      }
      const status = event.kind === 'bounced' ? 'bounced' : 'unsubscribed';
      if (badAddress) await tx.run(returnSql.bounceLeaver, [at, reader.id]);
      else await tx.run(returnSql.setStatus, [status, at, reader.id]);
      await this.appendIn(tx, { ...journalled, kind: event.kind });
      return status;
    });
  }

  async digestStats(options: { limit?: number; before?: number } = {}): Promise<DigestStats[]> {
    const digests = await this.driver.query<DigestWindowRow>(returnSql.digestWindow, [options.before ?? 2 ** 31 - 1, options.limit ?? 50]);
    const first = digests.at(-1)?.number;
    const last = digests[0]?.number;
    if (first === undefined || last === undefined) return [];
    const stats = new Map(digests.map((d) => [d.number, emptyDigestStats(d)]));
    for (const row of await this.driver.query<LedgerCountRow>(returnSql.ledgerCounts, [first, last])) {
      const s = stats.get(row.digest_number);
      if (s) addLedger(s, row);
    }
    for (const row of await this.driver.query<EventCountRow>(returnSql.digestEventCounts, [first, last])) {
      const s = stats.get(row.number);
      if (s) addEvents(s, row);
    }
    const from = digests.at(-1)?.created_at ?? '';
    for (const row of await this.driver.query<EventCountRow>(returnSql.undatedEventCounts, [first, last, from])) {
      const s = stats.get(row.number);
      if (s) addEvents(s, row);
    }
    return [...stats.values()];
  }

  async listTotals(): Promise<ListTotals> {
    const [subscribers, [digests], ledger, events] = await Promise.all([
      this.countSubscribers(),
      this.driver.query<{ n: Count }>(returnSql.countDigests),
      this.driver.query<{ status: string; n: Count }>(sql.countDeliveries),
      this.driver.query<{ kind: string; n: Count }>(returnSql.countReturnEvents),
    ]);
    const totals: ListTotals = {
      subscribers,
      digests: Number(digests?.n ?? 0),
      recipients: 0,
      sent: 0,
      bouncedDuringSend: 0,
      bouncedAfter: 0,
      softBounces: 0,
      complaints: 0,
      unsubscribed: 0,
      failed: 0,
      pending: 0,
    };
    for (const { status, n } of ledger) {
      totals.recipients += Number(n);
      if (status === 'sent') totals.sent = Number(n);
      if (status === 'bounced') totals.bouncedDuringSend = Number(n);
      if (status === 'failed') totals.failed = Number(n);
      if (status === 'pending') totals.pending = Number(n);
    }
    for (const { kind, n } of events) {
      if (kind === 'bounced') totals.bouncedAfter = Number(n);
      if (kind === 'soft_bounce') totals.softBounces = Number(n);
      if (kind === 'complaint') totals.complaints = Number(n);
      if (kind === 'unsubscribed') totals.unsubscribed = Number(n);
    }
    return totals;
  }

  async leaveReasons(subscriberIds: readonly number[]): Promise<Map<number, LeaveReason>> {
    const reasons = new Map<number, LeaveReason>();
    for (const ids of chunks(subscriberIds)) {
      const rows = await this.driver.query<EventRow>(returnSql.leaveReasons(ids.length), ids);
      for (const row of rows) {
        reasons.set(row.subscriber_id, { kind: row.kind, source: row.source, detail: row.detail, digestNumber: row.digest_number, at: new Date(row.at) });
      }
    }
    return reasons;
  }

  close(): Promise<void> {
    return this.driver.close();
  }

  /** The statement with its subquery's rows locked, skipping those another transaction holds (PostgreSQL; SQLite has one writer). */
  private locking(statement: string): string {
    return statement.replace('%LOCK%', this.driver.dialect === 'postgres' ? 'FOR UPDATE SKIP LOCKED' : '');
  }

  private async getMeta(db: Queryable, key: string): Promise<string | null> {
    const [row] = await db.query<{ value: string }>(sql.getMeta, [key]);
    return row?.value ?? null;
  }

  private async nextNumberIn(db: Queryable): Promise<number> {
    const [row] = await db.query<{ n: Count }>(sql.nextDigestNumber);
    return Number(row?.n ?? 1);
  }

  /** One row per active reader of the digest's edition: pending when a block is in their sections, else skipped. */
  private async insertLedger(tx: Queryable, input: DigestInput, at: string): Promise<void> {
    const sections = [...new Set(input.blocks.flatMap((b) => (b.section === null ? [] : [b.section])))];
    const inSections = ["sections = ''", ...sections.map(() => hasKey('sections'))].join(' OR ');
    const patterns = sections.map(keyPattern);
    await tx.run(
      `INSERT INTO deliveries (digest_number, subscriber_id, status, detail, updated_at)
       SELECT CAST(? AS INTEGER), id, CASE WHEN ${inSections} THEN 'pending' ELSE 'skipped' END,
              CASE WHEN ${inSections} THEN NULL ELSE CAST(? AS TEXT) END, CAST(? AS TEXT)
       FROM subscribers WHERE status = 'active' AND ${editionClause(input.defaultEdition)}`,
      [input.number, ...patterns, ...patterns, nothingInSections, at, keyPattern(input.edition)],
    );
  }

  private async digestSlugs(number: number): Promise<string[]> {
    return (await this.driver.query<{ slug: string }>(sql.digestSlugs, [number])).map((r) => r.slug);
  }

  private appendIn(db: Queryable, event: SubscriberEventInput): Promise<number> {
    return db.run(sql.insertEvent, [
      event.subscriberId,
      event.at.toISOString(),
      event.kind,
      event.source,
      event.digestNumber ?? null,
      event.detail ?? null,
      event.dedupeKey ?? null,
    ]);
  }

  private async journal(db: Queryable, subscriberId: number, status: SubscriberStatus, at: Date, change: StatusChange): Promise<void> {
    await this.appendIn(db, {
      subscriberId,
      at,
      kind: change.kind ?? kindOfStatus[status],
      source: change.source,
      digestNumber: change.digestNumber ?? null,
      detail: change.detail ?? null,
    });
  }

  private async insertIn(tx: Queryable, input: SubscriberInput, now: Date, change: StatusChange): Promise<SubscriberRow> {
    const at = now.toISOString();
    const [row] = await tx.query<SubscriberRow>(sql.insertSubscriber, [
      newPublicId(),
      input.email.trim(),
      emailKey(input.email),
      input.name,
      input.status,
      (input.createdAt ?? now).toISOString(),
      at,
      input.sections === undefined ? '' : joinKeys(input.sections),
      input.editions === undefined ? '' : joinKeys(input.editions),
    ]);
    if (!row) throw new StoreError(`could not add ${input.email}`);
    await this.journal(tx, row.id, row.status, now, { kind: 'subscribed', ...change });
    return row;
  }

  private async upsertIn(
    tx: Queryable,
    input: SubscriberInput,
    now: Date,
    change: StatusChange,
  ): Promise<{ subscriber: Subscriber; outcome: UpsertOutcome }> {
    const at = now.toISOString();
    const sections = input.sections === undefined ? undefined : joinKeys(input.sections);
    const editions = input.editions === undefined ? undefined : joinKeys(input.editions);
    const [existing] = await tx.query<SubscriberRow>(sql.subscriberByKey, [emailKey(input.email)]);
    if (!existing) return { subscriber: toSubscriber(await this.insertIn(tx, input, now, change)), outcome: 'added' };
    if (hasLeft(existing.status)) return { subscriber: toSubscriber(existing), outcome: 'kept' };
    // An address never steps back from active to pending: a repeated opt-in request must not unconfirm it.
    const status = existing.status === 'active' ? 'active' : input.status;
    const name = input.name ?? existing.name;
    // Read as splitKeys reads them: migration 10 may have left a key twice, which is still the same choice.
    const stored = { sections: joinKeys(splitKeys(existing.sections)), editions: existing.editions };
    const choices = { sections: sections ?? stored.sections, editions: editions ?? stored.editions };
    const sameChoices = choices.sections === stored.sections && choices.editions === stored.editions;
    if (status === existing.status && name === existing.name && sameChoices) return { subscriber: toSubscriber(existing), outcome: 'unchanged' };
    let [row] = await tx.query<SubscriberRow>(sql.updateSubscriber, [name, status, at, existing.id]);
    if (row && !sameChoices) {
      [row] = await tx.query<SubscriberRow>(sql.updateChoices, [choices.sections, choices.editions, at, existing.id]);
      const detail = `sections: ${choices.sections || 'all'}; editions: ${choices.editions || 'default'}`;
      await this.appendIn(tx, { subscriberId: existing.id, at: now, kind: 'preferences', source: change.source, detail });
    }
    if (!row) throw new StoreError(`could not update ${input.email}`);
    if (status !== existing.status) await this.journal(tx, row.id, status, now, change);
    return { subscriber: toSubscriber(row), outcome: 'updated' };
  }
}
