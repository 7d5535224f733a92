// Generate, parse strictly (saxes) and with a feed reader library (rss-parser), and compare every field,
// for text that breaks naive feed writers.
import Parser from 'rss-parser';
import { describe, expect, it } from 'vitest';
import { toFeedItem } from '../../src/feeds/item.js';
import { renderFeeds } from '../../src/feeds/render.js';
import { makeArticle, makeChannel } from '../fixtures/feeds/factory.js';
import { childOf, childrenOf, ns, parseXml } from '../fixtures/feeds/xml.js';

const base = 'https://news.example.org';
const siteAuthor = { name: 'Example News desk', email: 'desk@example.org' };
const channel = makeChannel({ description: 'News & "views" <daily>', author: siteAuthor });

// Everything a naive writer gets wrong, in one article.
const hostile = makeArticle({
  slug: 'hostile',
  title: 'Markets <b>rally</b> &amp; "quotes" ]]> then ]]>\u0001\u0008\u000B\u001F again 🎉',
  summary: "Tab\there; it's ]]> and ]]> & <i>not italic</i> — مرحبا بالعالم, שלום עולם",
  html: '<p dir="auto">Body ]]> once ]]> twice &amp; <b>bold</b> 👩🏽‍💻 مرحبا\u0000</p>\n<h2>Sub</h2>',
  date: new Date('2022-10-19T08:00:00Z'),
  section: 'R&D "Lab"',
  tags: ['a&b', "it's", '<tag>', 'R&D "Lab"', 'עברית'],
  author: 'Zoë "Z" O\'Brien & co',
  image: { url: 'https://cdn.example.org/photo.jpg?w=800&h=600', alt: 'A "photo"', caption: null, credit: null },
});
const plain = makeArticle({ slug: 'plain', date: new Date('2022-10-18T06:30:00Z'), author: null, source: null, section: null });
const expected = {
  id: `${base}/articles/hostile/`,
  title: 'Markets <b>rally</b> &amp; "quotes" ]]> then ]]> again 🎉',
  // One line: the tab is a space.
  summary: "Tab here; it's ]]> and ]]> & <i>not italic</i> — مرحبا بالعالم, שלום עולם",
  // What the page shows: the figure, the body and the source.
  html:
    '<figure><img src="https://cdn.example.org/photo.jpg?w=800&amp;h=600" alt="A &quot;photo&quot;"></figure>\n' +
    '<p dir="auto">Body ]]> once ]]> twice &amp; <b>bold</b> 👩🏽‍💻 مرحبا</p>\n<h2>Sub</h2>\n<p>Source: Reuters</p>',
  categories: ['R&D "Lab"', 'a&b', "it's", '<tag>', 'עברית'],
  author: 'Zoë "Z" O\'Brien & co',
  image: 'https://cdn.example.org/photo.jpg?w=800&h=600',
};
const items = [hostile, plain].map((a) => toFeedItem(a, `${base}/articles/${a.slug}/`, base, siteAuthor));
const feeds = renderFeeds(items, channel);
const reader = new Parser();

/** What a reader shows for HTML made from plain text: the text itself. */
function htmlToText(html: string): string {
  return html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#13;/g, '\r').replace(/&amp;/g, '&');
}

