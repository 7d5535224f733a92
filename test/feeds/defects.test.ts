// One test per feed@6 defect listed in the project notes: none of them may reach Gazette's feeds.
import Parser from 'rss-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { absoluteUrl } from '../../src/content/url.js';
import { toFeedItem } from '../../src/feeds/item.js';
import { resolveLocale } from '../../src/i18n/index.js';
import { renderFeeds, type RenderedFeeds } from '../../src/feeds/render.js';
import { planSite } from '../../src/site/plan.js';
import { loadSiteTemplates } from '../../src/site/templates.js';
import { makeArticle, makeArticles, makeChannel, makeSiteConfig } from '../fixtures/feeds/factory.js';
import { childOf, childrenOf, ns, parseXml } from '../fixtures/feeds/xml.js';

const english = resolveLocale('en');

const base = 'https://news.example.org';
const desk = { name: 'Desk', email: 'desk@example.org' };
const channel = makeChannel({ title: 'T', description: 'D', language: 'pt-BR', author: desk, updated: new Date('2024-01-01T00:00:00Z') });

function render(...articles: Article[]): RenderedFeeds {
  return renderFeeds(
    articles.map((a) => toFeedItem(a, `${base}/articles/${a.slug}/`, base, desk, english)),
    channel,
  );
}

interface JsonFeed {
  version: string;
  language: string;
  authors: { name: string }[];
  items: { id: string; title: string; content_html: string; image?: string; authors: { name: string }[]; tags?: string[] }[];
}

function json(feeds: RenderedFeeds): JsonFeed {
  return JSON.parse(feeds.json) as JsonFeed;
}

