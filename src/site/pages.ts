// The HTML pages: pure renderers from articles, config and compiled templates to strings.
import type { SiteConfig } from '../config/schema.js';
import { editionsOf } from '../config/editions.js';
import type { Article } from '../content/article.js';
// The feeds' rules for text (content/text.ts): one-line fields lose controls, line separators and bidi overrides (an
// unclosed override in a byline turned the date after it around), and the body its C1 controls and overrides.
import { cleanBlock, cleanLine as clean, sectionSlug } from '../content/text.js';
import { rfc3339 } from '../feeds/dates.js';
import { escapeHtml } from '../content/html.js';
import { absoluteUrl } from '../content/url.js';
import { articleLanguage, formatLongDate, t, type Locale } from '../i18n/index.js';
import { archiveDir, articleDir, feedFiles, feedTypes, listPageDir, rootOf, sectionDir, urlOf, type FeedFormat, type Section } from './layout.js';
import { choiceBoxes } from '../subscribers/choices.js';
import type { SiteTemplates } from './templates.js';

const formatLabels: Record<FeedFormat, string> = { rss: 'RSS', atom: 'Atom', json: 'JSON Feed' };

/** A feed as pages announce it: `<link rel="alternate">` in the head and a link in the footer. */
export interface FeedLink {
  type: string;
  title: string;
  label: string;
  href: string;
}

/** What the layout template needs around every page's content. */
export interface Frame {
  lang: string;
  dir: 'ltr' | 'rtl';
  /** The words of the `{{t}}` helper. */
  locale: Locale;
  /** Relative path from the page to the site root, so the output works under any path and from a local server. */
  root: string;
  siteTitle: string;
  pageTitle: string;
  description: string;
  canonical: string;
  meta: { property: string; content: string }[];
  feeds: FeedLink[];
  nav: { label: string; href: string; current: boolean }[];
}

/** Autodiscovery links of the feeds in `dir` (`''` for the site feeds), as the layout template shows them. */
export function feedLinks(config: SiteConfig, dir: string, title: string): FeedLink[] {
  return (Object.keys(feedFiles) as FeedFormat[]).map((format) => ({
    type: feedTypes[format],
    title: `${title} (${formatLabels[format]})`,
    label: formatLabels[format],
    href: urlOf(config.baseUrl, dir + feedFiles[format]),
  }));
}

/** The layout's frame for one page of the site: language, direction and site title from the config. */
export function frame(config: SiteConfig, page: Omit<Frame, 'lang' | 'dir' | 'locale' | 'siteTitle'>): Frame {
  const { locale } = config;
  return { lang: config.language, dir: locale.dir, locale, siteTitle: clean(config.title), ...page };
}

function sectionNav(sections: readonly Section[], root: string, current: string | null): Frame['nav'] {
  return sections.map((s) => ({ label: clean(s.label), href: `${root}${sectionDir(s.slug)}`, current: s.slug === current }));
}

/** An article as a list page's item sees it: the item reads nothing else (see listedKey). */
export type Listed = Pick<Article, 'title' | 'slug' | 'date' | 'section' | 'summary' | 'lang'>;

/** A text as one part of a key that no other text, nor null, makes: its length first. */
const keyPart = (text: string | null): string => (text === null ? '-' : `${text.length}:${text}`);

/** What an article's item on a list page shows, as a key part: a corrected body, or only its `updated` date, renders no list page again. */
export function listedKey(article: Listed): string {
  // Every field of Listed, or this does not compile: a field the item shows and the key left out would leave pages stale.
  const parts: Record<keyof Listed, string> = {
    date: String(article.date.getTime()),
    slug: keyPart(article.slug),
    section: keyPart(article.section),
    lang: keyPart(article.lang),
    title: keyPart(article.title),
    summary: keyPart(article.summary),
  };
  return Object.values(parts).join('');
}

function listItems(articles: readonly Listed[], config: SiteConfig, root: string): object[] {
  return articles.map((a) => ({
    title: clean(a.title),
    href: root + articleDir(a.slug),
    dateIso: rfc3339(a.date),
    dateText: formatLongDate(a.date, config.language, config.timezone),
    section: a.section === null ? null : clean(a.section),
    summary: clean(a.summary),
    lang: articleLanguage(a, config.locale),
  }));
}

/** One page of a paginated article list. */
export interface ListPage {
  articles: readonly Article[];
  /** From 1. */
  number: number;
  count: number;
}

