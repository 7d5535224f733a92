// Every file of a build, described before anything is rendered: the writer renders only what it must.
import { createHash } from 'node:crypto';
import type { SiteConfig } from '../config/schema.js';
import { lastModified, type Article } from '../content/article.js';
import { cleanLine } from '../content/text.js';
import { absoluteUrl } from '../content/url.js';
import { toFeedItem, type FeedAuthor, type FeedChannel, type FeedItem, type ImageFile } from '../feeds/item.js';
import { renderFeeds, type RenderedFeeds } from '../feeds/render.js';
import {
  articleDir,
  articleIdUrl,
  feedFiles,
  groupSections,
  listPageDir,
  listPageSize,
  redirectsFile,
  sectionDir,
  sortArticles,
  stylesheetPath,
  urlOf,
  type FeedFormat,
  type Section,
} from './layout.js';
import { listedKey, renderArticlePage, renderIndexPage, renderRedirectPage, renderSectionPage, renderSubscribePage, type ListPage } from './pages.js';
import { planRedirects, updateHistory, type UrlHistory } from './redirects.js';
import { newsArticles, planSitemap, renderNewsSitemap, renderRobots, sitemapFiles, type SitemapPage } from './sitemaps.js';
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
  /** An article page's article: the page depends on nothing else, so the writer may render it on a worker thread. */
  article?: Article;
}

/** The plan of a whole site, and what it is made of. */
export interface SitePlan {
  files: PlannedFile[];
  articles: Article[];
  sections: Section[];
  /** The section navigation every page shows, as a key part: a new or renamed section changes them all. */
  nav: string;
  /** Every URL each article has had, by id, after this build (the manifest keeps it for the next one). */
  history: UrlHistory;
}

/** What a plan knows besides the articles and the config. */
export interface PlanFacts {
  /** The local image files by absolute URL: feeds give their real size and type. */
  images?: ReadonlyMap<string, ImageFile>;
  /** The build's time: the date of an Atom feed without items (a file rendered again only when its inputs change). */
  now?: Date;
  /** The previous build's record of every slug each article had, by id, as read from its manifest (checked here). */
  urls?: ReadonlyMap<string, unknown>;
}

/**
 * What an article's files depend on besides config, templates and Gazette's code: its bytes (the hash), its path (the
 * URL when the file name gives it, and the language of its folder come from it), its id (the file name's, or its own
 * letters' when another file has that: see loadArticles), and what the build gives it:
 * a time moved one second by `distinctTimes` when another file shares it, `updated` from the history, and its slug
 * (the URL it had before, when another article has its new one: see loadArticles).
 */
function articleKey(article: Article): string {
  // The path last, after parts without a colon (a slug or an id has none), so no two articles share a key; no NUL, which the manifest's JSON writes as six characters.
  return `${article.hash}:${article.date.getTime()}:${article.updated?.getTime() ?? ''}:${article.slug}:${article.id}:${article.sourcePath}`;
}

/** The keys of one plan's files. */
interface PlanKeys {
  /** A key over the articles a file shows (see articleKey) and whatever else it says. */
  of: (articles: readonly Article[], ...parts: string[]) => string;
  /** A key over what a list page shows of its articles (see listedKey) and whatever else it says. */
  list: (articles: readonly Article[], ...parts: string[]) => string;
  /** articleKey, made once per article: most articles are on three files (their page, the home list, their section's list). */
  article: (article: Article) => string;
}

/** `keyOf`, made once per article. */
function memoized(keyOf: (article: Article) => string): (article: Article) => string {
  const keys = new Map<Article, string>();
  return (article) => {
    let key = keys.get(article);
    if (key === undefined) keys.set(article, (key = keyOf(article)));
    return key;
  };
}

/** The PlanKeys of one plan. */
function planKeys(): PlanKeys {
  const article = memoized(articleKey);
  const listed = memoized(listedKey);
  // Two updates in all: a native call per part or article would cost more than the hashing.
  const hashOf =
    (keyOf: (article: Article) => string) =>
    (articles: readonly Article[], ...parts: string[]): string =>
      createHash('sha256')
        .update(parts.map((part) => `${part}\0`).join(''))
        .update(articles.map(keyOf).join('\0'))
        .digest('hex');
  return { of: hashOf(article), list: hashOf(listed), article };
}

/** The image facts feeds show of these articles, as a key part: a replaced image file changes the feed. */
function imageKey(articles: readonly Article[], images: ReadonlyMap<string, ImageFile>): string {
  return articles.map((a) => JSON.stringify(images.get(a.image?.url ?? '') ?? null)).join(',');
}

