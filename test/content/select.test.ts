import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { distinctTimes, selectPublished } from '../../src/content/select.js';

const article = (slug: string, date: string, draft = false): Article => ({
  id: slug,
  slug,
  title: slug,
  summary: '',
  date: new Date(date),
  section: null,
  tags: [],
  author: null,
  source: null,
  lang: null,
  image: null,
  html: '',
  related: [],
  draft,
  sourcePath: `${slug}.md`,
  hash: slug,
});

describe('selectPublished', () => {
  const now = new Date('2026-11-27T07:00:00Z');

  it('holds back drafts', () => {
    const articles = [article('ready', '2026-11-20T00:00:00Z'), article('unfinished', '2026-11-21T00:00:00Z', true)];
    expect(selectPublished(articles, now).map((a) => a.slug)).toEqual(['ready']);
  });

  it('holds back articles dated after now and publishes one dated exactly now', () => {
    const articles = [
      article('tomorrow', '2026-11-28T00:00:00Z'),
      article('in-a-second', '2026-11-27T07:00:01Z'),
      article('on-the-dot', '2026-11-27T07:00:00Z'),
    ];
    expect(selectPublished(articles, now).map((a) => a.slug)).toEqual(['on-the-dot']);
  });

  it('shows no correction dated later than now, and keeps one dated now', () => {
    const later = { ...article('typo', '2026-11-20T00:00:00Z'), updated: new Date('2027-11-21T00:00:00Z') };
    const onTime = { ...article('fixed', '2026-11-19T00:00:00Z'), updated: now };
    const [shown, kept] = selectPublished([later, onTime], now);
    expect(shown?.slug).toBe('typo');
    expect(shown && 'updated' in shown).toBe(false);
    expect(later.updated).toEqual(new Date('2027-11-21T00:00:00Z'));
    expect(kept?.updated).toBe(now);
  });

  it('sorts newest first, ties broken by slug, without changing its input', () => {
    const articles = [
      article('old', '2022-10-19T00:00:00Z'),
      article('b-same', '2026-11-25T00:00:00Z'),
      article('new', '2026-11-26T00:00:00Z'),
      article('a-same', '2026-11-25T00:00:00Z'),
    ];
    expect(selectPublished(articles, now).map((a) => a.slug)).toEqual(['new', 'a-same', 'b-same', 'old']);
    expect(articles.map((a) => a.slug)).toEqual(['old', 'b-same', 'new', 'a-same']);
  });
});

describe('distinctTimes', () => {
  it('moves each article not later than the one before it (by time, then file) one second past it, keeping the list order', () => {
    const articles = [article('c', '2026-11-22T00:00:00Z'), article('a', '2026-11-22T00:00:00Z'), article('b', '2026-11-22T00:00:01Z')];
    const times = distinctTimes(articles).map((a) => `${a.slug} ${a.date.toISOString()}`);
    expect(times).toEqual(['c 2026-11-22T00:00:01.000Z', 'a 2026-11-22T00:00:00.000Z', 'b 2026-11-22T00:00:02.000Z']);
    expect(articles.map((a) => a.date.toISOString())).toEqual(['2026-11-22T00:00:00.000Z', '2026-11-22T00:00:00.000Z', '2026-11-22T00:00:01.000Z']);
  });

  it('leaves drafts out: a draft neither moves nor is moved, so adding one changes no published date', () => {
    const articles = [article('a', '2026-11-22T00:00:00Z', true), article('b', '2026-11-22T00:00:00Z'), article('c', '2026-11-22T00:00:00Z', true)];
    expect(distinctTimes(articles).map((a) => `${a.slug} ${a.date.toISOString()}`)).toEqual([
      'a 2026-11-22T00:00:00.000Z',
      'b 2026-11-22T00:00:00.000Z',
      'c 2026-11-22T00:00:00.000Z',
    ]);
  });

  it('gives back the same articles, in a new list, when no two share an instant', () => {
    const articles = [article('b', '2026-11-23T00:00:00Z'), article('a', '2026-11-22T00:00:00Z')];
    const spread = distinctTimes(articles);
    expect(spread).not.toBe(articles);
    expect(spread).toHaveLength(2);
    expect(spread.every((a, i) => a === articles[i])).toBe(true);
  });
});
