// Reads every article under the content folder: files in parallel, each problem kept, the rest loaded.
import { readdirSync, statSync, type Dirent } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { join, posix } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import type { Article } from './article.js';
import type { ArticleCache } from './cache.js';
import { parseArticles, parseWorkersFor } from './parse-pool.js';
import { distinctTimes } from './select.js';
import type { ParsedFile, PendingFile } from './parse-file.js';
import { isArticlePath, type ParseOptions, type ParseResult } from './parsing.js';
import { readArticleFile, statFingerprint, statFingerprints, type StatContext } from './read.js';
import { slugify } from './text.js';
import { askWorker, endingOnError } from '../threads.js';

/** Files read between two turns of the event loop (reads are synchronous: a promise per call cost more than the read). */
const READ_CHUNK = 64;

/** Articles and problems of a content folder. */
export interface LoadResult {
  articles: Article[];
  problems: Problem[];
  /** Files of the folder it does not read that look meant as articles (`.markdown`): to mend, yet no error. */
  warnings: Problem[];
}

/** What held the folders and ids of the last build, by its manifest (see urlHolders in site/write.ts). */
export interface Holders {
  /** Each folder under `articles/` (its current slug's page, its id's folder), with the article that held it. */
  folders: ReadonlyMap<string, Holder>;
  /** Each id the manifest records, with the article that held it. */
  ids: ReadonlyMap<string, Holder>;
}

/** An article of the last build, as its manifest records it. */
export interface Holder {
  id: string;
  /** Its URL's slug then. */
  slug: string;
  /** Its file (null: not recorded, by a Gazette before this release). */
  path: string | null;
  /** The hash of its file then (null: not published then). */
  hash: string | null;
}

/** Options of loadArticles. */
export interface LoadOptions {
  /** Articles parsed earlier: a file whose bytes it knows is not parsed again. */
  cache?: ArticleCache;
  /** The folder's files, when the caller started listing them already. */
  listing?: Promise<ArticleFiles>;
  /** Parse threads the caller started ahead (see startParseThread): used, or ended, by the time the articles are loaded. */
  parseThreads?: readonly Worker[];
  /**
   * Which article held each folder under `articles/` in the last build, and which file each id (see urlHolders): they
   * keep them against a newcomer. Asked for only when files clash, or a file's name is not all ASCII.
   */
  heldBy?: () => Holders;
  /**
   * Whether the last build published this article as it is (by the manifest's record of its hash): only such a
   * version stays when an edit makes its file invalid. Without it, none does.
   */
  wasPublished?: (article: Article) => boolean;
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
  /** A problem for each subfolder that cannot be read (the rest is still found), by its path with a final `/`. */
  problems: Problem[];
  /** A warning for each file that looks meant as an article but is not read (see otherMarkdownName). */
  warnings: Problem[];
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
      ? statFingerprints(context, found.paths)
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
  const warnings: Problem[] = [];
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
        message: `cannot read this folder (${code}); its articles stay as the last build made them, and nothing new in it is published`,
        hint: 'give Gazette permission to read it, or move it out of the content folder',
      });
      continue;
    }
    for (const entry of entries) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (isSkipped(path)) continue;
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile()) {
        if (isArticlePath(path)) paths.push(path);
        else if (/\.(?:markdown|mdown|mkdn|mkd)$/i.test(path)) warnings.push(otherMarkdownName(path));
      } else if (isArticlePath(path) || (entry.isSymbolicLink() && !leadsToFile(join(contentDir, path)))) {
        problems.push(notFollowed(path, entry));
      }
    }
  }
  return { paths: paths.sort(byPath), problems, warnings: warnings.sort((a, b) => byPath(a.path, b.path)) };
}

/** The warning for a Markdown file under another name than `.md` (`.markdown`, as some editors save it): never read, though maybe meant as an article (a README.markdown is not). */
function otherMarkdownName(path: string): Problem {
  return { path, message: 'a Markdown file not ending in .md: articles are .md and .txt files, so nothing is published from it', hint: 'rename it to .md' };
}

/** Whether the link `path` leads to a file: not to a folder, nowhere (broken), round in a loop or where Gazette may not look. */
function leadsToFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The problem of an article name, or of a link that leads to no file (a folder, nowhere), that is no file of the content folder: a link is not followed,
 * as the content folder is all that is published (a link to /etc/passwd must not be), yet the desk is told.
 */
