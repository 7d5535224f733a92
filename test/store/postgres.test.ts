import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { migrate, migrations } from '../../src/store/migrations.js';
import { numberPlaceholders, openPostgresStore, PostgresDriver } from '../../src/store/postgres.js';
import { run } from '../cli/run.js';
import { closedPort } from '../fixtures/ports.js';
import { describeStoreContract } from './contract.js';
import { createPostgresDatabase, type TestDatabase } from './databases.js';
import { describeReturnPathContract } from './return-contract.js';

/** A store on a fresh database, for the shared contracts. */
async function freshStore(): Promise<{ open: () => ReturnType<typeof openPostgresStore>; dispose: () => Promise<void> }> {
  const database = await createPostgresDatabase();
  return { open: () => openPostgresStore(database.db), dispose: () => database.dispose() };
}

describeStoreContract('PostgreSQL', freshStore);
describeReturnPathContract('PostgreSQL', freshStore);

/** A fresh database for each test of the enclosing describe block: `fresh().db` is its URL. */
function freshDatabase(): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeEach(async () => {
    database = await createPostgresDatabase();
  });
  afterEach(async () => {
    await database?.dispose();
  });
  return () => {
    if (!database) throw new Error('no database outside a test');
    return database;
  };
}

describe('PostgreSQL migrations', () => {
  const now = new Date('2026-11-20T07:00:00Z');
  const fresh = freshDatabase();

  it('upgrades a database made by the first schema version in place, with its data', async () => {
    const old = new PostgresDriver(new pg.Pool({ connectionString: fresh().db }));
    await migrate(old, 1);
    await old.run('INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
      'Old@example.org',
      'old@example.org',
      'Old',
      'active',
      '2025-01-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
    ]);
    await old.close();
    const store = await openPostgresStore(fresh().db);
    try {
      const found = await store.findSubscriber('old@example.org');
      expect(found).toMatchObject({ name: 'Old', status: 'active' });
      const added = await store.upsertSubscriber({ email: 'new@example.org', name: null, status: 'active' }, now);
      expect(added.subscriber.id).toBeGreaterThan(found!.id);
      await store.createDigest({ number: 1, edition: 'newsletter', issue: 1, defaultEdition: true, blocks: [], createdAt: now, subject: 'Issue', html: '', text: '', carried: ['one'], passedOver: [] });
      expect((await store.deliveryCounts(1)).pending).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('refuses a database from a newer Gazette and changes nothing in it', async () => {
    const client = new pg.Client({ connectionString: fresh().db });
    await client.connect();
    try {
      await client.query(`CREATE TABLE gazette_schema (version INTEGER NOT NULL); INSERT INTO gazette_schema VALUES (${migrations.length + 1})`);
      await expect(openPostgresStore(fresh().db)).rejects.toThrow(/newer than this Gazette knows/);
      const tables = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
      expect(tables.rows).toEqual([{ table_name: 'gazette_schema' }]);
    } finally {
      await client.end();
    }
  });

  it('migrates once when several processes open a new database at the same moment', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(fresh().db)));
    await Promise.all(stores.map((store) => store.close()));
    const check = new pg.Client({ connectionString: fresh().db });
    await check.connect();
    expect((await check.query('SELECT version FROM gazette_schema')).rows).toEqual([{ version: migrations.length }]);
    await check.end();
  });
});

describe('PostgreSQL under concurrent senders', () => {
  const now = new Date('2026-11-20T07:00:00Z');
  const fresh = freshDatabase();

  it('renews a sender’s claims without waiting for a row whose outcome another transaction is writing', async () => {
    const store = await openPostgresStore(fresh().db);
    const writer = new pg.Client({ connectionString: fresh().db });
    await writer.connect();
    try {
      await store.upsertSubscribers(
        ['a', 'b', 'c'].map((name) => ({ email: `${name}@example.org`, name: null, status: 'active' as const })),
        now,
      );
      await store.createDigest({ number: 1, edition: 'newsletter', issue: 1, defaultEdition: true, blocks: [], createdAt: now, subject: 'Issue', html: '', text: '', carried: ['one'], passedOver: [] });
      const [first] = await store.claimDeliveries('a', 3, 60_000, now);
      await writer.query('BEGIN');
      await writer.query('SELECT 1 FROM deliveries WHERE digest_number = 1 AND subscriber_id = $1 FOR UPDATE', [first!.subscriberId]);
      // Waiting for that row instead, the renewal could hold the others while the writer waits for one of them.
      expect(await store.renewClaims('a', 60_000, new Date(now.getTime() + 20_000))).toBe(2);
      await writer.query('ROLLBACK');
      expect(await store.renewClaims('a', 60_000, new Date(now.getTime() + 40_000))).toBe(3);
    } finally {
      await writer.end();
      await store.close();
    }
  });

  it('keeps reading whole rows after another process adds a column, though it prepares the statements it runs often', async () => {
    const store = await openPostgresStore(fresh().db);
    const other = new pg.Client({ connectionString: fresh().db });
    await other.connect();
    try {
      const { subscriber } = await store.upsertSubscriber({ email: 'a@example.org', name: 'A', status: 'active' }, now);
      for (let i = 0; i < 20; i++) await store.getSubscriber(subscriber.id);
      await other.query('ALTER TABLE subscribers ADD COLUMN added_later TEXT');
      expect(await store.getSubscriber(subscriber.id)).toMatchObject({ email: 'a@example.org', name: 'A' });
      for (let i = 0; i < 20; i++) await store.readerStates([subscriber.id]);
      await other.query('ALTER TABLE subscribers ADD COLUMN added_later_still TEXT');
      expect(await store.readerStates([subscriber.id])).toEqual(new Map([[subscriber.id, { status: 'active', sections: [] }]]));
    } finally {
      await other.end();
      await store.close();
    }
  });
});

describe('numberPlaceholders', () => {
  it('numbers each ? outside quoted text', () => {
    expect(numberPlaceholders("SELECT '?', \"a?\" FROM t WHERE a = ? AND b IN (?, ?)")).toBe("SELECT '?', \"a?\" FROM t WHERE a = $1 AND b IN ($2, $3)");
  });
});

describe('a PostgreSQL URL that does not work', () => {
  function expectOneLine(result: { code: number; stdout: string; stderr: string }, ...parts: (string | RegExp)[]): void {
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    for (const part of parts) expect(result.stderr).toMatch(part);
    expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
    expect(result.stderr).not.toContain('    at ');
  }

  it('names the host and why, in one line, exit 1, without the password, when nothing listens', async () => {
    const port = await closedPort();
    const result = await run(['subscribers', 'list', '--db', `postgres://gazette:s3cret-pw@127.0.0.1:${port}/news`]);
    expectOneLine(result, `127.0.0.1:${port}`, /ECONNREFUSED/, /cannot connect to PostgreSQL/);
  });

  it('names the host and why when the server refuses the login', async () => {
    const url = new URL(inject('postgresAdminUrl'));
    url.password = 's3cret-pw';
    const result = await run(['subscribers', 'list'], { GAZETTE_DB: url.toString() });
    expectOneLine(result, `127.0.0.1:${url.port}`, /password authentication failed/);
  });

  it('exits 2 on a URL that does not parse, without echoing it', async () => {
    const result = await run(['subscribers', 'list', '--db', 'postgres://gazette:s3cret-pw@host:port:x/news']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not a valid PostgreSQL URL');
    expect(result.stderr).not.toContain('s3cret-pw');
  });
});
