// Opening the store named by the runtime options; the one place that picks an implementation.
import type { RuntimeOptions } from '../config/options.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type * from './types.js';
export { subscriberStatuses } from './types.js';

/** Opens the store at `--db` / `GAZETTE_DB`. */
export function openStore(options: Pick<RuntimeOptions, 'dbPath'>): Promise<Store> {
  return openSqliteStore(options.dbPath);
}
