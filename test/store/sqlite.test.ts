import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrations } from '../../src/store/migrations.js';
import { openSqliteDriver, openSqliteStore } from '../../src/store/sqlite.js';
import { describeStoreContract } from './contract.js';
import { describeReturnPathContract } from './return-contract.js';

describeStoreContract('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gazette-store-'));
  return {
    open: () => openSqliteStore(join(dir, 'nested', 'gazette.db')),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describeReturnPathContract('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gazette-store-'));
  return {
    open: () => openSqliteStore(join(dir, 'gazette.db')),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('SQLite migrations', () => {
  const now = new Date('2026-11-20T07:00:00Z');
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gazette-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('upgrades a database made by the first schema version in place, with its data', async () => {
    const path = join(dir, 'v1.db');
    const old = openSqliteDriver(path);
    await migrate(old, 1);
    await old.run('INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
      'Old@example.org',
      'old@example.org',
      'Old',
      'active',
      '2025-01-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
    ]);
    await old.run("INSERT INTO meta (key, value) VALUES ('secret', 'kept')");
    expect(old.db.pragma('user_version', { simple: true })).toBe(1);
    await old.close();

    const upgraded = await openSqliteStore(path);
    try {
      const found = await upgraded.findSubscriber('old@example.org');
      expect(found).toMatchObject({ name: 'Old', status: 'active' });
      expect(await upgraded.getOrCreateSecret(() => 'new')).toBe('kept');
      const digest = { number: 1, edition: 'newsletter', issue: 1, defaultEdition: true, blocks: [], createdAt: now, subject: 'Issue', html: '<p>x</p>', text: 'x', carried: ['one'], passedOver: [] };
      expect((await upgraded.createDigest(digest)).number).toBe(1);
      expect((await upgraded.deliveryCounts(1)).pending).toBe(1);
      expect(await upgraded.acquireLease('send', 'x', 1000, now)).toBe(true);
      await upgraded.setSubscriberStatus(found!.id, 'unsubscribed', now, { source: 'cli' });
      expect((await upgraded.subscriberEvents(found!.id, 5)).map((e) => e.kind)).toEqual(['unsubscribed']);
    } finally {
      await upgraded.close();
    }
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(migrations.length);
    check.close();
  });

  it('refuses a database from a newer Gazette and changes nothing in it', async () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma(`user_version = ${migrations.length + 1}`);
    db.close();
    await expect(openSqliteStore(path)).rejects.toThrow(/newer than this Gazette knows/);
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get()).toEqual({ n: 0 });
    expect(check.pragma('user_version', { simple: true })).toBe(migrations.length + 1);
    check.close();
  });

  it('runs a transaction of this process at a time, even across awaits', async () => {
    const driver = openSqliteDriver(join(dir, 'mutex.db'));
    try {
      await driver.exec('CREATE TABLE counter (n INTEGER NOT NULL); INSERT INTO counter VALUES (0);');
      const bump = (): Promise<void> =>
        driver.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>('SELECT n FROM counter');
          await new Promise((resolve) => setTimeout(resolve, 1));
          await tx.run('UPDATE counter SET n = ?', [(row?.n ?? 0) + 1]);
        });
      await Promise.all(Array.from({ length: 20 }, bump));
      expect(await driver.query('SELECT n FROM counter')).toEqual([{ n: 20 }]);
    } finally {
      await driver.close();
    }
  });
});

describe('SQLite connection', () => {
  it("keeps SQLite's 2 MB page cache rather than better-sqlite3's 16 MB, which a large send would fill", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gazette-store-'));
    try {
      const driver = openSqliteDriver(join(dir, 'gazette.db'));
      expect(driver.db.pragma('cache_size', { simple: true })).toBe(-2000);
      driver.db.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
