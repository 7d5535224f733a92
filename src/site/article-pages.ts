// Article pages rendered and written in batches, synchronously: by the page threads, and by the main thread's share.
import { join } from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import { syncOps, writeIfChanged } from '../files.js';
import { renderArticlePage } from './pages.js';
import type { SiteTemplates } from './templates.js';

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
  /** The hash of the main thread's templates: a page thread renders with the same ones or not at all. */
  templatesHash: string;
}

/**
 * Renders each job's page and writes those whose bytes changed; per job, whether it wrote. One at a time, synchronously:
 * promises cost more than the small writes. `madeDirs` are the folders this thread made already.
 */
export async function writeArticlePages(jobs: readonly PageJob[], context: PageContext, templates: SiteTemplates, madeDirs: Set<string>): Promise<boolean[]> {
  const wrote: boolean[] = [];
  for (const job of jobs) {
    const html = renderArticlePage(job.article, context.config, templates);
    wrote.push(await writeIfChanged(join(context.outDir, job.path), html, { madeDirs, absent: job.absent, inPlace: job.inPlace, ops: syncOps }));
  }
  return wrote;
}
