// The catalogues and the message formatter: every built-in language complete and well-formed, plural rules
// per language, fallbacks, the site's own files, and escaping.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { builtInCatalogues, directionOf, textDirection } from '../../src/i18n/catalogue.js';
import { builtInLanguages, loadSiteCatalogues, resolveLocale, t, tHtml } from '../../src/i18n/index.js';

/** An element of a parsed message (intl-messageformat's AST): what placesOf reads of it. */
interface MessageElement {
  type: number;
  value?: unknown;
  options?: Record<string, { value: MessageElement[] }>;
  children?: MessageElement[];
}

/** The `{value}` names and `<tag>` names of a message, read from its parsed form (a select's cases are its text). */
function placesOf(message: string): { values: string[]; tags: string[] } {
  const values = new Set<string>();
  const tags = new Set<string>();
  const visit = (elements: readonly MessageElement[]): void => {
    for (const element of elements) {
      // 1 argument, 2 number, 3 date, 4 time, 5 select, 6 plural; 8 a tag.
      if (element.type >= 1 && element.type <= 6 && typeof element.value === 'string') values.add(element.value);
      if (element.type === 8 && typeof element.value === 'string') tags.add(element.value);
      for (const option of Object.values(element.options ?? {})) visit(option.value);
      visit(element.children ?? []);
    }
  };
  visit(new IntlMessageFormat(message, 'en').getAst() as unknown as MessageElement[]);
  return { values: [...values].sort(), tags: [...tags].sort() };
}

describe('built-in catalogues', () => {
  const catalogues = builtInCatalogues();
  const english = catalogues.en!.messages;

  it('are en, tr, ar, de, fr and es', () => {
    expect(builtInLanguages()).toEqual(['en', 'ar', 'de', 'es', 'fr', 'tr']);
  });

  it.each(['en', 'tr', 'ar', 'de', 'fr', 'es'])('%s has only messages that parse (Gazette does not parse them at run time)', (lang) => {
    for (const [key, message] of Object.entries(catalogues[lang]!.messages)) {
      expect(() => new IntlMessageFormat(message, lang), `${lang} ${key}`).not.toThrow();
    }
  });

  it.each(['tr', 'ar', 'de', 'fr', 'es'])('%s has every English key, no other, with the same values and links', (lang) => {
    const messages = catalogues[lang]!.messages;
    expect(Object.keys(messages).sort()).toEqual(Object.keys(english).sort());
    for (const [key, message] of Object.entries(messages)) {
      expect(placesOf(message), `${lang} ${key}`).toEqual(placesOf(english[key]!));
      expect(message.trim(), `${lang} ${key}`).not.toBe('');
    }
  });

  it('keeps French ; : ? ! and » on the line of the word before them (a non-breaking space, never a plain one)', () => {
    const plain = Object.entries(catalogues.fr!.messages).filter(([, message]) => / [;:?!»]/.test(message));
    expect(plain.map(([key]) => key)).toEqual([]);
  });

  it('writes Arabic counts in all six plural categories', () => {
    const ar = resolveLocale('ar');
    const count = (n: number): string => t(ar, 'mail.digest.count', { count: n });
    expect(count(1)).toBe('في هذا العدد خبر جديد واحد.');
    expect(count(2)).toBe('في هذا العدد خبران جديدان.');
    expect(count(3)).toBe('في هذا العدد 3 أخبار جديدة.');
    expect(count(11)).toBe('في هذا العدد 11 خبرًا جديدًا.');
    expect(count(100)).toBe('في هذا العدد 100 خبر جديد.');
    expect(count(0)).toBe('في هذا العدد لا أخبار جديدة.');
    expect(t(ar, 'server.subscribe.rateLimited', { minutes: 2 })).toContain('بعد دقيقتين.');
    expect(t(ar, 'server.subscribe.rateLimited', { minutes: 5 })).toContain('بعد 5 دقائق.');
  });

  it('uses French "one" for 0 and 1 and German singular for 1 only', () => {
    const fr = resolveLocale('fr');
    expect(t(fr, 'mail.digest.count', { count: 1 })).toBe('Un nouvel article dans ce numéro.');
    expect(t(fr, 'mail.digest.count', { count: 0 })).toBe('0 nouvel article dans ce numéro.');
    expect(t(fr, 'mail.digest.count', { count: 4 })).toBe('4 nouveaux articles dans ce numéro.');
    expect(t(resolveLocale('de'), 'server.subscribe.rateLimited', { minutes: 1 })).toContain('in 1 Minute erneut');
    expect(t(resolveLocale('de'), 'server.subscribe.rateLimited', { minutes: 3 })).toContain('in 3 Minuten erneut');
  });
});

