// Article files read synchronously (thousands of small reads cost less than a promise each): by the loader, and by the
// parse threads, which read the files the cache does not know themselves.
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { failure, MAX_ARTICLE_BYTES, tooLargeFailure, type Failure } from './parsing.js';

/** How recent a file's times may be and still vouch for its bytes: a file written twice within a clock tick, or while a build read it, keeps its times. */
const SETTLE_MS = 2000;

/** A file's device, inode, size and change and modification times as one string; null while they are too recent (at `now`) to vouch for its bytes. */
export function fileFingerprint(stats: Stats, now: number): string | null {
  if (Math.max(stats.mtimeMs, stats.ctimeMs) > now - SETTLE_MS) return null;
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

/** Where and when fingerprints are read: the content folder, and the time (ms) a file must have settled by. */
export interface StatContext {
  contentDir: string;
  now: number;
}

/** The fingerprint of the file at `file` (null when it is missing or too recent). */
export function statFingerprint(file: string, now: number): string | null {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats ? fileFingerprint(stats, now) : null;
}

/** The fingerprints (see statFingerprint) of the files at `paths` (relative, with `/`) under `contentDir`, in order. */
export function statFingerprints({ contentDir, now }: StatContext, paths: readonly string[]): (string | null)[] {
  // Joined once: path.join for each of 10,000 files cost the rebuild's stat thread 10–30 ms, a third of the stats.
  const base = join(contentDir, '/');
  return paths.map((path) => statFingerprint(base + path, now));
}

// Files are read into one reused buffer: most are only hashed (the cache knows them), and a buffer per file
// was most of a rebuild's garbage; the cache's shards are only deserialized, and a new buffer for each cost the
// kernel's zeroing of 24 MB of fresh pages at every rebuild of 10,000 articles.
let scratch = Buffer.allocUnsafe(64 * 1024);

/** The first `size` bytes of the open file `fd` (fewer if it is shorter now), in a buffer reused by every call: valid until the next one. */
function readReused(fd: number, size: number): Uint8Array {
  if (size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(size, 2 * scratch.length));
  let read = 0;
  for (let n = -1; read < size && n !== 0; read += n) n = readSync(fd, scratch, read, size - read, null);
  return scratch.subarray(0, read);
}

/** The bytes of the file at `file`, as `readReused` gives them. Throws as openSync and readSync do. */
export function readFileReused(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    return readReused(fd, fstatSync(fd).size);
  } finally {
    closeSync(fd);
  }
}

/** An article file's bytes, valid until the next read (copy them to keep them), and its fingerprint. */
export interface ArticleBytes {
  bytes: Uint8Array;
  fingerprint: string | null;
}

/** The problem of a file that cannot be opened or read. */
function unreadable(path: string, error: unknown): Failure {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return failure(path, undefined, `cannot read the file (${code})`, 'check that it exists and that Gazette may read it');
}

/**
 * The article file `path` of `contentDir` and its fingerprint at `now`, or why it cannot be parsed: unreadable, or over
 * the size limit (a huge file is never read).
 */
export function readArticleFile(contentDir: string, path: string, now: number): ArticleBytes | Failure {
  let fd: number;
  try {
    fd = openSync(join(contentDir, path), 'r');
  } catch (error) {
    return unreadable(path, error);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.size > MAX_ARTICLE_BYTES) return tooLargeFailure(path, stats.size);
    return { bytes: readReused(fd, stats.size), fingerprint: fileFingerprint(stats, now) };
  } catch (error) {
    return unreadable(path, error);
  } finally {
    closeSync(fd);
  }
}
