// sitemap.xml, sitemap-news.xml and robots.txt, read element by element with a strict namespace-aware parser.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { newsArticles, newsLanguage, planSitemap, renderNewsSitemap } from '../../src/site/sitemaps.js';
import { emptyArchiveMarker } from '../../src/site/pages.js';
import { writeSite } from '../../src/site/write.js';
import { makeArticle, makeArticles, makeSiteConfig } from '../fixtures/feeds/factory.js';
import { parseXml, type XmlElement } from '../fixtures/feeds/xml.js';

const SITEMAP = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS = 'http://www.google.com/schemas/sitemap-news/0.9';
// W3C Datetime (https://www.w3.org/TR/NOTE-datetime), the complete-date-plus-time forms.
const W3C_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

let out: string;
beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'gazette-sitemaps-'));
});
afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The only child of `element` named `local` in namespace `uri` (fails when there is not exactly one). */
function only(element: XmlElement, uri: string, local: string): XmlElement {
  const found = element.children.filter((c) => c.uri === uri && c.local === local);
  expect(found, `${element.local} > ${local}`).toHaveLength(1);
  return found[0] as XmlElement;
}

/** The `<url>` entries of a sitemaps.org urlset, each checked against the protocol: loc first, then optional lastmod. */
function readUrlset(xml: string): { loc: string; lastmod: string | null; element: XmlElement }[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const root = parseXml(xml);
  expect([root.uri, root.local]).toEqual([SITEMAP, 'urlset']);
  return root.children.map((url) => {
    expect([url.uri, url.local]).toEqual([SITEMAP, 'url']);
    const sitemapChildren = url.children.filter((c) => c.uri === SITEMAP).map((c) => c.local);
    expect(['loc', 'loc,lastmod']).toContain(sitemapChildren.join(','));
    const loc = only(url, SITEMAP, 'loc').text;
    expect(loc.length).toBeLessThan(2048);
    expect(new URL(loc).href).toBe(loc);
    const lastmod = url.children.find((c) => c.uri === SITEMAP && c.local === 'lastmod')?.text ?? null;
    if (lastmod !== null) expect(lastmod).toMatch(W3C_DATETIME);
    return { loc, lastmod, element: url };
  });
}

/** The URL of every page of the output folder, redirect pages left out: what the sitemap must list, exactly. */
async function publishedPages(baseUrl: string): Promise<string[]> {
  const pages: string[] = [];
  for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || entry.name !== 'index.html') continue;
    const dir = join(entry.parentPath).slice(out.length + 1).split('\\').join('/');
    const html = await readFile(join(entry.parentPath, entry.name), 'utf8');
    // Redirects, and the newsletter archive's page until the first digest: nothing to index.
    if (html.includes('http-equiv="refresh"') || html.includes(emptyArchiveMarker)) continue;
    pages.push(`${baseUrl}/${dir === '' ? '' : `${dir.split('/').map(encodeURIComponent).join('/')}/`}`);
  }
  return pages.sort();
}

const at = (iso: string, overrides: Partial<Article> = {}): Article => makeArticle({ date: new Date(iso), ...overrides });

describe('sitemap.xml', () => {
  it('lists exactly the published pages, with W3C lastmod dates and escaped, percent-encoded URLs', async () => {
    const config = makeSiteConfig({ baseUrl: 'https://news.example.org/news&views' });
    const articles = [
      ...makeArticles(60, ['WORLD', 'Спорт']),
      at('2023-06-01T10:00:00Z', { slug: 'матч-года', id: 'match', section: 'Спорт' }),
      at('2023-06-01T10:00:00Z', { slug: 'moved-headline', id: '000-1234', updated: new Date('2023-06-02T09:30:00Z') }),
    ];
    await writeSite(articles, config, out);
    const xml = await readFile(join(out, 'sitemap.xml'), 'utf8');
    const urls = readUrlset(xml);
    expect(urls.map((u) => u.loc).sort()).toEqual(await publishedPages(config.baseUrl));
    expect(urls.map((u) => u.loc)).toContain(`${config.baseUrl}/articles/${encodeURIComponent('матч-года')}/`);
    expect(urls.map((u) => u.loc)).toContain(`${config.baseUrl}/page/2/`);
    expect(urls.map((u) => u.loc)).not.toContain(`${config.baseUrl}/articles/000-1234/`);
    expect(xml).toContain('<loc>https://news.example.org/news&amp;views/</loc>');
    // An article's lastmod is its modified date (a correction's `updated`); a list's, the newest of the articles it shows.
    const article = urls.find((u) => u.loc.endsWith('/articles/moved-headline/'));
    expect(article?.lastmod).toBe('2023-06-02T09:30:00Z');
    expect(urls.find((u) => u.loc.endsWith(`/articles/${encodeURIComponent('матч-года')}/`))?.lastmod).toBe('2023-06-01T10:00:00Z');
    expect(urls.find((u) => u.loc === `${config.baseUrl}/`)?.lastmod).toBe('2024-01-01T00:00:00Z');
    expect(urls.find((u) => u.loc.endsWith('/subscribe/'))?.lastmod).toBeNull();
  });

  it('becomes a sitemap index of sitemaps of at most 50,000 URLs each past that many', () => {
    const pages = Array.from({ length: 5 }, (_, i) => ({ dir: `articles/a${i}/`, articles: [at(`2024-01-0${i + 1}T00:00:00Z`)] }));
    const files = planSitemap('https://news.example.org', pages, 2);
    expect(files.map((f) => f.path)).toEqual(['sitemap.xml', 'sitemap-1.xml', 'sitemap-2.xml', 'sitemap-3.xml']);
    const index = parseXml(files[0]?.render() ?? '');
    expect([index.uri, index.local]).toEqual([SITEMAP, 'sitemapindex']);
    expect(index.children.map((s) => [s.local, only(s, SITEMAP, 'loc').text, only(s, SITEMAP, 'lastmod').text])).toEqual([
      ['sitemap', 'https://news.example.org/sitemap-1.xml', '2024-01-02T00:00:00Z'],
      ['sitemap', 'https://news.example.org/sitemap-2.xml', '2024-01-04T00:00:00Z'],
      ['sitemap', 'https://news.example.org/sitemap-3.xml', '2024-01-05T00:00:00Z'],
    ]);
    const listed = files.slice(1).flatMap((f) => readUrlset(f.render()).map((u) => u.loc));
    expect(listed).toEqual(pages.map((p) => `https://news.example.org/${p.dir}`));
    expect(planSitemap('https://news.example.org', pages).map((f) => f.path)).toEqual(['sitemap.xml']);
  });

  it('is written only when its bytes change, like every output file', async () => {
    const config = makeSiteConfig();
    const articles = makeArticles(5);
    await writeSite(articles, config, out);
    const again = await writeSite(articles, config, out);
    expect(again.written).toEqual([]);
    const added = await writeSite([...articles, at('2024-02-01T00:00:00Z', { slug: 'new-story' })], config, out);
    expect(added.written).toEqual(expect.arrayContaining(['sitemap.xml', 'sitemap-news.xml']));
    expect(added.written).not.toContain('robots.txt');
  });
});