describe('numbers in messages', () => {
  it('writes a plain number in the language\'s digits, as its plurals and dates do, never grouped', () => {
    expect(t(resolveLocale('ar-EG'), 'site.list.pageOf', { number: 1, count: 12 })).toBe('الصفحة ١ من ١٢');
    expect(tHtml(resolveLocale('ar-EG'), 'mail.digest.issue', { number: 12, date: '٢ ديسمبر ٢٠٢٦' })).toContain('١٢');
    expect(t(resolveLocale('ar-EG'), 'mail.digest.count', { count: 10 })).toBe('في هذا العدد ١٠ أخبار جديدة.');
    // Never grouped: an issue or page number is a name (and English bytes stay as they were).
    expect(t(resolveLocale('en'), 'site.list.pageOf', { number: 1234, count: 12345 })).toBe('Page 1234 of 12345');
    // A value shown plain and chosen by in one message (a desk's own catalogue) is written the same both times.
    const custom = resolveLocale('ar-EG', { ar: { path: 'ar.json', messages: { 'site.list.pageOf': 'الصفحة {number} من {count} ({count, plural, one {# صفحة} other {# صفحات}})' } } });
    expect(t(custom, 'site.list.pageOf', { number: 1, count: 12 })).toBe('الصفحة ١ من ١٢ (١٢ صفحات)');
    // A select's value may be text, shown plain as it is; a number inside a link takes the digits too.
    const selects = resolveLocale('ar-EG', { ar: { path: 'ar.json', messages: { 'site.list.pageOf': '{number} {number, select, new {جديد} other {قديم}} <page>{count}</page>' } } });
    expect(t(selects, 'site.list.pageOf', { number: 'new', count: 12, page: 'https://news.example.org/' })).toBe('new جديد ١٢');
    expect(tHtml(selects, 'site.list.pageOf', { number: '<new>', count: 12, page: 'https://news.example.org/' })).toBe('&lt;new&gt; قديم <a href="https://news.example.org/">١٢</a>');
    expect(t(resolveLocale('ar'), 'site.list.pageOf', { number: 2, count: 3 })).toBe('الصفحة 2 من 3');
  });
});

describe('resolveLocale', () => {
  it('refuses a language without a catalogue, naming the built-in ones', () => {
    expect(() => resolveLocale('pt-BR', {}, 'content/site.json')).toThrow(InputError);
    expect(() => resolveLocale('pt-BR', {}, 'content/site.json')).toThrow(
      /^content\/site\.json: language: Gazette has no words for "pt-BR" \(built in: en, ar, de, es, fr, tr\) — pick one of those, or translate .*en\.json into <content>\/templates\/locales\/pt\.json$/,
    );
  });

  it('takes a regional tag to its language and keeps the tag for dates and lang attributes', () => {
    const locale = resolveLocale('es-MX');
    expect(locale).toMatchObject({ tag: 'es-MX', dir: 'ltr', english: [], warnings: [] });
    expect(t(locale, 'subscribe.button')).toBe('Suscribirme');
  });

  it('writes right to left for ar, he, fa and ur', () => {
    expect(['ar', 'he', 'fa-IR', 'ur', 'de', 'en'].map((tag) => resolveLocale(tag, { he: { path: 'he.json', messages: {} }, fa: { path: 'fa.json', messages: {} }, ur: { path: 'ur.json', messages: {} } }).dir)).toEqual([
      'rtl',
      'rtl',
      'rtl',
      'rtl',
      'ltr',
      'ltr',
    ]);
  });

  it('lets a script subtag decide the direction: pa-Arab and az-Arab right to left, ur-Latn left to right', () => {
    expect(['pa-Arab', 'az-Arab', 'ms-arab-MY', 'ur-Latn', 'sr-Cyrl', 'yi-Hebr'].map(directionOf)).toEqual(['rtl', 'rtl', 'rtl', 'ltr', 'ltr', 'rtl']);
  });
});

