// `gazette build` as a library call, so `publish` runs exactly the same build.
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { availableParallelism } from 'node:os';
import { lock } from 'proper-lockfile';
import type { Worker } from 'node:worker_threads';
import type { SiteConfig } from '../config/schema.js';
import { loadSiteConfigCached, type CachedConfig } from '../config/cache.js';
import type { RuntimeOptions } from '../config/options.js';
import { join } from 'node:path';
import { ArticleCache } from '../content/cache.js';
import { listArticleFiles, loadArticles } from '../content/load.js';
import { parseWorkersFor, startParseThread } from '../content/parse-pool.js';
import { selectPublished } from '../content/select.js';
import { BusyError, UsageError, type Problem } from '../errors.js';
import { planImages, readImageFacts } from './images.js';
import { loadSiteTemplates, type SiteTemplates } from './templates.js';
import { endingOnError, startWorkers } from '../threads.js';
import { manifestFile, siteKey, startPageThreads, writeSite, type WriteResult } from './write.js';

/** The folder of the parsed articles of the last build, beside its manifest in the output folder (hidden: never served). */
export const articleCacheDir = '.gazette-cache';

/** A finished build: what was published, what changed on disk, and the content problems found on the way. */
export interface BuildResult extends WriteResult {
  config: SiteConfig;
  /** Invalid content files; the valid articles were still built. */
  problems: Problem[];
  /** Things to mend that changed nothing (a catalogue's missing or unknown keys): reported once per build. */
  warnings: Problem[];
}

/** The lock a build holds on its output folder (a folder in it, made by proper-lockfile): a second build into it waits. */
export const buildLockDir = '.gazette-build.lock';

/** What a build's caller tells it and hears from it while it holds the output folder. */
export interface BuildHooks {
  /** Ends a wait for another build's lock with a BusyError: nothing is built. */
  signal?: AbortSignal | undefined;
  /** Hears the lock's folder once it is held, and null just before it is given up (so a thread's parent can remove it should the thread be ended first). */
  onLock?: ((lockDir: string | null) => void) | undefined;
}

/** How long a build waits for another one into the same folder, and how often it looks. */
const lockWait = { ms: 10 * 60_000, every: 200 };

/**
 * Takes the build lock of `outDir` (made if need be), waiting up to `waitMs` while another build holds it, so two
 * builds never interleave their writes and manifests: each would vouch for files with its own view of the content. The
 * lock is stale 10 s after its holder stops renewing it (a killed build). Any other failure (a read-only folder) is
 * thrown at once, and `hooks.signal` ends the wait (BusyError). The returned function releases the lock, and throws
 * BusyError when it was taken over meanwhile (this build held the event loop too long).
 */
export async function lockOutDir(outDir: string, waitMs = lockWait.ms, hooks: BuildHooks = {}): Promise<() => Promise<void>> {
  const { signal, onLock } = hooks;
  await mkdir(outDir, { recursive: true });
  const lockfilePath = join(outDir, buildLockDir);
  // A lock is an empty folder: anything else standing there (a file, a folder a file manager wrote into) is damage, and
  // goes; proper-lockfile would read it as a lock, then fail to remove it once stale.
  const standing = await lstat(lockfilePath).catch(() => null);
  if (standing && (!standing.isDirectory() || (await readdir(lockfilePath)).length > 0)) await rm(lockfilePath, { recursive: true, force: true });
  let compromised: Error | undefined;
  const options = { lockfilePath, realpath: false, onCompromised: (error: Error) => (compromised = error) };
  const deadline = Date.now() + waitMs;
  let release: () => Promise<void>;
  for (;;) {
    try {
      // proper-lockfile's own retries would retry any error, a permission denied too, for the whole wait.
      release = await lock(outDir, options);
      onLock?.(lockfilePath);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      if (Date.now() >= deadline) {
        const waited = `${Math.round(waitMs / 60_000)} minutes`;
        throw new BusyError(`another Gazette build is writing into ${outDir} and has not finished in ${waited} — wait for it, or stop it, then build again`, { cause: error });
      }
      // A stop (Ctrl-C, the daemon's SIGTERM) ends the wait, at once when it came before: nothing is in flight yet.
      await sleep(lockWait.every, undefined, signal ? { signal } : {}).catch(() => {
        throw new BusyError(`stopped while another Gazette build was writing into ${outDir}; nothing was built`, { cause: error });
      });
    }
  }
  return async () => {
    // Said first: once taken over, or about to go, the folder is no longer this build's to remove.
    onLock?.(null);
    if (compromised) throw new BusyError(`the build lock of ${outDir} was lost while this build wrote it — build again`, { cause: compromised });
    await release();
  };
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
  hooks: BuildHooks,
): Promise<{ site: CachedConfig; templates: SiteTemplates; cache: ArticleCache; unlock: () => Promise<void> }> {
  const site = await loadSiteConfigCached(options.contentDir, cacheDir);
  await checkOutDir(options.outDir);
  const unlock = await lockOutDir(options.outDir, undefined, hooks);
  try {
    const templates = await loadSiteTemplates();
    return { site, templates, cache: ArticleCache.open(cacheDir, siteKey(site.config, templates)), unlock };
  } catch (error) {
    await unlock();
    throw error;
  }
}