describe('RSS 2.0 round trip', () => {
  it('is well-formed XML with its namespaces bound, and reads back every field exactly', () => {
    const rss = parseXml(feeds.rss);
    const channelEl = childOf(rss, ns.none, 'channel');
    expect(childOf(channelEl, ns.none, 'description').text).toBe(channel.description);
    const [item, second] = childrenOf(channelEl, ns.none, 'item');
    if (!item || !second) throw new Error('two items expected');
    expect(childOf(item, ns.none, 'title').text).toBe(expected.title);
    expect(childOf(item, ns.none, 'link').text).toBe(expected.id);
    expect(childOf(item, ns.none, 'guid').text).toBe(expected.id);
    expect(childOf(item, ns.none, 'pubDate').text).toBe('Wed, 19 Oct 2022 08:00:00 GMT');
    expect(htmlToText(childOf(item, ns.none, 'description').text)).toBe(expected.summary);
    expect(childOf(item, ns.content, 'encoded').text).toBe(expected.html);
    expect(childOf(item, ns.dc, 'creator').text).toBe(expected.author);
    expect(childrenOf(item, ns.none, 'author')).toEqual([]);
    expect(childrenOf(item, ns.none, 'category').map((c) => c.text)).toEqual(expected.categories);
    expect(childOf(item, ns.none, 'enclosure').attributes).toEqual({ url: expected.image, length: '0', type: 'image/jpeg' });
    // No byline and no source: the site author, with the email RSS <author> requires.
    expect(childOf(second, ns.none, 'author').text).toBe('desk@example.org (Example News desk)');
  });

  it('reads back the same in rss-parser', async () => {
    const parsed = await reader.parseString(feeds.rss);
    const item = parsed.items[0];
    expect(parsed.feedUrl).toBe(channel.selfUrls.rss);
    expect(item?.title).toBe(expected.title);
    expect(item?.link).toBe(expected.id);
    expect(item?.guid).toBe(expected.id);
    expect(item?.isoDate).toBe('2022-10-19T08:00:00.000Z');
    expect(item?.contentSnippet).toBe(expected.summary);
    expect(item?.['content:encoded']).toBe(expected.html);
    expect(item?.creator).toBe(expected.author);
    expect(item?.categories).toEqual(expected.categories);
    expect(item?.enclosure).toEqual({ url: expected.image, length: '0', type: 'image/jpeg' });
  });
});

describe('Atom round trip', () => {
  it('is well-formed XML and reads back every field exactly', () => {
    const feed = parseXml(feeds.atom);
    expect(feed.attributes[`{${ns.xml}}lang`]).toBe('en');
    const entry = childrenOf(feed, ns.atom, 'entry')[0];
    if (!entry) throw new Error('entry expected');
    expect(childOf(entry, ns.atom, 'id').text).toBe(expected.id);
    expect(childOf(entry, ns.atom, 'title')).toMatchObject({ text: expected.title, attributes: { type: 'text' } });
    expect(childOf(entry, ns.atom, 'summary')).toMatchObject({ text: expected.summary, attributes: { type: 'text' } });
    expect(childOf(entry, ns.atom, 'content')).toMatchObject({ text: expected.html, attributes: { type: 'html' } });
    expect(childOf(entry, ns.atom, 'published').text).toBe('2022-10-19T08:00:00Z');
    expect(childOf(entry, ns.atom, 'updated').text).toBe('2022-10-19T08:00:00Z');
    expect(childOf(childOf(entry, ns.atom, 'author'), ns.atom, 'name').text).toBe(expected.author);
    expect(childrenOf(entry, ns.atom, 'category').map((c) => c.attributes.term)).toEqual(expected.categories);
    expect(childrenOf(entry, ns.atom, 'link').map((l) => l.attributes)).toEqual([
      { rel: 'alternate', type: 'text/html', href: expected.id },
      { rel: 'enclosure', type: 'image/jpeg', href: expected.image },
    ]);
  });

  it('reads back the same in rss-parser', async () => {
    const parsed = await reader.parseString(feeds.atom);
    const entry = parsed.items[0] as Record<string, unknown> | undefined;
    expect(parsed.feedUrl).toBe(channel.selfUrls.atom);
    expect(entry).toMatchObject({
      id: expected.id,
      title: expected.title,
      link: expected.id,
      isoDate: '2022-10-19T08:00:00.000Z',
      author: expected.author,
      summary: expected.summary,
      content: expected.html,
    });
  });
});

describe('JSON Feed round trip', () => {
  it('reads back every field exactly', () => {
    const json = JSON.parse(feeds.json) as { items: Record<string, unknown>[] };
    expect(json.items[0]).toEqual({
      id: expected.id,
      url: expected.id,
      title: expected.title,
      content_html: expected.html,
      summary: expected.summary,
      image: expected.image,
      date_published: '2022-10-19T08:00:00Z',
      authors: [{ name: expected.author }],
      tags: expected.categories,
    });
    expect(json.items[1]?.authors).toEqual([{ name: 'Example News desk' }]);
  });
});
