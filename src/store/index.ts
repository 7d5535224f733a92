// Opening the store named by the runtime options; the one place that picks an implementation.
import type { RuntimeOptions } from '../config/options.js';
import { isPostgresUrl, openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type * from './types.js';
export { subscriberStatuses } from './types.js';
export { isPostgresUrl } from './postgres.js';

/** Opens the store at `--db` / `GAZETTE_DB`: a `postgres://` URL on PostgreSQL, anything else as a SQLite file. */
export function openStore(options: Pick<RuntimeOptions, 'dbPath'>): Promise<Store> {
  return isPostgresUrl(options.dbPath) ? openPostgresStore(options.dbPath) : openSqliteStore(options.dbPath);
}