/** Links to the neighbouring pages, or null when the list fits on one page. */
function pagination(dir: string, page: ListPage, root: string): object | null {
  if (page.count === 1) return null;
  return {
    number: page.number,
    count: page.count,
    newer: page.number > 1 ? root + listPageDir(dir, page.number - 1) : null,
    older: page.number < page.count ? root + listPageDir(dir, page.number + 1) : null,
  };
}

/** The frame of a list page (home or section): Open Graph tags of a website, its feeds, the section navigation. */
function listFrame(
  config: SiteConfig,
  sections: readonly Section[],
  page: { dir: string; title: string; description: string; feedDir: string; feedTitle: string; current: string | null },
): Frame {
  const root = rootOf(page.dir);
  const url = urlOf(config.baseUrl, page.dir);
  return frame(config, {
    root,
    pageTitle: page.title,
    description: page.description,
    canonical: url,
    meta: [
      { property: 'og:type', content: 'website' },
      { property: 'og:site_name', content: clean(config.title) },
      { property: 'og:title', content: page.title },
      { property: 'og:url', content: url },
    ],
    feeds: feedLinks(config, page.feedDir, page.feedTitle),
    nav: sectionNav(sections, root, page.current),
  });
}

/** `index.html` and `page/<n>/index.html`: the latest articles, the sections and autodiscovery of the site feeds. */
export function renderIndexPage(page: ListPage, sections: readonly Section[], config: SiteConfig, templates: SiteTemplates): string {
  const site = clean(config.title);
  const title = page.number === 1 ? site : t(config.locale, 'site.title.page', { title: site, number: page.number });
  const description = clean(config.description);
  const view = listFrame(config, sections, { dir: listPageDir('', page.number), title, description, feedDir: '', feedTitle: site, current: null });
  return templates.index({
    ...view,
    siteDescription: page.number === 1 ? description : '',
    articles: listItems(page.articles, config, view.root),
    pagination: pagination('', page, view.root),
  });
}

/** `sections/<slug>/index.html` and its `page/<n>/`: the section's articles, with autodiscovery of its feeds. */
export function renderSectionPage(
  section: Section,
  page: ListPage,
  sections: readonly Section[],
  config: SiteConfig,
  templates: SiteTemplates,
): string {
  const first = sectionDir(section.slug);
  const label = clean(section.label);
  const feedTitle = `${label} — ${clean(config.title)}`;
  const title = page.number === 1 ? feedTitle : t(config.locale, 'site.title.page', { title: feedTitle, number: page.number });
  const dir = listPageDir(first, page.number);
  const view = listFrame(config, sections, { dir, title, description: '', feedDir: first, feedTitle, current: section.slug });
  return templates.section({
    ...view,
    section: label,
    articles: listItems(page.articles, config, view.root),
    pagination: pagination(first, page, view.root),
  });
}

/**
 * Links to the site itself made relative to the page: the loader makes every URL absolute (feeds and mail need
 * that), but a page should show its images and link its pages wherever the folder is served, a laptop included.
 */
function onSite(baseUrl: string, root: string): { url: (url: string) => string; html: (html: string) => string } {
  const prefix = `${baseUrl}/`;
  // The sanitizer writes every attribute double-quoted with `&` escaped, so the prefix appears exactly so.
  const escaped = escapeHtml(prefix);
  return {
    url: (url) => (url.startsWith(prefix) ? root + url.slice(prefix.length) : url),
    html: (html) => html.replaceAll(` href="${escaped}`, ` href="${root}`).replaceAll(` src="${escaped}`, ` src="${root}`),
  };
}

/**
 * The body's code blocks and tables, which scroll inside their own box on a narrow screen (see site.css), made
 * reachable by keyboard: a browser that does not focus a scroller itself (Safari) left their hidden part out of reach.
 * In the sanitized body a `<pre` or `<table` is always a tag (text and attributes have `<` escaped).
 */
function focusableScrollers(html: string): string {
  return html.replace(/<(pre|table)(?=[\s>])/g, '<$1 tabindex="0"');
}

/** `subscribe/index.html`: the sign-up form, which posts to the server's `/subscribe`. */
export function renderSubscribePage(sections: readonly Section[], config: SiteConfig, templates: SiteTemplates): string {
  const dir = 'subscribe/';
  const root = rootOf(dir);
  const title = `${t(config.locale, 'subscribe.title')} — ${clean(config.title)}`;
  return templates.subscribe({
    ...frame(config, {
      root,
      pageTitle: title,
      description: clean(config.description),
      canonical: urlOf(config.baseUrl, dir),
      meta: [],
      feeds: feedLinks(config, '', clean(config.title)),
      nav: sectionNav(sections, root, null),
    }),
    error: null,
    email: '',
    name: '',
    choices: choiceBoxes({ sections: sections.map((s) => ({ key: s.slug, label: s.label })), editions: editionsOf(config) }, { sections: [], editions: [] }),
  });
}

