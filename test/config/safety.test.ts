// Configuration an operator gets wrong in ways that leak or weaken something, through the real CLI.
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../cli/run.js';

const deliveryContent = fileURLToPath(new URL('../fixtures/delivery/content/', import.meta.url));
const secret = 'safety-test-secret-0123456789abcdefghij';
let dir: string;
let content: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-safety-'));
  content = join(dir, 'content');
  await cp(deliveryContent, content, { recursive: true });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function setBaseUrl(baseUrl: string): Promise<void> {
  const site = JSON.parse(await readFile(join(content, 'site.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(content, 'site.json'), JSON.stringify({ ...site, baseUrl }));
}

const build = (): ReturnType<typeof run> => run(['build', '--content', content, '--out', join(dir, 'public')]);

describe('site.json', () => {
  it.each([
    ['https://news.example.org/#top', 'a fragment (#…)'],
    ['https://news.example.org/?utm=1', 'a query (?…)'],
    ['https://editor:hunter2@news.example.org', 'a user name or password (it would be published in every feed)'],
  ])('refuses baseUrl %s, saying what to remove, and builds nothing', async (baseUrl, what) => {
    await setBaseUrl(baseUrl);
    const { code, stderr } = await build();
    expect(code).toBe(2);
    expect(stderr).toMatch(/site\.json:\d+: baseUrl: expected the bare site address/);
    expect(stderr).toContain(`but it has ${what} — remove it`);
    await expect(readdir(join(dir, 'public'))).rejects.toThrow(/ENOENT/);
  });

  it('still takes a base URL with a path', async () => {
    await setBaseUrl('https://example.org/news/');
    expect((await build()).code).toBe(0);
    expect(await readFile(join(dir, 'public', 'feed.xml'), 'utf8')).toContain('https://example.org/news/articles/');
  });

  it('accepts a site.json saved with a byte-order mark', async () => {
    const text = await readFile(join(content, 'site.json'), 'utf8');
    await writeFile(join(content, 'site.json'), `\uFEFF${text}`);
    const { code, stderr } = await build();
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});

describe('GAZETTE_SECRET', () => {
  it.each(['x', 'short-but-not-32-characters', 'a'.repeat(40), 'abababababababababababababababab'])('refuses the weak secret %j (exit 2), touching nothing', async (weak) => {
    const db = join(dir, 'g.db');
    const { code, stderr } = await run(['subscribers', 'add', 'ada@example.org', '--db', db], { GAZETTE_SECRET: weak });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^gazette: GAZETTE_SECRET is too weak \(.*\) — set at least 32 random characters, e\.g\. the output of "openssl rand -base64 32"/);
    await expect(stat(db)).rejects.toThrow(/ENOENT/);
  });

  it('takes a secret of 32 random characters', async () => {
    const { code } = await run(['subscribers', 'add', 'ada@example.org', '--db', join(dir, 'g.db')], { GAZETTE_SECRET: 'q3Xv9LmT2pR8sW1yZ6bN4cK7dF0gH5jA' });
    expect(code).toBe(0);
  });
});

describe('private files', () => {
  it('creates the database, its folder, the outbox and each message readable by the owner only', async () => {
    const db = join(dir, 'data', 'nested', 'gazette.db');
    const outbox = join(dir, 'outbox');
    expect((await run(['subscribers', 'add', 'ada@example.org', '--db', db], { GAZETTE_SECRET: secret })).code).toBe(0);
    const published = await run(['publish', '--content', content, '--out', join(dir, 'public'), '--db', db, '--outbox', outbox], { GAZETTE_SECRET: secret });
    expect(published.code, published.stderr).toBe(0);
    const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;
    expect(await mode(db)).toBe(0o600);
    expect(await mode(join(dir, 'data'))).toBe(0o700);
    expect(await mode(join(dir, 'data', 'nested'))).toBe(0o700);
    expect(await mode(outbox)).toBe(0o700);
    const messages = await readdir(outbox);
    expect(messages).toHaveLength(1);
    expect(await mode(join(outbox, messages[0] ?? ''))).toBe(0o600);
  });
});
