// The SQLite driver: one better-sqlite3 connection in WAL mode, so the server reads while a send writes. Other
// processes' writers wait their turn through busy_timeout; this process's own transactions through a mutex.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Mutex } from 'async-mutex';
import Database from 'better-sqlite3';
import { StoreError, UsageError } from '../errors.js';
import type { Driver, Params, Queryable } from './driver.js';
import { openSqlStore } from './sql.js';
import type { Store } from './types.js';

/** Opens (creating when needed) the SQLite store at `path` and brings its schema up to date. */
export async function openSqliteStore(path: string): Promise<Store> {
  const driver = openSqliteFile(path);
  try {
    return await openSqlStore(driver);
  } catch (error) {
    throw error instanceof StoreError ? error : cannotOpen(path, error);
  }
}

/** Opens the SQLite file at `path` (creating it when needed); a UsageError or StoreError (see cannotOpen) when it cannot be opened. */
export function openSqliteFile(path: string): SqliteDriver {
  try {
    return openSqliteDriver(path);
  } catch (error) {
    throw cannotOpen(path, error);
  }
}

/**
 * Why the file at `path` cannot be opened as the database: a UsageError for what the person who named it can mend (a
 * folder, another kind of file, no permission), else a StoreError. Says the path, which names the option it came from.
 */
function cannotOpen(path: string, error: unknown): UsageError | StoreError {
  const code = (error as { code?: unknown }).code;
  const mendable: Record<string, [string, string]> = {
    EISDIR: ['it is a folder', `name a file, e.g. ${join(path, 'gazette.db')}`],
    SQLITE_NOTADB: ['it is not a SQLite database', 'name the database file, or a path where none is yet to make one'],
    EACCES: ['this user may not read and write it', 'give the user running Gazette read and write access to the file and its folder (SQLite writes its -wal file beside it, also to read)'],
    EPERM: ['this user may not read and write it', 'give the user running Gazette read and write access to the file and its folder'],
    EROFS: ['it is on a read-only file system', 'copy it somewhere writable (SQLite writes beside it, also to read)'],
    SQLITE_READONLY: ['this user may not write it', 'give the user running Gazette write access to the file and its folder'],
  };
  const known = typeof code === 'string' ? mendable[code] : undefined;
  if (known !== undefined) return new UsageError(`cannot open the database ${path}: ${known[0]} — ${known[1]}`, { cause: error });
  return new StoreError(`cannot open the database ${path}: ${(error as Error).message} — check the path, and that the file is a Gazette database`, { cause: error });
}

/** Opens (creating when needed) the SQLite file at `path`; throws what better-sqlite3 throws. */
export function openSqliteDriver(path: string): SqliteDriver {
  if (path !== ':memory:') {
    // Addresses and the token secret live here: a new database (and the folders made for it) is the owner's
    // alone; SQLite gives its -wal and -shm files the database file's mode.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    closeSync(openSync(path, 'a', 0o600));
  }
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Writers in other processes (serve, publish, an import) take turns; each holds the lock for one short
    // transaction, and a busy one is waited for rather than failed.
    db.pragma('busy_timeout = 30000');
    // SQLite's own default page cache, 2 MB: better-sqlite3 builds it with 16 MB, which a send to 100,000 readers
    // fills (the ledger and subscriber pages it reads once each), for no gain — the OS caches the file anyway.
    db.pragma('cache_size = -2000');
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteDriver(db);
}

/** A better-sqlite3 connection behind the async driver interface, with its prepared statements cached. */
export class SqliteDriver implements Driver {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  // better-sqlite3 has one connection: a statement run while another caller's transaction is open would join
  // it, so every statement outside a transaction waits for the transaction in progress.
  private readonly mutex = new Mutex();
  private readonly direct: Queryable = {
    dialect: 'sqlite',
    query: <T>(sql: string, params: Params = []) => Promise.resolve(this.all<T>(sql, params)),
    run: (sql: string, params: Params = []) => Promise.resolve(this.change(sql, params)),
    exec: (sql: string) => {
      this.db.exec(sql);
      return Promise.resolve();
    },
  };

  constructor(readonly db: Database.Database) {}

  query<T>(sql: string, params: Params = []): Promise<T[]> {
    return this.outside(() => this.all<T>(sql, params));
  }

  run(sql: string, params: Params = []): Promise<number> {
    return this.outside(() => this.change(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.outside(() => {
      this.db.exec(sql);
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.mutex.runExclusive(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  close(): Promise<void> {
    return this.mutex.runExclusive(() => {
      if (this.db.open) this.db.close();
    });
  }

  private outside<T>(work: () => T): Promise<T> {
    if (!this.mutex.isLocked()) {
      try {
        return Promise.resolve(work());
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    return this.mutex.runExclusive(work);
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private all<T>(sql: string, params: Params): T[] {
    const statement = this.prepare(sql);
    if (statement.reader) return statement.all(...params) as T[];
    statement.run(...params);
    return [];
  }

  private change(sql: string, params: Params): number {
    return this.prepare(sql).run(...params).changes;
  }
}
