// The stores a test can run against: a SQLite file in the test's folder, or a fresh database on the test
// PostgreSQL server (started once per run by test/postgres-server.ts). Tests that must hold on both loop over
// `storeKinds`.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the `postgres` database on the test server, as its superuser (test/postgres-server.ts). */
    postgresAdminUrl: string;
    /** The store the tests of this vitest project run on (vitest.config.ts). */
    storeKind: 'sqlite' | 'postgres';
  }
}

/** A database made for one test: the `--db` value naming it, and how to remove it. */
export interface TestDatabase {
  db: string;
  dispose(): Promise<void>;
}

/** One kind of store, and how to make a fresh database of that kind. */
export interface StoreKind {
  name: 'SQLite' | 'PostgreSQL';
  /** Makes an empty database; a SQLite file goes into `dir`. */
  create(dir: string): Promise<TestDatabase>;
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('postgresAdminUrl') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the test PostgreSQL server; returns its URL and how to drop it. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `gazette_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(inject('postgresAdminUrl'));
  url.pathname = `/${name}`;
  return {
    db: url.toString(),
    dispose: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** The SQLite store. */
export const sqliteKind: StoreKind = {
  name: 'SQLite',
  create: async (dir) => ({ db: join(dir, 'gazette.db'), dispose: async () => undefined }),
};

/** The PostgreSQL store. */
export const postgresKind: StoreKind = { name: 'PostgreSQL', create: () => createPostgresDatabase() };

/** Every store Gazette runs on. */
export const storeKinds: readonly StoreKind[] = [sqliteKind, postgresKind];

/** The store this test run is on: the tests of `onBothStores` in vitest.config.ts run once per store. */
export function testStoreKind(): StoreKind {
  return inject('storeKind') === 'postgres' ? postgresKind : sqliteKind;
}

/** A fresh database of this run's store; a SQLite file goes into `dir`. */
export function createTestDatabase(dir: string): Promise<TestDatabase> {
  return testStoreKind().create(dir);
}
