// `gazette build` as a library call, so `publish` runs exactly the same build.
import type { SiteConfig } from '../config/schema.js';
import { loadSiteConfig } from '../config/load.js';
import type { RuntimeOptions } from '../config/options.js';
import { join } from 'node:path';
import type { Article } from '../content/article.js';
import { ArticleCache } from '../content/cache.js';
import { loadArticles } from '../content/load.js';
import { selectPublished } from '../content/select.js';
import type { Problem } from '../errors.js';
import { planImages } from './images.js';
import { loadSiteTemplates } from './templates.js';
import { siteKey, writeSite, type WriteResult } from './write.js';

/** The parsed articles of the last build, beside its manifest in the output folder (hidden: never served). */
export const articleCacheFile = '.gazette-articles.cache';

/** A finished build: what was published, what changed on disk, and the content problems found on the way. */
export interface BuildResult extends WriteResult {
  config: SiteConfig;
  /** The published articles, newest first (what the feeds and pages show). */
  published: Article[];
  /** Invalid content files; the valid articles were still built. */
  problems: Problem[];
}

/**
 * Loads the site config and the articles, keeps those published at `now`, and writes feeds, pages and the
 * content's images into `outDir`. A bad site config throws InputError; bad articles are returned as problems and left out.
 * Articles parsed by the last build into `outDir` are reused while their bytes, the config, the templates and Gazette are the same.
 */
export async function buildSite(options: Pick<RuntimeOptions, 'contentDir' | 'outDir'>, now: Date): Promise<BuildResult> {
  const config = await loadSiteConfig(options.contentDir);
  const templates = await loadSiteTemplates();
  const cache = await ArticleCache.open(join(options.outDir, articleCacheFile), await siteKey(config, templates));
  const { articles, problems } = await loadArticles(options.contentDir, { timezone: config.timezone, baseUrl: config.baseUrl }, cache);
  const published = selectPublished(articles, now);
  const written = await writeSite(published, config, options.outDir, { copies: await planImages(options.contentDir), templates });
  await cache.save();
  return { ...written, config, published, problems };
}
