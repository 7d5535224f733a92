// The HTML pages: escaping, language, Open Graph, feed autodiscovery, the parts of an article, no JavaScript.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { listedKey, renderArticlePage, renderIndexPage, renderSectionPage } from '../../src/site/pages.js';
import { groupSections, sortArticles } from '../../src/site/layout.js';
import { loadSiteTemplates, type SiteTemplates } from '../../src/site/templates.js';
import { makeArticle, makeArticles, makeSiteConfig } from '../fixtures/feeds/factory.js';

let templates: SiteTemplates;
const config = makeSiteConfig();
const base = 'https://news.example.org';

beforeAll(async () => {
  templates = await loadSiteTemplates();
});

const wire = makeArticle({
  slug: 'peace-talks',
  title: 'Peace <script>alert(1)</script> & "talks" 🎉',
  summary: 'Leaders <b>meet</b> & talk',
  section: 'WORLD',
  tags: ['Diplomacy'],
  author: null,
  source: 'TRTWorld and agencies',
  image: { url: null, alt: '', caption: 'Fighting last month in Batken', credit: 'Reuters Archive' },
  html: '<p>First paragraph.</p>\n<h2>A subheading</h2>\n<p>Second paragraph.</p>',
  related: [
    { title: 'Tensions <spiral>', url: null },
    { title: 'Linked story', url: '/articles/linked/' },
  ],
});

/** The value of every `<meta property=…>` of a page. */
function metaOf(html: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [, property = '', content = ''] of html.matchAll(/<meta property="([^"]+)" content="([^"]*)">/g)) {
    (found[property] ??= []).push(content);
  }
  return found;
}

function alternates(html: string): string[] {
  return [...html.matchAll(/<link rel="alternate" type="([^"]+)" title="[^"]+" href="([^"]+)">/g)].map(([, type, href]) => `${type} ${href}`);
}

