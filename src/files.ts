// Small file and concurrency helpers shared by the stages that write output (site, digest archive, outbox).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { lstat, mkdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';

/**
 * `mkdir -p` of `path`, as a user-facing folder (`--out`) needs it: a path it cannot make is a UsageError naming
 * `flag`, with what stands in the way (a link to a folder that is not there, a file, a folder it may not write).
 * Node's own recursive mkdir never returns where a file system answers "no such file" for a child of a folder that
 * is there (`/proc`): this one stops.
 */
export async function makeFolder(path: string, flag: string): Promise<void> {
  try {
    await makeFolders(path);
  } catch (error) {
    const { what, link } = await whyNoFolder(path, error);
    const hint = link !== null ? `make ${link} first, or pass ${flag} DIR naming a folder` : `pass ${flag} DIR naming a folder this user can write`;
    throw new UsageError(`${flag} ${path}: ${what} — ${hint}`, { cause: error });
  }
}

/** Why makeFolders could not make `path` (its `error`), in a desk's words, and where it links to when it is a link. */
export async function whyNoFolder(path: string, error: unknown): Promise<{ what: string; link: string | null }> {
  const code = (error as NodeJS.ErrnoException).code;
  const link = await lstat(path).then((stats) => (stats.isSymbolicLink() ? readlink(path) : null), () => null);
  const what =
    link !== null
      ? `it is a link to ${link}, which is not a folder that can be made`
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
        ? 'this user may not write there'
        : code === 'ENOTDIR' || code === 'EEXIST'
          ? 'it, or a folder above it, is a file'
          : `it cannot be made (${code ?? (error as Error).message})`;
  return { what, link };
}

/** Makes `path` and the folders above it that are missing, each with `mode` (see makeFolder, which words its errors). */
export async function makeFolders(path: string, mode?: number): Promise<void> {
  const options = mode === undefined ? {} : { mode };
  try {
    await mkdir(path, options);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await stat(path)).isDirectory()) return;
    const parent = dirname(path);
    if (code !== 'ENOENT' || parent === path) throw error;
    await makeFolders(parent, mode);
  }
  // Once, with its parent there: a second "no such file" is the file system's answer, not a missing parent.
  await mkdir(path, options).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST' || !(await stat(path)).isDirectory()) throw error;
  });
}

/** The file operations the writers below use, as promises or synchronous. */
export interface FileOps {
  readFile(path: string): Buffer | Promise<Buffer>;
  mkdir(path: string, options: { recursive: true }): unknown;
  writeFile(path: string, data: string | Uint8Array, options: { mode?: number; flag?: string }): unknown;
  rename(from: string, to: string): unknown;
  rm(path: string, options: { force: true }): unknown;
}

/** node:fs/promises: for files written while a thread serves other work. */
export const promiseOps: FileOps = { readFile, mkdir, writeFile, rename, rm };

/**
 * Synchronous operations, for a thread whose work is writing a batch of small files (a page thread's, or the main
 * thread's share of the pages between two turns of its event loop): thousands were written twice as fast as with
 * promises, which go through the thread pool and back for each call.
 */
export const syncOps: FileOps = { readFile: readFileSync, mkdir: mkdirSync, writeFile: writeFileSync, rename: renameSync, rm: rmSync };

// Temporary names: the process, a random token per thread (a random value per file cost 18 µs a call, seconds of a large
// build), and a counter.
const temporaryToken = randomBytes(4).toString('hex');
let temporaries = 0;

/** The process that made `name`, when it is one of replaceFile's temporaries (a process killed mid-write leaves it); else null. */
export function temporaryOwner(name: string): number | null {
  const match = /^\..+\.(\d+)\.[0-9a-f]{8}[0-9a-z]+\.tmp$/.exec(name);
  return match ? Number(match[1]) : null;
}

/**
 * Makes the file at `path` by `write(temporary)` into a hidden temporary file in the same folder and a rename, so a
 * reader (the HTTP server, a feed reader, a mail pickup) never sees half a file, the server never serves the
 * temporary, and a failed write (a full disk) leaves the old file whole.
 */
