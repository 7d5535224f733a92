import { articleText } from '../../src/content/plain-text.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/errors.js';
import type { Article } from '../../src/content/article.js';
import { parseArticle } from '../../src/content/parse.js';
import { isArticlePath, MAX_ARTICLE_BYTES } from '../../src/content/parsing.js';
import type { ParseResult } from '../../src/content/parsing.js';

const seedBytes = readFileSync(new URL('../fixtures/seed.txt', import.meta.url));
const markdownBytes = readFileSync(new URL('../fixtures/content/markdown/full.md', import.meta.url));
const options = { timezone: 'UTC' };
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

function parsed(bytes: Uint8Array, path: string): Article {
  const result = parseArticle(bytes, path, options);
  if (!result.ok) throw new Error(formatProblem(result.problem));
  return result.article;
}

function problem(result: ParseResult): string {
  if (result.ok) throw new Error('expected a problem');
  return formatProblem(result.problem);
}

describe('parseArticle', () => {
  it('reads .txt as wire text and .md as Markdown', () => {
    expect(parsed(seedBytes, 'world/000_7e434e7f9160c0f8.txt').section).toBe('WORLD');
    expect(parsed(markdownBytes, 'local/Harbour.MD').tags).toEqual(['harbour', 'storm', 'ferries']);
  });

  it('hashes the file bytes with SHA-256', () => {
    const article = parsed(seedBytes, 'seed.txt');
    expect(article.hash).toBe(createHash('sha256').update(seedBytes).digest('hex'));
    expect(article.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps the id when the headline is edited, while the slug follows the headline and the hash changes', () => {
    const edited = parsed(utf8(seedBytes.toString().replace('Peace with', 'No peace with')), '2022/000_7e434e7f9160c0f8.txt');
    const original = parsed(seedBytes, '2022/000_7e434e7f9160c0f8.txt');
    expect(edited.title).not.toBe(original.title);
    expect(edited.id).toBe(original.id);
    expect(edited.id).toBe('000-7e434e7f9160c0f8');
    expect(original.slug).toBe('peace-with-tajikistan-not-possible-under-current-situation-kyrgyzstan');
    expect(edited.slug).toBe('no-peace-with-tajikistan-not-possible-under-current-situation-kyrgyzstan');
    expect(edited.hash).not.toBe(original.hash);
  });

  it('keeps the slug of a file name with words when the headline is edited', () => {
    const edited = parsed(utf8(seedBytes.toString().replace('Peace with', 'No peace with')), '2022/kyrgyz-talks.txt');
    expect(edited).toMatchObject({ id: 'kyrgyz-talks', slug: 'kyrgyz-talks' });
  });

  it('gives an İ headline, file name or slug: its i, and records the slug the dotted i made before, in both formats', () => {
    const wire = parsed(utf8('date 2026-03-01 GÜNDEM\nİstanbul seçimi yarın\n\nMetin.\n'), '2026/001.txt');
    expect(wire).toMatchObject({ slug: 'istanbul-seçimi-yarın', formerSlug: 'i\u0307stanbul-seçimi-yarın' });
    const markdown = parsed(utf8('---\ntitle: Seçim\ndate: 2026-03-01\nslug: İzmir sonuçları\n---\nMetin.\n'), '2026/002.md');
    expect(markdown).toMatchObject({ slug: 'izmir-sonuçları', formerSlug: 'i\u0307zmir-sonuçları' });
    expect(parsed(utf8('---\ntitle: Seçim\ndate: 2026-03-01\n---\nMetin.\n'), '2026/İzmir.md')).toMatchObject({ slug: 'izmir', formerSlug: 'i\u0307zmir' });
    expect(parsed(seedBytes, '2022/000_7e434e7f9160c0f8.txt').formerSlug).toBeUndefined();
  });

  it('strips a BOM, normalizes CRLF and removes control characters at load', () => {
    const text = `\uFEFFdate 2022-10-19 WORLD\r\nA\u0001 title\u000B\r\n\r\nBody\u001F text.\r\n`;
    const article = parsed(utf8(text), 'a.txt');
    expect(article).toMatchObject({ title: 'A title', section: 'WORLD', html: '<p>Body text.</p>' });
    expect(articleText(article)).toBe('Body text.');
  });

  it('only accepts .txt and .md files', () => {
    expect(isArticlePath('2026/a.md')).toBe(true);
    expect(isArticlePath('a.TXT')).toBe(true);
    expect(isArticlePath('site.json')).toBe(false);
    expect(isArticlePath('readers.csv')).toBe(false);
    expect(problem(parseArticle(seedBytes, 'notes.pdf', options))).toBe('notes.pdf: not an article file — articles end in .txt (wire text) or .md (Markdown)');
  });
});

describe('parseArticle problems with the file as a whole', () => {
  it('reports an empty file', () => {
    expect(problem(parseArticle(new Uint8Array(), 'empty.txt', options))).toBe('empty.txt: the file is empty — write the article in it, or delete the file');
    expect(problem(parseArticle(utf8('\uFEFF \r\n\t\n'), 'blank.md', options))).toBe('blank.md: the file is empty — write the article in it, or delete the file');
  });

  it('reports a binary file at the line of its first NUL byte', () => {
    const bytes = Uint8Array.from([...utf8('date 2022-10-19\nline two '), 0, 1, 2]);
    expect(problem(parseArticle(bytes, 'photo.txt', options))).toBe(
      'photo.txt:2: the file contains NUL bytes: it is binary, or UTF-16 text — save it as UTF-8 text, or move it out of the content folder',
    );
  });

  it('reports UTF-16 text as binary', () => {
    const utf16 = Buffer.from('\uFEFFdate 2022-10-19\nTitle\n', 'utf16le');
    expect(problem(parseArticle(utf16, 'wide.txt', options))).toMatch(/^wide\.txt:1: the file contains NUL bytes/);
  });

  it('reports text that is not UTF-8 at the line of the first bad byte', () => {
    const latin1 = Buffer.from('date 2022-10-19\nTitle\nCaf\xe9 cr\xe8me\n', 'latin1');
    expect(problem(parseArticle(latin1, 'latin1.txt', options))).toBe(
      'latin1.txt:3: the file is not valid UTF-8 — save it as UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8',
    );
    const truncated = Uint8Array.from([...utf8('date 2022-10-19\nT'), 0xe2, 0x82]);
    expect(problem(parseArticle(truncated, 'cut.md', options))).toMatch(/^cut\.md:2: the file is not valid UTF-8/);
  });

  it(`reports a file over ${MAX_ARTICLE_BYTES} bytes and names the 1 MiB limit`, () => {
    const big = new Uint8Array(MAX_ARTICLE_BYTES + 1).fill(0x61);
    expect(MAX_ARTICLE_BYTES).toBe(1024 * 1024);
    expect(problem(parseArticle(big, 'big.txt', options))).toBe(
      'big.txt: the file is 1,048,577 bytes, over the 1 MiB limit for an article — an article is at most 1 MiB of text: split it, or move data files out of the content folder',
    );
  });

  it('accepts a file of exactly the limit', () => {
    const text = `date 2022-10-19\nTitle\n\n${'a'.repeat(MAX_ARTICLE_BYTES - 24)}\n`;
    expect(utf8(text).length).toBe(MAX_ARTICLE_BYTES);
    expect(parseArticle(utf8(text), 'max.txt', options).ok).toBe(true);
  });
});
