import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { migrations } from '../../src/store/migrations.js';
import { migrate, openSqliteStore } from '../../src/store/sqlite.js';
import type { DigestInput, Store } from '../../src/store/types.js';

const now = new Date('2026-11-20T07:00:00Z');
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-store-'));
  store = openSqliteStore(join(dir, 'nested', 'gazette.db'));
});
afterEach(async () => {
  store.close();
  await rm(dir, { recursive: true, force: true });
});

function digest(carried: string[], passedOver: string[] = []): DigestInput {
  return { number: store.nextDigestNumber(), createdAt: now, subject: 'Issue', html: '<p>x</p>', text: 'x', carried, passedOver };
}

describe('subscribers', () => {
  it('dedupes addresses case-insensitively and keeps the first spelling', () => {
    expect(store.upsertSubscriber({ email: 'Ann@Example.org', name: 'Ann', status: 'active' }, now).outcome).toBe('added');
    const again = store.upsertSubscriber({ email: 'ann@example.ORG', name: null, status: 'active' }, now);
    expect(again.outcome).toBe('unchanged');
    expect(again.subscriber).toMatchObject({ email: 'Ann@Example.org', name: 'Ann', status: 'active' });
    expect(store.countSubscribers()).toEqual({ pending: 0, active: 1, unsubscribed: 0, bounced: 0 });
  });

  it('never revives an unsubscribed or bounced address unless asked to', () => {
    const { subscriber } = store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
    store.setSubscriberStatus(subscriber.id, 'unsubscribed', now);
    expect(store.upsertSubscribers([{ email: 'A@example.org', name: 'A', status: 'active' }], now)).toEqual(['kept']);
    expect(store.findSubscriber('a@example.org')?.status).toBe('unsubscribed');
    const revived = store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'pending' }, now, { revive: true });
    expect(revived).toMatchObject({ outcome: 'updated', subscriber: { status: 'pending' } });
  });

  it('does not turn an active subscriber back into a pending one', () => {
    store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
    const again = store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'pending' }, now, { revive: true });
    expect(again.subscriber.status).toBe('active');
  });

  it('lists every subscriber across pages, filtered by status', () => {
    const inputs = Array.from({ length: 2500 }, (_, i) => ({
      email: `r${i}@example.org`,
      name: null,
      status: i % 5 === 0 ? ('pending' as const) : ('active' as const),
    }));
    store.upsertSubscribers(inputs, now);
    expect([...store.listSubscribers()]).toHaveLength(2500);
    const pending = [...store.listSubscribers({ status: 'pending' })];
    expect(pending).toHaveLength(500);
    expect(pending.every((s) => s.status === 'pending')).toBe(true);
  });
});

describe('digests and the ledger', () => {
  it('stores a digest with one pending row per active subscriber', () => {
    store.upsertSubscribers(
      [
        { email: 'a@example.org', name: null, status: 'active' },
        { email: 'b@example.org', name: null, status: 'pending' },
        { email: 'c@example.org', name: 'C', status: 'active' },
      ],
      now,
    );
    const record = store.createDigest(digest(['one', 'two'], ['old']));
    expect(record.number).toBe(1);
    expect(store.getDigest(1)).toMatchObject({ subject: 'Issue', articleSlugs: ['one', 'two'] });
    expect(store.seenSlugs()).toEqual(new Set(['one', 'two', 'old']));
    expect(store.pendingDeliveries(10).map((r) => r.email)).toEqual(['a@example.org', 'c@example.org']);
    expect(store.deliveryCounts(1)).toEqual({ pending: 2, sent: 0, bounced: 0, failed: 0, skipped: 0 });
    expect(store.createDigest(digest(['three'])).number).toBe(2);
  });

  it('refuses a digest that repeats an article and stores nothing of it', () => {
    store.createDigest(digest(['one']));
    expect(() => store.createDigest(digest(['two', 'one']))).toThrow(StoreError);
    expect(store.listDigests()).toHaveLength(1);
    expect(store.seenSlugs()).toEqual(new Set(['one']));
  });

  it('refuses a digest whose number another process took meanwhile', () => {
    const late = digest(['two']);
    store.createDigest(digest(['one']));
    expect(() => store.createDigest(late)).toThrow(/made by another process meanwhile/);
    expect(store.nextDigestNumber()).toBe(2);
  });

  it('pages through pending rows with a cursor and records outcomes', () => {
    const inputs = Array.from({ length: 5 }, (_, i) => ({ email: `r${i}@example.org`, name: null, status: 'active' as const }));
    store.upsertSubscribers(inputs, now);
    store.createDigest(digest(['one']));
    const first = store.pendingDeliveries(3);
    const last = first.at(-1);
    expect(first).toHaveLength(3);
    const rest = store.pendingDeliveries(3, last);
    expect(rest.map((r) => r.email)).toEqual(['r3@example.org', 'r4@example.org']);

    const [a, b, c, d] = first.concat(rest);
    store.recordDeliveries([
      { digestNumber: 1, subscriberId: a!.subscriberId, result: 'sent', detail: '250 ok', at: now },
      { digestNumber: 1, subscriberId: b!.subscriberId, result: 'bounced', detail: '550 no such user', at: now },
      { digestNumber: 1, subscriberId: c!.subscriberId, result: 'retry', detail: '451 try later', at: now },
      { digestNumber: 1, subscriberId: d!.subscriberId, result: 'skipped', detail: 'unsubscribed', at: now },
    ]);
    expect(store.deliveryCounts()).toEqual({ pending: 2, sent: 1, bounced: 1, failed: 0, skipped: 1 });
    expect(store.getSubscriber(b!.subscriberId)?.status).toBe('bounced');
    expect(store.pendingDeliveries(10).find((r) => r.subscriberId === c!.subscriberId)?.attempts).toBe(1);
  });

  it('never changes a row that is already sent', () => {
    store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
    store.createDigest(digest(['one']));
    const [row] = store.pendingDeliveries(1);
    const outcome = { digestNumber: 1, subscriberId: row!.subscriberId, detail: null, at: now };
    store.recordDeliveries([{ ...outcome, result: 'sent' }]);
    store.recordDeliveries([{ ...outcome, result: 'bounced' }]);
    expect(store.deliveryCounts(1).sent).toBe(1);
    expect(store.getSubscriber(row!.subscriberId)?.status).toBe('active');
  });
});

