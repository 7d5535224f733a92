import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSiteConfig, parseSiteConfig, parseSiteConfigText } from '../../src/config/load.js';
import { parseMailbox } from '../../src/config/schema.js';
import { InputError } from '../../src/errors.js';

const minimal = {
  title: 'Example News',
  baseUrl: 'https://news.example.org/',
  author: { name: 'Desk' },
  newsletter: { from: 'Example News <news@example.org>', postalAddress: '1 Example Street' },
};

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('parseSiteConfig', () => {
  it('fills in every default', () => {
    const config = parseSiteConfig(minimal);
    expect(config).toMatchObject({
      baseUrl: 'https://news.example.org',
      description: '',
      language: 'en',
      timezone: 'UTC',
      author: { name: 'Desk', email: null },
      feeds: { limit: 50, websubHub: null, schedule: null },
      newsletter: { replyTo: null, schedule: '0 7 * * 1', timezone: 'UTC', maxArticles: 10, subject: null, returnPath: null },
    });
  });

  it.each([
    ['https://News.Example.org', 'https://news.example.org'],
    ['https://news.example.org:443/', 'https://news.example.org'],
    ['http://news.example.org:80/News/', 'http://news.example.org/News'],
    ['https://bücher.example', 'https://xn--bcher-kva.example'],
    ['https://news.example.org/a b', 'https://news.example.org/a%20b'],
  ])('spells baseUrl %s as a URL does: %s, so links and images made from it agree', (given, spelled) => {
    expect(parseSiteConfig({ ...minimal, baseUrl: given }).baseUrl).toBe(spelled);
  });

  it('takes an optional newsletter.returnPath address, and refuses one that is not an address or has a "+"', () => {
    const withReturn = (returnPath: string): unknown => ({ ...minimal, newsletter: { ...minimal.newsletter, returnPath } });
    expect(parseSiteConfig(withReturn('bounces@mail.example.org')).newsletter.returnPath).toBe('bounces@mail.example.org');
    expect(problemsOf(() => parseSiteConfig(withReturn('mail.example.org')))).toEqual([expect.stringMatching(/^site\.json: newsletter\.returnPath: expected an address/)]);
    expect(problemsOf(() => parseSiteConfig(withReturn('b+x@mail.example.org')))).toEqual([expect.stringMatching(/^site\.json: newsletter\.returnPath: expected an address without "\+"/)]);
  });

  it('takes the addresses of a desk at an IDN top-level domain, in its own script or in punycode, as mail carries them', () => {
    const config = parseSiteConfig({
      ...minimal,
      author: { name: 'Редакция', email: 'desk@пример.рф' },
      newsletter: { ...minimal.newsletter, from: 'Новости <news@пример.рф>', replyTo: 'Редакция <desk@xn--e1afmkfd.xn--p1ai>', returnPath: 'bounces@почта.пример.рф' },
    });
    expect(config.author.email).toBe('desk@xn--e1afmkfd.xn--p1ai');
    expect(config.newsletter.returnPath).toBe('bounces@xn--80a1acny.xn--e1afmkfd.xn--p1ai');
    expect(parseMailbox(config.newsletter.from)).toEqual({ name: 'Новости', address: 'news@xn--e1afmkfd.xn--p1ai' });
    expect(parseMailbox(config.newsletter.replyTo ?? '')).toEqual({ name: 'Редакция', address: 'desk@xn--e1afmkfd.xn--p1ai' });
    expect(problemsOf(() => parseSiteConfig({ ...minimal, author: { name: 'Desk', email: 'desk@пример' } }))).toEqual(['site.json: author.email: expected an email address']);
  });

  it('refuses a returnPath whose part before "@" leaves a VERP address no room within 64 octets', () => {
    const withReturn = (returnPath: string): unknown => ({ ...minimal, newsletter: { ...minimal.newsletter, returnPath } });
    expect(parseSiteConfig(withReturn(`${'b'.repeat(28)}@mail.example.org`)).newsletter.returnPath).toBe(`${'b'.repeat(28)}@mail.example.org`);
    expect(problemsOf(() => parseSiteConfig(withReturn(`${'b'.repeat(29)}@mail.example.org`)))).toEqual([
      expect.stringMatching(/^site\.json: newsletter\.returnPath: expected at most 28 characters before "@": Gazette adds up to 36/),
    ]);
  });

  it('takes the newsletter timezone from the site when not set', () => {
    expect(parseSiteConfig({ ...minimal, timezone: 'Europe/Paris' }).newsletter.timezone).toBe('Europe/Paris');
  });

  it('reports every problem at once with its key path', () => {
    const lines = problemsOf(() =>
      parseSiteConfig({
        ...minimal,
        baseUrl: 'news.example.org',
        titel: 'typo',
        feeds: { limit: 0 },
        newsletter: { from: 'news@example.org', postalAddress: '', schedule: 'every monday', timezone: 'Mars/Base' },
      }),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        'site.json: baseUrl: expected an absolute http(s) URL',
        'site.json: feeds.limit: expected at least 1, found 0',
        'site.json: newsletter.from: expected "Name <address>"',
        expect.stringMatching(/^site\.json: newsletter\.postalAddress: expected the postal address/),
        'site.json: newsletter.schedule: "every monday" is not a cron expression (expected 5 or 6 fields but got 2) — expected e.g. "0 7 * * 1" (minute hour day month weekday, seconds optional)',
        expect.stringMatching(/^site\.json: newsletter\.timezone: expected an IANA time zone/),
        'site.json: "titel" is not a setting of site.json — did you mean "title"? (README "Site config")',
      ]),
    );
    expect(lines).toHaveLength(7);
  });

  it('gives one bound a key, the schema\'s, and says what a site.json that is no object must hold', () => {
    expect(problemsOf(() => parseSiteConfig({ ...minimal, feeds: { limit: 2 ** 60 } }))).toEqual(['site.json: feeds.limit: expected at most 1000, found 1152921504606847000']);
    expect(problemsOf(() => parseSiteConfig(null))).toEqual([
      'site.json: expected an object { … }, found null — site.json holds one JSON object: { "title": …, "baseUrl": …, "author": …, "newsletter": … } (README "Site config")',
    ]);
  });

  it('names the line of each problem, top to bottom, says how to write a missing setting, and what a mistyped one meant', () => {
    const text = [
      '{',
      '  "titel": "Example News",',
      '  "baseUrl": "https://news.example.org",',
      '  "author": { "name": "Desk", "emial": "desk@example.org" },',
      '  "feeds": { "limit": "50", "zzz": 1 },',
      '  "newsletter": {',
      '\t"from": "Example News <news@example.org>",',
      '    "editions": [{ "id": "daily", "nam": "Daily", "schedule": "0 7 * * *" }]',
      '  }',
      '}',
    ].join('\n');
    expect(problemsOf(() => parseSiteConfigText(text, 'content/site.json'))).toEqual([
      'content/site.json:1: title: missing — add "title": "Example News" (README "Site config")',
      'content/site.json:2: "titel" is not a setting of site.json — did you mean "title"? (README "Site config")',
      'content/site.json:4: "emial" is not a setting of "author" — did you mean "email"? (README "Site config")',
      'content/site.json:5: feeds.limit: expected a whole number, found "50"',
      'content/site.json:5: "zzz" is not a setting of "feeds" — the settings of "feeds" are limit, maxBytes, websubHub, schedule, icon (README "Site config")',
      'content/site.json:6: newsletter.postalAddress: missing — add "postalAddress": "1 Example Street, Example City" to "newsletter" (README "Site config")',
      'content/site.json:8: newsletter.editions.0.name: missing — add "name": "Daily briefing" to "newsletter.editions.0" (README "Site config")',
      'content/site.json:8: "nam" is not a setting of "newsletter.editions.0" — did you mean "name"? (README "Site config")',
    ]);
  });

  it('names the line JSON.parse read: the last of a key written twice, and lines that end in a lone CR', () => {
    const twice = '{\n  "title": "Example News",\n  "baseUrl": "https://news.example.org",\n  "author": { "name": "Desk" },\n  "newsletter": { "from": "N <n@example.org>", "postalAddress": "1 Street" },\n  "title": 5\n}';
    expect(problemsOf(() => parseSiteConfigText(twice))).toEqual(['site.json:6: title: expected text in quotes, found 5']);
    const oldMac = twice.replaceAll('\n', '\r').replace('"title": 5', '"zz": 1');
    expect(problemsOf(() => parseSiteConfigText(oldMac))).toEqual([
      'site.json:6: "zz" is not a setting of site.json — the settings of site.json are title, description, baseUrl, language, languages, timezone, author, feeds, newsletter (README "Site config")',
    ]);
  });

  it('warns of a key written twice or more, at the first, naming the lines and the one that counts, nested ones too', () => {
    const text = [
      '{',
      '  "title": "Old title",',
      '  "baseUrl": "https://news.example.org",',
      '  "author": { "name": "Desk", "name": "The desk" },',
      '  "newsletter": { "from": "N <n@example.org>", "postalAddress": "1 Street" },',
      '  "title": "Example News",',
      '  "feeds": { "limit": 10 },',
      '  "title": "Latest News"',
      '}',
    ].join('\n');
    const config = parseSiteConfigText(text);
    expect([config.title, config.author.name]).toEqual(['Latest News', 'The desk']);
    expect(config.warnings).toEqual([
      { path: 'site.json', line: 2, message: '"title" is written 3 times, here and on lines 6 and 8: only the one on line 8 counts', hint: 'keep the one you mean and remove the others' },
      { path: 'site.json', line: 4, message: '"author.name" is written twice on this line: only the last one counts', hint: 'keep the one you mean and remove the others' },
    ]);
    // Inside a value JSON.parse drops (the first "feeds"), nothing is reported: only the kept one counts.
    const dropped = JSON.stringify(minimal).replace('{', '{"feeds":{"limit":5,"limit":6},"feeds":{"limit":7},');
    expect(parseSiteConfigText(dropped).warnings.map((warning) => warning.message)).toEqual(['"feeds" is written twice on this line: only the last one counts']);
    expect(parseSiteConfigText(JSON.stringify(minimal)).warnings).toEqual([]);
  });

  it('quotes a mistyped key as the desk wrote it, control characters escaped and a long one cut, and says Infinity for 1e999', () => {
    expect(problemsOf(() => parseSiteConfig({ ...minimal, 'bad\u001b[31mkey': 1, [`${'k'.repeat(100)}`]: 1 }))).toEqual([
      expect.stringMatching(/^site\.json: "bad\\u001b\[31mkey" is not a setting of site\.json — /),
      expect.stringMatching(/^site\.json: "k{60}…" is not a setting of site\.json — /),
    ]);
    expect(problemsOf(() => parseSiteConfigText(JSON.stringify({ ...minimal, feeds: { limit: 0 } }).replace('"limit":0', '"limit":1e999')))).toEqual([
      'site.json:1: feeds.limit: expected a whole number, found Infinity',
    ]);
  });

  it('says what it expected and what it found for a value of another type, and for an empty one', () => {
    expect(problemsOf(() => parseSiteConfig({ ...minimal, title: 5, newsletter: { ...minimal.newsletter, subject: ' ', replyTo: ['a'] }, author: null }))).toEqual([
      'site.json: title: expected text in quotes, found 5',
      'site.json: author: expected an object { … }, found null',
      'site.json: newsletter.replyTo: expected text in quotes, found a list',
      'site.json: newsletter.subject: expected text, found an empty string',
    ]);
  });

  it('refuses a schedule that never fires, which node-cron takes as valid, for the newsletter, an edition and the feeds', () => {
    const lines = problemsOf(() =>
      parseSiteConfig({
        ...minimal,
        feeds: { schedule: '0 0 31W 2 *' },
        newsletter: { ...minimal.newsletter, schedule: '0 0 L-30 2 *', editions: [{ id: 'daily', name: 'Daily', schedule: '0 0 L-30 2 *' }] },
      }),
    );
    expect(lines).toEqual([
      'site.json: feeds.schedule: "0 0 31W 2 *" never fires: no date matches it — expected e.g. "0 7 * * 1" (minute hour day month weekday)',
      'site.json: newsletter.schedule: "0 0 L-30 2 *" never fires: no date matches it — expected e.g. "0 7 * * 1" (minute hour day month weekday)',
      'site.json: newsletter.editions.0.schedule: "0 0 L-30 2 *" never fires: no date matches it — expected e.g. "0 7 * * 1" (minute hour day month weekday)',
    ]);
    expect(parseSiteConfig({ ...minimal, newsletter: { ...minimal.newsletter, schedule: '0 0 29 2 *' } }).newsletter.schedule).toBe('0 0 29 2 *');
  });

  it('refuses a subject that names a value Gazette does not fill in, which would reach every inbox as written', () => {
    expect(problemsOf(() => parseSiteConfig({ ...minimal, newsletter: { ...minimal.newsletter, subject: '{title} #{number} {bogus} {Headline}' } }))).toEqual([
      'site.json: newsletter.subject: "{bogus}" is not a value Gazette fills in — write one of {title}, {date}, {headline}, {number}, {edition}',
      'site.json: newsletter.subject: "{Headline}" is not a value Gazette fills in — write one of {title}, {date}, {headline}, {number}, {edition}',
    ]);
    expect(parseSiteConfig({ ...minimal, newsletter: { ...minimal.newsletter, subject: '{edition} #{number}: {headline}' } }).newsletter.subject).toBe('{edition} #{number}: {headline}');
  });

  it('refuses a schedule that fires in UTC but never in its own time zone (a time the clocks skip there)', () => {
    const lines = problemsOf(() =>
      parseSiteConfig({ ...minimal, timezone: 'Europe/Berlin', feeds: { schedule: '30 2 31 3 0' }, newsletter: { ...minimal.newsletter, schedule: '30 2 8-14 3 0', timezone: 'America/New_York' } }),
    );
    expect(lines).toEqual([
      'site.json: feeds.schedule: "30 2 31 3 0" never fires in Europe/Berlin: each time it names is one the clocks skip there — pick another hour',
      'site.json: newsletter.schedule: "30 2 8-14 3 0" never fires in America/New_York: each time it names is one the clocks skip there — pick another hour',
    ]);
    expect(parseSiteConfig({ ...minimal, timezone: 'Europe/Berlin', newsletter: { ...minimal.newsletter, schedule: '30 2 * * 0' } }).newsletter.schedule).toBe('30 2 * * 0');
  });

  it('reads the languages of content folders, and refuses a folder without a slash or a tag that is not one', () => {
    expect(parseSiteConfig({ ...minimal, languages: { 'arabic/': 'ar', 'wire/tr/': 'tr' } }).languages).toEqual({ 'arabic/': 'ar', 'wire/tr/': 'tr' });
    expect(problemsOf(() => parseSiteConfig({ ...minimal, languages: { arabic: 'ar', 'english/': 'English', '../x/': 'ar', 'a/./b/': 'ar' } }))).toEqual([
      'site.json: languages.english/: expected a language tag such as "ar" or "pt-BR"',
      'site.json: languages.arabic: expected a folder of the content, ending with "/", such as "arabic/" (no "." or "..")',
      'site.json: languages.../x/: expected a folder of the content, ending with "/", such as "arabic/" (no "." or "..")',
      'site.json: languages.a/./b/: expected a folder of the content, ending with "/", such as "arabic/" (no "." or "..")',
    ]);
  });

  it('takes a language tag with an extension (ar-u-nu-arab: Arabic-Indic digits), and names the tag an underscore spells', () => {
    expect(parseSiteConfig({ ...minimal, language: 'ar-u-nu-arab' }).locale).toMatchObject({ tag: 'ar-u-nu-arab', dir: 'rtl' });
    expect(problemsOf(() => parseSiteConfig({ ...minimal, language: 'ar_SA', languages: { 'english/': 'en_GB' } }))).toEqual([
      'site.json: language: expected a language tag such as "en" or "pt-BR" (did you mean "ar-SA"? a tag\'s parts are joined with "-")',
      'site.json: languages.english/: expected a language tag such as "ar" or "pt-BR" (did you mean "en-GB"? a tag\'s parts are joined with "-")',
    ]);
    expect(problemsOf(() => parseSiteConfig({ ...minimal, language: 'ar-u' }))).toEqual(['site.json: language: expected a language tag such as "en" or "pt-BR"']);
    // The site's words, dates and digits are Intl's: a tag it cannot read is refused here, not by a crash later.
    for (const language of ['en-GB-oed', 'de-DE-DE']) {
      expect(problemsOf(() => parseSiteConfig({ ...minimal, language }))).toEqual(['site.json: language: expected a language tag such as "en" or "pt-BR"']);
    }
  });

  it('accepts cron expressions with seconds', () => {
    expect(parseSiteConfig({ ...minimal, newsletter: { ...minimal.newsletter, schedule: '*/2 * * * * *' } }).newsletter.schedule).toBe(
      '*/2 * * * * *',
    );
  });
});

