// Readers' sections and editions through the CLI: add, list and its filters, CSV import and export.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../cli/run.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';

const content = new URL('../fixtures/readers/content/', import.meta.url).pathname;
let dir: string;
let db: string;
let database: TestDatabase;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-choices-cli-'));
  database = await createTestDatabase(dir);
  db = database.db;
});
afterEach(async () => {
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

const subscribers = (...args: string[]): ReturnType<typeof run> => run(['subscribers', ...args, '--db', db, '--content', content]);

async function listJson(...args: string[]): Promise<{ email: string; sections: string[]; editions: string[] }[]> {
  const { code, stdout, stderr } = await subscribers('list', '--json', ...args);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as { email: string; sections: string[]; editions: string[] }[];
}

describe('readers of an edition site.json no longer has', () => {
  it('are named in a warning of publish, with those who get no digest at all', async () => {
    expect((await subscribers('add', 'only@example.org', '--editions', 'daily')).code).toBe(0);
    expect((await subscribers('add', 'both@example.org', '--editions', 'daily,weekly')).code).toBe(0);
    expect((await subscribers('add', 'never@example.org')).code).toBe(0);
    const renamed = join(dir, 'content');
    await cp(content, renamed, { recursive: true });
    const site = (await readFile(join(renamed, 'site.json'), 'utf8')).replace('"id": "daily"', '"id": "morning"');
    await writeFile(join(renamed, 'site.json'), site);
    const published = await run(['publish', '--db', db, '--content', renamed, '--out', join(dir, 'public'), '--outbox', join(dir, 'outbox')]);
    expect(published.code, published.stderr).toBe(0);
    expect(published.stderr).toContain(
      `warning: ${join(renamed, 'site.json')}: readers chose editions site.json no longer has: "daily" (2 readers); 1 reader of them chose no other edition and gets no digest — put the edition back under its id`,
    );
  });
});

describe('gazette subscribers with sections and editions', () => {
  it('adds a reader with sections by label or slug in any case, and editions by id or name', async () => {
    const added = await subscribers('add', 'ada@example.org', '--sections', 'WORLD, local-news', '--editions', 'Daily Briefing');
    expect(added).toMatchObject({ code: 0, stdout: 'added ada@example.org (active; sections: local-news,world; editions: daily)\n' });
    expect(await listJson()).toMatchObject([{ email: 'ada@example.org', sections: ['local-news', 'world'], editions: ['daily'] }]);
    // Adding again with other choices updates them.
    expect((await subscribers('add', 'ada@example.org', '--sections', 'business')).stdout).toBe(
      'updated ada@example.org (active; sections: business; editions: daily)\n',
    );
  });

  it('refuses an unknown section or edition, naming the known ones, and saves nothing', async () => {
    await subscribers('add', 'grace@example.org');
    const section = await subscribers('add', 'ada@example.org', '--sections', 'world,sport');
    expect(section.code).toBe(2);
    expect(section.stderr).toBe('gazette: unknown section "sport" — the sections are: Business, Local News, WORLD\n');
    const edition = await subscribers('add', 'ada@example.org', '--editions', 'monthly');
    expect(edition.code).toBe(2);
    expect(edition.stderr).toContain('unknown edition "monthly" — the editions are: weekly (Weekly digest), daily (Daily briefing)');
    expect((await listJson()).map((reader) => reader.email)).toEqual(['grace@example.org']);
  });

  it('lists the readers of a section or an edition as the digests choose them', async () => {
    await subscribers('add', 'all@example.org');
    await subscribers('add', 'world@example.org', '--sections', 'world');
    await subscribers('add', 'daily@example.org', '--editions', 'daily', '--sections', 'business');
    const emails = async (...args: string[]) => (await listJson(...args)).map((s) => s.email);
    expect(await emails('--section', 'World')).toEqual(['all@example.org', 'world@example.org']);
    expect(await emails('--edition', 'daily')).toEqual(['daily@example.org']);
    // Readers who never chose get the first edition.
    expect(await emails('--edition', 'weekly')).toEqual(['all@example.org', 'world@example.org']);
    const table = await subscribers('list', '--section', 'business');
    expect(table.stdout).toMatch(/daily@example\.org\s+business\s+daily/);
    expect((await subscribers('list', '--section', 'sport')).code).toBe(2);
  });

  it('exports sections and editions as CSV columns and imports them back exactly', async () => {
    await subscribers('add', 'ada@example.org', '--name', 'Ada', '--sections', 'world,business', '--editions', 'daily,weekly');
    await subscribers('add', 'bo@example.org');
    const exported = join(dir, 'out.csv');
    expect((await run(['subscribers', 'export', exported, '--db', db])).code).toBe(0);
    const csv = await readFile(exported, 'utf8');
    expect(csv.split('\n')[0]).toBe('email,name,status,createdAt,sections,editions');
    expect(csv).toContain('ada@example.org,Ada,active,');
    expect(csv).toContain(',"business,world","weekly,daily"\n');
    const before = await listJson();

    db = join(dir, 'copy.db');
    const imported = await subscribers('import', exported);
    expect(imported, imported.stderr).toMatchObject({ code: 0 });
    expect(await listJson()).toEqual(before.map((s) => ({ ...s, createdAt: expect.any(String) })));
  });

  it('rejects a CSV line with an unknown section and imports the rest', async () => {
    const file = join(dir, 'readers.csv');
    await writeFile(file, 'email,sections,editions\nada@example.org,World,\nbo@example.org,Sport,\ncy@example.org,,Daily\n');
    const result = await subscribers('import', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:3: unknown section "Sport" — the sections are: Business, Local News, WORLD`);
    expect((await listJson()).map((s) => [s.email, s.sections, s.editions])).toEqual([
      ['ada@example.org', ['world'], []],
      ['cy@example.org', [], ['daily']],
    ]);
  });
});
