// Reads every article under the content folder: files in parallel, each problem kept, the rest loaded.
import { closeSync, fstatSync, openSync, readSync, type Dirent, type Stats } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import type { Article } from './article.js';
import type { ArticleCache } from './cache.js';
import { parseArticles } from './parse-pool.js';
import { distinctTimes } from './select.js';
import { failure, fileFingerprint, isArticlePath, MAX_ARTICLE_BYTES, statFingerprint, tooLargeFailure, type ParseOptions, type ParseResult } from './parsing.js';
import { mapOnWorkers, workerModule } from '../threads.js';

/** Files read between two turns of the event loop (reads are synchronous: a promise per call cost more than the read). */
const READ_CHUNK = 64;

/** Articles and problems of a content folder. */
export interface LoadResult {
  articles: Article[];
  problems: Problem[];
}

const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The folder of `content/` that holds the articles' images, not articles (the site publishes it as it is). */
export const imagesDir = 'images';

/** Whether a relative path (with `/`) is one of the folders or files the loader skips: dotfiles and the images. */
function isSkipped(path: string): boolean {
  return path === imagesDir || path.startsWith(`${imagesDir}/`) || path.split('/').some((part) => part.startsWith('.'));
}

/** The article files of a content folder, as `listArticleFiles` finds them. */
export interface ArticleFiles {
  /** Paths relative to the content folder, with `/`, sorted. */
  paths: string[];
  /** A problem for each subfolder that cannot be read (the rest is still found). */
  problems: Problem[];
  /** Per path, its file's fingerprint (see `fileFingerprint`) when read ahead, at `now`. */
  fingerprints?: (string | null)[];
}

/** Below this many files, a thread's start costs more than reading their fingerprints here. */
const MIN_FILES_TO_STAT_AHEAD = 1000;

/**
 * The article files under `contentDir`, at any depth, dotfiles and images skipped. With `statAhead` (a rebuild: the
 * cache will ask), each file's fingerprint is read too: for thousands of files on a worker thread when there are cores
 * to spare, so the stats run while this thread reads the cache (git preloads its index the same way). Throws InputError
 * only when `contentDir` itself cannot be read.
 */
export async function listArticleFiles(contentDir: string, statAhead = false): Promise<ArticleFiles> {
  const found = await findArticleFiles(contentDir);
  if (!statAhead) return found;
  const context = { contentDir, now: Date.now() };
  const fingerprints =
    availableParallelism() < 2 || found.paths.length < MIN_FILES_TO_STAT_AHEAD
      ? found.paths.map((path) => statFingerprint(join(contentDir, path), context.now))
      : await mapOnWorkers<typeof context, string, string | null>(workerModule('stat-worker', import.meta.url), context, found.paths, 1, found.paths.length);
  return { ...found, fingerprints };
}

/** Paths and problems of `listArticleFiles`, without fingerprints. */
async function findArticleFiles(contentDir: string): Promise<ArticleFiles> {
  const paths: string[] = [];
  const problems: Problem[] = [];
  const folders = [''];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let entries: Dirent[];
    try {
      entries = await readdir(join(contentDir, folder), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (folder === '') {
        throw new InputError(
          'E_CONTENT',
          [{ path: contentDir, message: `cannot read the content folder (${code})`, hint: 'create it, or pass --content DIR (env GAZETTE_CONTENT)' }],
          { cause: error },
        );
      }
      problems.push({
        path: `${folder}/`,
        message: `cannot read this folder (${code}); its articles were left out`,
        hint: 'give Gazette permission to read it, or move it out of the content folder',
      });
      continue;
    }
    for (const entry of entries) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (isSkipped(path)) continue;
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile() && isArticlePath(path)) paths.push(path);
    }
  }
  return { paths: paths.sort(byPath), problems };
}

// Files are read into one reused buffer: most are only hashed (the cache knows them), and a buffer per file
// was most of a rebuild's garbage.
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The bytes of a file and its stats, or only its size when it is over the limit (so a huge file is never read). The
 * bytes are valid until the next call: copy them to keep them.
 */
function readLimited(file: string): { bytes: Uint8Array; stats: Stats } | { size: number } {
  const fd = openSync(file, 'r');
  try {
    const stats = fstatSync(fd);
    if (stats.size > MAX_ARTICLE_BYTES) return { size: stats.size };
    if (stats.size > scratch.length) scratch = Buffer.allocUnsafe(Math.max(stats.size, 2 * scratch.length));
    const bytes = scratch;
    let read = 0;
    for (let n = -1; read < stats.size && n !== 0; read += n) n = readSync(fd, bytes, read, stats.size - read, null);
    return { bytes: bytes.subarray(0, read), stats };
  } finally {
    closeSync(fd);
  }
}

/** A file to parse: its bytes, and its fingerprint for the cache. */
interface Unparsed {
  bytes: Uint8Array;
  fingerprint: string | null;
}

