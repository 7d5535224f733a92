// The site templates as `npm run build` precompiles them: the same pages as compiling them, and never a stale one.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupSections, sortArticles } from '../../src/site/layout.js';
import { renderArticlePage, renderIndexPage, renderSectionPage, renderSubscribePage } from '../../src/site/pages.js';
import { defaultTemplatesDir, loadSiteTemplates, renderPrecompiledTemplates, type PrecompiledTemplates, type SiteTemplates } from '../../src/site/templates.js';
import { makeArticles, makeSiteConfig } from '../fixtures/feeds/factory.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-templates-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The precompiled module `npm run build` would write for the templates of `templatesDir`, imported. */
async function precompile(templatesDir: string): Promise<PrecompiledTemplates> {
  const file = join(dir, 'templates.precompiled.mjs');
  await writeFile(file, await renderPrecompiledTemplates(templatesDir));
  return ((await import(pathToFileURL(file).href)) as { default: PrecompiledTemplates }).default;
}

const config = makeSiteConfig();
const articles = sortArticles(makeArticles(60, ['WORLD', 'Business']));
const sections = groupSections(articles);

/** Every kind of page the templates make. */
function pages(templates: SiteTemplates): string[] {
  const section = sections[0]!;
  return [
    renderArticlePage(articles[0]!, config, templates),
    renderIndexPage({ articles: articles.slice(0, 50), number: 1, count: 2 }, sections, config, templates),
    renderSectionPage(section, { articles: section.articles.slice(0, 50), number: 1, count: 1 }, sections, config, templates),
    renderSubscribePage(sections, config, templates),
  ];
}

describe('precompiled site templates', () => {
  it('render every page byte for byte as the templates compiled at load', async () => {
    const compiled = await loadSiteTemplates(defaultTemplatesDir, Promise.resolve({}));
    const ready = await precompile(defaultTemplatesDir);
    expect(Object.keys(ready).sort()).toEqual(['archive.hbs', 'article.hbs', 'choices.hbs', 'index.hbs', 'layout.hbs', 'list.hbs', 'redirect.hbs', 'section.hbs', 'subscribe.hbs']);
    expect(pages(await loadSiteTemplates(defaultTemplatesDir, Promise.resolve(ready)))).toEqual(pages(compiled));
  });

  it('are not used for a template whose text changed since they were made', async () => {
    const ready = await precompile(defaultTemplatesDir);
    const edited = join(dir, 'site');
    await cp(defaultTemplatesDir, edited, { recursive: true });
    const article = join(edited, 'article.hbs');
    await writeFile(article, (await readFile(article, 'utf8')).replace('<article', '<article data-edited="yes"'));
    const [page] = pages(await loadSiteTemplates(edited, Promise.resolve(ready)));
    expect(page).toContain('data-edited="yes"');
  });

  it('refuse an edited template that calls a helper Gazette does not have, naming it', async () => {
    const edited = join(dir, 'site');
    await cp(defaultTemplatesDir, edited, { recursive: true });
    const article = join(edited, 'article.hbs');
    await writeFile(article, (await readFile(article, 'utf8')).replace('{{article.title}}', '{{shout article.title}}'));
    const templates = await loadSiteTemplates(edited, Promise.resolve({}));
    expect(() => renderArticlePage(articles[0]!, config, templates)).toThrow(/helper shout/);
  });
});
