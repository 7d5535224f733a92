// Writes a planned site into the output folder: only files whose bytes change are written, files whose
// articles are unchanged are not even rendered, and files an earlier build wrote but this one does not are removed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rmdir, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { gazetteCodeHash } from '../code-hash.js';
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import type { Holder, Holders } from '../content/load.js';
import { clearingTheWay, mapLimit, syncOps, temporaryOwner, writeIfChanged } from '../files.js';
import { recordChangedFeeds } from '../feeds/websub.js';
import { archiveIndexPath, foreignDirs } from './layout.js';
import { isProcessGone } from '../processes.js';
import { planSite, type PlanFacts, type PlannedFile } from './plan.js';
import { writeArticlePages, type PageContext, type PageJob } from './article-pages.js';
import { writeEmptyArchive } from './empty-archive.js';
import { renderEmptyArchivePage } from './pages.js';
import { defaultTemplatesDir, loadSiteTemplates, type SiteTemplates } from './templates.js';
import { endingOnError, helpersFor, mapOnWorkers, startWorker, startWorkers, workerModule } from '../threads.js';

/** Article pages per message to a page worker. */
const PAGE_BATCH = 64;

/** Below this many article pages per thread, a worker's start-up (loading the renderers again) costs more than it saves. */
const MIN_PAGES_PER_WORKER = 500;

/** The worker module of the page threads. */
const pageWorker = workerModule('page-worker', import.meta.url);

/**
 * Page threads for a build that will write `count` article pages, started ahead (see `WriteOptions.pageThreads`): each
 * loads the renderers, about 70 ms, on a core the parse threads left while this thread plans the site.
 */
export function startPageThreads(count: number): Worker[] {
  return startWorkers(helpersFor(count, MIN_PAGES_PER_WORKER), () => startWorker(pageWorker));
}

/** What a build changed on disk. */
export interface WriteResult {
  /** Paths written (new or changed bytes), under the output folder, in plan order. */
  written: string[];
  /** Files left as they were. */
  unchanged: number;
  /** Files of an earlier build that this one no longer has and removed (pages of removed articles, emptied sections). */
  removed: string[];
  /** Absolute URLs of the feeds whose bytes changed: the ones to announce to a WebSub hub. */
  changedFeeds: string[];
  /** Published articles built (one page each). */
  articles: number;
  /** Sections with a page and feeds of their own. */
  sections: number;
  /** The published articles as built, newest first, each with its `updated` date (from the manifest's history). */
  published: Article[];
}

/** Options of writeSite. */
interface WriteOptions {
  /** Folder of the page templates (default: the installed `templates/site/`). */
  templatesDir?: string;
  /** How many files are read or written at once. */
  concurrency?: number;
  /** Files copied besides the rendered ones (the content's images). */
  copies?: readonly PlannedFile<Promise<Buffer>>[];
  /** What the plan knows besides articles and config (the image files). */
  facts?: PlanFacts;
  /** The build's time: an article whose bytes changed since the last build counts as updated then. */
  now?: Date;
  /** The page templates, when the caller has loaded them already (else read from `templatesDir`). */
  templates?: SiteTemplates;
  /**
   * Worker threads for article pages besides this thread, which takes its share once the other files are written (0
   * and no `pageThreads`: this thread writes them all); by default one per other core, up to 3, as many as the number
   * of pages is worth. Threads started ahead count among them.
   */
  pageWorkers?: number;
  /** Page threads the caller started ahead (see startPageThreads): used, and ended by the time writeSite settles. */
  pageThreads?: readonly Worker[];
  /** Told the paths rendered once they are written and the old files removed, right before the manifest is written: it throws to stop there. */
  beforeManifest?: (rendered: readonly string[]) => Promise<void>;
  /** Ends the writing at this thread's next file (the page threads' next batch) and the removing at the next file; beforeManifest is told then too. */
  stop?: AbortSignal;
  /** The manifest of the last build, when the caller read it already (undefined: read here). */
  previous?: Manifest | null;
  /** Leaves the pending list for the next build to render again: an earlier build, stopped rather than killed, may resume and write its files. */
  keepPending?: boolean;
}

/** A planned file of either kind. */
type AnyFile = PlannedFile<string | Promise<Buffer>>;

/** The build state kept in the output folder, so the next run (a new process) knows what it may skip or remove. */
export const manifestFile = '.gazette-manifest.json';

/**
 * Beside the manifest while a build rewrites files: their paths. The manifest is written last, so a build that stops
 * midway leaves files with new bytes under their old keys; with this list the next build renders them again, even when
 * their articles are back as they were (an edit undone).
 */
