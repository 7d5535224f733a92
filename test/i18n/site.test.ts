// A site in another language end to end: `gazette build` on real content folders, the pages and feeds it
// writes, the digest and the server's words for the same config.
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import Parser from 'rss-parser';
import { SaxesParser } from 'saxes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/config/load.js';
import { loadArticles } from '../../src/content/load.js';
import { prepareDigestMessages } from '../../src/delivery/message.js';
import { renderEmailMjml } from '../../src/digest/email.js';
import { digestView, renderDigest } from '../../src/digest/render.js';
import { toFeedItem } from '../../src/feeds/item.js';
import { resolveLocale, t } from '../../src/i18n/index.js';
import { sortArticles } from '../../src/site/layout.js';
import { renderIndexPage, renderRedirectPage } from '../../src/site/pages.js';
import { loadSiteTemplates } from '../../src/site/templates.js';
import { run } from '../cli/run.js';
import { makeArticle, pinnedNow, sampleArticles, testConfig } from '../fixtures/digest/articles.js';
import { makeArticle as makeFeedArticle } from '../fixtures/feeds/factory.js';

const mixedSite = new URL('../fixtures/i18n/mixed/', import.meta.url).pathname;

let root: string;
let content: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazette-i18n-'));
  content = join(root, 'content');
  out = join(root, 'public');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const siteJson = (language: string, extra: object = {}): string =>
  JSON.stringify({
    title: 'Example News',
    baseUrl: 'https://news.example.org',
    language,
    author: { name: 'Example News desk' },
    newsletter: { from: 'Example News <news@example.org>', postalAddress: '1 Example Street' },
    ...extra,
  });

async function siteWith(language: string, files: Record<string, string>): Promise<void> {
  await mkdir(content, { recursive: true });
  await writeFile(join(content, 'site.json'), siteJson(language));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(content, path, '..'), { recursive: true });
    await writeFile(join(content, path), text);
  }
}

const story = (date: string, title: string): string => `date ${date} WORLD\n${title}\nA standfirst.\n\nA paragraph.\n\nREAD MORE: Another story\n\nSOURCE: Agencies\n`;

