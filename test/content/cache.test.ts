import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { packShard, unpackShard, type ShardData } from '../../src/content/cache.js';
import { makeArticle } from '../fixtures/feeds/factory.js';

const bodies = {
  'a.md': '<p>Plain text, one byte a character.</p>',
  'b.md': '',
  'c.md': '<p>Новости дня — a body past U+00FF.</p>',
  'd.md': '<p>Another plain body, after the wide one.</p>',
  'e.md': '<p>Caf\u00e9 au lait: Latin-1 is still one byte.</p>',
};

function entries(): { articles: Map<string, Article>; files: Map<string, string> } {
  const articles = new Map(Object.entries(bodies).map(([path, html]) => [path, makeArticle({ id: path, slug: path.replace('.md', ''), sourcePath: path, html })]));
  return { articles, files: new Map([...articles.keys()].map((path) => [path, `1:2:3:${path}`])) };
}

/** The data as a file gives it back: through V8's serializer, as the cache writes and reads it. */
const throughFile = (data: unknown): Partial<ShardData> => deserialize(serialize(data)) as Partial<ShardData>;

describe('packShard and unpackShard', () => {
  it('put the one-byte bodies into one string, keep a wide one in its article, and give every article its own body back', () => {
    const original = entries();
    const packed = packShard('key', original);
    expect(packed.bodies).toBe(bodies['a.md'] + bodies['b.md'] + bodies['d.md'] + bodies['e.md']);
    expect(packed.ends.map((end) => end === null)).toEqual([false, false, true, false, false]);
    expect([...packed.articles.values()].map((article) => article.html)).toEqual(['', '', bodies['c.md'], '', '']);
    // The articles in use are left as they were: the cache is written while pages are rendered from them.
    expect([...original.articles.values()].map((article) => article.html)).toEqual(Object.values(bodies));
    const unpacked = unpackShard('key', throughFile(packed));
    expect(unpacked?.articles).toEqual(original.articles);
    expect(unpacked?.files).toEqual(original.files);
  });

  it('refuse a file made under another key or version', () => {
    const packed = packShard('key', entries());
    expect(unpackShard('other', throughFile(packed))).toBeUndefined();
    expect(unpackShard('key', throughFile({ ...packed, version: 2 }))).toBeUndefined();
  });

  const withEnds = (packed: ShardData, ends: (number | null)[]): ShardData => ({ ...packed, ends });
  it.each([
    ['an end that is not a number', (packed: ShardData) => withEnds(packed, packed.ends.with(0, Number.NaN))],
    ['an end that is not whole', (packed: ShardData) => withEnds(packed, packed.ends.with(0, 1.5))],
    ['an end before the one before it', (packed: ShardData) => withEnds(packed, packed.ends.with(0, 5).with(1, 0))],
    ['an end past the bodies', (packed: ShardData) => withEnds(packed, packed.ends.with(-1, 10_000))],
    ['bodies left over after the last end', (packed: ShardData) => withEnds(packed, packed.ends.with(-1, (packed.ends.at(-1) ?? 0) - 1))],
    ['fewer ends than articles', (packed: ShardData) => withEnds(packed, packed.ends.slice(1))],
    [
      'a body said kept in an article that has none',
      (packed: ShardData) => ({ ...withEnds(packed, packed.ends.with(1, null)), articles: new Map([...packed.articles].map(([path, article]) => [path, path === 'b.md' ? { ...article, html: undefined } : article])) }),
    ],
  ])('refuse %s', (_, tamper) => {
    const packed = packShard('key', entries());
    expect(unpackShard('key', throughFile(tamper(packed)))).toBeUndefined();
    // The same file untouched is read.
    expect(unpackShard('key', throughFile(packed))).toBeDefined();
  });

  it('refuse an article filed under another path, or one object filed under two', () => {
    const packed = packShard('key', entries());
    const [first, second] = [...packed.articles.values()];
    expect(unpackShard('key', throughFile({ ...packed, articles: new Map([['a.md', second], ...[...packed.articles].slice(1)]) }))).toBeUndefined();
    expect(unpackShard('key', throughFile({ ...packed, articles: new Map([['a.md', first], ['b.md', first], ...[...packed.articles].slice(2)]) }))).toBeUndefined();
    expect(unpackShard('key', throughFile({ ...packed, articles: new Map([['a.md', null], ...[...packed.articles].slice(1)]) }))).toBeUndefined();
  });
});