/** What the feeds of every folder share. */
interface FeedContext {
  itemOf: (article: Article) => FeedItem;
  baseUrl: string;
  images: ReadonlyMap<string, ImageFile>;
  now: Date | null;
  /** The most bytes a feed file may have (`feeds.maxBytes`). */
  maxBytes: number;
  keys: PlanKeys;
}

/**
 * The three feeds of the newest `articles`, as many as fit in `maxBytes` in every format (one at least): long bodies in
 * full would else make a feed that readers and validators refuse (49 articles of 200 KB made 10.7 MB). The same items
 * in all three.
 */
function renderFeedsWithin(articles: readonly Article[], itemOf: (article: Article) => FeedItem, channel: Omit<FeedChannel, 'updated'>, maxBytes: number): RenderedFeeds {
  const items = articles.map(itemOf);
  const render = (count: number): RenderedFeeds => {
    const shown = articles.slice(0, count);
    // Dates come from the items, never the clock: same content, same bytes (and ETag). An empty feed has none.
    const newest = Math.max(...shown.map((article) => lastModified(article).getTime()));
    return renderFeeds(items.slice(0, count), { ...channel, updated: shown.length > 0 ? new Date(newest) : null });
  };
  const fits = (feeds: RenderedFeeds): boolean => Object.values(feeds).every((text) => Buffer.byteLength(text) <= maxBytes);
  const all = render(articles.length);
  if (articles.length <= 1 || fits(all)) return all;
  // The most items that fit, by halves: a handful of renders, and only for a feed over its budget.
  let [low, high] = [1, articles.length - 1];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(render(middle))) low = middle;
    else high = middle - 1;
  }
  return render(low);
}

/** The feeds of one folder (`''` for the site, `sections/<slug>/` for a section) as planned files. */
function feedFilesOf(dir: string, channel: Omit<FeedChannel, 'selfUrls' | 'updated' | 'builtAt'>, articles: readonly Article[], context: FeedContext): PlannedFile[] {
  const { baseUrl, images, keys } = context;
  const selfUrls = { rss: urlOf(baseUrl, dir + feedFiles.rss), atom: urlOf(baseUrl, dir + feedFiles.atom), json: urlOf(baseUrl, dir + feedFiles.json) };
  const key = keys.of(articles, 'feed', channel.title, channel.description, imageKey(articles, images));
  let rendered: RenderedFeeds | undefined;
  const render = (format: FeedFormat) => (): string => {
    rendered ??= renderFeedsWithin(articles, context.itemOf, { ...channel, selfUrls, builtAt: context.now }, context.maxBytes);
    return rendered[format];
  };
  return (Object.keys(feedFiles) as FeedFormat[]).map((format) => ({ path: dir + feedFiles[format], key, render: render(format), feedUrl: selfUrls[format] }));
}

/**
 * The sitemaps and robots.txt. The sitemap's key is what decides its pages and dates (each article's id, slug,
 * section and modified date), not the articles' hashes: a corrected body does not render 10,000 URLs again.
 */
