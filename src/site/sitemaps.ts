// How search engines find the site: `sitemap.xml` (sitemaps.org 0.9), `sitemap-news.xml` (Google News) and
// `robots.txt` naming both. Pure renderers; dates come from the articles, never the clock, so bytes are stable.
import type { SiteConfig } from '../config/schema.js';
import { lastModified, type Article } from '../content/article.js';
import { cleanLine } from '../content/text.js';
import { rfc3339 } from '../feeds/dates.js';
import { escapeText } from '../feeds/xml.js';
import { articleLanguage, declaredLanguage } from '../i18n/index.js';
import { articleDir, urlOf } from './layout.js';

/** The files this module writes, at the site root. */
export const sitemapFiles = { sitemap: 'sitemap.xml', news: 'sitemap-news.xml', robots: 'robots.txt' } as const;

/** sitemaps.org: at most this many URLs in one sitemap; past it `sitemap.xml` is an index of `sitemap-<n>.xml`. */
export const SITEMAP_MAX_URLS = 50_000;
/** Google News: at most this many articles in a news sitemap. */
export const NEWS_MAX_ARTICLES = 1000;
/** Google News lists the articles of the last two days, counted back from the newest article. */
const NEWS_WINDOW_MS = 48 * 3600 * 1000;

const SITEMAP_NS = 'http://www.sitemaps.org/schemas/sitemap/0.9';
const NEWS_NS = 'http://www.google.com/schemas/sitemap-news/0.9';
const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** One page of the site as a sitemap lists it. */
export interface SitemapPage {
  /** Path under the output folder, a folder ending with `/`. */
  dir: string;
  /** The articles the page shows: its `lastmod` is their newest modified date (none for a page without articles). */
  articles: readonly Article[];
}

/** The newest modified date of `articles`, or null. */
function newestModified(articles: readonly Article[]): Date | null {
  let newest: Date | null = null;
  for (const article of articles) {
    const modified = lastModified(article);
    // Compared as numbers: `>` on two Dates converts each through valueOf, a third of a sitemap's rendering at 10,000 pages.
    if (newest === null || modified.getTime() > newest.getTime()) newest = modified;
  }
  return newest;
}

function entry(tag: 'url' | 'sitemap', loc: string, lastmod: Date | null): string {
  const date = lastmod === null ? '' : `<lastmod>${rfc3339(lastmod)}</lastmod>`;
  return `  <${tag}><loc>${escapeText(loc)}</loc>${date}</${tag}>\n`;
}

/** A `<urlset>` of `pages`. */
function renderUrlset(baseUrl: string, pages: readonly SitemapPage[]): string {
  const urls = pages.map((page) => entry('url', urlOf(baseUrl, page.dir), newestModified(page.articles)));
  return `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}">\n${urls.join('')}</urlset>\n`;
}

/** One file of the sitemaps: its path and bytes. */
export interface SitemapFile {
  path: string;
  render: () => string;
}

/**
 * `sitemap.xml`: every page in one `<urlset>`, or, past `maxUrls`, a `<sitemapindex>` of `sitemap-1.xml`,
 * `sitemap-2.xml`, … of `maxUrls` pages each.
 */
export function planSitemap(baseUrl: string, pages: readonly SitemapPage[], maxUrls: number = SITEMAP_MAX_URLS): SitemapFile[] {
  if (pages.length <= maxUrls) return [{ path: sitemapFiles.sitemap, render: () => renderUrlset(baseUrl, pages) }];
  const parts = Array.from({ length: Math.ceil(pages.length / maxUrls) }, (_, i) => ({
    path: `sitemap-${i + 1}.xml`,
    pages: pages.slice(i * maxUrls, (i + 1) * maxUrls),
  }));
  const index = (): string => {
    const sitemaps = parts.map((part) => entry('sitemap', urlOf(baseUrl, part.path), newestModified(part.pages.flatMap((page) => page.articles))));
    return `${XML_DECLARATION}<sitemapindex xmlns="${SITEMAP_NS}">\n${sitemaps.join('')}</sitemapindex>\n`;
  };
  return [{ path: sitemapFiles.sitemap, render: index }, ...parts.map((part) => ({ path: part.path, render: () => renderUrlset(baseUrl, part.pages) }))];
}

/** The articles a news sitemap lists: published within 48 hours of the newest one, newest first, at most NEWS_MAX_ARTICLES. */
export function newsArticles(newestFirst: readonly Article[]): Article[] {
  const from = (newestFirst[0]?.date.getTime() ?? 0) - NEWS_WINDOW_MS;
  const end = newestFirst.findIndex((article, i) => i === NEWS_MAX_ARTICLES || article.date.getTime() <= from);
  return newestFirst.slice(0, end === -1 ? newestFirst.length : end);
}

/** The language as Google News wants it: an ISO 639 code, except `zh-cn` and `zh-tw`. */
export function newsLanguage(tag: string): string {
  const [primary = '', ...rest] = tag.toLowerCase().split(/[-_]/);
  if (primary !== 'zh') return primary;
  return rest.some((part) => part === 'tw' || part === 'hk' || part === 'mo' || part === 'hant') ? 'zh-tw' : 'zh-cn';
}

/** `sitemap-news.xml`: the articles of `newsArticles`, with the publication's name and each article's language. */
export function renderNewsSitemap(articles: readonly Article[], config: SiteConfig): string {
  const name = `<news:name>${escapeText(cleanLine(config.title))}</news:name>`;
  const urls = articles.map((article) => {
    const own = articleLanguage(article, config.locale);
    const publication = `<news:publication>${name}<news:language>${escapeText(newsLanguage(own === null ? config.language : declaredLanguage(own.tag)))}</news:language></news:publication>`;
    const news = `<news:news>${publication}<news:publication_date>${rfc3339(article.date)}</news:publication_date><news:title>${escapeText(cleanLine(article.title))}</news:title></news:news>`;
    return `  <url><loc>${escapeText(urlOf(config.baseUrl, articleDir(article.slug)))}</loc>${news}</url>\n`;
  });
  return `${XML_DECLARATION}<urlset xmlns="${SITEMAP_NS}" xmlns:news="${NEWS_NS}">\n${urls.join('')}</urlset>\n`;
}

/** `robots.txt`: everything may be crawled; it names both sitemaps (robots.txt counts only at the root of a host). */
export function renderRobots(baseUrl: string): string {
  return `User-agent: *\nAllow: /\n\nSitemap: ${urlOf(baseUrl, sitemapFiles.sitemap)}\nSitemap: ${urlOf(baseUrl, sitemapFiles.news)}\n`;
}
