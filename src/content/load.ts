// Reads every article under the content folder: files in parallel, each problem kept, the rest loaded.
import { readdirSync, type Dirent } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import type { Article } from './article.js';
import type { ArticleCache } from './cache.js';
import { parseArticles, parseWorkersFor } from './parse-pool.js';
import { distinctTimes } from './select.js';
import type { ParsedFile, PendingFile } from './parse-file.js';
import { isArticlePath, type ParseOptions, type ParseResult } from './parsing.js';
import { readArticleFile, statFingerprint, type StatContext } from './read.js';
import { askWorker, endingOnError } from '../threads.js';

/** Files read between two turns of the event loop (reads are synchronous: a promise per call cost more than the read). */
const READ_CHUNK = 64;

/** Articles and problems of a content folder. */
export interface LoadResult {
  articles: Article[];
  problems: Problem[];
}

/** Options of loadArticles. */
export interface LoadOptions {
  /** Articles parsed earlier: a file whose bytes it knows is not parsed again. */
  cache?: ArticleCache;
  /** The folder's files, when the caller started listing them already. */
  listing?: Promise<ArticleFiles>;
  /** Parse threads the caller started ahead (see startParseThread): used, or ended, by the time the articles are loaded. */
  parseThreads?: readonly Worker[];
}

const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The folder of `content/` that holds the articles' images, not articles (the site publishes it as it is). */
export const imagesDir = 'images';

/** Whether a relative path (with `/`) is one of the folders or files the loader skips: dotfiles and the images. */
function isSkipped(path: string): boolean {
  // A part that starts with a dot starts the path or follows a slash (no split: this runs for every file of a build).
  return path === imagesDir || path.startsWith(`${imagesDir}/`) || path.startsWith('.') || path.includes('/.');
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

/**
 * The article files under `contentDir`, at any depth, dotfiles and images skipped. With `statAhead` (a rebuild: the
 * cache will ask), each file's fingerprint is read too: on the thread given (a parse thread started ahead), so the stats
 * run while this thread reads the cache (git preloads its index the same way), or here. Throws InputError only when
 * `contentDir` itself cannot be read.
 */
export async function listArticleFiles(contentDir: string, statAhead: boolean | Worker = false): Promise<ArticleFiles> {
  // Listed before the first await: the thread gets the paths to stat before this one blocks on the cache.
  const found = findArticleFiles(contentDir);
  if (statAhead === false) return found;
  const context: StatContext = { contentDir, now: Date.now() };
  const fingerprints =
    statAhead === true
      ? found.paths.map((path) => statFingerprint(join(contentDir, path), context.now))
      : await askWorker<StatContext, string, string | null>(statAhead, context, found.paths);
  return { ...found, fingerprints };
}

/**
 * Paths and problems of `listArticleFiles`, without fingerprints. Read synchronously: listed a folder per turn of the
 * event loop, a rebuild's listing waited behind the cache (read synchronously), and the stats behind the listing.
 */
function findArticleFiles(contentDir: string): ArticleFiles {
  const paths: string[] = [];
  const problems: Problem[] = [];
  const folders = [''];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(contentDir, folder), { withFileTypes: true });
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

/**
 * Each file's outcome when the cache knows its article or it cannot be parsed (unreadable, too large), else what the
 * parser needs: a file the cache does not know is left for the parse threads to read, a changed one comes with its
 * bytes (read here, to compare them with the cache's). A file whose fingerprint is the one the cache recorded is not
 * even read.
 */
async function readArticleFiles(contentDir: string, files: ArticleFiles, now: number, cache?: ArticleCache): Promise<(ParseResult | PendingFile)[]> {
  const outcomes: (ParseResult | PendingFile)[] = [];
  const { paths, fingerprints } = files;
  for (const [index, path] of paths.entries()) {
    if (index % READ_CHUNK === READ_CHUNK - 1) await new Promise(setImmediate);
    const known = cache?.unchanged(path, () => (fingerprints ? (fingerprints[index] ?? null) : statFingerprint(join(contentDir, path), now)));
    if (known) {
      outcomes.push({ ok: true, article: known });
      continue;
    }
    if (!cache?.knows(path)) {
      outcomes.push({ path });
      continue;
    }
    const read = readArticleFile(contentDir, path, now);
    if ('ok' in read) {
      outcomes.push(read);
      continue;
    }
    const cached = cache.lookup(path, read.bytes, read.fingerprint);
    outcomes.push(cached ? { ok: true, article: cached } : { path, bytes: Buffer.from(read.bytes), fingerprint: read.fingerprint });
  }
  return outcomes;
}

/** Every file's outcome: looked up in the cache, then the others read and parsed (on worker threads when there are many). */
async function loadArticleFiles(contentDir: string, files: ArticleFiles, options: ParseOptions, { cache, parseThreads = [] }: LoadOptions): Promise<ParseResult[]> {
  const now = Date.now();
  const outcomes = await readArticleFiles(contentDir, files, now, cache).catch(endingOnError(parseThreads));
  const pending = outcomes.flatMap((outcome, index) => ('path' in outcome ? [{ index, file: outcome }] : []));
  const parsed = await parseArticles(
    pending.map(({ file }) => file),
    { options, contentDir, now },
    parseWorkersFor(pending.length),
    parseThreads,
  );
  const results = outcomes as ParseResult[];
  for (const [i, { index }] of pending.entries()) {
    const { result, fingerprint } = parsed[i] as ParsedFile;
    results[index] = result;
    if (result.ok) cache?.remember(result.article, fingerprint);
  }
  return results;
}

/** The problems of articles that share `keyOf` with another file (each file gets one naming the others). */
function sharedKeyProblems(articles: readonly Article[], keyOf: (article: Article) => string, describe: (key: string, others: string) => Omit<Problem, 'path'>): Problem[] {
  // A group only for a key seen twice: a group made for every article was half of this check's time in a rebuild.
  const first = new Map<string, Article>();
  const shared = new Map<string, Article[]>();
  for (const article of articles) {
    const key = keyOf(article);
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, article);
      continue;
    }
    const group = shared.get(key);
    if (group) group.push(article);
    else shared.set(key, [earlier, article]);
  }
  return [...shared].flatMap(([key, group]) =>
    group.map((article) => ({ path: article.sourcePath, ...describe(key, group.filter((other) => other !== article).map((other) => other.sourcePath).join(', ')) })),
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
 * others still load; articles come sorted by source path, with distinct times (`distinctTimes`), problems by path.
 * Throws InputError only when the folder itself cannot be read.
 */
export async function loadArticles(contentDir: string, options: ParseOptions, load: LoadOptions = {}): Promise<LoadResult> {
  const files = await (load.listing ?? listArticleFiles(contentDir)).catch(endingOnError(load.parseThreads ?? []));
  const unreadable = files.problems;
  const results = await loadArticleFiles(contentDir, files, options, load);
  const unique = rejectDuplicateSlugs(results.flatMap((result) => (result.ok ? [result.article] : [])));
  const problems = [...unreadable, ...results.flatMap((result) => (result.ok ? [] : [result.problem])), ...unique.problems];
  problems.sort((a, b) => byPath(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
  return { articles: distinctTimes(unique.articles), problems };
}
