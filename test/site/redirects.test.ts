// The record of every URL an article had, and which old folders redirect where.
import { describe, expect, it } from 'vitest';
import { groupSections } from '../../src/site/layout.js';
import { planRedirects, updateHistory } from '../../src/site/redirects.js';
import { makeArticle } from '../fixtures/feeds/factory.js';

const a = makeArticle({ id: 'a-id', slug: 'a-now', title: 'A' });
const b = makeArticle({ id: 'b-id', slug: 'b-now', title: 'B', section: 'Économie' });

const map = (history: Record<string, unknown>): Map<string, never> => new Map(Object.entries(history)) as Map<string, never>;
const targets = (redirects: ReturnType<typeof planRedirects>): Record<string, string> =>
  Object.fromEntries([...redirects].map(([from, redirect]) => [from, redirect.to]));

describe('updateHistory', () => {
  it("appends each article's current slug, moves a slug used again to the end, and keeps articles not published now", () => {
    const history = updateHistory(map({ 'a-id': ['a-now', 'a-old'], 'gone-id': ['gone'] }), [a]);
    expect(Object.fromEntries(history)).toEqual({ 'a-id': ['a-old', 'a-now'], 'gone-id': ['gone'] });
  });

  it('ignores what a hand-edited manifest holds that is not a slug', () => {
    const tampered = map({ 'a-id': ['../../etc', 'x/y', '', 'Upper', 'ok-old', 7], 'b-id': 'not-a-list' });
    expect(Object.fromEntries(updateHistory(tampered, [a]))).toEqual({ 'a-id': ['ok-old', 'a-now'] });
  });
});

describe('planRedirects', () => {
  it("redirects each article's id folder and every earlier slug, and a section's old ASCII folder", () => {
    const redirects = planRedirects(map({ 'a-id': ['a-old', 'a-now'] }), [a, b], groupSections([a, b]));
    expect(targets(redirects)).toEqual({
      'articles/a-id/': 'articles/a-now/',
      'articles/a-old/': 'articles/a-now/',
      'articles/b-id/': 'articles/b-now/',
      'sections/economie/': 'sections/économie/',
    });
  });

  it("redirects the folder each spelling of a section had before its i's were folded, and an article's slug with a dotted i", () => {
    const wire = makeArticle({ id: 'w-id', slug: 'w-id', title: 'W', section: 'DIŞ HABERLER' });
    const desk = makeArticle({ id: 'd-id', slug: 'd-id', title: 'D', section: 'Dış Haberler' });
    const home = makeArticle({ id: 'h-id', slug: 'istanbul', title: 'H', section: 'İÇ HABERLER' });
    const history = updateHistory(map({ 'h-id': ['i\u0307stanbul'] }), [home]);
    expect(history.get('h-id')).toEqual(['i\u0307stanbul', 'istanbul']);
    const sections = groupSections([wire, desk, home]);
    expect(sections.map((section) => section.slug)).toEqual(['diş-haberler', 'iç-haberler']);
    expect(targets(planRedirects(history, [wire, desk, home], sections))).toEqual({
      'articles/h-id/': 'articles/istanbul/',
      'articles/i\u0307stanbul/': 'articles/istanbul/',
      'sections/d-s-haberler/': 'sections/diş-haberler/',
      'sections/dis-haberler/': 'sections/diş-haberler/',
      'sections/dış-haberler/': 'sections/diş-haberler/',
      'sections/i\u0307ç-haberler/': 'sections/iç-haberler/',
      'sections/ic-haberler/': 'sections/iç-haberler/',
    });
  });

  it('makes a section pasted with an invisible character one with the section it looks like, its old folder redirecting', () => {
    const typed = makeArticle({ id: 't-id', slug: 't-id', title: 'T', section: 'World' });
    const pasted = makeArticle({ id: 'p-id', slug: 'p-id', title: 'P', section: 'Wo\u200bRLD\u00ad' });
    const sections = groupSections([typed, pasted]);
    expect(sections.map((section) => [section.slug, section.articles.length])).toEqual([['world', 2]]);
    expect(targets(planRedirects(new Map(), [typed, pasted], sections))).toEqual({ 'sections/wo-rld/': 'sections/world/' });
  });

  it('redirects the slug an article had before İ became i without any history (a clean checkout keeps it)', () => {
    const article = makeArticle({ id: '000-1', slug: 'istanbul-secimi', formerSlug: 'i\u0307stanbul-secimi', title: 'İstanbul secimi' });
    expect(targets(planRedirects(new Map(), [article], []))).toEqual({
      'articles/000-1/': 'articles/istanbul-secimi/',
      'articles/i\u0307stanbul-secimi/': 'articles/istanbul-secimi/',
    });
  });

  it('never redirects a folder a current page owns, and gives a folder two articles had to the first (newest) one', () => {
    const taker = makeArticle({ id: 'c-id', slug: 'a-old', title: 'C' });
    const other = makeArticle({ id: 'd-id', slug: 'd-now', title: 'D' });
    const redirects = planRedirects(map({ 'a-id': ['a-old', 'shared', 'a-now'], 'd-id': ['shared', 'd-now'] }), [a, taker, other], []);
    expect(targets(redirects)).toEqual({
      'articles/a-id/': 'articles/a-now/',
      'articles/c-id/': 'articles/a-old/',
      'articles/d-id/': 'articles/d-now/',
      'articles/shared/': 'articles/a-now/',
    });
  });
});
