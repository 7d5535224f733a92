// `gazette build` as a library call, so `publish` runs exactly the same build.
import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import { loadSiteConfigCached, type CachedConfig } from '../config/cache.js';
import type { RuntimeOptions } from '../config/options.js';
import { join } from 'node:path';
import { ArticleCache } from '../content/cache.js';
import { listArticleFiles, loadArticles, type Holders } from '../content/load.js';
import { parseOptionsOf } from '../content/parsing.js';
import { parseWorkersFor, startParseThread } from '../content/parse-pool.js';
import { selectPublished } from '../content/select.js';
import { BusyError, UsageError, type Problem } from '../errors.js';
import { planImages, readImageFacts } from './images.js';
import { loadSiteTemplates, type SiteTemplates } from './templates.js';
import { endingOnError, startWorkers } from '../threads.js';
import { groupSections } from './layout.js';
import { lockOutDir, type LockHooks, type OutDirLock } from './lock.js';
import { imageTextAlternativeWarnings, languageFolderWarnings, laterCorrectionWarnings, longTitleWarnings, sectionSpellingWarnings } from './warnings.js';
import { addPending, manifestFile, publishedHashes, readManifest, siteKey, startPageThreads, urlHolders, writeSite, type WriteResult } from './write.js';

/** The folder of the parsed articles of the last build, beside its manifest in the output folder (hidden: never served). */
export const articleCacheDir = '.gazette-cache';

/** A finished build: what was published, what changed on disk, and the content problems found on the way. */
export interface BuildResult extends WriteResult {
  config: SiteConfig;
  /** Invalid content files; the valid articles were still built. */
  problems: Problem[];
  /** Things to mend (a catalogue's missing or unknown keys, a damaged manifest) that did not stop the build: reported once per build. */
  warnings: Problem[];
  /**
   * Section labels a desk seldom means as written: sections spelled like another but for accents or ß (see
   * sectionsSpelledAlike), labels merged into another's section (see sectionsMerged). Reported at every build, the daemon's too.
   */
  sectionWarnings: Problem[];
  /** Every article loaded, drafts and those dated later included (`published` has the ones built). */
  loaded: Article[];
}

/**
 * The size of the last build's manifest from which a rebuild reads its files' fingerprints on another thread: about
 * 2,500 articles, at about 290 bytes each (its page's key, its record). A thread takes about 60 ms to start, which a
 * smaller site's rebuild waits for: here 1,000 articles rebuilt after an edit in 290 ms without one against 313 ms with
 * one (a single article: 217 against 264 ms), 3,000 in 464 against 437 ms, 6,000 in 692 against 646 ms.
 */
const STAT_THREAD_MIN_MANIFEST_BYTES = 725_000;

/** Whether a rebuild, after a build that left a manifest of `manifestBytes`, reads its fingerprints on another of its `cores`. */
export function statsOnAnotherThread(manifestBytes: number, cores: number): boolean {
  return cores > 1 && manifestBytes >= STAT_THREAD_MIN_MANIFEST_BYTES;
}

/** The size of a file, 0 when it cannot be read. */
function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Refuses an output folder that is a file, or lies under one, before anything is written. */
async function checkOutDir(outDir: string): Promise<void> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(outDir)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code !== 'ENOTDIR') throw error;
    isFolder = false;
  }
  if (!isFolder) throw new UsageError(`--out ${outDir} is not a folder (it, or a folder above it, is a file) — pass --out DIR (env GAZETTE_OUT) naming a folder`);
}

/** The site config, the output folder checked and locked, the templates, and the article cache under their key. */
async function openBuild(
  options: Pick<RuntimeOptions, 'contentDir' | 'outDir'>,
  cacheDir: string,
  hooks: LockHooks,
): Promise<{ site: CachedConfig; templates: SiteTemplates; cache: ArticleCache; held: OutDirLock }> {
  const site = await loadSiteConfigCached(options.contentDir, cacheDir);
  await checkOutDir(options.outDir);
  const held = await lockOutDir(options.outDir, undefined, hooks);
  try {
    const templates = await loadSiteTemplates();
    return { site, templates, cache: ArticleCache.open(cacheDir, siteKey(site.config, templates)), held };
  } catch (error) {
    await held.release();
    throw error;
  }
}

/**
 * Loads the site config and the articles, keeps those published at `now`, and writes feeds, pages and the
 * content's images into `outDir`. A bad site config throws InputError; bad articles are returned as problems and left out.
 * Articles parsed by the last build into `outDir` are reused while their bytes, the config, the templates and Gazette are the same.
 * Another build into `outDir` is waited for (see lockOutDir and its hooks).
 */
