import { describe, expect, it } from 'vitest';
import {
  collapseSpace,
  deriveSummary,
  deriveTitle,
  normalizeText,
  shorten,
  legacySlugify,
  shortenSlug,
  foldTurkishI,
  sectionSlug,
  slugify,
  stripControlChars,
  SUMMARY_MAX,
  TITLE_MAX,
} from '../../src/content/text.js';

describe('slugify', () => {
  it('lowercases and turns every run of other characters into one dash', () => {
    expect(slugify('000_7e434e7f9160c0f8')).toBe('000-7e434e7f9160c0f8');
    expect(slugify('  Middle East & Africa!  ')).toBe('middle-east-africa');
    expect(slugify('WORLD')).toBe('world');
  });

  it('keeps accented letters, composed (NFC)', () => {
    expect(slugify('Café Crème à Zürich')).toBe('café-crème-à-zürich');
    expect(slugify('Cafe\u0301')).toBe('caf\u00e9');
  });

  it('keeps the letters and digits of every script, lowercased', () => {
    expect(slugify('الأخبار')).toBe('الأخبار');
    expect(slugify('Спорт')).toBe('спорт');
    expect(slugify('経済')).toBe('経済');
    expect(slugify('Новости  — 2026!')).toBe('новости-2026');
    expect(slugify('हिन्दी समाचार')).toBe('हिन्दी-समाचार');
    expect(slugify('٢٠٢٦ العالم')).toBe('٢٠٢٦-العالم');
  });

  it('makes `İ` an `i`, not an `i` with a combining dot above (kept only when asked, for the folders made that way before)', () => {
    expect(slugify('İSTANBUL')).toBe('istanbul');
    expect(slugify('İç Haberler')).toBe('iç-haberler');
    expect(slugify('İç Haberler', true)).toBe('i\u0307ç-haberler');
    expect(slugify('Dış Haberler')).toBe('dış-haberler');
  });

  it('gives an empty slug when nothing is a letter or digit', () => {
    expect(slugify('---')).toBe('');
    expect(slugify('🌍 ★')).toBe('');
  });
});

describe('legacySlugify (ids of articles published before readable URLs)', () => {
  it('folds accents to ASCII and drops other scripts, as Gazette always did', () => {
    expect(legacySlugify('Café Crème à Zürich')).toBe('cafe-creme-a-zurich');
    expect(legacySlugify('000_7e434e7f9160c0f8')).toBe('000-7e434e7f9160c0f8');
    expect(legacySlugify('العالم')).toBe('');
  });
});

describe('shortenSlug', () => {
  it('keeps a slug of at most 80 characters whole', () => {
    const seed = 'peace-with-tajikistan-not-possible-under-current-situation-kyrgyzstan';
    expect(shortenSlug(seed)).toBe(seed);
  });

  it('cuts a longer one at a dash, never inside a word', () => {
    const long = slugify('Ministers from twelve countries agree on a framework for the shared management of the river basin after years of talks');
    const short = shortenSlug(long);
    expect(Array.from(short).length).toBeLessThanOrEqual(80);
    expect(short).toBe('ministers-from-twelve-countries-agree-on-a-framework-for-the-shared-management');
    expect(long.startsWith(`${short}-`)).toBe(true);
  });

  it('cuts text without spaces between words, and stays under 240 bytes', () => {
    const chinese = slugify('北京部长们周五举行了会谈双方讨论了重要问题'.repeat(5));
    const short = shortenSlug(chinese);
    expect(Array.from(short).length).toBeLessThanOrEqual(80);
    expect(chinese.startsWith(short)).toBe(true);
    const gothic = '𐌰'.repeat(100);
    expect(Buffer.byteLength(shortenSlug(gothic))).toBeLessThanOrEqual(240);
  });
});

