import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { groupSections, sectionsMerged, sectionsSpelledAlike, urlOf } from '../../src/site/layout.js';

const base = 'https://news.example.org';

describe('urlOf', () => {
  it('joins a path that needs no encoding to the base as it is', () => {
    expect(urlOf(base, 'articles/budget-vote-2026/')).toBe(`${base}/articles/budget-vote-2026/`);
    expect(urlOf(base, 'sitemap.xml')).toBe(`${base}/sitemap.xml`);
    expect(urlOf(base, '')).toBe(`${base}/`);
  });

  it('percent-encodes each segment that needs it, keeping the slashes', () => {
    expect(urlOf(base, 'articles/матч-года/')).toBe(`${base}/articles/${encodeURIComponent('матч-года')}/`);
    expect(urlOf(base, 'sections/a b/page/2/')).toBe(`${base}/sections/a%20b/page/2/`);
    expect(urlOf(base, 'articles/a?b#c&d/')).toBe(`${base}/articles/a%3Fb%23c%26d/`);
  });

  it('gives what encoding every segment gives, for the characters encodeURIComponent keeps and those it does not', () => {
    const characters = [..."azAZ09-_.!~*'()", ' ', '%', '+', ':', '@', 'é', '中', '\u{1F4F0}'];
    for (const c of characters) {
      const path = `articles/x${c}y/`;
      expect(urlOf(base, path)).toBe(`${base}/${path.split('/').map(encodeURIComponent).join('/')}`);
    }
  });
});

describe('sectionsSpelledAlike', () => {
  const inSection = (section: string, n: number): Article[] =>
    Array.from({ length: n }, (_, i) => ({ section, sourcePath: `${section}-${i}.md` }) as Article);
  const labels = (articles: Article[]): { larger: string; others: string[] }[] =>
    sectionsSpelledAlike(groupSections(articles)).map(({ larger, others }) => ({ larger: larger.label, others: others.map((s) => s.label) }));

  it('pairs sections whose labels differ only in accents, the one with more articles first', () => {
    expect(labels([...inSection('ECONOMIE', 2), ...inSection('Économie', 5), ...inSection('World', 1)])).toEqual([{ larger: 'Économie', others: ['ECONOMIE'] }]);
    expect(labels([...inSection('Ελλάδα', 3), ...inSection('ΕΛΛΑΔΑ', 1), ...inSection('Ёлка', 1), ...inSection('Елка', 2)])).toEqual([
      { larger: 'Ελλάδα', others: ['ΕΛΛΑΔΑ'] },
      { larger: 'Елка', others: ['Ёлка'] },
    ]);
  });

  it('pairs labels that differ in letters no decomposition takes apart, as wire copy writes them (Ł, Ø, Æ)', () => {
    expect(labels([...inSection('Łódź', 3), ...inSection('LODZ', 1), ...inSection('København', 1), ...inSection('KOEBENHAVN', 1), ...inSection('Færøerne', 2), ...inSection('FAEROEERNE', 1), ...inSection('Øst', 1), ...inSection('OST', 1)])).toEqual([
      { larger: 'Færøerne', others: ['FAEROEERNE'] },
      { larger: 'København', others: ['KOEBENHAVN'] },
      { larger: 'Łódź', others: ['LODZ'] },
    ]);
  });

  it('on a tie, takes the spelling with accents or ß for the one to keep', () => {
    expect(labels([...inSection('ECONOMIE', 2), ...inSection('Économie', 2)])).toEqual([{ larger: 'Économie', others: ['ECONOMIE'] }]);
    expect(labels([...inSection('AUSSENPOLITIK', 2), ...inSection('Außenpolitik', 2)])).toEqual([{ larger: 'Außenpolitik', others: ['AUSSENPOLITIK'] }]);
  });

  it('pairs German capitals that write ß as SS with the desk\'s spelling', () => {
    expect(labels([...inSection('Außenpolitik', 3), ...inSection('AUSSENPOLITIK', 1), ...inSection('Straße & Verkehr', 1), ...inSection('Strasse & Verkehr', 2)])).toEqual([
      { larger: 'Außenpolitik', others: ['AUSSENPOLITIK'] },
      { larger: 'Strasse & Verkehr', others: ['Straße & Verkehr'] },
    ]);
  });

  it('leaves alone sections that are one already, sections of other words, and vowel signs of other scripts', () => {
    expect(labels([...inSection('WORLD', 2), ...inSection('World', 1), ...inSection('Sport', 1), ...inSection('Sports', 1)])).toEqual([]);
    // Devanagari vowel signs and Arabic letters are not accents: खेल (sport) and खल are other words.
    expect(labels([...inSection('खेल', 2), ...inSection('खल', 1), ...inSection('اقتصاد', 1), ...inSection('رياضة', 1)])).toEqual([]);
  });
});

describe('sectionsMerged', () => {
  const inSection = (section: string, n: number, day: number): Article[] =>
    Array.from({ length: n }, (_, i) => ({ section, sourcePath: `${section}-${i}.md`, slug: `${section}-${i}`, date: new Date(Date.UTC(2026, 10, day, i)) }) as Article);
  const merged = (articles: Article[]): { shown: string; others: [string, number][] }[] =>
    sectionsMerged(groupSections(articles.sort((a, b) => b.date.getTime() - a.date.getTime()))).map(({ shown, others }) => ({
      shown: shown.label,
      others: others.map((use): [string, number] => [use.label, use.articles.length]),
    }));

  it('finds labels of one key that differ in more than case, the newest shown first', () => {
    expect(merged([...inSection('C++', 2, 20), ...inSection('C#', 1, 10), ...inSection('World', 1, 5)])).toEqual([{ shown: 'C++', others: [['C#', 1]] }]);
  });

  it('takes dashes, quotes, spaces, sentence punctuation and emoji for one spelling too', () => {
    expect(
      merged([
        ...inSection('Asia–Pacific', 2, 20), ...inSection('Asia-Pacific', 1, 19), ...inSection("Editors' Picks", 1, 18), ...inSection('Editors’ Picks', 1, 17),
        ...inSection('Middle-East', 1, 16), ...inSection('Middle East', 1, 15), ...inSection('Politics.', 1, 14), ...inSection('Politics', 1, 13),
        ...inSection('⚽️ Football', 1, 12), ...inSection('Football', 1, 11),
      ]),
    ).toEqual([]);
  });

  it('takes case, Turkish i\'s and what no reader sees for one spelling', () => {
    expect(merged([...inSection('WORLD', 2, 20), ...inSection('World', 1, 10), ...inSection('DIŞ HABERLER', 1, 8), ...inSection('Dış Haberler', 1, 7), ...inSection('Wor\u200Bld', 1, 6)])).toEqual([]);
  });
});
