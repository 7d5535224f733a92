import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/config/load.js';
import { loadArticles, selectPublished } from '../../src/content/index.js';
import { makeDigest } from '../../src/digest/make.js';
import { openStore } from '../../src/store/index.js';
import { run } from '../cli/run.js';

const fixtureContent = new URL('../fixtures/digest/content/', import.meta.url).pathname;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-preview-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('gazette preview', () => {
  it('writes the next digest for a sample reader without creating the database', async () => {
    const output = join(dir, 'next.html');
    const db = join(dir, 'data', 'gazette.db');
    const { code, stdout, stderr } = await run(['preview', '--content', fixtureContent, '--db', db, '--output', output]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`Wrote ${output}: digest 1 with 1 article.`);
    expect(stdout).toContain('Subject: Example News — ');
    const html = await readFile(output, 'utf8');
    expect(html).toContain('Peace with Tajikistan not possible under current situation: Kyrgyzstan');
    expect(html).toContain('Hi Preview Reader,');
    expect(html).toContain('href="https://news.example.org/unsubscribe?token=PREVIEW-NOT-A-REAL-TOKEN"');
    expect(html).not.toContain('%%GZ_');
    expect(existsSync(db)).toBe(false);
  });

  it('exits 2 with a clear message when the output folder does not exist', async () => {
    const output = join(dir, 'missing', 'preview.html');
    const { code, stderr } = await run(['preview', '--content', fixtureContent, '--db', join(dir, 'none.db'), '--output', output]);
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot write ${output}`);
    expect(stderr).not.toContain('    at ');
  });

  it('says so and writes nothing when every article is in a digest already', async () => {
    const db = join(dir, 'gazette.db');
    const config = await loadSiteConfig(fixtureContent);
    const { articles } = await loadArticles(fixtureContent, { timezone: config.timezone });
    const store = await openStore({ dbPath: db });
    try {
      expect(await makeDigest(store, selectPublished(articles, new Date()), config, new Date())).not.toBeNull();
    } finally {
      await store.close();
    }
    const output = join(dir, 'next.html');
    const { code, stdout } = await run(['preview', '--content', fixtureContent, '--db', db, '--output', output]);
    expect(code).toBe(0);
    expect(stdout).toBe('Nothing new since the last digest: no preview written.\n');
    expect(existsSync(output)).toBe(false);
  });

  it('previews a new article whose name folds to a carried one\'s id under its own id, as publish will send it', async () => {
    const content = join(dir, 'content');
    await cp(fixtureContent, content, { recursive: true });
    const story = (title: string): string => `---\ntitle: ${title}\ndate: 2026-11-24\n---\n${title}.\n`;
    await writeFile(join(content, '2026-11-24-спорт.md'), story('Спорт'));
    const flags = ['--content', content, '--db', join(dir, 'gazette.db'), '--out', join(dir, 'public')];
    const env = { GAZETTE_OUTBOX: join(dir, 'outbox'), GAZETTE_SECRET: 'preview-test-secret-0123456789abcdefghij' };
    expect((await run(['subscribers', 'add', 'reader@example.org', ...flags.slice(0, 4)], env)).code).toBe(0);
    const first = await run(['publish', ...flags], env);
    expect(first.code, first.stderr).toBe(0);
    // Sorted before спорт, выборы would by the ASCII fold take спорт's id (2026-11-24), which digest 1 carried.
    await writeFile(join(content, '2026-11-24-выборы.md'), story('Выборы'));
    const output = join(dir, 'next.html');
    const preview = await run(['preview', ...flags, '--output', output], env);
    expect(preview.stderr).toBe('');
    expect(preview.stdout).toContain('digest 2 with 1 article');
    const html = await readFile(output, 'utf8');
    expect(html).toContain('Выборы');
    expect(html).not.toContain('Спорт');
  });

  it('reports a bad article file, still previews the others and exits 2', async () => {
    const content = join(dir, 'content');
    await cp(fixtureContent, content, { recursive: true });
    await writeFile(join(content, 'empty.txt'), '');
    const output = join(dir, 'next.html');
    const { code, stdout, stderr } = await run(['preview', '--content', content, '--db', join(dir, 'none.db'), '--output', output]);
    expect(code).toBe(2);
    expect(stderr).toContain('empty.txt');
    expect(stdout).toContain('digest 1 with 1 article');
    expect(existsSync(output)).toBe(true);
  });
});
