// Every file of a build, described before anything is rendered: the writer renders only what it must.
import { createHash } from 'node:crypto';
import type { SiteConfig } from '../config/schema.js';
import { lastModified, type Article } from '../content/article.js';
import { cleanLine } from '../content/text.js';
import { absoluteUrl } from '../content/url.js';
import { toFeedItem, type FeedAuthor, type FeedChannel, type FeedItem, type ImageFile } from '../feeds/item.js';
import { renderFeeds } from '../feeds/render.js';
import {
  articleDir,
  feedFiles,
  groupSections,
  listPageDir,
  listPageSize,
  sectionDir,
  sortArticles,
  stylesheetPath,
  urlOf,
  type FeedFormat,
  type Section,
} from './layout.js';
import { renderArticlePage, renderIndexPage, renderSectionPage, renderSubscribePage, type ListPage } from './pages.js';
import type { SiteTemplates } from './templates.js';

/** One output file, not yet rendered: text by default, or bytes of a file copied as it is. */
export interface PlannedFile<Bytes extends string | Promise<Buffer> = string> {
  /** Path under the output folder, with `/` separators. */
  path: string;
  /**
   * Everything the bytes depend on besides config, templates and Gazette's code (the writer hashes
   * those once): when it equals the previous build's key for this path, the file is unchanged unrendered.
   */
  key: string;
  render: () => Bytes;
  /** The absolute URL of a feed file (for WebSub pings), null for pages. */
  feedUrl: string | null;
}

/** The plan of a whole site, and what it is made of. */
export interface SitePlan {
  files: PlannedFile[];
  articles: Article[];
  sections: Section[];
}

/** What a plan knows besides the articles and the config. */
export interface PlanFacts {
  /** The local image files by absolute URL: feeds give their real size and type. */
  images?: ReadonlyMap<string, ImageFile>;
  /** The build's time: the date of an Atom feed without items (a file rendered again only when its inputs change). */
  now?: Date;
}

/**
 * A key over the articles a file shows (their hashes cover every field read from the file, `updated`
 * stands for the build that saw it change) and whatever else it says.
 */
function keyOf(articles: readonly Article[], ...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  for (const article of articles) hash.update(article.hash).update(article.updated?.toISOString() ?? '');
  return hash.digest('hex');
}

/** The image facts feeds show of these articles, as a key part: a replaced image file changes the feed. */
function imageKey(articles: readonly Article[], images: ReadonlyMap<string, ImageFile>): string {
  return articles.map((a) => JSON.stringify(images.get(a.image?.url ?? '') ?? null)).join(',');
}

/** The feeds of one folder (`''` for the site, `sections/<slug>/` for a section) as planned files. */
function feedFilesOf(
  dir: string,
  channel: Omit<FeedChannel, 'selfUrls' | 'updated' | 'builtAt'>,
  articles: readonly Article[],
  itemOf: (article: Article) => FeedItem,
  baseUrl: string,
  images: ReadonlyMap<string, ImageFile>,
  now: Date | null,
): PlannedFile[] {
  const selfUrls = { rss: urlOf(baseUrl, dir + feedFiles.rss), atom: urlOf(baseUrl, dir + feedFiles.atom), json: urlOf(baseUrl, dir + feedFiles.json) };
  const key = keyOf(articles, 'feed', channel.title, channel.description, imageKey(articles, images));
  let rendered: ReturnType<typeof renderFeeds> | undefined;
  const render = (format: FeedFormat) => (): string => {
    if (!rendered) {
      const items = articles.map(itemOf);
      // Dates come from the items, never the clock: same content, same bytes (and ETag). An empty feed has none.
      const newest = Math.max(...articles.map((article) => lastModified(article).getTime()));
      rendered = renderFeeds(items, { ...channel, selfUrls, updated: articles.length > 0 ? new Date(newest) : null, builtAt: now });
    }
    return rendered[format];
  };
  return (Object.keys(feedFiles) as FeedFormat[]).map((format) => ({ path: dir + feedFiles[format], key, render: render(format), feedUrl: selfUrls[format] }));
}

/** An article list split into pages of `listPageSize` (one empty page when there is nothing). */
function paginate(articles: readonly Article[]): ListPage[] {
  const count = Math.max(1, Math.ceil(articles.length / listPageSize));
  return Array.from({ length: count }, (_, i) => ({
    articles: articles.slice(i * listPageSize, (i + 1) * listPageSize),
    number: i + 1,
    count,
  }));
}

/** Plans every file Gazette writes for these published articles (in any order). */
export function planSite(published: readonly Article[], config: SiteConfig, templates: SiteTemplates, facts: PlanFacts = {}): SitePlan {
  const images = facts.images ?? new Map<string, ImageFile>();
  // The loader reports two files with one slug; should they still arrive, the newest one owns the page.
  const seen = new Set<string>();
  const articles = sortArticles(published).filter((a) => !seen.has(a.slug) && seen.add(a.slug));
  const sections = groupSections(articles);
  const limit = config.feeds.limit;
  const siteAuthor: FeedAuthor = { name: cleanLine(config.author.name), email: config.author.email };
  const itemOf = (article: Article): FeedItem =>
    toFeedItem(article, urlOf(config.baseUrl, articleDir(article.slug)), config.baseUrl, siteAuthor, images);
  const title = cleanLine(config.title);
  const description = cleanLine(config.description) || title;
  const icon = config.feeds.icon === null ? null : absoluteUrl(config.feeds.icon, config.baseUrl);
  const common = { language: config.language, author: siteAuthor, websubHub: config.feeds.websubHub, icon };
  // Every list page shows the section navigation: a new or renamed section changes them all.
  const nav = sections.map((s) => `${s.slug}\0${s.label}`).join('\0');

  const files: PlannedFile[] = [
    { path: stylesheetPath, key: 'css', render: () => templates.css, feedUrl: null },
    { path: 'subscribe/index.html', key: keyOf([], 'subscribe', nav), render: () => renderSubscribePage(sections, config, templates), feedUrl: null },
    ...paginate(articles).map((page) => ({
      path: `${listPageDir('', page.number)}index.html`,
      key: keyOf(page.articles, 'index', String(page.number), String(page.count), nav),
      render: () => renderIndexPage(page, sections, config, templates),
      feedUrl: null,
    })),
    ...feedFilesOf('', { ...common, title, description, homeUrl: `${config.baseUrl}/` }, articles.slice(0, limit), itemOf, config.baseUrl, images, facts.now ?? null),
  ];
  for (const section of sections) {
    const dir = sectionDir(section.slug);
    const label = cleanLine(section.label);
    files.push(
      ...paginate(section.articles).map((page) => ({
        path: `${listPageDir(dir, page.number)}index.html`,
        key: keyOf(page.articles, 'section', section.label, String(page.number), String(page.count), nav),
        render: () => renderSectionPage(section, page, sections, config, templates),
        feedUrl: null,
      })),
      ...feedFilesOf(
        dir,
        { ...common, title: `${title} — ${label}`, description: `${label}: ${description}`, homeUrl: urlOf(config.baseUrl, dir) },
        section.articles.slice(0, limit),
        itemOf,
        config.baseUrl,
        images,
        facts.now ?? null,
      ),
    );
  }
  for (const article of articles) {
    files.push({ path: `${articleDir(article.slug)}index.html`, key: article.hash, render: () => renderArticlePage(article, config, templates), feedUrl: null });
  }
  return { files, articles, sections };
}