describe('article page', () => {
  const page = (): string => renderArticlePage(wire, config, templates);

  it('escapes every text field, keeping only the article body as HTML', () => {
    const html = page();
    expect(html).not.toContain('<script');
    expect(html).toContain('<h1>Peace &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;talks&quot; 🎉</h1>');
    expect(html).toContain('Leaders &lt;b&gt;meet&lt;/b&gt; &amp; talk');
    expect(html).toContain('<h2>A subheading</h2>');
    expect(html).toContain('<li dir="auto">Tensions &lt;spiral&gt;</li>');
  });

  it('keeps no bidi override, line separator, DEL or C1 control in the page, as the feeds keep none', () => {
    const hostile = makeArticle({ slug: 'bidi', summary: 'Refund approved: \u202E10.99 USD\u202C total \u2028 line', author: 'Jo\u202EReporter', html: '<p>Body with DEL\u007F and NEL\u0085 here.</p>' });
    const html = renderArticlePage(hostile, config, templates);
    expect(html).not.toMatch(/[\u007F-\u009F\u202A-\u202E\u2066-\u2069\u2028\u2029]/);
    expect(html).toContain('JoReporter');
    expect(html).toContain('Refund approved: 10.99 USD total line');
  });

  it('shows the caption and credit without an image, related references and the source', () => {
    const html = page();
    // No image: a caption and credit, but no empty figure for a screen reader to announce.
    expect(html).toContain('<p class="caption">Fighting last month in Batken <span class="credit">Reuters Archive</span></p>');
    expect(html).not.toContain('<figure>');
    expect(html).not.toContain('<img');
    expect(html).toContain(`<a href="${base}/articles/linked/">Linked story</a>`);
    expect(html).toContain('<p class="source">Source: TRTWorld and agencies</p>');
    expect(html).toContain('<a href="../../sections/world/">WORLD</a>');
  });

  it('declares language, viewport, canonical URL, Open Graph and the site feeds', () => {
    const html = page();
    expect(html).toMatch(/^<!doctype html>\n<html lang="en" dir="ltr">/);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain(`<link rel="canonical" href="${base}/articles/peace-talks/">`);
    expect(metaOf(html)).toEqual({
      'og:type': ['article'],
      'og:site_name': ['Example News'],
      'og:title': ['Peace &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;talks&quot; 🎉'],
      'og:description': ['Leaders &lt;b&gt;meet&lt;/b&gt; &amp; talk'],
      'og:url': [`${base}/articles/peace-talks/`],
      'article:published_time': ['2022-10-19T08:00:00Z'],
      'article:section': ['WORLD'],
      'article:tag': ['Diplomacy'],
    });
    expect(alternates(html)).toEqual([
      `application/rss+xml ${base}/feed.xml`,
      `application/atom+xml ${base}/atom.xml`,
      `application/feed+json ${base}/feed.json`,
    ]);
  });

  it('shows a site image relative to the page, and gives it to Open Graph made absolute', () => {
    const photo = makeArticle({ image: { url: 'images/council.jpg', alt: 'The "chamber"', caption: null, credit: null } });
    const html = renderArticlePage(photo, config, templates);
    expect(html).toContain(`<img src="../../images/council.jpg" alt="The &quot;chamber&quot;">`);
    expect(metaOf(html)['og:image']).toEqual([`${base}/images/council.jpg`]);
    expect(html).not.toContain('<figcaption');
  });

  it('links the site itself relative to the page in the body, and other sites as they are', () => {
    const body = `<p><a href="${base}/articles/other/">other</a> <img src="${base}/images/map.svg" alt="map" /> <a href="https://elsewhere.example.com/">elsewhere</a></p>`;
    const html = renderArticlePage(makeArticle({ html: body }), config, templates);
    expect(html).toContain('<a href="../../articles/other/">other</a>');
    expect(html).toContain('<img src="../../images/map.svg" alt="map" />');
    expect(html).toContain('<a href="https://elsewhere.example.com/">elsewhere</a>');
  });

  it('links the newsletter archive and the subscribe page, and needs no JavaScript', () => {
    const html = page();
    expect(html).toContain('<a href="../../subscribe/">');
    expect(html).toContain('<a href="../../digests/">');
    expect(html).toContain('<link rel="stylesheet" href="../../assets/site.css">');
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
  });

  it('lets a keyboard skip past the header to the story, on a page whose only id is the one it skips to', () => {
    const html = page();
    expect(html).toMatch(/<body>\n<a class="skip-link" href="#main">Skip to content<\/a>\n<header class="site-header">/);
    expect(html).toContain('<main id="main">');
    expect([...html.matchAll(/\sid="/g)]).toHaveLength(1);
  });

  it('gives the section label the site\'s language in an article of another, as the navigation shows it', () => {
    const html = renderArticlePage({ ...wire, lang: 'ar' }, config, templates);
    expect(html).toContain('<article class="article" lang="ar" dir="rtl">');
    // Its language only: it sits on the article's side (a label in another script is isolated by bdi).
    expect(html).toContain('<p class="kicker" lang="en"><a href="../../sections/world/">WORLD</a></p>');
  });

  it('lets a keyboard reach the hidden part of a code block or table that scrolls in its own box', () => {
    const html = renderArticlePage({ ...wire, html: '<pre><code>x &lt;pre&gt;</code></pre>\n<table lang="fr"><tr><td>a</td></tr></table>\n<p>&lt;table&gt;</p>' }, config, templates);
    expect(html).toContain('<pre tabindex="0"><code>x &lt;pre&gt;</code></pre>\n<table tabindex="0" lang="fr"><tr><td>a</td></tr></table>\n<p>&lt;table&gt;</p>');
  });

  it('writes right-to-left languages right to left', () => {
    const html = renderArticlePage(wire, makeSiteConfig({ language: 'ar' }), templates);
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<time datetime="2022-10-19T08:00:00Z">');
  });
});

describe('index and section pages', () => {
  const articles = sortArticles(makeArticles(5, ['WORLD', 'Sport']));
  const sections = groupSections(articles);

  it('index: latest articles, section navigation and autodiscovery of the three site feeds', () => {
    const html = renderIndexPage({ articles: articles.slice(0, 3), number: 1, count: 1 }, sections, config, templates);
    expect(alternates(html)).toEqual([
      `application/rss+xml ${base}/feed.xml`,
      `application/atom+xml ${base}/atom.xml`,
      `application/feed+json ${base}/feed.json`,
    ]);
    expect([...html.matchAll(/<h2><a href="([^"]+)">/g)].map((m) => m[1])).toEqual([
      'articles/article-00000/',
      'articles/article-00001/',
      'articles/article-00002/',
    ]);
    expect(html).toContain('<li><a href="sections/sport/">Sport</a></li>');
    expect(html).toContain('<a href="subscribe/">');
  });

  it('section page: all its articles and autodiscovery of its own feeds', () => {
    const world = sections.find((s) => s.slug === 'world');
    if (!world) throw new Error('no world section');
    const html = renderSectionPage(world, { articles: world.articles, number: 1, count: 1 }, sections, config, templates);
    expect(html).toContain('<h1>WORLD</h1>');
    expect(html).toContain('<a href="../../sections/world/" aria-current="page">WORLD</a>');
    expect([...html.matchAll(/<h2><a href="([^"]+)">/g)].map((m) => m[1])).toEqual([
      '../../articles/article-00000/',
      '../../articles/article-00002/',
      '../../articles/article-00004/',
    ]);
    expect(alternates(html)).toEqual([
      `application/rss+xml ${base}/sections/world/feed.xml`,
      `application/atom+xml ${base}/sections/world/atom.xml`,
      `application/feed+json ${base}/sections/world/feed.json`,
    ]);
  });
});

describe('listedKey', () => {
  it('changes with what a list item shows, not with the body or the updated date', () => {
    const article = makeArticle({ title: 'ab', summary: 'c' });
    const key = listedKey(article);
    const corrected: Article = { ...article, html: '<p>Corrected.</p>', updated: new Date() };
    expect(listedKey(corrected)).toBe(key);
    expect(listedKey({ ...article, title: 'a', summary: 'bc' })).not.toBe(key);
    expect(listedKey({ ...article, section: null })).not.toBe(listedKey({ ...article, section: '-' }));
    expect(listedKey({ ...article, lang: 'ar' })).not.toBe(key);
    expect(listedKey({ ...article, date: new Date(article.date.getTime() + 1000) })).not.toBe(key);
  });
});