export async function replaceFile(path: string, write: (temporary: string) => unknown, ops = promiseOps): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${temporaryToken}${(temporaries++).toString(36)}.tmp`);
  try {
    await write(temporary);
    await ops.rename(temporary, path);
  } catch (error) {
    await ops.rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Where a file the user named is to be written: through symbolic links to their last target (replacing a link would
 * leave its target, a backup mount say, as it was), made if need be; and directly, not replaced, when it is a pipe, a
 * device or a socket (`>(gzip …)`, `/dev/stdout`): replacing those would cut off their reader. Links are followed one
 * by one, as the kernel does, so that each is checked: in a folder anyone may write to (/tmp) only the caller's or the
 * folder owner's are followed (the kernel's protected_symlinks), else a link another user planted could aim the write
 * at any file this process may write (root: /etc/shadow).
 */
export async function userFileTarget(path: string): Promise<{ path: string; direct: boolean }> {
  let current = path;
  for (let hops = 0; ; hops++) {
    const link = await lstat(current).catch(() => null);
    if (!link?.isSymbolicLink()) break;
    if (hops === 40) throw new UsageError(`${path}: too many symbolic links — name the file itself`);
    const folder = await stat(dirname(current));
    if ((folder.mode & 0o1002) === 0o1002 && link.uid !== process.getuid?.() && link.uid !== folder.uid) {
      throw new UsageError(`${path}: ${current} is a symbolic link another user made in a shared folder — name the file itself`);
    }
    const target = await readlink(current);
    // `/dev/fd/N` of a pipe points at `pipe:[1234]`, no path: opened as it is, the link reaches the pipe.
    if (/^[\w-]+:\[\d+\]$/.test(target)) return { path: current, direct: true };
    current = resolve(dirname(current), target);
  }
  const stats = await stat(current).catch(() => null);
  return { path: current, direct: stats !== null && !stats.isFile() && !stats.isDirectory() };
}

/** Errors of making a file or folder where one of the other kind stands (mkdir over a file, a rename over a folder). */
const inTheWay = new Set(['EEXIST', 'EISDIR', 'ENOTEMPTY']);

/**
 * Runs `make`, which makes the file or folder `path`; when it fails because something of the other kind stands there,
 * removes that and runs `make` again. Only for paths that are Gazette's own (its caches), where whatever stands there is damage.
 */
export async function clearingTheWay(path: string, make: () => Promise<unknown>): Promise<void> {
  try {
    await make();
  } catch (error) {
    if (!inTheWay.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await rm(path, { recursive: true, force: true });
    await make();
  }
}

/** Writes `data` at `path` through `replaceFile`; `mode` 0o600 keeps a private file (a message, a list) private. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode?: number, ops = promiseOps): Promise<void> {
  await replaceFile(path, (temporary) => ops.writeFile(temporary, data, mode === undefined ? {} : { mode }), ops);
}

/** Options of writeIfChanged. */
export interface WriteIfChangedOptions {
  /** Folders already created, for callers writing thousands of files. */
  madeDirs?: Set<string>;
  /** The caller knows there is no file yet (from a folder listing): there is nothing to read and compare. */
  absent?: boolean;
  /**
   * With `absent`: the file is written where it goes, not into a temporary renamed over it, because nothing can be
   * reading it (a first build into the folder: the next build compares every file it finds, as this one left no manifest
   * should it stop halfway).
   */
  inPlace?: boolean;
  /** The file operations (default: promises). */
  ops?: FileOps;
}

/** Writes `data` at `path` (creating folders) unless the file already holds exactly those bytes; true when it wrote. */
export async function writeIfChanged(path: string, data: string | Buffer, options: WriteIfChangedOptions = {}): Promise<boolean> {
  const { madeDirs, absent = false, inPlace = false, ops = promiseOps } = options;
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  try {
    if (!absent && bytes.equals(await ops.readFile(path))) return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const dir = dirname(path);
  if (!madeDirs?.has(dir)) {
    await ops.mkdir(dir, { recursive: true });
    madeDirs?.add(dir);
  }
  if (absent && inPlace) {
    try {
      await ops.writeFile(path, bytes, { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  await writeFileAtomic(path, bytes, undefined, ops);
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