/**
 * Loads the site config and the articles, keeps those published at `now`, and writes feeds, pages and the
 * content's images into `outDir`. A bad site config throws InputError; bad articles are returned as problems and left out.
 * Articles parsed by the last build into `outDir` are reused while their bytes, the config, the templates and Gazette are the same.
 * Another build into `outDir` is waited for (see lockOutDir and its hooks).
 */
export async function buildSite(options: Pick<RuntimeOptions, 'contentDir' | 'outDir'>, now: Date, hooks: BuildHooks = {}): Promise<BuildResult> {
  const cacheDir = join(options.outDir, articleCacheDir);
  const rebuild = existsSync(cacheDir);
  // A rebuild reads the files' fingerprints on another thread, which then loads the parsers for the few files found
  // changed, while this one loads the config and the cache. A full build starts the parse threads its files are worth
  // as soon as they are listed: they load the parsers while this thread loads the config. The listing is awaited after
  // the config, so a bad site.json is what is reported first.
  const statThread = rebuild && availableParallelism() > 1 ? startParseThread() : undefined;
  const listing = listArticleFiles(options.contentDir, rebuild && (statThread ?? true));
  listing.catch(() => undefined);
  const threads: Promise<Worker[]> = statThread
    ? Promise.resolve([statThread])
    : listing.then(
        (files) => startWorkers(parseWorkersFor(files.paths.length), () => startParseThread({ loadParsers: true })),
        () => [],
      );
  const { site, templates, cache, unlock } = await openBuild(options, cacheDir, hooks).catch(endingOnError(threads));
  try {
    const { config } = site;
    const parseOptions = { timezone: config.timezone, baseUrl: config.baseUrl, languages: config.languages };
    const { articles, problems } = await loadArticles(options.contentDir, parseOptions, { cache, listing, parseThreads: await threads });
    // Written while the pages are (a shard a turn): the cache already holds what it will keep.
    const saved = cache.save().then(() => site.save());
    saved.catch(() => undefined);
    const published = selectPublished(articles, now);
    // A first build writes every page: its page threads load the renderers while this thread plans the site.
    const firstBuild = !rebuild && !existsSync(join(options.outDir, manifestFile));
    const pageThreads = firstBuild ? startPageThreads(published.length) : [];
    const facts = Promise.all([readImageFacts(options.contentDir, published, config.baseUrl), planImages(options.contentDir)]);
    const [{ images, problems: imageProblems }, copies] = await facts.catch(endingOnError(pageThreads));
    const written = await writeSite(published, config, options.outDir, { copies, facts: { images }, now, templates, pageThreads });
    await saved;
    return { ...written, config, problems: [...problems, ...imageProblems], warnings: config.locale.warnings };
  } finally {
    await unlock();
  }
}
