// The validity rules feed validators apply (project notes, "Feed validity"), checked on a whole planned site.
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { planSite, type SitePlan } from '../../src/site/plan.js';
import { loadSiteTemplates, type SiteTemplates } from '../../src/site/templates.js';
import { makeArticle, makeArticles, makeSiteConfig } from '../fixtures/feeds/factory.js';
import { allElements, childOf, childrenOf, ns, parseXml, type XmlElement } from '../fixtures/feeds/xml.js';

const jsonFeedSchema = createRequire(import.meta.url)('jsonfeed-schema/v1.1.js') as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const validate = addFormats(new Ajv({ strict: false, allErrors: true })).compile(jsonFeedSchema);
const base = 'https://news.example.org';
const hub = 'https://hub.example.net/websub';
const config = makeSiteConfig({ feeds: { websubHub: hub, limit: 10 } });
const rfc822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

let templates: SiteTemplates;
let plan: SitePlan;
const feedDirs = ['', 'sections/world/', 'sections/business/', 'sections/sport/'];

beforeAll(async () => {
  templates = await loadSiteTemplates();
  plan = planSite(makeArticles(25), config, templates);
});

function file(path: string, from: SitePlan = plan): string {
  const found = from.files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path} in the plan`);
  return found.render();
}

function isAbsoluteHttp(value: string): boolean {
  return /^https?:\/\/[^/]/.test(value) && URL.canParse(value);
}

/** Every link, id and URL-valued attribute of an XML feed. */
function urlsOf(root: XmlElement): string[] {
  return allElements(root).flatMap((el) => [
    ...(['link', 'guid', 'id'].includes(el.local) && el.text ? [el.text] : []),
    ...(el.attributes.href ? [el.attributes.href] : []),
    ...(el.attributes.url ? [el.attributes.url] : []),
  ]);
}

/** The items of each format as [id, link] pairs, in order. */
function itemsOf(dir: string): { rss: string[][]; atom: string[][]; json: string[][] } {
  const channel = childOf(parseXml(file(`${dir}feed.xml`)), ns.none, 'channel');
  const atom = parseXml(file(`${dir}atom.xml`));
  const json = JSON.parse(file(`${dir}feed.json`)) as { items: { id: string; url: string }[] };
  return {
    rss: childrenOf(channel, ns.none, 'item').map((i) => [childOf(i, ns.none, 'guid').text, childOf(i, ns.none, 'link').text]),
    atom: childrenOf(atom, ns.atom, 'entry').map((e) => [
      childOf(e, ns.atom, 'id').text,
      childrenOf(e, ns.atom, 'link').find((l) => l.attributes.rel === 'alternate')?.attributes.href ?? '',
    ]),
    json: json.items.map((i) => [i.id, i.url]),
  };
}

describe.each(feedDirs)('feeds in "%s"', (dir) => {
  it('RSS: channel basics, a self link equal to its URL, a hub, unique permanent guids, RFC 822 dates with the right weekday', () => {
    const channel = childOf(parseXml(file(`${dir}feed.xml`)), ns.none, 'channel');
    for (const name of ['title', 'link', 'description', 'language']) expect(childOf(channel, ns.none, name).text).not.toBe('');
    const links = childrenOf(channel, ns.atom, 'link').map((l) => l.attributes);
    expect(links).toContainEqual({ href: `${base}/${dir}feed.xml`, rel: 'self', type: 'application/rss+xml' });
    expect(links).toContainEqual({ href: hub, rel: 'hub' });
    const items = childrenOf(channel, ns.none, 'item');
    expect(items.length).toBeGreaterThan(0);
    expect(items.length).toBeLessThanOrEqual(10);
    const guids = items.map((i) => childOf(i, ns.none, 'guid').text);
    expect(new Set(guids).size).toBe(guids.length);
    const dates = [childOf(channel, ns.none, 'lastBuildDate').text, ...items.map((i) => childOf(i, ns.none, 'pubDate').text)];
    for (const date of dates) {
      const [, weekday, day, month, year] = rfc822.exec(date) ?? [];
      expect(weekday, date).toBeDefined();
      expect(weekdays[new Date(Date.UTC(Number(year), months.indexOf(month ?? ''), Number(day))).getUTCDay()]).toBe(weekday);
    }
    for (const url of urlsOf(channel)) expect(isAbsoluteHttp(url), url).toBe(true);
  });

  it('Atom: one id, title and updated per feed and entry, a self link, RFC 3339 dates, an author, absolute URLs', () => {
    const feed = parseXml(file(`${dir}atom.xml`));
    for (const element of [feed, ...childrenOf(feed, ns.atom, 'entry')]) {
      for (const name of ['id', 'title', 'updated']) expect(childrenOf(element, ns.atom, name)).toHaveLength(1);
      expect(childOf(element, ns.atom, 'updated').text).toMatch(rfc3339);
    }
    expect(childrenOf(feed, ns.atom, 'link').filter((l) => l.attributes.rel === 'self').map((l) => l.attributes.href)).toEqual([
      `${base}/${dir}atom.xml`,
    ]);
    expect(childrenOf(feed, ns.atom, 'link').filter((l) => l.attributes.rel === 'hub').map((l) => l.attributes.href)).toEqual([hub]);
    expect(childrenOf(feed, ns.atom, 'author')).toHaveLength(1);
    for (const url of urlsOf(feed)) expect(isAbsoluteHttp(url), url).toBe(true);
  });

  it('JSON Feed: valid against the JSON Feed 1.1 schema, version 1.1, authors, absolute URLs, hubs', () => {
    const feed = JSON.parse(file(`${dir}feed.json`)) as Record<string, unknown> & { items: Record<string, unknown>[] };
    expect(validate(feed), JSON.stringify(validate.errors)).toBe(true);
    expect(feed).toMatchObject({
      version: 'https://jsonfeed.org/version/1.1',
      feed_url: `${base}/${dir}feed.json`,
      home_page_url: `${base}/${dir}`,
      language: 'en',
      authors: [{ name: 'Example News desk' }],
      hubs: [{ type: 'WebSub', url: hub }],
    });
    for (const item of feed.items) {
      expect(typeof item.id === 'string' && item.id !== '').toBe(true);
      expect(typeof item.content_html).toBe('string');
      expect(item.date_published).toMatch(rfc3339);
    }
  });

  it('lists the same items, in the same order, with the same ids and links in all three formats', () => {
    const { rss, atom, json } = itemsOf(dir);
    expect(atom).toEqual(rss);
    expect(json).toEqual(rss);
  });
});

describe('feed ids', () => {
  it('never change when an article is edited (title, text, date, section)', () => {
    const before = makeArticle({ slug: 'stable' });
    const after = makeArticle({ slug: 'stable', title: 'Corrected', html: '<p>New</p>', date: new Date('2022-10-20T00:00:00Z'), section: 'Business' });
    const idsOf = (article: typeof before): string[] => {
      const site = planSite([article], config, templates);
      const rss = childOf(parseXml(file('feed.xml', site)), ns.none, 'channel');
      const atom = parseXml(file('atom.xml', site));
      const json = JSON.parse(file('feed.json', site)) as { items: { id: string }[] };
      return [
        childOf(childOf(rss, ns.none, 'item'), ns.none, 'guid').text,
        childOf(childOf(atom, ns.atom, 'entry'), ns.atom, 'id').text,
        json.items[0]?.id ?? '',
      ];
    };
    const expected = Array(3).fill(`${base}/articles/stable/`);
    expect(idsOf(before)).toEqual(expected);
    expect(idsOf(after)).toEqual(expected);
  });

  it('are unique across the site feed even for 1,000 articles', () => {
    const big = planSite(makeArticles(1000), makeSiteConfig({ feeds: { limit: 1000 } }), templates);
    const ids = (JSON.parse(file('feed.json', big)) as { items: { id: string }[] }).items.map((i) => i.id);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(1000);
  });
});

describe('feed size', () => {
  const long = (i: number): string => `<p>${`Paragraph ${i} of a long report. `.repeat(1500)}</p>`;
  const itemIds = (site: ReturnType<typeof planSite>): string[][] => {
    const rss = childOf(parseXml(file('feed.xml', site)), ns.none, 'channel');
    const atom = parseXml(file('atom.xml', site));
    const json = JSON.parse(file('feed.json', site)) as { items: { id: string }[] };
    return [
      childrenOf(rss, ns.none, 'item').map((item) => childOf(item, ns.none, 'guid').text),
      childrenOf(atom, ns.atom, 'entry').map((entry) => childOf(entry, ns.atom, 'id').text),
      json.items.map((item) => item.id),
    ];
  };

  it('leaves out the oldest articles a feed cannot hold within feeds.maxBytes, the same in all three formats', () => {
    const articles = makeArticles(20).map((article, i) => ({ ...article, html: long(i) }));
    const site = planSite(articles, makeSiteConfig({ feeds: { maxBytes: 300_000 } }), templates);
    const [rss = [], atom, json] = itemIds(site);
    expect(rss.length).toBeGreaterThan(1);
    expect(rss.length).toBeLessThan(20);
    expect(atom).toEqual(rss);
    expect(json).toEqual(rss);
    expect(rss[0]).toBe(`${base}/articles/article-00000/`);
    for (const name of ['feed.xml', 'atom.xml', 'feed.json']) expect(Buffer.byteLength(file(name, site)), name).toBeLessThanOrEqual(300_000);
    // One more would not fit: the feed holds as many as it can.
    const more = planSite(articles.slice(0, rss.length + 1), makeSiteConfig({ feeds: { maxBytes: 10_000_000 } }), templates);
    expect(Math.max(...['feed.xml', 'atom.xml', 'feed.json'].map((name) => Buffer.byteLength(file(name, more))))).toBeGreaterThan(300_000);
  });

  it('keeps the newest article even when it alone is over the budget, and leaves a feed under it as it was', () => {
    const huge = makeArticles(3).map((article, i) => ({ ...article, html: long(i).repeat(3) }));
    expect(itemIds(planSite(huge, makeSiteConfig({ feeds: { maxBytes: 100_000 } }), templates))[0]).toEqual([`${base}/articles/article-00000/`]);
    const unbounded = planSite(makeArticles(25), makeSiteConfig({ feeds: { websubHub: hub, limit: 10, maxBytes: 100_000_000 } }), templates);
    for (const name of ['feed.xml', 'atom.xml', 'feed.json']) expect(file(name, unbounded), name).toBe(file(name));
  });
});