export const pendingFile = '.gazette-manifest.pending.json';

export interface Manifest {
  version: 1;
  /** Hash of Gazette's code, the templates and the config: per-file keys are valid only under the same one. */
  site: string;
  /** Every file Gazette wrote, with its key. */
  files: Record<string, string>;
  /** What is kept of each article across builds, by its id (absent in manifests of Gazette before corrections and readable URLs). */
  articles?: Record<string, ArticleRecord>;
  /** The key of the archive's page before the first digest (see writeEmptyArchive), when the build wrote it or found it. */
  archive?: string;
}

/** The manifest's record of one article, by id; a part with nothing to keep is absent. */
interface ArticleRecord {
  /** The hash of its file when a build last published it (absent: not published now). */
  hash?: string;
  /** When a build first saw that hash change (absent: never). */
  changed?: string;
  /** Every slug its page has had (its URLs are `articles/<slug>/`), oldest first, the current one last: their folders redirect to it. */
  slugs?: string[];
  /**
   * The file that held the id when a build last published it, kept once the file is gone: of two file names that make
   * one id, the one that keeps it, and no other name takes it later (absent in manifests of Gazette before this release).
   */
  path?: string;
}

type Records = Record<string, Partial<ArticleRecord> | null>;

/**
 * Which article held each folder under `articles/` in the last build, and each id: a URL two files ask for stays with
 * the article that held it, and an id two file names make with the file that had it (see loadArticles).
 */
export function urlHolders(manifest: Manifest | null): Holders {
  const folders = new Map<string, Holder>();
  const ids = new Map<string, Holder>();
  for (const [id, record] of Object.entries(recordsOf(manifest))) {
    const { slugs, path, hash } = record ?? {};
    const current = Array.isArray(slugs) ? slugs.at(-1) : undefined;
    const slug = typeof current === 'string' ? current : id;
    const holder = { id, slug, path: typeof path === 'string' ? path : null, hash: typeof hash === 'string' ? hash : null };
    folders.set(slug, holder);
    if (!folders.has(id)) folders.set(id, holder);
    ids.set(id, holder);
  }
  return { folders, ids };
}

/**
 * The hash of each article as the build that wrote `manifest` published it, or undefined (not published then): by its
 * file when the manifest records files (an id may be another than the one its file name folds to), else by its id.
 */
export function publishedHashes(manifest: Manifest | null): (article: Pick<Article, 'id' | 'sourcePath'>) => string | undefined {
  const records = recordsOf(manifest);
  let byPath: Map<string, string> | undefined;
  return (article) => {
    byPath ??= new Map(Object.values(records).flatMap((record) => (typeof record?.path === 'string' && typeof record.hash === 'string' ? [[record.path, record.hash]] : [])));
    if (byPath.size > 0) return byPath.get(article.sourcePath);
    const hash = Object.hasOwn(records, article.id) ? records[article.id]?.hash : undefined;
    return typeof hash === 'string' ? hash : undefined;
  };
}

/** The records of a manifest as read: a file anyone can edit, so every part is checked where it is used. */
function recordsOf(manifest: Manifest | null): Records {
  const records: unknown = manifest?.articles;
  return records && typeof records === 'object' ? (records as Records) : {};
}

/**
 * The articles with their `updated` date: front matter wins; else the time of the first build that saw the
 * file's bytes change, which the manifest keeps so later builds give the same bytes. New articles have none.
 */
function applyHistory(published: readonly Article[], previous: Records, now: Date): { articles: Article[]; dates: Record<string, ArticleRecord> } {
  const dates: Record<string, ArticleRecord> = {};
  const articles = published.map((article) => {
    const before = Object.hasOwn(previous, article.id) ? (previous[article.id] ?? undefined) : undefined;
    // A hand-edited or damaged entry counts as no history, never as a bad date; a record with only slugs has no hash yet.
    const kept = typeof before?.changed === 'string' && !Number.isNaN(Date.parse(before.changed)) ? before.changed : undefined;
    const changed = typeof before?.hash !== 'string' ? undefined : before.hash === article.hash ? kept : now.toISOString();
    // Written out rather than spread: this runs for every article of every build.
    dates[article.id] = changed === undefined ? { hash: article.hash, path: article.sourcePath } : { hash: article.hash, changed, path: article.sourcePath };
    const since = changed === undefined ? undefined : new Date(changed);
    return article.updated !== undefined || since === undefined || since <= article.date ? article : { ...article, updated: since };
  });
  return { articles, dates };
}