function notFollowed(path: string, entry: Dirent): Problem {
  return entry.isSymbolicLink()
    ? { path, message: 'a symbolic link: Gazette does not follow links, so nothing is published from it', hint: 'put the file or folder itself in the content folder' }
    : { path, message: 'not a regular file (a pipe, socket or device): nothing is published from it', hint: 'replace it with the article file, or move it out of the content folder' };
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

/** No last build to ask (see LoadOptions.heldBy). */
const noHolders = (): Holders => ({ folders: new Map(), ids: new Map() });

/** The folders under `articles/` an article takes: its page's (its slug) and, when that differs, its id's redirect. */
const foldersOf = (article: Article): string[] => (article.id === article.slug ? [article.slug] : [article.slug, article.id]);

/**
 * Which of two articles wanting one folder came first: a published one before a draft, then one whose URL did not just
 * change with the `İ` rule (the other keeps the URL it had: see rejectDuplicateSlugs), then one that held its URL in
 * the last build (by the manifest: a new file, even dated in the past, must not take a live article's URL), then the
 * earlier date, then the path.
 */
const cameFirst = ({ folders }: Holders, facts: IdFacts) => {
  const held = (article: Article): boolean =>
    foldersOf(article).some((folder) => {
      const holder = folders.get(folder);
      // A record without its file (an earlier Gazette's) counts for the id, as it did then: its URL or bytes may have changed since.
      return holder?.id === article.id && (holder.path === null || holds(article, holder.id, facts));
    });
  const moved = (article: Article): boolean => article.formerSlug !== undefined;
  return (a: Article, b: Article): number =>
    Number(a.draft) - Number(b.draft) ||
    Number(moved(a)) - Number(moved(b)) ||
    Number(!held(a)) - Number(!held(b)) ||
    a.date.getTime() - b.date.getTime() ||
    byPath(a.sourcePath, b.sourcePath);
};

/**
 * The article under the id its file name's own letters make (`2026-11-24-спорт`) where the ASCII fold that makes ids
 * (see legacySlugify) made another (`2026-11-24`, as it does for every name of that day in Cyrillic or Arabic); null
 * when the two are one.
 */
function atOwnId(article: Article): Article | null {
  // Only a name with a character past ASCII folds to another id; the test runs for every article of every build.
  if (!/[^\0-\x7f]/.test(article.sourcePath)) return null;
  // Asked of one article up to three times a build (its facts, its id, a clash): the name is slugified once.
  let made = ownIdArticles.get(article);
  if (made === undefined) {
    const own = ownId(article.sourcePath);
    made = own === '' || own === article.id ? null : { ...article, id: own };
    ownIdArticles.set(article, made);
  }
  return made;
}

/** Each article's atOwnId, once made. */
const ownIdArticles = new WeakMap<Article, Article | null>();

/** The id a file name's own letters make (see atOwnId). */
const ownId = (path: string): string => slugify(posix.parse(path).name);

/** What held an id in the last build, as this build finds it: an article of this build, a file gone since, or nothing known. */
type HeldBy = Article | 'gone' | undefined;

/** What this build's articles and the last build's manifest say of ids (see withIdsHeld), made once, when first asked. */
interface IdFacts {
  /** Which article of this build holds each id of the last one (see holdersOf). */
  holderOf: (id: string) => HeldBy;
  /** How many articles want each folder under `articles/` (their slug's and their id's). */
  wanted: ReadonlyMap<string, number>;
  /** The ids of the articles whose file names make no other (see atOwnId): a folded id nothing holds goes to one of them. */
  exact: ReadonlySet<string>;
}

/**
 * A file name as ids tell articles apart: its own letters without accents, so that `café-opening.md` renamed from
 * `cafe-opening.md` is the same article, as its id (the ASCII fold) says, and `арбуз.md` is not `выборы.md`.
 */
const identityOf = (path: string): string => ownId(path).normalize('NFKD').replace(/\p{M}/gu, '');

/**
 * Which article of this build each id of the last one is (see LoadOptions.heldBy): the file the manifest records, or
 * a file of the same name (see identityOf) once that one is gone (it moved, or its name gained an accent); 'gone' when
 * neither is there: its id stays that article's (the digest carried it, feed readers read it). A manifest of a Gazette
 * before files were recorded names the article by its id and its URL, else its bytes; 'gone' when nothing matches.
 */
function holdersOf(articles: readonly Article[], { ids }: Holders): (id: string) => HeldBy {
  // Each made once, when first needed; the first article of each key (the articles come sorted by path) counts.
  const indexBy = (key: (article: Article) => string): Map<string, Article[]> => {
    const index = new Map<string, Article[]>();
    for (const article of articles) {
      const same = index.get(key(article));
      if (same) same.push(article);
      else index.set(key(article), [article]);
    }
    return index;
  };
  let byPath: Map<string, Article[]> | undefined;
  let byName: Map<string, Article[]> | undefined;
  let byId: Map<string, Article[]> | undefined;
  const found = new Map<string, HeldBy>();
  const holderOf = (id: string): HeldBy => {
    const holder = ids.get(id);
    if (holder === undefined) return undefined;
    if (holder.path === null) {
      byId ??= indexBy((article) => article.id);
      const same = byId.get(id) ?? [];
      // URL and bytes, then the URL (a copy of the file has its bytes; a file of its name elsewhere, its URL), then the bytes.
      return (
        same.find((article) => article.slug === holder.slug && article.hash === holder.hash) ??
        same.find((article) => article.slug === holder.slug) ??
        same.find((article) => article.hash === holder.hash) ??
        'gone'
      );
    }
    byPath ??= indexBy((article) => article.sourcePath);
    byName ??= indexBy((article) => identityOf(article.sourcePath));
    return byPath.get(holder.path)?.[0] ?? byName.get(identityOf(holder.path))?.[0] ?? 'gone';
  };
  return (id) => {
    if (!found.has(id)) found.set(id, holderOf(id));
    return found.get(id);
  };
}

/** The IdFacts of this build's articles. */
function idFactsOf(articles: readonly Article[], holders: Holders): IdFacts {
  const wanted = new Map<string, number>();
  for (const article of articles) for (const folder of foldersOf(article)) wanted.set(folder, (wanted.get(folder) ?? 0) + 1);
  const exact = new Set(articles.flatMap((article) => (atOwnId(article) === null ? [article.id] : [])));
  return { holderOf: holdersOf(articles, holders), wanted, exact };
}

/** Whether `article` holds `id` now, as the last build's manifest says (see holdersOf). */
const holds = (article: Article, id: string, { holderOf }: IdFacts): boolean => {
  const holder = holderOf(id);
  return holder !== undefined && holder !== 'gone' && holder.sourcePath === article.sourcePath;
};

/** Whether `article` may have its id: no other article, of this build or gone, held it in the last one. */
const mayHaveId = (article: Article, facts: IdFacts): boolean => facts.holderOf(article.id) === undefined || holds(article, article.id, facts);

/** Whether `own` (an article under its own letters' id: see atOwnId) takes no folder another article wants or held. */
const ownIsFree = (article: Article, own: Article, facts: IdFacts): boolean =>
  (facts.wanted.get(own.id) ?? 0) === Number(foldersOf(article).includes(own.id)) && mayHaveId(own, facts);

/**
 * The articles under the ids they keep: one whose name folds to another's id (see atOwnId) has its own letters' id
 * when it had it in the last build, or, where that id is free, when another article (of this build or gone) holds the
 * folded one, or nothing holds it and a file whose name is that fold wants it; else the folded one, which the first
 * of the files that share it keeps (see rejectDuplicateSlugs).
 */
function withIdsHeld(articles: readonly Article[], factsOf: () => IdFacts): Article[] {
  return articles.map((article) => {
    const own = atOwnId(article);
    if (own === null) return article;
    const facts = factsOf();
    if (holds(article, own.id, facts)) return own;
    if (!ownIsFree(article, own, facts)) return article;
    const folded = facts.holderOf(article.id);
    return !mayHaveId(article, facts) || (folded === undefined && facts.exact.has(article.id)) ? own : article;
  });
}

/** The article at the URL it had before `İ` became `i` (see slugify), which it keeps when another article has the new one. */
function atFormerSlug(article: Article): Article | null {
  if (article.formerSlug === undefined) return null;
  const { formerSlug, ...rest } = article;
  return { ...rest, slug: formerSlug };
}

/** Why `article` cannot have `folder`, which `owner` (the article that came first) keeps. */
function clashProblem(article: Article, folder: string, owner: Article): Problem {
  // `café.md` beside `café.md`: one composed é, one e and a combining accent (as macOS writes names), alike on screen.
  const twin = article.sourcePath.normalize('NFC') === owner.sourcePath.normalize('NFC') ? ' (the two file names differ only in how their accents are encoded, NFC and NFD: keep one file)' : '';
  const owned = owner.slug === folder ? `the URL of ${owner.sourcePath}${twin}` : `the address of the id of ${owner.sourcePath} (made from its file name)${twin}`;
  if (folder === article.slug) {
    // Two files of one name in two folders: slug: or a new headline would leave their ids alike, the next error.
    const sameId = article.id === owner.id || article.id === owner.slug;
    return {
      path: article.sourcePath,
      message: `the URL articles/${folder}/ is already ${owned}, which came first and keeps it`,
      hint: sameId
        ? 'rename this file: its id, made from the file name, is the other\'s too, so a new headline or slug: would not do (a name with words is the URL)'
        : 'give this article its own: rename the file (a name with words is the URL), change its headline, or set slug: in Markdown front matter',
    };
  }
  return {
    path: article.sourcePath,
    message: `the id "${folder}" (made from the file name) would lead articles/${folder}/ here, but that is already ${owned}, which came first and keeps it`,
    hint: "rename this file: an article's id comes from its file name, and articles/<id>/ must lead to the article",
  };
}

/**
 * Keeps the articles whose page (`articles/<slug>/`) and id (`articles/<id>/`, the feed id) are their own. Where files
 * want one folder, the one that came first keeps it (see cameFirst) and each other gets a problem naming it: a new
 * file whose headline gives a live article's URL is reported, and the live article stays. An article whose new URL
 * (its `İ` now `i`) another one has keeps the URL it had, when that is free.
 */
function rejectDuplicateSlugs(given: readonly Article[], readHolders: () => Holders): Pick<LoadResult, 'articles' | 'problems'> {
  // Read once, and only when asked: most builds have no clash and no name past ASCII.
  let read: Holders | undefined;
  const heldBy = (): Holders => (read ??= readHolders());
  let facts: IdFacts | undefined;
  const factsOf = (): IdFacts => (facts ??= idFactsOf(given, heldBy()));
  const articles = withIdsHeld(given, factsOf);
  const taken = new Set<string>();
  // Nearly every build has no clash: one pass finds that, and only a clash sorts the articles.
  const clash = articles.some((article) => foldersOf(article).some((folder) => taken.size === taken.add(folder).size));
  if (!clash) return { articles, problems: [] };
  const owners = new Map<string, Article>();
  const problems: Problem[] = [];
  const kept = new Map<Article, Article>();
  const clashesOf = (article: Article): Problem[] =>
    foldersOf(article).flatMap((folder) => {
      const owner = owners.get(folder);
      return owner ? [clashProblem(article, folder, owner)] : [];
    });
  for (const article of [...articles].sort(cameFirst(heldBy(), factsOf()))) {
    const clashes = clashesOf(article);
    // A clash is settled, where it can be, by the URL the article had (its İ), or by the id its own letters make.
    const own = clashes.length === 0 ? null : atOwnId(article);
    const placed =
      clashes.length === 0
        ? article
        : ([atFormerSlug(article), own !== null && ownIsFree(article, own, factsOf()) ? own : null].find((other) => other !== null && clashesOf(other).length === 0) ?? null);
    if (placed === null) {
      problems.push(...clashes);
      continue;
    }
    kept.set(article, placed);
    for (const folder of foldersOf(placed)) owners.set(folder, placed);
  }
  return { articles: articles.flatMap((article) => kept.get(article) ?? []), problems };
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
  // A folder that could not be read (a deploy's passing permissions) was not deleted: the articles the last build read
  // from it stay, rather than vanish from the site, the feeds and the sitemap.
  const kept = unreadable.flatMap((problem) => load.cache?.keepUnder(problem.path) ?? []);
  // So does an article whose file an edit made invalid (a date mistyped in a correction): its last good version stays
  // published, and the file is reported until it is fixed. A file never valid publishes nothing.
  const invalid = results.flatMap((result) => {
    if (result.ok) return [];
    // A version never published (a draft, an embargoed article, one that lost its URL) is not made live by an invalid edit.
    const last = load.wasPublished ? load.cache?.keepLast(result.problem.path, load.wasPublished) : undefined;
    if (!last) return [result.problem];
    kept.push(last);
    return [{ ...result.problem, message: `${result.problem.message} (the version the last build published stays until this is fixed)` }];
  });
  const read = results.flatMap((result) => (result.ok ? [result.article] : []));
  const unique = rejectDuplicateSlugs(kept.length === 0 ? read : [...read, ...kept].sort((a, b) => byPath(a.sourcePath, b.sourcePath)), load.heldBy ?? noHolders);
  const problems = [...unreadable, ...invalid, ...unique.problems];
  problems.sort((a, b) => byPath(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
  return { articles: distinctTimes(unique.articles), problems, warnings: files.warnings };
}