export async function buildSite(options: Pick<RuntimeOptions, 'contentDir' | 'outDir'>, now: Date, hooks: LockHooks = {}): Promise<BuildResult> {
  const cacheDir = join(options.outDir, articleCacheDir);
  const rebuild = existsSync(cacheDir);
  // A rebuild of a large site reads the files' fingerprints on another thread, which then loads the parsers for the few
  // files found changed, while this one loads the config and the cache. A full build starts the parse threads its files
  // are worth as soon as they are listed: they load the parsers while this thread loads the config. The listing is
  // awaited after the config, so a bad site.json is what is reported first.
  const statThread = rebuild && statsOnAnotherThread(fileSize(join(options.outDir, manifestFile)), availableParallelism()) ? startParseThread() : undefined;
  const listing = listArticleFiles(options.contentDir, rebuild && (statThread ?? true));
  listing.catch(() => undefined);
  const threads: Promise<Worker[]> = statThread
    ? Promise.resolve([statThread])
    : listing.then(
        (files) => startWorkers(parseWorkersFor(files.paths.length), () => startParseThread({ loadParsers: true })),
        () => [],
      );
  const { site, templates, cache, held } = await openBuild(options, cacheDir, hooks).catch(endingOnError(threads));
  try {
    const { config } = site;
    const parseOptions = parseOptionsOf(config);
    const previous = readManifest(options.outDir);
    const manifestThere = previous !== null || existsSync(join(options.outDir, manifestFile));
    const manifestWarnings = previous === null && manifestThere ? [damagedManifest(options.outDir)] : [];
    const heldBy = (): Holders => urlHolders(previous);
    const publishedHash = publishedHashes(previous);
    const wasPublished = (article: Article): boolean => publishedHash(article) === article.hash;
    const { articles, problems, warnings: fileWarnings } = await loadArticles(options.contentDir, parseOptions, { cache, listing, parseThreads: await threads, heldBy, wasPublished });
    // Written while the pages are (a shard a turn): the cache already holds what it will keep.
    const saved = cache.save().then(() => site.save());
    saved.catch(() => undefined);
    const published = selectPublished(articles, now);
    // A first build writes every page: its page threads load the renderers while this thread plans the site.
    const firstBuild = !rebuild && !manifestThere;
    const pageThreads = firstBuild ? startPageThreads(published.length) : [];
    // The copies first: an image they leave out (an SVG that can run script) is a broken image of the articles showing it.
    const facts = planImages(options.contentDir).then(async (planned) => [await readImageFacts(options.contentDir, published, config.baseUrl, planned), planned] as const);
    const [{ images, problems: imageProblems }, { copies, problems: copyProblems }] = await facts.catch(endingOnError(pageThreads));
    const beforeManifest = (rendered: readonly string[]): Promise<void> => checkStillHeld(held, options.outDir, rendered, hooks);
    const written = await writeSite(published, config, options.outDir, { copies, facts: { images }, now, templates, pageThreads, beforeManifest, stop: held.signal, keepPending: held.tookOver, previous });
    await saved;
    const [sectionWarnings, imageTextWarnings, correctionWarnings, titleWarnings, languageWarnings] = await Promise.all([
      sectionSpellingWarnings(options.contentDir, groupSections(written.published)),
      imageTextAlternativeWarnings(options.contentDir, written.published, config.baseUrl),
      laterCorrectionWarnings(options.contentDir, articles, now),
      longTitleWarnings(options.contentDir, written.published),
      languageFolderWarnings(options.contentDir, config.languages, articles),
    ]);
    const warnings = [...config.warnings, ...languageWarnings, ...manifestWarnings, ...fileWarnings, ...titleWarnings, ...imageTextWarnings, ...correctionWarnings];
    return { ...written, config, problems: [...problems, ...imageProblems, ...copyProblems], warnings, sectionWarnings, loaded: articles };
  } finally {
    await held.release();
  }
}

/** The warning for a manifest that is there but cannot be read: what the build does without it. */
function damagedManifest(outDir: string): Problem {
  return {
    path: join(outDir, manifestFile),
    message:
      "the last build's record of this folder cannot be read (damaged, edited, or written by another version of Gazette): every file is rendered again, no file an earlier build wrote is removed, the URLs articles had before and their corrections' dates are forgotten, and an id that two file names make may go to the other file",
    hint: 'leave this file to Gazette (this build writes a new one); to start afresh, build into an empty folder',
  };
}

/**
 * Throws BusyError when another build took `held` over while this one wrote (it was stopped for over 10 s), once the
 * files this one rendered are listed for the next build to render again: the other one's manifest may vouch for them.
 */
async function checkStillHeld(held: OutDirLock, outDir: string, rendered: readonly string[], hooks: LockHooks): Promise<void> {
  if (!(await held.lost())) return;
  await held.release().catch(() => undefined);
  const again = await lockOutDir(outDir, undefined, hooks);
  try {
    await addPending(outDir, rendered);
  } finally {
    await again.release();
  }
  const files = rendered.length === 1 ? '1 file' : `${rendered.length.toLocaleString('en')} files`;
  throw new BusyError(`another Gazette build took over ${outDir} while this one was stopped; the next build renders again the ${files} this one wrote — build again`);
}
