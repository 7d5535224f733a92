import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/content/parse.js';
import { parseArticles, parseWorkersFor } from '../../src/content/parse-pool.js';

const seed = await readFile(new URL('../fixtures/seed.txt', import.meta.url));
const options = { timezone: 'Europe/Paris', baseUrl: 'https://news.example.org' };
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** 300 files of both formats, some of them invalid. */
const files = Array.from({ length: 300 }, (_, i) => {
  if (i % 3 === 0) return { path: `wire/story-${i}.txt`, bytes: seed };
  if (i % 10 === 1) return { path: `bad/story-${i}.md`, bytes: encode(`---\ntitle: [unclosed\ndate: 2026-11-22\n---\nBody.\n`) };
  const body = `Paragraph with a [relative link](/about/) and <script>alert(${i})</script> **bold** text.\n\n## A heading\n\nMore.`;
  return { path: `md/story-${i}.md`, bytes: encode(`---\ntitle: Story ${i}\ndate: 2026-11-${String(1 + (i % 28)).padStart(2, '0')}T08:30\ntags: [a, b]\n---\n${body}\n`) };
});

describe('parseArticles', () => {
  it('gives on worker threads exactly what parseArticle gives, in the order of the files', async () => {
    const inline = files.map((file) => parseArticle(file.bytes, file.path, options));
    const threaded = await parseArticles(files, options, 2);
    expect(threaded).toEqual(inline);
    expect(threaded.filter((result) => !result.ok)).toHaveLength(20);
    const markdownArticle = threaded[2];
    expect(markdownArticle?.ok && markdownArticle.article.date).toBeInstanceOf(Date);
  });

  it('uses no worker for a few files', () => {
    expect(parseWorkersFor(10)).toBe(0);
  });
});
