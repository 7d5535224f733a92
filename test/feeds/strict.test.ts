// What the W3C Feed Validation Service, a strict XML parser and the JSON Feed 1.1 schema found in Gazette's feeds
// when fed hostile input: each case as it was found, kept out of the output.
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { sanitizeBody } from '../../src/content/sanitize.js';
import { parseSiteConfig } from '../../src/config/load.js';
import { toFeedItem } from '../../src/feeds/item.js';
import { renderFeeds, type RenderedFeeds } from '../../src/feeds/render.js';
import { resolveLocale, type Locale } from '../../src/i18n/index.js';
import { makeArticle, makeChannel, siteInput } from '../fixtures/feeds/factory.js';
import { childOf, childrenOf, ns, parseXml } from '../fixtures/feeds/xml.js';

const jsonFeedSchema = createRequire(import.meta.url)('jsonfeed-schema/v1.1.js') as object;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const validateJson = addFormats(new Ajv({ strict: false, allErrors: true })).compile(jsonFeedSchema);
const base = 'https://news.example.org';
const desk = { name: 'Desk', email: 'desk@example.org' };

function render(article: Article, locale: Locale = resolveLocale('en'), channel = makeChannel()): RenderedFeeds {
  return renderFeeds([toFeedItem(article, `${base}/articles/${article.slug}/`, base, desk, locale)], channel);
}

/** The feeds parsed as strict clients parse them: XML that is not well-formed throws, JSON must pass the 1.1 schema. */
function parsed(feeds: RenderedFeeds): { rss: ReturnType<typeof parseXml>; atom: ReturnType<typeof parseXml>; json: unknown } {
  const json: unknown = JSON.parse(feeds.json);
  expect(validateJson(json), JSON.stringify(validateJson.errors)).toBe(true);
  return { rss: parseXml(feeds.rss), atom: parseXml(feeds.atom), json };
}

describe('feeds a strict client reads', () => {
  it('stay well-formed when a site catalogue slips a control character into its words (a pasted soft line break)', () => {
    const locale = resolveLocale('en', { en: { path: 'content/templates/locales/en.json', messages: { 'article.source': 'Source:\u000b{source}' } } });
    const feeds = render(makeArticle({ source: 'AP' }), locale);
    const { rss } = parsed(feeds);
    const item = childrenOf(childOf(rss, ns.none, 'channel'), ns.none, 'item')[0]!;
    expect(childOf(item, ns.content, 'encoded').text).toContain('<p>Source:AP</p>');
  });

  it('percent-encode what URIs may not hold (| ^ { } and a backtick) in an image URL and in links of the body', () => {
    const html = sanitizeBody('<p><a href="https://example.org/a|b?q={x}">x</a></p>', base);
    expect(html).toBe('<p><a href="https://example.org/a%7Cb?q=%7Bx%7D">x</a></p>');
    const image = { url: 'https://cdn.example.com/a|b^c{d}.jpg?w=1|2', alt: 'A', caption: null, credit: null };
    const feeds = render(makeArticle({ image, html }));
    const { rss } = parsed(feeds);
    const item = childrenOf(childOf(rss, ns.none, 'channel'), ns.none, 'item')[0]!;
    expect(childOf(item, ns.none, 'enclosure').attributes.url).toBe('https://cdn.example.com/a%7Cb%5Ec%7Bd%7D.jpg?w=1%7C2');
  });

  it('drop a link no parser reads, rather than carry it as if it were one', () => {
    expect(sanitizeBody('<p><a href="http://[bad">a</a> <a href="https://exa mple.org/x">b</a> <a href="#notes">c</a></p>', base)).toBe(
      '<p><a>a</a> <a>b</a> <a href="#notes">c</a></p>',
    );
  });

  it('make only links absolute: a body that quotes href="#frag" in its text keeps its words', () => {
    const html = '<p><a href="#notes">notes</a></p><pre><code>&lt;a href="#frag"&gt;</code></pre><p>write href="#top" to link up</p>';
    const feeds = render(makeArticle({ slug: 'story', html }));
    const content = (parsed(feeds).json as { items: { content_html: string }[] }).items[0]!.content_html;
    expect(content).toContain(`<a href="${base}/articles/story/#notes">notes</a>`);
    expect(content).toContain('<pre><code>&lt;a href="#frag"&gt;</code></pre>');
    expect(content).toContain('<p>write href="#top" to link up</p>');
  });

  it('give RSS no <image> for an icon named SVG, ICO, WebP or AVIF: such an icon is Atom\'s and JSON Feed\'s only', () => {
    const channelOf = (icon: string) => childOf(parsed(render(makeArticle(), resolveLocale('en'), makeChannel({ icon }))).rss, ns.none, 'channel');
    expect(childrenOf(channelOf(`${base}/images/icon.svg`), ns.none, 'image')).toHaveLength(0);
    expect(childrenOf(channelOf(`${base}/images/icon.png`), ns.none, 'image')).toHaveLength(1);
    // An avatar service's URL has no extension: it may well be a PNG, and stays.
    expect(childrenOf(channelOf('https://www.gravatar.com/avatar/0bc83cb571cd1c50ba6f3e8a78ef1346?s=144'), ns.none, 'image')).toHaveLength(1);
    expect(parsed(render(makeArticle(), resolveLocale('en'), makeChannel({ icon: `${base}/images/icon.svg` }))).atom.children.some((el) => el.local === 'icon')).toBe(true);
  });

  it('write no blank Atom <content> for an article with neither body nor summary', () => {
    const { atom } = parsed(render(makeArticle({ html: '', summary: '', source: null, image: null })));
    const entry = childrenOf(atom, ns.atom, 'entry')[0]!;
    expect(childrenOf(entry, ns.atom, 'content')).toHaveLength(0);
  });
});

describe('the site config', () => {
  it('refuses a title or an author name that is only control characters or zero-width spaces', () => {
    expect(() => parseSiteConfig({ ...siteInput, title: '\u0001\u200b' })).toThrow(/title: expected the site title/);
    expect(() => parseSiteConfig({ ...siteInput, author: { name: '\u0003 ' } })).toThrow(/author\.name: expected the author or desk name/);
  });

  it('keeps a WebSub hub URL as it is meant, its final slash included, and escapes a space', () => {
    const hubOf = (websubHub: string): string | null => parseSiteConfig({ ...siteInput, feeds: { websubHub } }).feeds.websubHub;
    expect(hubOf('https://hub.example.net/websub/')).toBe('https://hub.example.net/websub/');
    expect(hubOf('https://hub.example.net/websub')).toBe('https://hub.example.net/websub');
    expect(hubOf('https://hub.example.net/a b')).toBe('https://hub.example.net/a%20b');
    expect(hubOf('https://pubsubhubbub.appspot.com')).toBe('https://pubsubhubbub.appspot.com');
  });
});
