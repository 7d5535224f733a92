// `publish --edition` and `preview --edition` through main(), on a site with two editions.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../cli/run.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';

const content = fileURLToPath(new URL('../fixtures/readers/content/', import.meta.url));
let dir: string;
let database: TestDatabase;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-editions-cli-'));
  database = await createTestDatabase(dir);
});
afterEach(async () => {
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

function gazette(...args: string[]): ReturnType<typeof run> {
  return run([...args, '--content', content, '--db', database.db], { GAZETTE_OUT: join(dir, 'public'), GAZETTE_OUTBOX: join(dir, 'outbox'), GAZETTE_SECRET: 'editions-cli-secret-0123456789abcdefghij' });
}

describe('publish and preview with editions', () => {
  it('publishes one edition with --edition, and the others (with something new for them) without it', async () => {
    expect((await gazette('subscribers', 'add', 'all@example.org')).code).toBe(0);
    expect((await gazette('subscribers', 'add', 'daily@example.org', '--editions', 'daily', '--sections', 'world')).code).toBe(0);

    const daily = await gazette('publish', '--edition', 'Daily Briefing', '--json');
    expect(daily.code, daily.stderr).toBe(0);
    const first = JSON.parse(daily.stdout) as { digest: unknown; digests: unknown[] };
    expect(first.digests).toEqual([{ number: 1, edition: 'daily', articles: 3, recipients: 1, nothingInSections: 0 }]);
    expect(await readdir(join(dir, 'outbox'))).toHaveLength(1);
    expect(existsSync(join(dir, 'public', 'digests', 'daily', '1', 'index.html'))).toBe(true);
    // The daily reader of World gets World only, under a subject led by it that names the edition.
    const mail = await simpleParser(await readFile(join(dir, 'outbox', (await readdir(join(dir, 'outbox')))[0] ?? '')));
    expect(mail.subject).toMatch(/^Readers Test News · Daily briefing — .*: Border talks resume$/);
    expect(mail.text).toContain('Border talks resume');
    expect(mail.text).not.toContain('Harbour reopens');

    // Without --edition: the weekly has everything new for it; the daily has nothing new.
    const all = await gazette('publish', '--json');
    expect(all.code, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as { digests: unknown[] }).digests).toEqual([{ number: 1, edition: 'weekly', articles: 3, recipients: 1, nothingInSections: 0 }]);
    expect(existsSync(join(dir, 'public', 'digests', 'weekly', '1', 'index.html'))).toBe(true);
    // Two editions of one day, led by one headline, still differ in the inbox: each subject names its edition.
    const subjects = await Promise.all((await readdir(join(dir, 'outbox'))).map(async (file) => (await simpleParser(await readFile(join(dir, 'outbox', file)))).subject));
    expect(subjects.sort()).toEqual([expect.stringMatching(/^Readers Test News · Daily briefing — /), expect.stringMatching(/^Readers Test News · Weekly digest — /)]);
  });

  it('refuses an unknown edition, naming the known ones, before building or sending anything', async () => {
    const publish = await gazette('publish', '--edition', 'monthly');
    expect(publish.code).toBe(2);
    expect(publish.stderr).toContain('--edition: unknown edition "monthly" — the editions are: weekly (Weekly digest), daily (Daily briefing)');
    expect(existsSync(join(dir, 'public'))).toBe(false);
    const preview = await gazette('preview', '--edition', 'monthly', '--output', join(dir, 'p.html'));
    expect(preview.code).toBe(2);
    expect(existsSync(join(dir, 'p.html'))).toBe(false);
  });

  it('previews the edition asked for', async () => {
    const preview = await gazette('preview', '--edition', 'daily', '--output', join(dir, 'p.html'));
    expect(preview.code, preview.stderr).toBe(0);
    expect(await readFile(join(dir, 'p.html'), 'utf8')).toContain('Daily briefing · Issue 1');
  });
});