describe('parseSiteConfigText', () => {
  it('names the line of a JSON syntax error', () => {
    const [line] = problemsOf(() => parseSiteConfigText('{\n  "title": "x",\n  oops\n}', 'content/site.json'));
    expect(line).toMatch(/^content\/site\.json:3: not valid JSON/);
  });
});

describe('loadSiteConfig', () => {
  it('says how to fix a missing site.json', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gazette-config-'));
    try {
      await expect(loadSiteConfig(dir)).rejects.toThrow(/site\.json: cannot read the site config — create/);
      await writeFile(join(dir, 'site.json'), JSON.stringify(minimal));
      await expect(loadSiteConfig(dir)).resolves.toMatchObject({ title: 'Example News' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a site.json saved in Latin-1 or UTF-16 at its first line that is not UTF-8, where it garbled every page', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gazette-config-'));
    try {
      const text = JSON.stringify({ ...minimal, title: 'Café News' }, null, 2);
      await writeFile(join(dir, 'site.json'), Buffer.from(text, 'latin1'));
      await expect(loadSiteConfig(dir)).rejects.toThrow(/site\.json:2: the file is not valid UTF-8 — save it as UTF-8, e\.g\. iconv -f WINDOWS-1252 -t UTF-8/);
      await writeFile(join(dir, 'site.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
      await expect(loadSiteConfig(dir)).rejects.toThrow(/site\.json:1: the file contains NUL bytes: it is binary, or UTF-16 text — save it as UTF-8 text$/);
      await writeFile(join(dir, 'site.json'), text);
      await expect(loadSiteConfig(dir)).resolves.toMatchObject({ title: 'Café News' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads the sample site.json shipped in content/', async () => {
    await expect(loadSiteConfig('content')).resolves.toMatchObject({ baseUrl: 'https://news.example.org' });
  });
});