/** The manifest of the last build into `outDir`, read synchronously (a rebuild does nothing else meanwhile), or null. */
export function readManifest(outDir: string): Manifest | null {
  try {
    const data = JSON.parse(readFileSync(join(outDir, manifestFile), 'utf8')) as Partial<Manifest>;
    return data.version === 1 && typeof data.site === 'string' && data.files && typeof data.files === 'object' ? (data as Manifest) : null;
  } catch {
    // Missing or damaged: every file is rendered and compared, and nothing is removed.
    return null;
  }
}

/** The paths a stopped build was rewriting (see pendingFile): none when no build stopped, null when its list is damaged. */
function readPending(outDir: string): string[] | null {
  let pending: unknown;
  try {
    pending = JSON.parse(readFileSync(join(outDir, pendingFile), 'utf8'));
  } catch (error) {
    return isMissing(error) ? [] : null;
  }
  return Array.isArray(pending) ? pending.filter((path): path is string => typeof path === 'string') : null;
}

/** Lists `paths` in the pending list (see pendingFile) after those already in flux. */
async function writePending(outDir: string, inFlux: readonly string[], paths: readonly string[]): Promise<void> {
  await writeOwnFile(join(outDir, pendingFile), JSON.stringify([...new Set([...inFlux, ...paths])]));
}

/** The files a stopped build was rewriting, all the manifest's when its list is damaged: no key vouches for them. */
function filesInFlux(pending: string[] | null, manifest: Manifest | null): string[] {
  return pending ?? Object.keys(manifest?.files ?? {});
}

/** Adds `paths` to the pending list of `outDir`: the next build renders them again whatever the manifest's keys say. */
export async function addPending(outDir: string, paths: readonly string[]): Promise<void> {
  await writePending(outDir, filesInFlux(readPending(outDir), readManifest(outDir)), paths);
}

/** `keys` without those of the files in flux (`inFlux`). */
function vouchedKeys(keys: Record<string, string>, inFlux: readonly string[]): Record<string, string> {
  if (inFlux.length === 0) return keys;
  const kept = { ...keys };
  for (const path of inFlux) delete kept[path];
  return kept;
}

/**
 * Removes the hidden temporaries (see replaceFile) that builds killed mid-write left at the root (the manifest's, the
 * pending list's) and beside the files a stopped build was rewriting. One of a process still running (a build into the
 * same folder at the same time) is its file in the making, and is left alone.
 */
function removeTemporaries(outDir: string, pending: readonly string[]): void {
  const folders = new Set(['', ...pending.filter(isOurs).map((path) => path.slice(0, path.lastIndexOf('/') + 1))]);
  for (const folder of folders) {
    let names: string[];
    try {
      names = readdirSync(join(outDir, folder));
    } catch {
      continue; // gone with the stopped build's files, or never made
    }
    for (const name of names) {
      const owner = temporaryOwner(name);
      if (owner !== null && owner !== process.pid && isProcessGone(owner)) rmSync(join(outDir, folder, name), { force: true });
    }
  }
}

/** A hash of everything every file depends on: Gazette's code, the templates and the config. */
export function siteKey(config: SiteConfig, templates: SiteTemplates): string {
  return createHash('sha256')
    .update(`${gazetteCodeHash()}\0${templates.hash}\0${JSON.stringify(config)}`)
    .digest('hex');
}

function isMissing(error: unknown): boolean {
  // A name too long for the file system cannot be there (an earlier Gazette let a file name make one).
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENAMETOOLONG';
}

/**
 * The paths among `paths` that are there, each looked for itself: a page's file can go while its folder stays. For
 * 10,000 pages that is 20–25 ms of a rebuild, where listing their folders (the witness this replaced) took 12–17 ms
 * and missed such a file.
 */
function present(outDir: string, paths: readonly string[]): Set<string> {
  // Joined once: path.join for each of 10,000 files cost more than the lookups.
  const base = join(outDir, '/');
  return new Set(paths.filter((path) => existsSync(base + path)));
}

/** Writes one of the build's own files (manifest, pending list) synchronously; whatever stands in its place is damage, and goes. */
function writeOwnFile(path: string, text: string): Promise<void> {
  return clearingTheWay(path, () => writeIfChanged(path, Buffer.from(text), { ops: syncOps }));
}

