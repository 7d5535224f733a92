import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeDigestArchive } from '../../src/digest/archive.js';
import { renderDigest } from '../../src/digest/render.js';
import { pinnedNow, sampleArticles, testConfig } from '../fixtures/digest/articles.js';

let outDir: string;
beforeEach(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'gazette-archive-'));
});
afterEach(async () => {
  await rm(outDir, { recursive: true, force: true });
});

const config = testConfig();

async function storedDigest(number: number) {
  const articles = sampleArticles(2, new Date(pinnedNow.getTime() + number * 7 * 86_400_000));
  const rendered = await renderDigest({ number, date: pinnedNow, articles, config });
  return { number, edition: 'newsletter', issue: number, createdAt: pinnedNow, ...rendered };
}

describe('writeDigestArchive', () => {
  it('writes each web version and the index, then rewrites only what changed', async () => {
    const digests = [await storedDigest(1), await storedDigest(2)];
    expect(await writeDigestArchive(outDir, digests, config)).toEqual([
      'digests/1/index.html',
      'digests/2/index.html',
      'digests/index.html',
    ]);
    const page = await readFile(join(outDir, 'digests/2/index.html'), 'utf8');
    expect(page).toContain('Issue 2 ·');
    expect(page).not.toMatch(/%%GZ_|Unsubscribe/);
    const index = await readFile(join(outDir, 'digests/index.html'), 'utf8');
    expect(index).toContain('href="https://news.example.org/digests/1/"');
    expect(index).toContain('href="https://news.example.org/digests/2/"');
    // A list of issues, on a page whose direction is said (MJML's own default is dir="auto").
    expect(index.match(/<li style="margin:0 0 14px"><a class="gz-title"/g)).toHaveLength(2);
    expect(index).toMatch(/^<!doctype html><html lang="en" dir="ltr"/);

    const before = (await stat(join(outDir, 'digests/1/index.html'))).mtimeMs;
    expect(await writeDigestArchive(outDir, digests, config)).toEqual([]);
    expect((await stat(join(outDir, 'digests/1/index.html'))).mtimeMs).toBe(before);

    const third = await storedDigest(3);
    expect(await writeDigestArchive(outDir, [...digests, third], config)).toEqual(['digests/3/index.html', 'digests/index.html']);
  });
});

describe('writeDigestArchive with editions', () => {
  it('writes each edition’s issues under digests/<edition>/<n>/, and one index of them all', async () => {
    const withEditions = testConfig({
      editions: [
        { id: 'weekly', name: 'Weekly digest', schedule: '0 7 * * 1' },
        { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *' },
      ],
    });
    const render = async (edition: string, number: number, issue: number) => {
      const rendered = await renderDigest({ number: issue, date: pinnedNow, articles: sampleArticles(1), config: withEditions });
      return { number, edition, issue, createdAt: pinnedNow, ...rendered };
    };
    const digests = [await render('weekly', 1, 1), await render('daily', 2, 1), await render('daily', 3, 2)];
    expect(await writeDigestArchive(outDir, digests, withEditions)).toEqual([
      'digests/weekly/1/index.html',
      'digests/daily/1/index.html',
      'digests/daily/2/index.html',
      'digests/index.html',
    ]);
    const index = await readFile(join(outDir, 'digests', 'index.html'), 'utf8');
    expect(index).toContain('https://news.example.org/digests/daily/2/');
    expect(index).toContain('https://news.example.org/digests/weekly/1/');
  });
});
