// Errors the machine or another program causes get a one-line message with what to do, not a bug's trace.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseErrorOf, StoreError } from '../src/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-errors-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error `fn` throws. */
function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('databaseErrorOf', () => {
  it('names a lock another program holds, and a database that cannot be written, with what to do', () => {
    const path = join(dir, 'gazette.db');
    const holder = new Database(path);
    holder.exec('CREATE TABLE t (x)');
    holder.exec('BEGIN IMMEDIATE');
    const locked = caught(() => new Database(path, { timeout: 0 }).exec('INSERT INTO t VALUES (1)'));
    holder.exec('ROLLBACK');
    const readOnly = caught(() => new Database(path, { readonly: true }).exec('INSERT INTO t VALUES (1)'));
    holder.close();

    expect(databaseErrorOf(locked)).toBeInstanceOf(StoreError);
    expect(databaseErrorOf(locked)?.message).toBe('another program holds the database locked (SQLITE_BUSY: database is locked) — close it (an sqlite3 shell, a backup tool), then run the command again');
    expect(databaseErrorOf(readOnly)?.message).toMatch(/^the database cannot be written \(SQLITE_READONLY: .*\) — check the permissions/);
  });

  it('leaves a failure that is a bug of Gazette (bad SQL) to the internal-error report', () => {
    const db = new Database(join(dir, 'gazette.db'));
    expect(databaseErrorOf(caught(() => db.exec('SELEKT 1')))).toBeNull();
    db.close();
    expect(databaseErrorOf(new Error('plain'))).toBeNull();
  });
});