describe('leases, state and secret', () => {
  it('gives a lease to one holder until it expires, then to another', () => {
    expect(store.acquireLease('send', 'a', 1000, now)).toBe(true);
    expect(store.acquireLease('send', 'b', 1000, now)).toBe(false);
    expect(store.acquireLease('send', 'a', 1000, new Date(now.getTime() + 500))).toBe(true);
    expect(store.acquireLease('send', 'b', 1000, new Date(now.getTime() + 1200))).toBe(false);
    expect(store.acquireLease('send', 'b', 1000, new Date(now.getTime() + 1600))).toBe(true);
    store.releaseLease('send', 'a');
    expect(store.acquireLease('send', 'a', 1000, new Date(now.getTime() + 1700))).toBe(false);
    store.releaseLease('send', 'b');
    expect(store.acquireLease('send', 'a', 1000, new Date(now.getTime() + 1700))).toBe(true);
  });

  it('keeps the generated secret and state across reopening', () => {
    const secret = store.getOrCreateSecret(() => 'first');
    expect(store.getOrCreateSecret(() => 'second')).toBe(secret);
    store.setState('lastSlot', '2026-11-20T07:00:00Z');
    store.close();
    store = openSqliteStore(join(dir, 'nested', 'gazette.db'));
    expect(store.getOrCreateSecret(() => 'third')).toBe('first');
    expect(store.getState('lastSlot')).toBe('2026-11-20T07:00:00Z');
    expect(store.getState('other')).toBeNull();
  });
});

describe('migrations', () => {
  it('upgrades a database made by the first schema version in place, with its data', () => {
    const path = join(dir, 'v1.db');
    const old = new Database(path);
    migrate(old, 1);
    old
      .prepare('INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run('Old@example.org', 'old@example.org', 'Old', 'active', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
    old.prepare("INSERT INTO meta (key, value) VALUES ('secret', 'kept')").run();
    expect(old.pragma('user_version', { simple: true })).toBe(1);
    old.close();

    const upgraded = openSqliteStore(path);
    try {
      expect(upgraded.findSubscriber('old@example.org')).toMatchObject({ name: 'Old', status: 'active' });
      expect(upgraded.getOrCreateSecret(() => 'new')).toBe('kept');
      expect(upgraded.createDigest(digest(['one'])).number).toBe(1);
      expect(upgraded.deliveryCounts(1).pending).toBe(1);
      expect(upgraded.acquireLease('send', 'x', 1000, now)).toBe(true);
    } finally {
      upgraded.close();
    }
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(migrations.length);
    check.close();
  });

  it('refuses a database from a newer Gazette', () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    expect(() => openSqliteStore(path)).toThrow(/newer than this Gazette knows/);
  });
});
