// A worker thread of the page pool: renders the article pages it is sent and writes those whose bytes changed.
import { join } from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import { syncOps, writeIfChanged } from '../files.js';
import { serveBatches } from '../threads.js';
import { renderArticlePage } from './pages.js';
import { loadSiteTemplates, type SiteTemplates } from './templates.js';

/** One article page to write: where, from which article, whether the writer knows no file is there yet, and may write it in place (see writeIfChanged). */
export interface PageJob {
  path: string;
  article: Article;
  absent: boolean;
  inPlace: boolean;
}

/** What every page of a build shares: the output folder, the config, and the templates the main thread loaded. */
export interface PageContext {
  outDir: string;
  config: SiteConfig;
  templatesDir: string;
  /** The hash of the main thread's templates: this thread renders with the same ones or not at all. */
  templatesHash: string;
}

let templates: Promise<SiteTemplates> | undefined;
const madeDirs = new Set<string>();

serveBatches(async (jobs: PageJob[], context: PageContext) => {
  templates ??= loadSiteTemplates(context.templatesDir);
  const loaded = await templates;
  if (loaded.hash !== context.templatesHash) throw new Error(`the templates in ${context.templatesDir} changed during the build`);
  // One at a time, synchronously: this thread does nothing else, and promises cost more than the small writes.
  const wrote: boolean[] = [];
  for (const job of jobs) {
    const html = renderArticlePage(job.article, context.config, loaded);
    wrote.push(await writeIfChanged(join(context.outDir, job.path), html, { madeDirs, absent: job.absent, inPlace: job.inPlace, ops: syncOps }));
  }
  return wrote;
});
