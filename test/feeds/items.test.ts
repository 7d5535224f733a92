// What a feed reader gets of each article (issue 13): corrections, clean text in every script, images, the
// page's full content, per-item language, the feed icon, and honest dates for an empty feed.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { toFeedItem } from '../../src/feeds/item.js';
import { resolveLocale } from '../../src/i18n/index.js';
import { renderFeeds, type RenderedFeeds } from '../../src/feeds/render.js';
import { planSite } from '../../src/site/plan.js';
import { loadSiteTemplates, type SiteTemplates } from '../../src/site/templates.js';
import { makeArticle, makeChannel, makeSiteConfig } from '../fixtures/feeds/factory.js';
import { childOf, childrenOf, ns, parseXml, type XmlElement } from '../fixtures/feeds/xml.js';

const english = resolveLocale('en');

const base = 'https://news.example.org';
const desk = { name: 'Desk', email: 'desk@example.org' };
let templates: SiteTemplates;

beforeAll(async () => {
  templates = await loadSiteTemplates();
});

function render(articles: readonly Article[], channel = makeChannel()): RenderedFeeds {
  return renderFeeds(
    articles.map((a) => toFeedItem(a, `${base}/articles/${a.slug}/`, base, desk, english)),
    channel,
  );
}

/** The root feeds of a planned site. */
function siteFeeds(articles: readonly Article[], config = makeSiteConfig()): RenderedFeeds {
  const plan = planSite(articles, config, templates);
  const text = (path: string): string => plan.files.find((f) => f.path === path)?.render() ?? '';
  return { rss: text('feed.xml'), atom: text('atom.xml'), json: text('feed.json') };
}

interface JsonItem {
  title: string;
  content_html: string;
  date_published: string;
  date_modified?: string;
  language?: string;
  image?: string;
  authors: { name: string }[];
}

function jsonItems(feeds: RenderedFeeds): JsonItem[] {
  return (JSON.parse(feeds.json) as { items: JsonItem[] }).items;
}

function rssChannel(feeds: RenderedFeeds): XmlElement {
  return childOf(parseXml(feeds.rss), ns.none, 'channel');
}

function atomEntries(feeds: RenderedFeeds): XmlElement[] {
  return childrenOf(parseXml(feeds.atom), ns.atom, 'entry');
}

describe('corrections', () => {
  it('gives a corrected article its modified date in all three formats, and the feeds their date from it', () => {
    const corrected = makeArticle({ slug: 'corrected', date: new Date('2024-01-01T08:00:00Z'), updated: new Date('2024-03-05T10:30:00Z') });
    const newer = makeArticle({ slug: 'newer', date: new Date('2024-02-01T08:00:00Z') });
    const feeds = siteFeeds([corrected, newer]);
    const [first, second] = atomEntries(feeds);
    expect(childOf(first as XmlElement, ns.atom, 'updated').text).toBe('2024-02-01T08:00:00Z');
    expect(childOf(second as XmlElement, ns.atom, 'published').text).toBe('2024-01-01T08:00:00Z');
    expect(childOf(second as XmlElement, ns.atom, 'updated').text).toBe('2024-03-05T10:30:00Z');
    expect(childOf(parseXml(feeds.atom), ns.atom, 'updated').text).toBe('2024-03-05T10:30:00Z');
    expect(childOf(rssChannel(feeds), ns.none, 'lastBuildDate').text).toBe('Tue, 05 Mar 2024 10:30:00 GMT');
    const [jsonNewer, jsonCorrected] = jsonItems(feeds);
    expect(jsonNewer?.date_modified).toBeUndefined();
    expect(jsonCorrected).toMatchObject({ date_published: '2024-01-01T08:00:00Z', date_modified: '2024-03-05T10:30:00Z' });
  });
});