describe('textDirection', () => {
  it('follows most of the letters, not the first: an Arabic headline that starts with a brand is right to left', () => {
    expect(textDirection('Apple تطلق هاتفا جديدا')).toBe('rtl');
    expect(textDirection('BBC: שביתה בנמלים')).toBe('rtl');
    expect(textDirection('Reuters: markets rallied (after a slow week).')).toBe('ltr');
    expect(textDirection('東京 株価 上昇')).toBe('ltr');
    expect(textDirection('٢٠٢٦ — 42 %')).toBeNull();
    // Right-to-left letters among more left-to-right ones, and as many of each.
    expect(textDirection('Reuters News Agency: عاجل')).toBe('ltr');
    expect(textDirection('ab بت')).toBeNull();
  });
});

describe('the site catalogues', () => {
  let content: string;
  beforeEach(async () => {
    content = await mkdtemp(join(tmpdir(), 'gazette-locales-'));
    await mkdir(join(content, 'templates', 'locales'), { recursive: true });
  });
  afterEach(async () => {
    await rm(content, { recursive: true, force: true });
  });
  const write = (name: string, data: unknown): Promise<void> =>
    writeFile(join(content, 'templates', 'locales', name), typeof data === 'string' ? data : JSON.stringify(data));

  it('override built-in words of the language and of English', async () => {
    await write('de.json', { 'article.readMore': 'Lesen Sie auch' });
    await write('en.json', { 'site.list.empty': 'Nothing here yet.' });
    const de = resolveLocale('de', await loadSiteCatalogues(content));
    const en = resolveLocale('en', await loadSiteCatalogues(content));
    expect(t(de, 'article.readMore')).toBe('Lesen Sie auch');
    expect(t(de, 'site.list.empty')).toBe('Noch nichts veröffentlicht.');
    expect(t(en, 'site.list.empty')).toBe('Nothing here yet.');
    expect([...de.warnings, ...en.warnings]).toEqual([]);
  });

  it('add a language; its missing keys fall back to English, warned about once, listing them', async () => {
    await write('pt.json', { 'article.readMore': 'Leia também', 'mail.digest.count': '{count, plural, one {# notícia nova} other {# notícias novas}} nesta edição.' });
    const pt = resolveLocale('pt-BR', await loadSiteCatalogues(content));
    expect(t(pt, 'article.readMore')).toBe('Leia também');
    expect(t(pt, 'mail.digest.count', { count: 2 })).toBe('2 notícias novas nesta edição.');
    expect(t(pt, 'subscribe.button')).toBe('Subscribe');
    expect(pt.warnings).toHaveLength(1);
    expect(pt.warnings[0]!.path).toBe(join(content, 'templates', 'locales', 'pt.json'));
    expect(pt.warnings[0]!.message).toMatch(/^no "pt-BR" words for \d+ keys, English is shown: site\.nav\.sections, /);
    expect(pt.warnings[0]!.message).not.toContain('article.readMore');
  });

  it('isolate the English words of a right-to-left language left to right, in text and HTML, values and all', async () => {
    await write('fa.json', { 'article.readMore': 'بیشتر بخوانید' });
    await write('pt.json', { 'article.readMore': 'Leia também' });
    const fa = resolveLocale('fa', await loadSiteCatalogues(content));
    expect(t(fa, 'article.readMore')).toBe('بیشتر بخوانید');
    expect(t(fa, 'subscribe.button')).toBe('\u2066Subscribe\u2069');
    expect(t(fa, 'mail.digest.count', { count: 2 })).toBe('\u20662 new stories in this issue.\u2069');
    expect(tHtml(fa, 'server.read', { site: 'A & B' })).toBe('\u2066Read <bdi>A &amp; B</bdi>\u2069');
    // A subject made of values alone is left to the mail client's first-strong rule.
    expect(t(fa, 'server.read', { site: 'اخبار' }, false)).toBe('Read اخبار');
    const pt = resolveLocale('pt', await loadSiteCatalogues(content));
    expect(t(pt, 'subscribe.button')).toBe('Subscribe');
  });

  it('warn about a key no template uses', async () => {
    await write('tr.json', { 'article.readMoar': 'x' });
    const tr = resolveLocale('tr', await loadSiteCatalogues(content));
    expect(tr.warnings.map((w) => w.message)).toEqual(['unknown keys, not used: article.readMoar']);
  });

  it('refuse a file that is not JSON, a value that is not text, and a message that does not parse, naming each', async () => {
    await write('de.json', '{ "article.readMore": ');
    await write('fr.json', { 'article.readMore': 3, 'mail.digest.count': '{count, plural, one {# article}' });
    const error = await loadSiteCatalogues(content).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    const lines = (error as InputError).message.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/templates\/locales\/de\.json: not valid JSON/);
    expect(lines[1]).toMatch(/templates\/locales\/fr\.json: "article\.readMore": expected a string/);
    expect(lines[2]).toMatch(/templates\/locales\/fr\.json: "mail\.digest\.count": not a valid message/);
  });

  it('are no catalogue at all when the folder is missing', async () => {
    await expect(loadSiteCatalogues(join(content, 'nowhere'))).resolves.toEqual({});
  });
});

