// Every file of a build, described before anything is rendered: the writer renders only what it must.
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import { stripControlChars as clean } from '../content/text.js';
import { toFeedItem, type FeedAuthor, type FeedChannel, type FeedItem } from '../feeds/item.js';
import { renderFeeds } from '../feeds/render.js';
import { articleDir, feedFiles, groupSections, sectionDir, sortArticles, stylesheetPath, urlOf, type FeedFormat, type Section } from './layout.js';
import { renderArticlePage, renderIndexPage, renderSectionPage } from './pages.js';
import type { SiteTemplates } from './templates.js';

/** One output file, not yet rendered. */
export interface PlannedFile {
  /** Path under the output folder, with `/` separators. */
  path: string;
  /**
   * What the bytes are a function of, besides config, templates and Gazette's version: when it matches the
   * previous build's key for this path, the file is unchanged without rendering. Null: render and compare.
   */
  key: string | null;
  render: () => string;
  /** The absolute URL of a feed file (for WebSub pings), null for pages. */
  feedUrl: string | null;
}

/** The plan of a whole site, and what it is made of. */
export interface SitePlan {
  files: PlannedFile[];
  articles: Article[];
  sections: Section[];
}

/** The feeds of one folder (`''` for the site, `sections/<slug>/` for a section) as planned files. */
function feedFilesOf(dir: string, channel: Omit<FeedChannel, 'selfUrls' | 'updated'>, items: readonly FeedItem[], baseUrl: string): PlannedFile[] {
  const selfUrls = { rss: urlOf(baseUrl, dir + feedFiles.rss), atom: urlOf(baseUrl, dir + feedFiles.atom), json: urlOf(baseUrl, dir + feedFiles.json) };
  // Dates come from the items, never the clock: same content, same bytes (and ETag). An empty feed says 1970.
  const updated = new Date(Math.max(0, ...items.map((item) => item.published.getTime())));
  let rendered: ReturnType<typeof renderFeeds> | undefined;
  const render = (format: FeedFormat) => (): string => {
    rendered ??= renderFeeds(items, { ...channel, selfUrls, updated });
    return rendered[format];
  };
  return (Object.keys(feedFiles) as FeedFormat[]).map((format) => ({
    path: dir + feedFiles[format],
    key: null,
    render: render(format),
    feedUrl: selfUrls[format],
  }));
}

/** Plans every file Gazette writes for these published articles (in any order). */
export function planSite(published: readonly Article[], config: SiteConfig, templates: SiteTemplates): SitePlan {
  // The loader reports two files with one slug; should they still arrive, the newest one owns the page.
  const seen = new Set<string>();
  const articles = sortArticles(published).filter((a) => !seen.has(a.slug) && seen.add(a.slug));
  const sections = groupSections(articles);
  const limit = config.feeds.limit;
  const siteAuthor: FeedAuthor = { name: clean(config.author.name), email: config.author.email };
  const items = new Map<Article, FeedItem>();
  const itemOf = (article: Article): FeedItem => {
    let item = items.get(article);
    if (!item) {
      item = toFeedItem(article, urlOf(config.baseUrl, articleDir(article.slug)), config.baseUrl, siteAuthor);
      items.set(article, item);
    }
    return item;
  };
  const latest = articles.slice(0, limit);
  const title = clean(config.title);
  const description = clean(config.description);
  const common = { language: config.language, author: siteAuthor, websubHub: config.feeds.websubHub };

  const files: PlannedFile[] = [
    { path: stylesheetPath, key: null, render: () => templates.css, feedUrl: null },
    { path: 'index.html', key: null, render: () => renderIndexPage(latest, sections, config, templates), feedUrl: null },
    ...feedFilesOf('', { ...common, title, description: description || title, homeUrl: `${config.baseUrl}/` }, latest.map(itemOf), config.baseUrl),
  ];
  for (const section of sections) {
    const dir = sectionDir(section.slug);
    const sectionTitle = `${title} — ${clean(section.label)}`;
    files.push(
      { path: `${dir}index.html`, key: null, render: () => renderSectionPage(section, sections, config, templates), feedUrl: null },
      ...feedFilesOf(
        dir,
        { ...common, title: sectionTitle, description: `${clean(section.label)}: ${description || title}`, homeUrl: urlOf(config.baseUrl, dir) },
        section.articles.slice(0, limit).map(itemOf),
        config.baseUrl,
      ),
    );
  }
  for (const article of articles) {
    files.push({
      path: `${articleDir(article.slug)}index.html`,
      key: article.hash,
      render: () => renderArticlePage(article, config, templates),
      feedUrl: null,
    });
  }
  return { files, articles, sections };
}
