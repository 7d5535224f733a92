// The server store: PostgreSQL through node-postgres (`pg`), a small pool per process. Writing transactions take
// one advisory lock first, so they run one at a time across every process on the database, as on SQLite.
import pg from 'pg';
import { StoreError } from '../errors.js';
import type { Driver, Params, Queryable } from './driver.js';
import { openSqlStore } from './sql.js';
import type { Store } from './types.js';

/** Key of the advisory lock every writing transaction holds ("gaze" in ASCII). */
const writerLockKey = 0x67617a65;

/** True when `--db` / `GAZETTE_DB` names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(db);
}

/** `host:port/database` of a URL, for messages: never the user's password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the PostgreSQL URL';
  }
}

/** Rewrites `?` placeholders to `$1, $2, …`, leaving quoted text alone. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  let quote: string | null = null;
  let out = '';
  for (const c of sql) {
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '?') {
      out += `$${++n}`;
      continue;
    }
    out += c;
  }
  return out;
}

/** Runs statements on a pool or on one client, with the placeholders rewritten once per statement. */
class PgQueryable implements Queryable {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly target: pg.Pool | pg.PoolClient,
    private readonly texts: Map<string, string>,
  ) {}

  async query<T>(sql: string, params: Params = []): Promise<T[]> {
    return (await this.target.query(this.text(sql), params as unknown[])).rows as T[];
  }

  async run(sql: string, params: Params = []): Promise<number> {
    return (await this.target.query(this.text(sql), params as unknown[])).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await this.target.query(sql);
  }

  private text(sql: string): string {
    let text = this.texts.get(sql);
    if (text === undefined) {
      text = numberPlaceholders(sql);
      this.texts.set(sql, text);
    }
    return text;
  }
}

/** A pool of connections to one PostgreSQL database behind the driver interface. */
export class PostgresDriver extends PgQueryable implements Driver {
  constructor(
    readonly pool: pg.Pool,
    private readonly statementTexts = new Map<string, string>(),
  ) {
    super(pool, statementTexts);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${writerLockKey})`);
      const result = await fn(new PgQueryable(client, this.statementTexts));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.ended ? Promise.resolve() : this.pool.end();
  }
}

/** Why a connection failed, in a few words: the driver's message, or its error code when it has none. */
function cause(error: unknown): string {
  const { message, code } = error as { message?: string; code?: string };
  if (message) return message;
  if (error instanceof AggregateError) return error.errors.map(cause).join('; ');
  return code ?? String(error);
}

/** Opens a pool on `url` and checks that the server answers; StoreError naming host and cause when it does not. */
export async function openPostgresDriver(url: string, options: { max?: number } = {}): Promise<PostgresDriver> {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 4, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server emits 'error' on the pool; the next query reports it instead.
  pool.on('error', () => undefined);
  const driver = new PostgresDriver(pool);
  try {
    await driver.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw new StoreError(`cannot connect to PostgreSQL at ${describePostgresUrl(url)}: ${cause(error)} — check --db / GAZETTE_DB`, {
      cause: error,
    });
  }
  return driver;
}

/** Opens the PostgreSQL store at `url` and brings its schema up to date. */
export async function openPostgresStore(url: string, options: { max?: number } = {}): Promise<Store> {
  return openSqlStore(await openPostgresDriver(url, options));
}
