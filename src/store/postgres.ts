// The server store: PostgreSQL through node-postgres (`pg`), a small pool per process. Writing transactions take
// one advisory lock first, so they run one at a time across every process on the database, as on SQLite.
import pg from 'pg';
import { StoreError } from '../errors.js';
import type { Driver, Params, Queryable } from './driver.js';
import { openSqlStore } from './sql.js';
import type { Store } from './types.js';
import { describePostgresUrl } from './url.js';

/** Key of the advisory lock every writing transaction holds ("gaze" in ASCII). */
const writerLockKey = 0x67617a65;

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

/** Runs of one statement text after which it becomes a named prepared statement (parsed and planned once a connection). */
const prepareAfter = 5;

/** A statement as PostgreSQL gets it: `$n` placeholders, and the name it is prepared under once it runs often. */
interface Statement {
  text: string;
  name: string;
  runs: number;
}

/**
 * Runs statements on a pool or on one client, with the placeholders rewritten once per statement. A statement run
 * often (the send loop's) is prepared on each connection, so the server parses and plans it once there rather than
 * on every run; one whose result columns come from `*` never is, since a migration adding a column would make
 * its prepared form fail.
 */
class PgQueryable implements Queryable {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly target: pg.Pool | pg.PoolClient,
    private readonly statements: Map<string, Statement>,
  ) {}

  async query<T>(sql: string, params: Params = []): Promise<T[]> {
    return (await this.target.query(this.config(sql, params))).rows as T[];
  }

  async run(sql: string, params: Params = []): Promise<number> {
    return (await this.target.query(this.config(sql, params))).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await this.target.query(sql);
  }

  private config(sql: string, params: Params): pg.QueryConfig {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = { text: numberPlaceholders(sql), name: `gazette_${this.statements.size}`, runs: 0 };
      this.statements.set(sql, statement);
    }
    const values = params as unknown[];
    if (++statement.runs < prepareAfter || sql.includes('*')) return { text: statement.text, values };
    return { name: statement.name, text: statement.text, values };
  }
}

/** A pool of connections to one PostgreSQL database behind the driver interface. */
export class PostgresDriver extends PgQueryable implements Driver {
  constructor(
    readonly pool: pg.Pool,
    private readonly shared = new Map<string, Statement>(),
  ) {
    super(pool, shared);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(${writerLockKey})`);
      const result = await fn(new PgQueryable(client, this.shared));
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