function firstEntry(feeds: RenderedFeeds): { rssItem: ReturnType<typeof parseXml>; atomEntry: ReturnType<typeof parseXml> } {
  const rssItem = childrenOf(childOf(parseXml(feeds.rss), ns.none, 'channel'), ns.none, 'item')[0];
  const atomEntry = childrenOf(parseXml(feeds.atom), ns.atom, 'entry')[0];
  if (!rssItem || !atomEntry) throw new Error('no item');
  return { rssItem, atomEntry };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('feed@6 defects kept out of the output', () => {
  it('1. splits no CDATA: any number of "]]>" in title, summary and content stays well-formed and exact', () => {
    const text = ']]>]]> a ]]> b ]]>';
    const feeds = render(makeArticle({ title: text, summary: text, html: `<p>${text}</p>`, source: null }));
    const { rssItem, atomEntry } = firstEntry(feeds);
    expect(childOf(rssItem, ns.content, 'encoded').text).toBe(`<p>${text}</p>`);
    expect(childOf(atomEntry, ns.atom, 'title').text).toBe(text);
    expect(childOf(atomEntry, ns.atom, 'content').text).toBe(`<p>${text}</p>`);
    expect(json(feeds).items[0]?.title).toBe(text);
  });

  it('2. drops XML-illegal control characters everywhere, and the three formats say the same', () => {
    const illegal = [...Array.from({ length: 32 }, (_, c) => c).filter((c) => ![9, 10, 13].includes(c)), 0xfffe, 0xffff]
      .map((c) => String.fromCharCode(c))
      .join('');
    const dirty = `a${illegal}\uD800b`;
    const feeds = render(makeArticle({ title: dirty, summary: dirty, html: `<p>${dirty}</p>`, author: dirty, tags: [dirty], source: null }));
    const { rssItem, atomEntry } = firstEntry(feeds);
    expect(childOf(rssItem, ns.none, 'title').text).toBe('ab');
    expect(childOf(rssItem, ns.dc, 'creator').text).toBe('ab');
    expect(childOf(atomEntry, ns.atom, 'content').text).toBe('<p>ab</p>');
    expect(json(feeds).items[0]).toMatchObject({ title: 'ab', content_html: '<p>ab</p>', authors: [{ name: 'ab' }] });
    for (const document of [feeds.rss, feeds.atom, feeds.json]) {
      // eslint-disable-next-line no-control-regex -- these very characters are what the test looks for
      expect(document).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDFFF]/);
    }
  });

  it('3. escapes every attribute value (a category is one line: tabs and newlines are spaces)', () => {
    const term = 'R&D <"lab"> it\'s\ta\nb';
    const feeds = render(makeArticle({ section: term, image: { url: 'https://x.example/a.png?a=1&b="2"', alt: '', caption: null, credit: null } }));
    const { rssItem, atomEntry } = firstEntry(feeds);
    expect(childrenOf(atomEntry, ns.atom, 'category').map((c) => c.attributes.term)).toEqual(['R&D <"lab"> it\'s a b']);
    expect(childrenOf(rssItem, ns.none, 'category').map((c) => c.text)).toEqual(['R&D <"lab"> it\'s a b']);
    // RSS categories carry no domain attribute at all; the URL attribute round-trips (quotes percent-encoded).
    expect(childOf(rssItem, ns.none, 'category').attributes).toEqual({});
    expect(childOf(rssItem, ns.none, 'enclosure').attributes.url).toBe('https://x.example/a.png?a=1&b=%222%22');
  });

  it('4. keeps a literal "&amp;" literal in every format and in a feed reader', async () => {
    const feeds = render(makeArticle({ title: 'Salt &amp; pepper', summary: 'Fish &amp; chips' }));
    const { atomEntry } = firstEntry(feeds);
    const reader = new Parser();
    expect((await reader.parseString(feeds.rss)).items[0]?.title).toBe('Salt &amp; pepper');
    expect((await reader.parseString(feeds.rss)).items[0]?.contentSnippet).toBe('Fish &amp; chips');
    expect((await reader.parseString(feeds.atom)).items[0]?.title).toBe('Salt &amp; pepper');
    expect(childOf(atomEntry, ns.atom, 'title').attributes.type).toBe('text');
    expect(json(feeds).items[0]?.title).toBe('Salt &amp; pepper');
  });

  it('5. writes a name-only author as dc:creator, never as an RSS <author> without an email', () => {
    const named = firstEntry(render(makeArticle({ author: 'Jane Doe' }))).rssItem;
    expect(childOf(named, ns.dc, 'creator').text).toBe('Jane Doe');
    expect(childrenOf(named, ns.none, 'author')).toEqual([]);
    const desk = firstEntry(render(makeArticle({ author: null, source: null }))).rssItem;
    expect(childOf(desk, ns.none, 'author').text).toBe('desk@example.org (Desk)');
    expect(childrenOf(desk, ns.dc, 'creator')).toEqual([]);
  });

  it('6. gives Atom an xml:lang and JSON Feed version 1.1 with authors, language, ids and content', () => {
    const feeds = render(makeArticle({ html: '', source: null }));
    expect(parseXml(feeds.atom).attributes[`{${ns.xml}}lang`]).toBe('pt-BR');
    const feed = json(feeds);
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.language).toBe('pt-BR');
    expect(feed.authors).toEqual([{ name: 'Desk' }]);
    expect(feed.items[0]).toMatchObject({ id: `${base}/articles/an-article/`, content_html: '<p>Summary of an-article.</p>' });
  });

  it('7. never throws on a relative or broken URL: relative ones are made absolute, broken ones dropped', () => {
    expect(absoluteUrl('images/a.png', base)).toBe(`${base}/images/a.png`);
    expect(absoluteUrl('/images/a.png', 'https://example.org/news')).toBe('https://example.org/news/images/a.png');
    expect(absoluteUrl('//cdn.example.org/a.png', base)).toBe('https://cdn.example.org/a.png');
    expect(absoluteUrl('https://[bad', base)).toBeNull();
    expect(absoluteUrl('javascript:alert(1)', base)).toBeNull();
    // A "%" that starts no escape is no URI character: escaped itself; a real escape stays as it is.
    expect(absoluteUrl('/images/100%.png?q=50%&x=%41', base)).toBe(`${base}/images/100%25.png?q=50%25&x=%41`);
    const image = (url: string) => ({ url, alt: '', caption: null, credit: null });
    const feeds = render(
      makeArticle({ slug: 'rel', image: image('photos/a b.jpg') }),
      makeArticle({ slug: 'broken', image: image('http://[::1') }),
    );
    const [relative, broken] = json(feeds).items;
    expect(relative?.image).toBe(`${base}/photos/a%20b.jpg`);
    expect(broken).toBeDefined();
    expect(broken?.image).toBeUndefined();
  });

  it('8. takes feed dates from the articles, never the clock', async () => {
    const config = makeSiteConfig();
    const templates = await loadSiteTemplates();
    const articles = makeArticles(5);
    const feedBytes = (): string[] =>
      planSite(articles, config, templates)
        .files.filter((f) => f.feedUrl !== null)
        .map((f) => f.render());
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const first = feedBytes();
    vi.setSystemTime(new Date('2031-06-15T12:34:56Z'));
    expect(feedBytes()).toEqual(first);
    const rss = first.find((text) => text.includes('<rss')) ?? '';
    expect(childOf(childOf(parseXml(rss), ns.none, 'channel'), ns.none, 'lastBuildDate').text).toBe('Mon, 01 Jan 2024 00:00:00 GMT');
  });

  it('9. gives each format its own self link, for the site and for each section', async () => {
    const plan = planSite(makeArticles(3, ['World']), makeSiteConfig(), await loadSiteTemplates());
    const text = (path: string): string => plan.files.find((f) => f.path === path)?.render() ?? '';
    for (const dir of ['', 'sections/world/']) {
      const rssChannel = childOf(parseXml(text(`${dir}feed.xml`)), ns.none, 'channel');
      expect(childrenOf(rssChannel, ns.atom, 'link').map((l) => l.attributes)).toEqual([
        { href: `${base}/${dir}feed.xml`, rel: 'self', type: 'application/rss+xml' },
      ]);
      const atomSelf = childrenOf(parseXml(text(`${dir}atom.xml`)), ns.atom, 'link').filter((l) => l.attributes.rel === 'self');
      expect(atomSelf.map((l) => l.attributes.href)).toEqual([`${base}/${dir}atom.xml`]);
      expect((JSON.parse(text(`${dir}feed.json`)) as { feed_url: string }).feed_url).toBe(`${base}/${dir}feed.json`);
    }
  });

  it('10. names the real MIME type of an image, and puts nothing else on the enclosure', () => {
    const image = (url: string) => ({ url, alt: 'x', caption: 'c', credit: 'r' });
    const types = ['a.jpg', 'b.JPEG', 'c.png', 'd.webp', 'e.svg', 'f.gif', 'g.avif'].map((name) => {
      const enclosure = childOf(firstEntry(render(makeArticle({ image: image(`${base}/${name}`) }))).rssItem, ns.none, 'enclosure');
      expect(Object.keys(enclosure.attributes).sort()).toEqual(['length', 'type', 'url']);
      return enclosure.attributes.type;
    });
    expect(types).toEqual(['image/jpeg', 'image/jpeg', 'image/png', 'image/webp', 'image/svg+xml', 'image/gif', 'image/avif']);
    // An unknown type is not guessed, and the image is kept: Atom's enclosure and Media RSS need no type.
    const url = `${base}/photo.php?id=1`;
    const unknown = render(makeArticle({ image: image(url) }));
    const { rssItem, atomEntry } = firstEntry(unknown);
    expect(childrenOf(rssItem, ns.none, 'enclosure')).toEqual([]);
    expect(childOf(rssItem, 'http://search.yahoo.com/mrss/', 'content').attributes).toEqual({ url, medium: 'image' });
    expect(childrenOf(atomEntry, ns.atom, 'link').map((l) => l.attributes)).toContainEqual({ rel: 'enclosure', href: url });
    expect(json(unknown).items[0]?.image).toBe(url);
  });
});