function planSearchFiles(articles: readonly Article[], pages: readonly SitemapPage[], config: SiteConfig, keys: PlanKeys): PlannedFile[] {
  const sitemapKey = keys.of([], 'sitemap', articles.map((a) => `${a.id} ${a.slug} ${lastModified(a).getTime()} ${a.section ?? ''}`).join('\n'));
  const news = newsArticles(articles);
  return [
    ...planSitemap(config.baseUrl, pages).map((file) => ({ ...file, key: sitemapKey, feedUrl: null })),
    { path: sitemapFiles.news, key: keys.of(news, 'news'), render: () => renderNewsSitemap(news, config), feedUrl: null },
    { path: sitemapFiles.robots, key: 'robots', render: () => renderRobots(config.baseUrl), feedUrl: null },
  ];
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
  const keys = planKeys();
  // The loader reports two files with one slug or id; should they still arrive, the newest one owns the page.
  const seen = new Set<string>();
  const seenIds = new Set<string>();
  const articles = sortArticles(published).filter((a) => !seen.has(a.slug) && !seenIds.has(a.id) && seen.add(a.slug) && seenIds.add(a.id));
  const sections = groupSections(articles);
  const limit = config.feeds.limit;
  const siteAuthor: FeedAuthor = { name: cleanLine(config.author.name), email: config.author.email };
  // The item's id is not its page's URL: it never moves when the headline or slug does.
  const itemOf = (article: Article): FeedItem => ({
    ...toFeedItem(article, urlOf(config.baseUrl, articleDir(article.slug)), config.baseUrl, siteAuthor, config.locale, images),
    id: articleIdUrl(config.baseUrl, article),
  });
  const title = cleanLine(config.title);
  const description = cleanLine(config.description) || title;
  const icon = config.feeds.icon === null ? null : absoluteUrl(config.feeds.icon, config.baseUrl);
  const common = { language: config.language, author: siteAuthor, websubHub: config.feeds.websubHub, icon };
  const feedContext: FeedContext = { itemOf, baseUrl: config.baseUrl, images, now: facts.now ?? null, maxBytes: config.feeds.maxBytes, keys };
  // Every list page shows the section navigation: a new or renamed section changes them all.
  const nav = sections.map((s) => `${s.slug}\0${s.label}`).join('\0');

  const pages: SitemapPage[] = [{ dir: 'subscribe/', articles: [] }];
  const listed = (dir: string, page: ListPage): string => {
    pages.push({ dir, articles: page.articles });
    return `${dir}index.html`;
  };
  const files: PlannedFile[] = [
    { path: stylesheetPath, key: 'css', render: () => templates.css, feedUrl: null },
    { path: 'subscribe/index.html', key: keys.of([], 'subscribe', nav), render: () => renderSubscribePage(sections, config, templates), feedUrl: null },
    ...paginate(articles).map((page) => ({
      path: listed(listPageDir('', page.number), page),
      key: keys.list(page.articles, 'index', String(page.number), String(page.count), nav),
      render: () => renderIndexPage(page, sections, config, templates),
      feedUrl: null,
    })),
    ...feedFilesOf('', { ...common, title, description, homeUrl: `${config.baseUrl}/` }, articles.slice(0, limit), feedContext),
  ];
  const sectionFeeds = new Map<string, PlannedFile[]>();
  const sectionPages = new Map<string, number>();
  for (const section of sections) {
    const dir = sectionDir(section.slug);
    const label = cleanLine(section.label);
    const feeds = feedFilesOf(
      dir,
      { ...common, title: `${title} — ${label}`, description: `${label}: ${description}`, homeUrl: urlOf(config.baseUrl, dir) },
      section.articles.slice(0, limit),
      feedContext,
    );
    sectionFeeds.set(section.slug, feeds);
    const pages = paginate(section.articles);
    sectionPages.set(section.slug, pages.length);
    files.push(
      ...pages.map((page) => ({
        path: listed(listPageDir(dir, page.number), page),
        key: keys.list(page.articles, 'section', section.label, String(page.number), String(page.count), nav),
        render: () => renderSectionPage(section, page, sections, config, templates),
        feedUrl: null,
      })),
      ...feeds,
    );
  }
  for (const article of articles) {
    const dir = articleDir(article.slug);
    pages.push({ dir, articles: [article] });
    files.push({ path: `${dir}index.html`, key: keys.article(article), render: () => renderArticlePage(article, config, templates), feedUrl: null, article });
  }
  const history = updateHistory(facts.urls ?? new Map(), articles);
  const redirects = planRedirects(history, articles, sections);
  for (const [dir, { to, title, articles: shown, section }] of redirects) {
    files.push({ path: `${dir}index.html`, key: keys.of(shown, 'redirect', to, title), render: () => renderRedirectPage(dir, to, title, config, templates), feedUrl: null });
    if (section === undefined) continue;
    // A feed reader follows no meta refresh: on a static host, a section's old folder goes on serving its feeds, as
    // copies whose self links name the new folder (`serve` answers the old ones with a 301 before any file).
    for (const feed of sectionFeeds.get(section) ?? []) files.push({ ...feed, path: dir + feed.path.slice(to.length), feedUrl: null });
    // Its later pages lead to the same pages of the new folder.
    for (let number = 2; number <= (sectionPages.get(section) ?? 1); number++) {
      const [from, target] = [listPageDir(dir, number), listPageDir(to, number)];
      files.push({ path: `${from}index.html`, key: keys.of([], 'redirect', target, title), render: () => renderRedirectPage(from, target, title, config, templates), feedUrl: null });
    }
  }
  const redirectMap = Object.fromEntries([...redirects].map(([dir, redirect]) => [dir, redirect.to]));
  files.push({ path: redirectsFile, key: keys.of([], 'redirects', JSON.stringify(redirectMap)), render: () => `${JSON.stringify(redirectMap, null, 2)}\n`, feedUrl: null });
  files.push(...planSearchFiles(articles, pages, config, keys));
  return { files, articles, sections, nav, history };
}