describe('a Turkish site', () => {
  it('writes its dates, words and page counts in Turkish', async () => {
    await siteWith('tr', { 'ilk.txt': story('2022-10-19', 'Birinci haber'), 'ikinci.txt': story('2022-10-20', 'İkinci haber') });
    const result = await run(['build', '--content', content, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const index = await readFile(join(out, 'index.html'), 'utf8');
    expect(index).toContain('<html lang="tr" dir="ltr">');
    expect(index).toContain('<time datetime="2022-10-20T00:00:00Z">20 Ekim 2022</time>');
    expect(index).toContain('<nav aria-label="Diğer bağlantılar">');
    expect(index).toContain('>E-postayla abone ol</a>');
    const article = await readFile(join(out, 'articles', 'ikinci', 'index.html'), 'utf8');
    expect(article).toContain('<h2>İlgili haberler</h2>');
    expect(article).toContain('<p class="source">Kaynak: Agencies</p>');
    const subscribe = await readFile(join(out, 'subscribe', 'index.html'), 'utf8');
    expect(subscribe).toContain('<title>Abone ol — Example News</title>');
    expect(subscribe).toContain('<label for="name">Adınız <span class="optional">(isteğe bağlı)</span></label>');

    const config = testConfig({}, { language: 'tr' });
    const paged = renderIndexPage({ articles: sampleArticles(2), number: 1, count: 3 }, [], config, await loadSiteTemplates());
    expect(paged).toContain('<span>Sayfa 1 / 3</span>');
    expect(paged).toContain('rel="next">Daha eski →</a>');
  });

  it('words a feed item\'s related list and source, marked as the site\'s language in an Arabic item, in French', () => {
    const french = resolveLocale('fr');
    const related = [{ title: 'Autre', url: '/articles/autre/' }];
    const item = toFeedItem(makeFeedArticle({ related, source: 'AFP' }), 'https://news.example.org/a/', 'https://news.example.org', { name: 'Desk', email: null }, french);
    expect(item.contentHtml).toContain('<h2>À lire aussi</h2>');
    expect(item.contentHtml).toContain('<p>Source\u00a0: AFP</p>');
    const arabic = toFeedItem(makeFeedArticle({ related, lang: 'ar' }), 'https://news.example.org/a/', 'https://news.example.org', { name: 'Desk', email: null }, french);
    expect(arabic.contentHtml).toContain('<h2 lang="fr" dir="ltr">À lire aussi</h2>');
    expect(arabic.contentHtml).toContain('<p lang="fr" dir="ltr">Source\u00a0: Reuters</p>');
  });

  it('names each read-more link after its story and words the text part\'s own-line links in French', async () => {
    const config = testConfig({}, { language: 'fr' });
    const digest = await renderDigest({ number: 3, date: pinnedNow, articles: [makeArticle()], config });
    expect(digest.html).toMatch(/aria-label="Lire la suite\u00a0: [^"]+"> Lire la suite </);
    expect(digest.text).toContain('Se désabonner\u00a0:\n<%%GZ_UNSUBSCRIBE_URL%%>');
    expect(digest.text).toContain('Voir dans le navigateur\u00a0:\n<%%GZ_WEB_URL%%>');
  });

  it('counts a digest\'s stories and dates its issue in Turkish', async () => {
    const config = testConfig({}, { language: 'tr' });
    const one = await renderDigest({ number: 7, date: pinnedNow, articles: [makeArticle()], config });
    const three = await renderDigest({ number: 8, date: pinnedNow, articles: sampleArticles(3), config });
    expect(one.text).toContain('Bu sayıda tek bir yeni haber var.');
    expect(three.text).toContain('Bu sayıda 3 yeni haber var.');
    expect(three.html).toContain('Sayı 8 · 24 Ekim 2022');
    expect(three.subject).toBe(`Example News — 24 Ekim 2022: ${sampleArticles(1)[0]!.title}`);
    expect(three.text).toContain('Devamını oku');
    expect(three.text).toContain('Abonelikten çık');
    expect(t(config.locale, 'server.subscribe.rateLimited', { minutes: 1 })).toBe(
      'Çok fazla abonelik isteği gönderildi. Lütfen 1 dakika sonra yeniden deneyin.',
    );
  });
});

describe('a redirect page at an old URL', () => {
  it('says the page has moved in the site\'s language, the headline isolated on a right-to-left page', async () => {
    const templates = await loadSiteTemplates();
    const page = (language: string): string =>
      renderRedirectPage('articles/old-slug/', 'articles/new-slug/', 'Talks & peace', testConfig({}, { language }), templates);
    expect(page('de')).toContain('<p>Diese Seite ist umgezogen: <a href="../../articles/new-slug/">Talks &amp; peace</a></p>');
    expect(page('fr')).toContain('<p>Cette page a été déplacée\u00a0: <a href="../../articles/new-slug/">Talks &amp; peace</a></p>');
    const arabic = page('ar');
    expect(arabic).toContain('<html lang="ar" dir="rtl">');
    expect(arabic).toContain('<p>نُقلت هذه الصفحة إلى: <a href="../../articles/new-slug/"><bdi>Talks &amp; peace</bdi></a></p>');
  });
});

describe('a site\'s own catalogue', () => {
  it('overrides built-in words in pages', async () => {
    await siteWith('tr', {
      'ilk.txt': story('2022-10-19', 'Birinci haber'),
      'templates/locales/tr.json': JSON.stringify({ 'article.readMore': 'Bunlar da ilginizi çekebilir' }),
    });
    const result = await run(['build', '--content', content, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(await readFile(join(out, 'articles', 'ilk', 'index.html'), 'utf8')).toContain('<h2>Bunlar da ilginizi çekebilir</h2>');

    // An edited catalogue is an input of every page: the next build rewrites them, unchanged articles included.
    await writeFile(join(content, 'templates', 'locales', 'tr.json'), JSON.stringify({ 'article.readMore': 'Ayrıca okuyun' }));
    expect((await run(['build', '--content', content, '--out', out])).code).toBe(0);
    expect(await readFile(join(out, 'articles', 'ilk', 'index.html'), 'utf8')).toContain('<h2>Ayrıca okuyun</h2>');
  });

  it('adds a language: words it lacks are English, and build warns once however many pages use them', async () => {
    await siteWith('pt', {
      'um.txt': story('2022-10-19', 'Primeira notícia'),
      'dois.txt': story('2022-10-20', 'Segunda notícia'),
      'templates/locales/pt.json': JSON.stringify({ 'article.readMore': 'Leia também', 'site.subscribeByEmail': 'Assine por e-mail' }),
    });
    const first = await run(['build', '--content', content, '--out', out]);
    expect(first.code, first.stderr).toBe(0);
    const warnings = first.stderr.split('\n').filter(Boolean);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^warning: .*templates\/locales\/pt\.json: no "pt" words for \d+ keys, English is shown: site\.nav\.sections, site\.nav\.elsewhere, /);
    expect(warnings[0]).toContain(' — add them to <content>/templates/locales/pt.json');
    const article = await readFile(join(out, 'articles', 'dois', 'index.html'), 'utf8');
    expect(article).toContain('<html lang="pt" dir="ltr">');
    expect(article).toContain('<h2>Leia também</h2>');
    expect(article).toContain('>Assine por e-mail</a>');
    expect(article).toContain('<p class="source">Source: Agencies</p>');
    expect(article).toContain('20 de outubro de 2022');

    // publish runs the same build and says the same, once.
    const published = await run(['publish', '--content', content, '--out', out, '--db', join(root, 'gazette.db'), '--outbox', join(root, 'outbox')]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stderr.split('\n').filter((line) => line.startsWith('warning: '))).toEqual(warnings);
  });

  it('cannot pick a language Gazette has no words for: exit 2, naming the built-in ones', async () => {
    await siteWith('pt-BR', { 'um.txt': story('2022-10-19', 'Primeira notícia') });
    const result = await run(['build', '--content', content, '--out', out]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('site.json: language: Gazette has no words for "pt-BR" (built in: en, ar, de, es, fr, tr)');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

/** A stored digest text with its region marks on lines of their own (markTextRegions joined them to their neighbours), left out. */
function markTextRegionsOff(text: string): string {
  return text.replace(/%%GZ_(?:IF_[a-z0-9]+|ENDIF)%%/g, '\n');
}

describe('a mixed-language desk', () => {
  beforeEach(async () => {
    await cp(mixedSite, content, { recursive: true });
  });

  it('marks each article in another language than the site\'s on its page and in the list, and reads wire text\'s language from its folder', async () => {
    const result = await run(['build', '--content', content, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const english = await readFile(join(out, 'articles', '2026-11-20-markets', 'index.html'), 'utf8');
    expect(english).toContain('<html lang="ar" dir="rtl">');
    expect(english).toContain('<article class="article" lang="en" dir="ltr">');
    const turkish = await readFile(join(out, 'articles', '2026-11-19-istanbul-ferries', 'index.html'), 'utf8');
    expect(turkish).toContain('<article class="article" lang="tr" dir="ltr">');
    const arabic = await readFile(join(out, 'articles', '2026-11-24-central-bank', 'index.html'), 'utf8');
    expect(arabic).toContain('<article class="article">');
    const index = await readFile(join(out, 'index.html'), 'utf8');
    expect(index).toContain('<article lang="en" dir="ltr">\n<h2><a href="articles/2026-11-20-markets/">');
  });

  it('gives every feed item its own language, as RSS, Atom and JSON Feed readers read it back', async () => {
    expect((await run(['build', '--content', content, '--out', out])).code).toBe(0);
    const expected = {
      'https://arabic.example.org/articles/2026-11-24-central-bank/': 'ar',
      'https://arabic.example.org/articles/2026-11-20-markets/': 'en',
      'https://arabic.example.org/articles/2026-11-19-istanbul-ferries/': 'tr',
    };

    const rss = await new Parser<object, { 'dc:language'?: string }>({ customFields: { item: ['dc:language'] } }).parseString(
      await readFile(join(out, 'feed.xml'), 'utf8'),
    );
    const channelLanguage = (rss as { language?: string }).language;
    expect(channelLanguage).toBe('ar');
    const rssLanguages = Object.fromEntries(rss.items.map((item) => [item.link, item['dc:language'] ?? channelLanguage]));
    expect(rssLanguages).toMatchObject(expected);

    // Atom: xml:lang is inherited, so each entry's language is the nearest one on its way up.
    const atomLanguages: Record<string, string> = {};
    const stack: string[] = [];
    let inId = false;
    const sax = new SaxesParser({ xmlns: true });
    sax.on('opentag', (tag) => {
      stack.push(tag.attributes['xml:lang']?.value ?? stack.at(-1) ?? '');
      inId = tag.local === 'id' && stack.length === 3;
    });
    sax.on('text', (text) => {
      if (inId) atomLanguages[text] = stack.at(-2) ?? '';
    });
    sax.on('closetag', () => {
      stack.pop();
      inId = false;
    });
    sax.write(await readFile(join(out, 'atom.xml'), 'utf8')).close();
    expect(atomLanguages).toMatchObject(expected);

    const json = JSON.parse(await readFile(join(out, 'feed.json'), 'utf8')) as { language: string; items: { id: string; language?: string }[] };
    expect(json.language).toBe('ar');
    expect(Object.fromEntries(json.items.map((item) => [item.id, item.language ?? json.language]))).toMatchObject(expected);
    expect(json.items.filter((item) => item.language !== undefined)).toHaveLength(3);

    // An English wire story that names no language is not the feed's Arabic: undetermined (`und`), in Atom `xml:lang=""`.
    const wire = 'https://arabic.example.org/articles/2026-11-17-wire-english/';
    expect([rssLanguages[wire], atomLanguages[wire], json.items.find((item) => item.id === wire)?.language]).toEqual(['und', '', 'und']);
  });

  it('labels an article\'s block in a digest with its language and direction, aligns its button with it, and greets a nameless reader in Arabic', async () => {
    const config = await loadSiteConfig(content);
    const { articles } = await loadArticles(content, { timezone: config.timezone, baseUrl: config.baseUrl, languages: config.languages });
    const digest = await renderDigest({ number: 1, date: pinnedNow, articles: sortArticles(articles), config });
    expect(digest.html).toMatch(/^<!doctype html><html lang="ar" dir="rtl"/);
    expect(digest.html).toContain('<div lang="en" dir="ltr" style="text-align:left">');
    expect(digest.html).toContain('<div lang="tr" dir="ltr" style="text-align:left">');
    expect(digest.html.match(/<div lang=/g)).toHaveLength(3);
    // An English story that names no language: its direction from its letters, its language undetermined (`und`: MJML
    // drops an empty lang="", and a screen reader would read it with the site's Arabic voice).
    expect(digest.html.match(/<div lang="und" dir="ltr" style="text-align:left">/g)).toHaveLength(1);
    // Each story's read-more button stands on its own text's side: on the left for those three, on the right for the Arabic ones.
    expect(digest.html.match(/<td align="left" class="gz-read gz-read-\d+"/g)).toHaveLength(3);
    expect(digest.html.match(/<td align="right" class="gz-read gz-read-\d+"/g)).toHaveLength(5);
    // The headlines-only form a digest takes when it would pass the size budget says it too.
    const compact = await renderEmailMjml('digest', digestView({ number: 1, date: pinnedNow, articles: sortArticles(articles), config }, { summary: 0, title: 120, compact: true }));
    expect(compact).toContain('<div style="margin:0 0 12px;text-align:left" lang="en" dir="ltr">');
    // A Latin address that starts with a number keeps its order among Arabic words, and so does a Latin section.
    expect(digest.html).toContain('<bdi>TRT عربي</bdi> · <bdi>1 Example Street, Istanbul</bdi>');
    expect(digest.html).toMatch(/color:#9b2c2c"><bdi>WORLD<\/bdi><\/p>/);
    // A section label is the desk's, in the site's language, in a story of another (as the site's pages have it).
    expect(digest.html).toMatch(/<div lang="en" dir="ltr" style="text-align:left"><p class="gz-kicker" lang="ar" style=/);
    expect(compact).toMatch(/lang="en" dir="ltr"><p class="gz-kicker" lang="ar" style=/);
    expect(digest.text).toContain('في هذا العدد 6 أخبار جديدة.');
    // So they do in the text part, with Unicode's isolates (FSI…PDI).
    expect(digest.text).toContain('\u2068TRT عربي\u2069 · \u20681 Example Street, Istanbul\u2069');
    // The text part: a plain-text client takes each line's direction from its first strong letter, so each line says
    // it (RLM, and LRM for the English story), and a URL among Arabic words is isolated (LRI…PDI).
    expect(digest.text).toContain('\u200fتابع القراءة \u2066<https://arabic.example.org/articles/2026-11-24-central-bank/>\u2069');
    expect(digest.text).toContain('\n\u200eOil prices steady as traders await OPEC+ decision\n');
    expect(digest.text).toContain('\n\u200fاحصل على العدد القادم');
    const unmarked = markTextRegionsOff(digest.text).split('\n').filter((line) => line !== '' && !/^[\u200e\u200f]/.test(line));
    expect(unmarked).toEqual([]);
    expect(digest.subject).toBe('TRT عربي — 24 أكتوبر 2022: البنك المركزي يبقي سعر الفائدة عند 4.5 بالمئة للمرة الثالثة');

    const messages = await prepareDigestMessages({ number: 1, edition: 'newsletter', issue: 1, createdAt: pinnedNow, articleSlugs: [], ...digest, blocks: [...digest.blocks] }, config, 'secret');
    const message = messages({ publicId: 'r3', subscriberId: 3, email: 'reader@example.org', name: null, sections: [] }, pinnedNow);
    if (message === null) throw new Error('a reader of all sections gets the digest');
    const mail = await simpleParser(message.raw);
    expect(mail.text).toContain('مرحبًا \u2068بك\u2069،');
    expect(mail.html).toContain('مرحبًا <bdi>بك</bdi>،');
  });
});