describe('stripControlChars', () => {
  it('removes the characters XML forbids and keeps tab and line feed', () => {
    expect(stripControlChars('a\u0000b\u0008c\u000Bd\u000Ce\u001Ff\uFFFEg\uFFFFh\ti\nj')).toBe('abcdefgh\ti\nj');
  });

  it('removes unpaired surrogates but keeps emoji', () => {
    expect(stripControlChars('x\uD800y\uDC00z 🇰🇬')).toBe('xyz 🇰🇬');
  });
});

describe('normalizeText', () => {
  it('strips a BOM and turns CRLF and CR into LF', () => {
    expect(normalizeText('\uFEFFone\r\ntwo\rthree\n')).toBe('one\ntwo\nthree\n');
  });
});

describe('shorten', () => {
  it('leaves short text alone', () => {
    expect(shorten('short text', 20)).toBe('short text');
    expect(shorten('anything', 0)).toBe('');
  });

  it('cuts at a word boundary and ends with an ellipsis', () => {
    expect(shorten('The quick brown fox jumps over the lazy dog', 20)).toBe('The quick brown fox…');
  });

  it('drops punctuation left dangling at the cut', () => {
    expect(shorten('One, two, three, four, five', 12)).toBe('One, two…');
  });

  it('never splits an emoji or a Chinese word', () => {
    expect(shorten('Flags 🇰🇬🇹🇯 and more words here', 14)).toBe('Flags 🇰🇬…');
    expect(shorten('我们今天去北京旅游', 6)).toBe('我们今天去…');
  });

  it('cuts one overlong word by characters', () => {
    expect(shorten('x'.repeat(30), 10)).toBe(`${'x'.repeat(9)}…`);
    expect(shorten('🌍'.repeat(10), 6)).toBe('🌍🌍…');
  });
});

describe('deriveTitle and deriveSummary', () => {
  const paragraph = 'Kyrgyzstan said peace was not possible.   It blamed its neighbour.';

  it('takes the first sentence as the title, without its full stop', () => {
    expect(deriveTitle(paragraph)).toBe('Kyrgyzstan said peace was not possible');
    expect(deriveTitle('部长们周五举行了会谈。双方讨论了问题。')).toBe('部长们周五举行了会谈');
  });

  it('keeps a title question mark and shortens a long first sentence', () => {
    expect(deriveTitle('Is this the end? Maybe.')).toBe('Is this the end?');
    const title = deriveTitle(`${'word '.repeat(100)}end.`);
    expect(title.length).toBeLessThanOrEqual(TITLE_MAX);
    expect(title.endsWith('word…')).toBe(true);
  });

  it('collapses whitespace in a summary and shortens it at a word boundary', () => {
    expect(deriveSummary(paragraph)).toBe('Kyrgyzstan said peace was not possible. It blamed its neighbour.');
    const summary = deriveSummary('lorem ipsum '.repeat(50));
    expect(summary.length).toBeLessThanOrEqual(SUMMARY_MAX);
    expect(summary).toMatch(/(lorem|ipsum)…$/);
  });

  it('collapses newlines and non-breaking spaces', () => {
    expect(collapseSpace(' a\n b\u00a0 c ')).toBe('a b c');
  });
});

describe('sectionSlug', () => {
  it('gives every spelling of a Turkish section name one key, its i\'s folded', () => {
    expect(new Set(['DIŞ HABERLER', 'Dış Haberler', 'dış haberler', 'Diş Haberler'].map(sectionSlug))).toEqual(new Set(['diş-haberler']));
    expect(new Set(['İÇ HABERLER', 'İç Haberler', 'iç haberler', 'IÇ HABERLER'].map(sectionSlug))).toEqual(new Set(['iç-haberler']));
  });

  it('folds an i whatever marks it carries, in one pass', () => {
    expect(sectionSlug('Dı\u0307ş')).toBe('diş');
    expect(foldTurkishI('dı\u0307ş')).toBe('diş');
  });

  it('is the slug for names without a Turkish i', () => {
    for (const name of ['WORLD', 'Économie', 'Спорт', 'الأخبار']) expect(sectionSlug(name)).toBe(slugify(name));
  });
});
