// `gazette build` as a library call, so `publish` runs exactly the same build.
import { stat } from 'node:fs/promises';
import type { SiteConfig } from '../config/schema.js';
import { loadSiteConfig } from '../config/load.js';
import type { RuntimeOptions } from '../config/options.js';
import { loadArticles } from '../content/load.js';
import { selectPublished } from '../content/select.js';
import { UsageError, type Problem } from '../errors.js';
import { planImages, readImageFacts } from './images.js';
import { writeSite, type WriteResult } from './write.js';

/** A finished build: what was published, what changed on disk, and the content problems found on the way. */
export interface BuildResult extends WriteResult {
  config: SiteConfig;
  /** Invalid content files; the valid articles were still built. */
  problems: Problem[];
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

/**
 * Loads the site config and the articles, keeps those published at `now`, and writes feeds, pages and the
 * content's images into `outDir`. A bad site config throws InputError; bad articles are returned as problems and left out.
 */
export async function buildSite(options: Pick<RuntimeOptions, 'contentDir' | 'outDir'>, now: Date): Promise<BuildResult> {
  const config = await loadSiteConfig(options.contentDir);
  await checkOutDir(options.outDir);
  const { articles, problems } = await loadArticles(options.contentDir, { timezone: config.timezone, baseUrl: config.baseUrl });
  const published = selectPublished(articles, now);
  const { images, problems: imageProblems } = await readImageFacts(options.contentDir, published, config.baseUrl);
  const written = await writeSite(published, config, options.outDir, { copies: await planImages(options.contentDir), facts: { images }, now });
  return { ...written, config, problems: [...problems, ...imageProblems] };
}