/** Whether a manifest path is one Gazette may remove: inside the output folder, not another stage's. */
function isOurs(path: string): boolean {
  return (
    path !== manifestFile &&
    path !== pendingFile &&
    !isAbsolute(path) &&
    !path.split(/[/\\]/).includes('..') &&
    !foreignDirs.some((dir) => path.startsWith(dir))
  );
}

/** Removes `path` and then each parent folder up to `outDir` that it left empty; whether the file was there. */
async function removeWithEmptyParents(outDir: string, path: string): Promise<boolean> {
  let wasThere = true;
  try {
    await unlink(join(outDir, path));
  } catch (error) {
    if (!isMissing(error)) throw error;
    wasThere = false;
  }
  for (let dir = dirname(path); dir !== '.' && dir !== ''; dir = dirname(dir)) {
    try {
      await rmdir(join(outDir, dir));
    } catch {
      break; // not empty (or already gone): parents are not empty either
    }
  }
  return wasThere;
}

/**
 * Writes feeds and pages of the published articles into `outDir`. A file whose inputs (the hashes of the
 * articles it shows, the config, the templates, Gazette's code) are those of the previous build, and which
 * is still there, is skipped unrendered; every other file is rendered and written only if its bytes differ.
 * Files of the previous build that are gone are removed; files Gazette did not write (its manifest says
 * which) are never touched.
 */
export async function writeSite(published: readonly Article[], config: SiteConfig, outDir: string, options: WriteOptions = {}): Promise<WriteResult> {
  return writeFiles(published, config, outDir, options).catch(endingOnError(options.pageThreads ?? []));
}

