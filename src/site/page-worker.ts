// A worker thread of the page pool: renders the article pages it is sent and writes those whose bytes changed.
import { serveBatches } from '../threads.js';
import { writeArticlePages, type PageContext, type PageJob } from './article-pages.js';
import { loadSiteTemplates, type SiteTemplates } from './templates.js';

let templates: Promise<SiteTemplates> | undefined;
const madeDirs = new Set<string>();

serveBatches(async (jobs: PageJob[], context: PageContext) => {
  templates ??= loadSiteTemplates(context.templatesDir);
  const loaded = await templates;
  if (loaded.hash !== context.templatesHash) throw new Error(`the templates in ${context.templatesDir} changed during the build`);
  return writeArticlePages(jobs, context, loaded, madeDirs);
});