describe('tHtml', () => {
  const en = resolveLocale('en');
  const ar = resolveLocale('ar');

  it('escapes the message and every value, and makes <tag> a link to the value of the same name', () => {
    const html = tHtml(en, 'mail.footer.why', { site: '<b>A & B</b>', home: 'https://x.example/?a=1&b="2"', host: 'x.example' });
    expect(html).toBe(
      'You get this email because you subscribed to &lt;b&gt;A &amp; B&lt;/b&gt; at <a href="https://x.example/?a&#x3D;1&amp;b&#x3D;&quot;2&quot;">x.example</a>.',
    );
  });

  it('isolates values in a right-to-left language: <bdi> in HTML, FSI…PDI in plain text', () => {
    expect(tHtml(ar, 'server.unsubscribe.ask', { site: 'Example News', email: 'ana@example.org' })).toBe(
      'هل تريد إيقاف إرسال <bdi>Example News</bdi> إلى <bdi>ana@example.org</bdi>؟',
    );
    expect(t(ar, 'server.read', { site: 'Example News' })).toBe('اقرأ \u2068Example News\u2069');
    expect(t(en, 'server.read', { site: 'Example News' })).toBe('Read Example News');
  });

  it('writes each locale its own words, a copy of one (as a worker thread gets it) the same, and values afresh on every call', () => {
    const copy = structuredClone(en);
    const overridden = { ...en, messages: { ...en.messages, 'site.subscribeByEmail': 'Get it by mail & post' } };
    expect(tHtml(en, 'site.subscribeByEmail')).toBe('Subscribe by email');
    expect(tHtml(copy, 'site.subscribeByEmail')).toBe('Subscribe by email');
    expect(tHtml(overridden, 'site.subscribeByEmail')).toBe('Get it by mail &amp; post');
    expect(t(overridden, 'site.subscribeByEmail')).toBe('Get it by mail & post');
    expect(tHtml(en, 'site.subscribeByEmail')).toBe('Subscribe by email');
    expect(t(copy, 'server.read', { site: 'A' })).toBe('Read A');
    expect(t(copy, 'server.read', { site: 'B' })).toBe('Read B');
  });

  it('refuses an unknown key, so a misspelt template fails loudly', () => {
    expect(() => tHtml(en, 'site.nope')).toThrow(/no message "site\.nope"/);
  });
});
