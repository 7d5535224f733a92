// Opening the store named by the runtime options; the one place that picks an implementation.
import { existsSync } from 'node:fs';
import type { RuntimeOptions } from '../config/options.js';
import { UsageError } from '../errors.js';
import type { Driver } from './driver.js';
import type * as PostgresModule from './postgres.js';
import { openSqliteFile, openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';
import { describePostgresUrl, isPostgresUrl } from './url.js';

export type * from './types.js';
export { subscriberStatuses } from './types.js';
export { isPostgresUrl } from './url.js';
export { checkClock } from './lease.js';

// node-postgres loads only for a PostgreSQL URL: a SQLite process (the default) never pays for it.
const postgres = (): Promise<typeof PostgresModule> => import('./postgres.js');

/** Connects to the database `db` names (a `postgres://` URL, else a SQLite file), without migrating it. */
export function openDriver(db: string): Promise<Driver> {
  return isPostgresUrl(db) ? postgres().then((module) => module.openPostgresDriver(db)) : Promise.resolve(openSqliteFile(db));
}

/**
 * Opens the store at `--db` / `GAZETTE_DB` only when it exists: a command that reads the list (or removes a reader)
 * would otherwise make an empty SQLite file at a mistyped path, and report on it (an export would replace a good
 * backup with an empty one).
 */
export function openExistingStore(options: Pick<RuntimeOptions, 'dbPath'>): Promise<Store> {
  if (!isPostgresUrl(options.dbPath) && !existsSync(options.dbPath)) {
    throw new UsageError(`--db ${options.dbPath}: no such database file — check --db or GAZETTE_DB (publish, subscribers add and import make one)`);
  }
  return openStore(options);
}

/** Opens the store at `--db` / `GAZETTE_DB`: a `postgres://` URL on PostgreSQL, anything else as a SQLite file. */
export function openStore(options: Pick<RuntimeOptions, 'dbPath'>): Promise<Store> {
  return isPostgresUrl(options.dbPath) ? postgres().then((module) => module.openPostgresStore(options.dbPath)) : openSqliteStore(options.dbPath);
}

/** The database `db` names, for messages: a URL without its user and password, or the file's path. */
export function describeDatabase(db: string): string {
  return isPostgresUrl(db) ? `postgres://${describePostgresUrl(db)}` : db;
}