describe('sitemap-news.xml', () => {
  it("follows Google's news sitemap: the last 48 hours before the newest article, publication name and each article's language", async () => {
    const config = makeSiteConfig({ title: 'Example & Co News', language: 'es-MX' });
    const articles = [
      at('2026-11-24T12:00:00Z', { slug: 'newest', title: 'Prices <rise> & fall' }),
      at('2026-11-23T08:00:00Z', { slug: 'yesterday', lang: 'ar' }),
      at('2026-11-23T06:00:00Z', { slug: 'arabic-wire', title: 'البنك المركزي يبقي سعر الفائدة', summary: 'قرار متوقع من المجلس' }),
      at('2026-11-22T12:00:01Z', { slug: 'just-inside' }),
      at('2026-11-22T12:00:00Z', { slug: 'just-outside' }),
      at('2026-11-01T00:00:00Z', { slug: 'old' }),
    ];
    await writeSite(articles, config, out);
    const xml = await readFile(join(out, 'sitemap-news.xml'), 'utf8');
    expect(xml).toContain(`xmlns:news="${NEWS}"`);
    const urls = readUrlset(xml);
    expect(urls.map((u) => u.loc)).toEqual(['newest', 'yesterday', 'arabic-wire', 'just-inside'].map((s) => `https://news.example.org/articles/${s}/`));
    const languages: string[] = [];
    for (const { element } of urls) {
      const news = only(element, NEWS, 'news');
      expect(news.children.map((c) => [c.uri, c.local])).toEqual([
        [NEWS, 'publication'],
        [NEWS, 'publication_date'],
        [NEWS, 'title'],
      ]);
      const publication = only(news, NEWS, 'publication');
      expect(only(publication, NEWS, 'name').text).toBe('Example & Co News');
      languages.push(only(publication, NEWS, 'language').text);
      expect(only(news, NEWS, 'publication_date').text).toMatch(W3C_DATETIME);
    }
    // The site's language (`es-MX` as Google News names it), an article's own where it has one, and `und` (undetermined)
    // for one that names none but reads the other way.
    expect(languages).toEqual(['es', 'ar', 'und', 'es']);
    const first = only(urls[0]?.element as XmlElement, NEWS, 'news');
    expect(only(first, NEWS, 'title').text).toBe('Prices <rise> & fall');
    expect(only(first, NEWS, 'publication_date').text).toBe('2026-11-24T12:00:00Z');
  });

  it('lists at most 1,000 articles, the newest', () => {
    const articles = Array.from({ length: 1200 }, (_, i) => at(new Date(Date.UTC(2026, 10, 24) - i * 60_000).toISOString(), { slug: `s-${i}` }));
    const urls = readUrlset(renderNewsSitemap(newsArticles(articles), makeSiteConfig()));
    expect(urls).toHaveLength(1000);
    expect(urls[999]?.loc).toBe('https://news.example.org/articles/s-999/');
  });

  it('writes an empty urlset when nothing is published, and names languages as Google News wants them', () => {
    expect(readUrlset(renderNewsSitemap([], makeSiteConfig()))).toEqual([]);
    expect(['en', 'en-GB', 'zh-Hans', 'zh-TW', 'zh-Hant-HK', 'ar'].map(newsLanguage)).toEqual(['en', 'en', 'zh-cn', 'zh-tw', 'zh-tw', 'ar']);
  });
});

describe('robots.txt', () => {
  it('names both sitemaps by their absolute URLs', async () => {
    await writeSite(makeArticles(2), makeSiteConfig(), out);
    expect(await readFile(join(out, 'robots.txt'), 'utf8')).toBe(
      'User-agent: *\nAllow: /\n\nSitemap: https://news.example.org/sitemap.xml\nSitemap: https://news.example.org/sitemap-news.xml\n',
    );
  });
});