/** The line in the head of the archive page a build writes (see renderEmptyArchivePage): `publish`'s archive has none. */
export const emptyArchiveMarker = '<meta property="gazette:archive" content="empty">';

/**
 * `digests/index.html` until `publish` writes the archive: every page's footer links to it, so a site that has sent no
 * digest yet says so there rather than answering 404.
 */
export function renderEmptyArchivePage(sections: readonly Section[], config: SiteConfig, templates: SiteTemplates): string {
  const root = rootOf(archiveDir);
  return templates.archive(
    frame(config, {
      root,
      pageTitle: `${t(config.locale, 'site.newsletterArchive')} — ${clean(config.title)}`,
      description: '',
      canonical: urlOf(config.baseUrl, archiveDir),
      meta: [{ property: 'gazette:archive', content: 'empty' }],
      feeds: feedLinks(config, '', clean(config.title)),
      nav: sectionNav(sections, root, null),
    }),
  );
}

/**
 * `articles/<slug>/index.html`. It depends on the article, the config and the templates only (no list of
 * other articles or sections), so an unchanged article never needs its page rendered again.
 */
export function renderArticlePage(article: Article, config: SiteConfig, templates: SiteTemplates): string {
  const dir = articleDir(article.slug);
  const root = rootOf(dir);
  const url = urlOf(config.baseUrl, dir);
  const title = clean(article.title);
  const summary = clean(article.summary);
  const sectionKey = article.section === null ? '' : sectionSlug(article.section);
  const imageUrl = article.image?.url ? absoluteUrl(article.image.url, config.baseUrl) : null;
  const image = article.image
    ? { src: imageUrl, alt: clean(article.image.alt), caption: clean(article.image.caption ?? ''), credit: clean(article.image.credit ?? '') }
    : null;
  const local = onSite(config.baseUrl, root);
  // Pushed, not spread into one literal: the spreads compiled to code that V8 threw away at the second shape of
  // article it met, and compiled again (about 50 ms each time, on every page thread).
  const meta: Frame['meta'] = [
    { property: 'og:type', content: 'article' },
    { property: 'og:site_name', content: clean(config.title) },
    { property: 'og:title', content: title },
  ];
  if (summary) meta.push({ property: 'og:description', content: summary });
  meta.push({ property: 'og:url', content: url });
  if (image?.src) meta.push({ property: 'og:image', content: image.src }, { property: 'og:image:alt', content: image.alt });
  meta.push({ property: 'article:published_time', content: rfc3339(article.date) });
  if (article.section) meta.push({ property: 'article:section', content: clean(article.section) });
  for (const tag of article.tags) meta.push({ property: 'article:tag', content: clean(tag) });
  return templates.article({
    ...frame(config, {
      root,
      pageTitle: `${title} — ${clean(config.title)}`,
      description: summary,
      canonical: url,
      meta,
      feeds: feedLinks(config, '', clean(config.title)),
      nav: [],
    }),
    article: {
      title,
      summary,
      lang: articleLanguage(article, config.locale),
      dateIso: rfc3339(article.date),
      dateText: formatLongDate(article.date, config.language, config.timezone),
      section: sectionKey ? { label: clean(article.section ?? ''), href: root + sectionDir(sectionKey) } : null,
      tags: article.tags.map(clean),
      author: article.author === null ? '' : clean(article.author),
      source: article.source === null ? '' : clean(article.source),
      image: image && (image.src || image.caption) ? { ...image, src: image.src === null ? null : local.url(image.src) } : null,
      html: focusableScrollers(local.html(cleanBlock(article.html))),
      related: article.related.map((ref) => ({
        title: clean(ref.title),
        href: ref.url === null ? null : absoluteUrl(ref.url, config.baseUrl),
      })),
    },
  });
}

/**
 * The page left in `fromDir`, an old folder: a meta refresh, a canonical link and a plain link to the current page
 * `target` titled `title` (no script, so every browser and crawler follows it). `serve` answers the old URL with a 301 first.
 */
export function renderRedirectPage(fromDir: string, target: string, title: string, config: SiteConfig, templates: SiteTemplates): string {
  const { locale } = config;
  return templates.redirect({
    lang: config.language,
    dir: locale.dir,
    locale,
    href: rootOf(fromDir) + target.split('/').map(encodeURIComponent).join('/'),
    canonical: urlOf(config.baseUrl, target),
    title: clean(title),
  });
}