/** writeSite, which ends the page threads started ahead should this fail before it hands them to mapOnWorkers. */
async function writeFiles(published: readonly Article[], config: SiteConfig, outDir: string, options: WriteOptions): Promise<WriteResult> {
  const templates = options.templates ?? (await loadSiteTemplates(options.templatesDir));
  const site = siteKey(config, templates);
  const previous = options.previous !== undefined ? options.previous : readManifest(outDir);
  const pending = readPending(outDir);
  removeTemporaries(outDir, pending ?? []);
  const inFlux = filesInFlux(pending, previous);
  const previousKeys = previous?.site === site ? vouchedKeys(previous.files, inFlux) : {};
  const records = recordsOf(previous);
  const now = options.now ?? new Date();
  const dated = applyHistory(published, records, now);
  const urls = new Map<string, unknown>();
  for (const id of Object.keys(records)) urls.set(id, records[id]?.slugs);
  const planned = planSite(dated.articles, config, templates, { ...options.facts, now, urls });
  const plan = { ...planned, files: [...planned.files, ...(options.copies ?? [])] as AnyFile[] };

  // A file whose key is the previous build's and which is still there is unchanged: it is not even rendered.
  // One that is not there is written without reading first (in an empty folder, none is read).
  const there = present(outDir, plan.files.map((file) => file.path));
  const skipped = new Set(plan.files.filter((file) => previousKeys[file.path] === file.key && there.has(file.path)));
  const changed = new Set<AnyFile>();
  const madeDirs = new Set<string>();
  const toWrite = plan.files.filter((file) => !skipped.has(file));
  // Before any of them is written: should this build stop, the next renders them again whatever their keys, and removes
  // those its plan no longer has (a first build's too, which no key vouches for). The files already in flux stay
  // listed: one that this plan does not have (its article now a draft) keeps its old key until it is removed, and the
  // article may come back.
  const rendered = toWrite.map((file) => file.path);
  if (rendered.length > 0) await writePending(outDir, inFlux, rendered);
  // Article pages (thousands in a first build) are rendered and written on worker threads while this one renders the
  // other files, and then by this one too: a second page thread on 2 cores cost 12% more CPU for the same time.
  const pages = toWrite.filter((file): file is AnyFile & { article: Article } => file.article !== undefined);
  const others = toWrite.filter((file) => file.article === undefined);
  const context: PageContext = { outDir, config, templatesDir: options.templatesDir ?? defaultTemplatesDir, templatesHash: templates.hash };
  // Into a folder no build has written (no manifest), new files are written in place: nothing is there to replace.
  const inPlace = previous === null;
  const jobs: PageJob[] = pages.map((file) => ({ path: file.path, article: file.article, absent: !there.has(file.path), inPlace }));
  // Begun a microtask later, once the page threads are started and sent their first batches (synchronously, below): they
  // start on them while this one renders.
  const own = Promise.resolve().then(() => mapLimit(others, options.concurrency ?? 16, async (file) => {
    options.stop?.throwIfAborted();
    const data = await file.render();
    if (await writeIfChanged(join(outDir, file.path), data, { madeDirs, absent: !there.has(file.path), inPlace })) changed.add(file);
  }));
  const workers = options.pageWorkers ?? helpersFor(pages.length, MIN_PAGES_PER_WORKER);
  const here = {
    after: own,
    work: (batch: PageJob[]) => {
      options.stop?.throwIfAborted();
      return writeArticlePages(batch, context, templates, madeDirs);
    },
  };
  const started = options.pageThreads ?? [];
  // Both settled before anything is reported: a failure of one stops the other's next batch, not the batches under way.
  const outcomes = await Promise.allSettled([
    own,
    (jobs.length > 0 || started.length > 0) &&
      mapOnWorkers<PageContext, PageJob, boolean>(pageWorker, context, jobs, workers, PAGE_BATCH, { here, started }).then((wrote) =>
        pages.forEach((file, i) => wrote[i] && changed.add(file)),
      ),
  ]);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) {
    if (options.stop?.aborted) await options.beforeManifest?.(rendered);
    throw failed.reason;
  }

  // Not a planned file: publish's archive replaces it, and the manifest never lists it (nothing removes it).
  // It shows the section navigation; config, templates and Gazette's code are in the site key.
  const archiveKey = createHash('sha256').update(`${site}\0${plan.nav}`).digest('hex');
  // Not while files are in flux: a build stopped after writing the page, before its manifest, left the old key.
  const previousArchiveKey = previous?.site === site && inFlux.length === 0 && typeof previous.archive === 'string' ? previous.archive : undefined;
  const archive = options.stop?.aborted
    ? null
    : await writeEmptyArchive(outDir, () => renderEmptyArchivePage(plan.sections, config, templates), { key: archiveKey, previous: previousArchiveKey }, madeDirs);

  const files: Record<string, string> = {};
  for (const file of plan.files) files[file.path] = file.key;
  // A stopped build's files count too: a page it wrote for an article deleted since was never in a manifest.
  const removed: string[] = [];
  for (const path of new Set([...Object.keys(previous?.files ?? {}), ...inFlux])) {
    if (options.stop?.aborted) break;
    if (!Object.hasOwn(files, path) && isOurs(path) && (await removeWithEmptyParents(outDir, path))) removed.push(path);
  }
  const articles: Record<string, ArticleRecord> = dated.dates;
  // An id not published now (its file deleted, a draft again) keeps the file that had it (see loadArticles).
  for (const [id, record] of Object.entries(records)) {
    if (!Object.hasOwn(articles, id) && typeof record?.path === 'string') articles[id] = { path: record.path };
  }
  for (const [id, slugs] of planned.history) articles[id] = { ...articles[id], slugs: [...slugs] };
  const manifest: Manifest = { version: 1, site, files, articles, ...(archive === null ? {} : { archive: archiveKey }) };
  // Last, right before the manifest: a build stopped during its removals may have lost its lock meanwhile too. (The
  // other build's files it removed are written again by the next build, which finds them missing.)
  await options.beforeManifest?.(rendered);
  options.stop?.throwIfAborted();
  const written = plan.files.filter((file) => changed.has(file));
  const changedFeeds = written.flatMap((file) => (file.feedUrl === null ? [] : [file.feedUrl]));
  if (config.feeds.websubHub !== null) {
    const feeds = plan.files.filter((file): file is AnyFile & { feedUrl: string } => file.feedUrl !== null);
    // For whichever run pings the hub next (see announceFeeds): `gazette build` itself pings none. A stopped build's
    // feeds too, which it may have written: written again now, their bytes are the same, and no other build says so.
    const flux = new Set(inFlux);
    const toAnnounce = feeds.filter((file) => changed.has(file) || flux.has(file.path)).map((file) => file.feedUrl);
    await recordChangedFeeds(outDir, toAnnounce, Date.now(), new Set(feeds.map((file) => file.feedUrl)));
  }
  await writeOwnFile(join(outDir, manifestFile), `${JSON.stringify(manifest)}\n`);
  if (options.keepPending !== true) rmSync(join(outDir, pendingFile), { force: true, recursive: true });

  return {
    written: [...written.map((file) => file.path), ...(archive === true ? [archiveIndexPath] : [])],
    unchanged: plan.files.length - written.length + (archive === false ? 1 : 0),
    removed,
    changedFeeds,
    articles: plan.articles.length,
    sections: plan.sections.length,
    published: plan.articles,
  };
}
