// The narrow waist under the SQL store: one way to run a statement on SQLite or PostgreSQL. SQL is written once
// with `?` placeholders; a driver adapts it to its engine (the PostgreSQL one numbers them `$1, $2, …`).

/** Which engine a driver talks to, for the few places (DDL, schema version) where SQL differs. */
export type Dialect = 'sqlite' | 'postgres';

/** Positional parameters: strings, numbers and nulls only (both engines read them the same way). */
export type Params = readonly (string | number | null)[];

/** Runs statements, on the connection of an open transaction or on the driver itself. */
export interface Queryable {
  readonly dialect: Dialect;
  /** The rows a statement returns (a SELECT, or a write with RETURNING). */
  query<T>(sql: string, params?: Params): Promise<T[]>;
  /** Runs a write; resolves to the number of rows it changed. */
  run(sql: string, params?: Params): Promise<number>;
  /** Runs a script of statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/** A connection (or pool) to one database. */
export interface Driver extends Queryable {
  /**
   * Runs `fn` in a writing transaction, one at a time per database: on SQLite `BEGIN IMMEDIATE`, with the
   * process's own callers queued behind an async mutex; on PostgreSQL a transaction that takes the store's
   * writer lock first. Commits when `fn` resolves, rolls back when it throws.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