describe('text in every script', () => {
  it('strips C1 controls, DEL, line separators and bidi overrides from titles, keeping bidi marks', () => {
    const title = 'Breaking\u0085 news\u007f\u2028now \u202Eevil\u202C and \u2066isolated\u2069 \u200Fمرحبا\u200E';
    const feeds = render([makeArticle({ title, summary: `Sum\u0085mary\u2029 line`, tags: ['tag\u202E'] })]);
    const clean = 'Breaking news now evil and isolated \u200Fمرحبا\u200E';
    expect(childOf(childOf(rssChannel(feeds), ns.none, 'item'), ns.none, 'title').text).toBe(clean);
    expect(childOf(atomEntries(feeds)[0] as XmlElement, ns.atom, 'summary').text).toBe('Summary line');
    expect(jsonItems(feeds)[0]?.title).toBe(clean);
    for (const document of [feeds.rss, feeds.atom, feeds.json]) {
      expect(document).not.toMatch(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    }
  });
});

describe('what the W3C feed validator asks of RSS', () => {
  it('writes & and < of plain text as hexadecimal references, and a description before content:encoded', () => {
    const feeds = render([makeArticle({ title: 'R&D <lab>', summary: '', tags: ['a&b'], author: 'Tom & Jerry' })]);
    expect(feeds.rss).toContain('<title>R&#x26;D &#x3C;lab&gt;</title>');
    expect(feeds.rss).toContain('<category>a&#x26;b</category>');
    expect(feeds.rss).toContain('<dc:creator>Tom &#x26; Jerry</dc:creator>');
    const item = childOf(rssChannel(feeds), ns.none, 'item');
    expect(childOf(item, ns.none, 'title').text).toBe('R&D <lab>');
    const names = item.children.map((child) => child.local);
    expect(names.indexOf('description')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('description')).toBeLessThan(names.indexOf('encoded'));
  });

  it('splits a byline written as a mailbox into the name and the address each format keeps apart', () => {
    const feeds = render([makeArticle({ author: '"Jane Roe" <jane@news.example.org>' }), makeArticle({ slug: 'b', author: 'Desk <not an address>' })]);
    const [first, second] = atomEntries(feeds);
    expect(childOf(childOf(first as XmlElement, ns.atom, 'author'), ns.atom, 'name').text).toBe('Jane Roe');
    expect(childOf(childOf(first as XmlElement, ns.atom, 'author'), ns.atom, 'email').text).toBe('jane@news.example.org');
    expect(childOf(childrenOf(rssChannel(feeds), ns.none, 'item')[0] as XmlElement, ns.none, 'author').text).toBe('jane@news.example.org (Jane Roe)');
    expect(jsonItems(feeds)[0]?.authors).toEqual([{ name: 'Jane Roe' }]);
    // Anything else stays the name it is.
    expect(childOf(childOf(second as XmlElement, ns.atom, 'author'), ns.atom, 'name').text).toBe('Desk <not an address>');
    // A mailto: link is its address; an address past ASCII is none the formats take, and only the name goes.
    const more = atomEntries(render([makeArticle({ author: 'Jane Roe <mailto:jane@example.org>' }), makeArticle({ slug: 'c', author: 'Jürgen Groß <jürgen@bücher.example>' })]));
    expect(childOf(childOf(more[0] as XmlElement, ns.atom, 'author'), ns.atom, 'email').text).toBe('jane@example.org');
    expect(childrenOf(childOf(more[1] as XmlElement, ns.atom, 'author'), ns.atom, 'email')).toEqual([]);
    expect(childOf(childOf(more[1] as XmlElement, ns.atom, 'author'), ns.atom, 'name').text).toBe('Jürgen Groß');
  });

  it('cleans the site title and description like any other line', () => {
    const feeds = siteFeeds([makeArticle()], makeSiteConfig({ title: 'News\u0085 \u202Enow', description: 'A\u2028B' }));
    expect(childOf(rssChannel(feeds), ns.none, 'title').text).toBe('News now');
    expect(childOf(rssChannel(feeds), ns.none, 'description').text).toBe('A B');
  });
});

describe('images', () => {
  it('gives an enclosure the real length and type the build knows of a local image file', () => {
    const url = `${base}/images/chart`;
    const article = makeArticle({ image: { url, alt: 'A chart', caption: null, credit: null } });
    const plan = planSite([article], makeSiteConfig(), templates, { images: new Map([[url, { length: 1234, type: 'image/png' }]]) });
    const rss = plan.files.find((f) => f.path === 'feed.xml')?.render() ?? '';
    const item = childOf(childOf(parseXml(rss), ns.none, 'channel'), ns.none, 'item');
    expect(childOf(item, ns.none, 'enclosure').attributes).toEqual({ url, length: '1234', type: 'image/png' });
    const atom = plan.files.find((f) => f.path === 'atom.xml')?.render() ?? '';
    const links = childrenOf(childOf(parseXml(atom), ns.atom, 'entry'), ns.atom, 'link').map((l) => l.attributes);
    expect(links).toContainEqual({ rel: 'enclosure', type: 'image/png', length: '1234', href: url });
  });
});

describe('content', () => {
  it('shows a caption without an image as a paragraph, as the page does, not an empty figure', () => {
    const article = makeArticle({ image: { url: null, alt: '', caption: 'Fighting in Batken', credit: 'Reuters Archive' }, html: '<p>Body.</p>', related: [], source: null });
    expect(jsonItems(render([article]))[0]?.content_html).toMatch(/^<p>Fighting in Batken <small>Reuters Archive<\/small><\/p>\n<p>Body\.<\/p>/);
  });

  it('shows what the page shows: the image with its caption and credit, the body, READ MORE references and the source', () => {
    const article = makeArticle({
      image: { url: `${base}/images/a.png`, alt: 'Soldiers', caption: 'Fighting in Batken', credit: 'Reuters Archive' },
      html: '<p>Body.</p>',
      related: [{ title: 'Can tensions be resolved?', url: null }, { title: 'Linked & <more>', url: '/articles/other/' }],
      source: 'TRTWorld and agencies',
    });
    const html = jsonItems(render([article]))[0]?.content_html;
    expect(html).toBe(
      `<figure><img src="${base}/images/a.png" alt="Soldiers"><figcaption>Fighting in Batken <small>Reuters Archive</small></figcaption></figure>\n` +
        '<p>Body.</p>\n' +
        `<h2>Read more</h2>\n<ul><li>Can tensions be resolved?</li><li><a href="${base}/articles/other/">Linked &amp; &lt;more&gt;</a></li></ul>\n` +
        '<p>Source: TRTWorld and agencies</p>',
    );
  });

  it('uses the summary as content when the article has no body', () => {
    const feeds = render([makeArticle({ html: '', summary: 'Only a summary.', source: null })]);
    expect(childOf(atomEntries(feeds)[0] as XmlElement, ns.atom, 'content').text).toBe('<p>Only a summary.</p>');
    expect(jsonItems(feeds)[0]?.content_html).toBe('<p>Only a summary.</p>');
  });

  it('makes fragment links absolute, pointing into the article page', () => {
    const feeds = render([makeArticle({ slug: 'notes', html: '<p>See <a href="#notes">the notes</a>.</p>', source: null })]);
    expect(jsonItems(feeds)[0]?.content_html).toBe(`<p>See <a href="${base}/articles/notes/#notes">the notes</a>.</p>`);
  });
});

describe('languages and icon', () => {
  it("marks each item with its article's language when it has one", () => {
    const feeds = render([makeArticle({ slug: 'arabic', lang: 'ar' }), makeArticle({ slug: 'english' })]);
    const [arabic, english] = atomEntries(feeds);
    expect(arabic?.attributes[`{${ns.xml}}lang`]).toBe('ar');
    expect(english?.attributes[`{${ns.xml}}lang`]).toBeUndefined();
    const [rssArabic, rssEnglish] = childrenOf(rssChannel(feeds), ns.none, 'item');
    expect(childOf(rssArabic as XmlElement, ns.dc, 'language').text).toBe('ar');
    expect(childrenOf(rssEnglish as XmlElement, ns.dc, 'language')).toEqual([]);
    expect(jsonItems(feeds).map((item) => item.language)).toEqual(['ar', undefined]);
  });

  it("gives the article's own parts their language and direction when they are not the site's, and a right-to-left site's whole content its direction", () => {
    const item = (article: Article, locale = english): string => toFeedItem(article, `${base}/articles/${article.slug}/`, base, desk, locale).contentHtml;
    const hebrew = makeArticle({ slug: 'hebrew', lang: 'he', title: 'כותרת', html: '<p>גוף הכתבה.</p>', source: 'Wire' });
    expect(item(hebrew)).toBe('<div lang="he" dir="rtl">\n<p>גוף הכתבה.</p>\n</div>\n<p lang="en" dir="ltr">Source: Wire</p>');
    const arabic = resolveLocale('ar');
    expect(item(makeArticle({ slug: 'arabic', title: 'عنوان', summary: 'ملخص', source: null, html: '<p>نص عربي.</p>' }), arabic)).toBe('<div dir="rtl">\n<p>نص عربي.</p>\n</div>');
    expect(item(makeArticle({ slug: 'wire', lang: 'en', source: null, html: '<p>English wire copy.</p>' }), arabic)).toBe(
      '<div dir="rtl">\n<div lang="en" dir="ltr">\n<p>English wire copy.</p>\n</div>\n</div>',
    );
    // The site's own language on a left-to-right site: the content as it was.
    expect(item(makeArticle({ slug: 'english', source: null, html: '<p>Body.</p>' }))).toBe('<p>Body.</p>');
  });

  it('announces feeds.icon as JSON Feed icon and favicon, RSS <image> and Atom <icon>', () => {
    const feeds = siteFeeds([makeArticle()], makeSiteConfig({ feeds: { icon: '/images/icon.png' } }));
    const icon = `${base}/images/icon.png`;
    expect(JSON.parse(feeds.json)).toMatchObject({ icon, favicon: icon });
    const image = childOf(rssChannel(feeds), ns.none, 'image');
    expect([image, ...image.children].map((e) => e.text)).toEqual(['', icon, 'Example News', `${base}/`]);
    expect(childOf(parseXml(feeds.atom), ns.atom, 'icon').text).toBe(icon);
  });
});

describe('an empty site', () => {
  it('writes no 1970 date: RSS and JSON Feed give none, Atom (which requires one) the build time', () => {
    const plan = planSite([], makeSiteConfig(), templates, { now: new Date('2026-11-30T06:00:00Z') });
    const text = (path: string): string => plan.files.find((f) => f.path === path)?.render() ?? '';
    const feeds = { rss: text('feed.xml'), atom: text('atom.xml'), json: text('feed.json') };
    for (const document of [feeds.rss, feeds.atom, feeds.json]) expect(document).not.toMatch(/1970/);
    expect(childrenOf(rssChannel(feeds), ns.none, 'lastBuildDate')).toEqual([]);
    expect(childOf(parseXml(feeds.atom), ns.atom, 'updated').text).toBe('2026-11-30T06:00:00Z');
  });
});
