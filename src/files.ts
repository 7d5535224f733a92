// Small file and concurrency helpers shared by the stages that write output (site, digest archive, outbox).
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Makes the file at `path` by `write(temporary)` into a hidden temporary file in the same folder and a rename, so a
 * reader (the HTTP server, a feed reader, a mail pickup) never sees half a file, the server never serves the
 * temporary, and a failed write (a full disk) leaves the old file whole.
 */
export async function replaceFile(path: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await write(temporary);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes `data` at `path` through `replaceFile`; `mode` 0o600 keeps a private file (a message, a list) private. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await replaceFile(path, (temporary) => writeFile(temporary, data, mode === undefined ? {} : { mode }));
}

/**
 * Writes `data` at `path` (creating folders) unless the file already holds exactly those bytes; true when it
 * wrote. `madeDirs` remembers folders already created, for callers writing thousands of files.
 */
export async function writeIfChanged(path: string, data: string | Buffer, madeDirs?: Set<string>): Promise<boolean> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    if (bytes.equals(await readFile(path))) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const dir = dirname(path);
  if (!madeDirs?.has(dir)) {
    await mkdir(dir, { recursive: true });
    madeDirs?.add(dir);
  }
  await writeFileAtomic(path, bytes);
  return true;
}

/** Runs `task` over `items`, at most `limit` at a time; the results keep the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) results[index] = await task(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
