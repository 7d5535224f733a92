// The closed set of errors Gazette raises on purpose. Each has a stable code and the exit status the CLI
// maps it to; anything else that reaches the CLI is our own bug and is printed with its stack.

/** One problem in a user's file: where it is, what is wrong and how to fix it. */
export interface Problem {
  path: string;
  line?: number;
  message: string;
  hint?: string;
}

/** Formats a problem as `path:line: what — how to fix`. */
export function formatProblem(p: Problem): string {
  const where = p.line === undefined ? p.path : `${p.path}:${p.line}`;
  return `${where}: ${p.message}${p.hint ? ` — ${p.hint}` : ''}`;
}

/** Stable error codes, part of the CLI's contract. */
export type ErrorCode =
  | 'E_USAGE'
  | 'E_CONFIG'
  | 'E_CONTENT'
  | 'E_STORE'
  | 'E_DELIVERY'
  | 'E_PENDING'
  | 'E_BUSY'
  | 'E_FILE';

/** Base class of every error Gazette raises for a reason the user can act on. */
export abstract class GazetteError extends Error {
  abstract readonly code: ErrorCode;
  /** Exit status the CLI uses for this error. */
  abstract readonly exitCode: number;
}

/** Wrong command line: unknown command or flag, missing or malformed argument (exit 2). */
export class UsageError extends GazetteError {
  override readonly name = 'UsageError';
  readonly code = 'E_USAGE';
  readonly exitCode = 2;
}

/** Invalid input files (site config, articles, CSV): every problem found, not just the first (exit 2). */
export class InputError extends GazetteError {
  override readonly name = 'InputError';
  readonly exitCode = 2;
  constructor(
    readonly code: 'E_CONFIG' | 'E_CONTENT',
    readonly problems: readonly Problem[],
    options?: ErrorOptions,
  ) {
    super(problems.map(formatProblem).join('\n'), options);
  }
}

/** The database cannot be opened, migrated or written (exit 1). */
export class StoreError extends GazetteError {
  override readonly name = 'StoreError';
  readonly code = 'E_STORE';
  readonly exitCode = 1;
}

/** Sending failed as a whole: the transport could not be set up or reached (exit 1). */
export class DeliveryError extends GazetteError {
  override readonly name = 'DeliveryError';
  readonly code = 'E_DELIVERY';
  readonly exitCode = 1;
}

/** Some deliveries are still pending after temporary failures; a later `send` finishes them (exit 75). */
export class PendingError extends GazetteError {
  override readonly name = 'PendingError';
  readonly code = 'E_PENDING';
  readonly exitCode = 75;
}

/** Another Gazette process holds the run lease for this database, or an output folder's build lock (exit 75: try again later). */
export class BusyError extends GazetteError {
  override readonly name = 'BusyError';
  readonly code = 'E_BUSY';
  readonly exitCode = 75;
}

/** File-system failures the machine causes, not Gazette: what happened and what to do, by error code. */
const systemProblems: Record<string, [what: string, hint: string]> = {
  ENOSPC: ['no space left on the device', 'free some space, then run the command again'],
  EDQUOT: ['the disk quota is used up', 'free some space or raise the quota, then run the command again'],
  EROFS: ['the file system is read-only', 'write somewhere else, or remount it writable'],
  EACCES: ['permission denied', 'check the owner and permissions of the file and its folder'],
  EPERM: ['operation not permitted', 'check the owner and permissions of the file and its folder'],
  EIO: ['an input/output error', 'check the disk'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n), then run the command again'],
};

/** The machine refused a file operation: a full disk, a read-only file system, permissions (exit 1). */
export class FileError extends GazetteError {
  override readonly name = 'FileError';
  readonly code = 'E_FILE';
  readonly exitCode = 1;
}

/**
 * A FileError for a full disk, a read-only file system or the like (`path: no space left on the device (ENOSPC) —
 * free some space…`), naming `path` when given (else the error's own path), or null for any other error.
 */
export function fileErrorOf(error: unknown, path?: string): FileError | null {
  const { code, path: own } = (error ?? {}) as NodeJS.ErrnoException;
  const problem = code === undefined ? undefined : systemProblems[code];
  if (!problem) return null;
  const where = path ?? own;
  return new FileError(`${where === undefined ? '' : `${where}: `}${problem[0]} (${code}) — ${problem[1]}`, { cause: error });
}

/** Database engine failures the machine or another program causes, by SQLite result code or PostgreSQL SQLSTATE. */
const databaseProblems: readonly [code: RegExp, what: string, hint: string][] = [
  [/^SQLITE_FULL$|^53100$/, 'the disk under the database is full', 'free some space, then run the command again'],
  [/^SQLITE_(?:BUSY|LOCKED)|^55P03$/, 'another program holds the database locked', 'close it (an sqlite3 shell, a backup tool), then run the command again'],
  [/^SQLITE_READONLY|^25006$/, 'the database cannot be written', 'check the permissions of the file and its folder (or the database user’s rights)'],
  [/^SQLITE_(?:CORRUPT|NOTADB)/, 'the database file is damaged', 'restore it from a backup'],
  [/^SQLITE_IOERR/, 'an input/output error on the database file', 'check the disk'],
  [/^22021$/, 'the database cannot store a text (a NUL byte, or bytes that are not UTF-8)', 'remove it where it came from (a file edited by hand, another tool)'],
  [/^08|^57P0[1-3]$/, 'the connection to the database was lost', 'check that the server runs, then run the command again: what was done is recorded'],
];

/** The StoreError for a database failure that is no bug of Gazette's (a full disk, a lock another program holds), or null. */
export function databaseErrorOf(error: unknown): StoreError | null {
  const { code } = (error ?? {}) as { code?: unknown };
  if (typeof code !== 'string') return null;
  const problem = databaseProblems.find(([pattern]) => pattern.test(code));
  if (!problem) return null;
  const message = error instanceof Error ? error.message : String(error);
  return new StoreError(`${problem[1]} (${code}: ${message}) — ${problem[2]}`, { cause: error });
}

/**
 * A value from the user (an address, a name, a command) quoted for a message or a terminal: JSON escapes line breaks
 * and controls; long values are cut.
 */
export function quoteValue(value: string, max = 80): string {
  const chars = Array.from(value);
  return JSON.stringify(chars.length <= max ? value : `${chars.slice(0, max).join('')}…`);
}
