import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/content/parse.js';
import { parseArticles, parseWorkersFor, startParseThread } from '../../src/content/parse-pool.js';
import { MAX_ARTICLE_BYTES } from '../../src/content/parsing.js';

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

let contentDir: string;
beforeAll(async () => {
  contentDir = await mkdtemp(join(tmpdir(), 'gazette-parse-pool-'));
  for (const file of files) {
    await mkdir(dirname(join(contentDir, file.path)), { recursive: true });
    await writeFile(join(contentDir, file.path), file.bytes);
  }
  await writeFile(join(contentDir, 'huge.md'), Buffer.alloc(MAX_ARTICLE_BYTES + 1, 'a'));
});
afterAll(async () => {
  await rm(contentDir, { recursive: true, force: true });
});

describe('parseArticles', () => {
  const context = (): { options: typeof options; contentDir: string; now: number } => ({ options, contentDir, now: Date.now() });

  it('gives on worker threads exactly what parseArticle gives, in the order of the files', async () => {
    const inline = files.map((file) => parseArticle(file.bytes, file.path, options));
    const threaded = (await parseArticles(files, context(), 2)).map((parsed) => parsed.result);
    expect(threaded).toEqual(inline);
    expect(threaded.filter((result) => !result.ok)).toHaveLength(20);
    const markdownArticle = threaded[2];
    expect(markdownArticle?.ok && markdownArticle.article.date).toBeInstanceOf(Date);
  });

  it('reads the files that come without their bytes where it parses them, on worker threads or not', async () => {
    const inline = files.map((file) => parseArticle(file.bytes, file.path, options));
    const unread = [...files.map((file) => ({ path: file.path })), { path: 'huge.md' }, { path: 'missing.md' }];
    for (const workers of [0, 2]) {
      const parsed = (await parseArticles(unread, context(), workers)).map((file) => file.result);
      expect(parsed.slice(0, files.length)).toEqual(inline);
      expect(parsed.slice(files.length).map((result) => !result.ok && result.problem.message)).toEqual([
        expect.stringContaining('over the 1 MiB limit'),
        'cannot read the file (ENOENT)',
      ]);
    }
  });

  it.each([false, true])('parses a few files on a thread started ahead (parsers loaded at once: %s), and ends the thread', async (loadParsers) => {
    const thread = startParseThread({ loadParsers });
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    const few = files.slice(0, 3);
    const parsed = (await parseArticles(few, context(), parseWorkersFor(few.length), [thread])).map((file) => file.result);
    expect(parsed).toEqual(few.map((file) => parseArticle(file.bytes, file.path, options)));
    expect(typeof (await exited)).toBe('number');
  });

  it('ends a thread started ahead when no file is to be parsed', async () => {
    const thread = startParseThread();
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    expect(await parseArticles([], context(), 0, [thread])).toEqual([]);
    expect(typeof (await exited)).toBe('number');
  });

  it('uses no worker for a few files', () => {
    expect(parseWorkersFor(10)).toBe(0);
    // Enough for one thread but not two: parsing stays here rather than on a lone thread beside an idle one.
    expect(parseWorkersFor(4500)).toBe(0);
  });
});