/**
 * Each file's outcome when it cannot be parsed (unreadable, too large) or is in the cache, else its bytes. A file whose
 * fingerprint is the one the cache recorded is not even read.
 */
async function readArticleFiles(contentDir: string, files: ArticleFiles, cache?: ArticleCache): Promise<(ParseResult | Unparsed)[]> {
  const outcomes: (ParseResult | Unparsed)[] = [];
  const now = Date.now();
  const { paths, fingerprints } = files;
  for (const [index, path] of paths.entries()) {
    if (index % READ_CHUNK === READ_CHUNK - 1) await new Promise(setImmediate);
    const file = join(contentDir, path);
    const known = cache?.unchanged(path, () => (fingerprints ? (fingerprints[index] ?? null) : statFingerprint(file, now)));
    if (known) {
      outcomes.push({ ok: true, article: known });
      continue;
    }
    let read: ReturnType<typeof readLimited>;
    try {
      read = readLimited(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      outcomes.push(failure(path, undefined, `cannot read the file (${code})`, 'check that it exists and that Gazette may read it'));
      continue;
    }
    if ('size' in read) {
      outcomes.push(tooLargeFailure(path, read.size));
      continue;
    }
    const fingerprint = fileFingerprint(read.stats, now);
    const cached = cache?.lookup(path, read.bytes, fingerprint);
    outcomes.push(cached ? { ok: true, article: cached } : { bytes: Buffer.from(read.bytes), fingerprint });
  }
  return outcomes;
}

/** Every file's outcome: read, then the ones the cache did not know parsed (on worker threads when there are many). */
async function loadArticleFiles(contentDir: string, files: ArticleFiles, options: ParseOptions, cache?: ArticleCache): Promise<ParseResult[]> {
  const { paths } = files;
  const outcomes = await readArticleFiles(contentDir, files, cache);
  const pending = outcomes.flatMap((outcome, index) => ('bytes' in outcome ? [{ index, path: paths[index] ?? '', ...outcome }] : []));
  const parsed = await parseArticles(pending, options);
  const results = outcomes as ParseResult[];
  for (const [i, file] of pending.entries()) {
    const result = parsed[i] as ParseResult;
    results[file.index] = result;
    if (result.ok) cache?.remember(result.article, file.fingerprint);
  }
  return results;
}

/** The problems of articles that share `keyOf` with another file (each file gets one naming the others). */
function sharedKeyProblems(articles: readonly Article[], keyOf: (article: Article) => string, describe: (key: string, others: string) => Omit<Problem, 'path'>): Problem[] {
  const byKey = new Map<string, Article[]>();
  for (const article of articles) {
    const key = keyOf(article);
    const group = byKey.get(key);
    if (group) group.push(article);
    else byKey.set(key, [article]);
  }
  return [...byKey].flatMap(([key, group]) =>
    group.length < 2
      ? []
      : group.map((article) => ({ path: article.sourcePath, ...describe(key, group.filter((other) => other !== article).map((other) => other.sourcePath).join(', ')) })),
  );
}

/** Keeps the articles whose URL and id no other file has; each file of a shared one gets a problem naming the others. */
function rejectDuplicateSlugs(articles: readonly Article[]): LoadResult {
  const problems = [
    ...sharedKeyProblems(articles, (article) => article.slug, (slug, others) => ({
      message: `the URL articles/${slug}/ is also the URL of ${others}`,
      hint: 'give one of them its own: rename the file (a name with words is the URL), change its headline, or set slug: in Markdown front matter',
    })),
    ...sharedKeyProblems(articles, (article) => article.id, (id, others) => ({
      message: `the id "${id}" (made from the file name) is also the id of ${others}`,
      hint: 'rename one of the files: each article\'s id comes from its file name',
    })),
  ];
  const refused = new Set(problems.map((problem) => problem.path));
  return { articles: articles.filter((article) => !refused.has(article.sourcePath)), problems };
}

/**
 * Loads every `.txt` and `.md` article under `contentDir`. Each invalid file becomes a problem and the
 * others still load; articles come sorted by source path, with distinct times (`distinctTimes`), problems by path. With a
 * cache, a file whose bytes it knows is not parsed again. `listing` is the folder's files when the caller started
 * listing them already. Throws InputError only when the folder itself cannot be read.
 */
export async function loadArticles(
  contentDir: string,
  options: ParseOptions,
  cache?: ArticleCache,
  listing: Promise<ArticleFiles> = listArticleFiles(contentDir),
): Promise<LoadResult> {
  const files = await listing;
  const unreadable = files.problems;
  const results = await loadArticleFiles(contentDir, files, options, cache);
  const unique = rejectDuplicateSlugs(results.flatMap((result) => (result.ok ? [result.article] : [])));
  const problems = [...unreadable, ...results.flatMap((result) => (result.ok ? [] : [result.problem])), ...unique.problems];
  problems.sort((a, b) => byPath(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
  return { articles: distinctTimes(unique.articles), problems };
}
