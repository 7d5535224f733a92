import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { run } from '../cli/run.js';

let dir: string;
let db: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-subscribers-cli-'));
  db = join(dir, 'gazette.db');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const subscribers = (...args: string[]): ReturnType<typeof run> => run(['subscribers', ...args, '--db', db]);

async function listJson(...args: string[]): Promise<{ email: string; name: string | null; status: string; createdAt: string }[]> {
  const { code, stdout } = await subscribers('list', '--json', ...args);
  expect(code).toBe(0);
  return JSON.parse(stdout) as { email: string; name: string | null; status: string; createdAt: string }[];
}

describe('gazette subscribers', () => {
  it('adds an active subscriber and lists it as JSON', async () => {
    const added = await subscribers('add', 'Ada@Example.org', '--name', 'Ada Lovelace');
    expect(added).toMatchObject({ code: 0, stdout: 'added Ada@Example.org (active; sections: all; editions: default)\n' });
    const list = await listJson();
    expect(list).toEqual([
      {
        email: 'Ada@Example.org',
        name: 'Ada Lovelace',
        status: 'active',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        sections: [],
        editions: [],
        reason: null,
      },
    ]);
    expect(await listJson('--status', 'pending')).toEqual([]);
  });

  it('refuses an invalid address with exit 2 and a clear message', async () => {
    await subscribers('add', 'grace@example.org');
    for (const email of ['ada@example.org\r\nBcc: x@evil.test', 'ada lovelace@example.org', 'ada.example.org', `${'a'.repeat(250)}@example.org`]) {
      const result = await subscribers('add', email);
      expect(result.code, email).toBe(2);
      expect(result.stderr).toMatch(/^gazette: ".*" .+ — .+\n$/);
    }
    expect((await listJson()).map((reader) => reader.email)).toEqual(['grace@example.org']);
  });

  it('refuses to list, export or remove on a database file that does not exist, and makes none', async () => {
    await subscribers('add', 'ada@example.org');
    await writeFile(join(dir, 'backup.csv'), 'kept');
    const typo = join(dir, 'typo', 'gazete.db');
    for (const args of [['list'], ['export', join(dir, 'backup.csv')], ['remove', 'ada@example.org']]) {
      const result = await run(['subscribers', ...args, '--db', typo]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toBe(`gazette: --db ${typo}: no such database file — check --db or GAZETTE_DB (publish, subscribers add and import make one)\n`);
    }
    expect((await run(['stats', '--db', typo])).code).toBe(2);
    expect(existsSync(join(dir, 'typo'))).toBe(false);
    expect(await readFile(join(dir, 'backup.csv'), 'utf8')).toBe('kept');
  });

  it('takes a --limit larger than any list as all the digests, where a 19-digit one stopped on the database with a trace', async () => {
    await subscribers('add', 'ada@example.org');
    for (const limit of ['9223372036854775807', '1000000000000000000000']) {
      const result = await run(['stats', '--limit', limit, '--db', db, '--json']);
      expect(result, limit).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(result.stdout)).toMatchObject({ digests: [] });
    }
  });

  it('makes no database for an import it refuses, or whose every line it rejects, and one for an import that writes', async () => {
    const files = { 'no-email.csv': 'name,phone\nAda,1\n', 'leavers-unread.csv': 'email,Bounce Count\nada@example.org,3\n', 'all-bad.csv': 'email\nnot-an-address\n', 'empty.csv': '' };
    for (const [name, text] of Object.entries(files)) {
      await writeFile(join(dir, name), text);
      const result = await subscribers('import', join(dir, name));
      expect(result.code, name).toBe(2);
      expect(existsSync(db), name).toBe(false);
    }
    await writeFile(join(dir, 'good.csv'), 'email\nada@example.org\n');
    expect((await subscribers('import', join(dir, 'good.csv'))).code).toBe(0);
    expect((await listJson()).map((reader) => reader.email)).toEqual(['ada@example.org']);
  });

  it('cleans a name so it cannot carry a header line', async () => {
    await subscribers('add', 'ada@example.org', '--name', 'Ada\r\nBcc: x@evil.test');
    expect((await listJson())[0]?.name).toBe('Ada Bcc: x@evil.test');
  });

  it('removes by marking unsubscribed, idempotently, and never re-adds a reader who left', async () => {
    await subscribers('add', 'ada@example.org');
    expect(await subscribers('remove', 'ADA@example.org')).toMatchObject({ code: 0, stdout: 'unsubscribed ada@example.org (was active)\n' });
    expect(await subscribers('remove', 'ada@example.org')).toMatchObject({ code: 0, stdout: 'ada@example.org is already unsubscribed\n' });
    expect((await listJson())[0]).toMatchObject({ status: 'unsubscribed', reason: { kind: 'unsubscribed', source: 'cli', detail: null } });
    expect((await subscribers('list')).stdout).toMatch(/^unsubscribed\s+\S+\s+ada@example\.org\s+all\s+default\s+ \(unsubscribed via cli\)$/m);
    const again = await subscribers('add', 'ada@example.org');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/is unsubscribed and stays so/);
    expect(await subscribers('remove', 'nobody@example.org')).toMatchObject({ code: 1 });
    expect(await subscribers('remove', 'not an address')).toMatchObject({ code: 2 });
  });

  it('keeps a bounced reader bounced, saying Gazette sends the address nothing (no sign-up form can bring it back)', async () => {
    await subscribers('add', 'ada@example.org');
    const store = await openStore({ dbPath: db });
    try {
      const reader = { email: 'ada@example.org' };
      await store.recordReturnEvent({ kind: 'bounced', source: 'ses', reader, digestNumber: null, detail: '5.1.1', dedupeKey: 'b1', at: new Date() });
    } finally {
      await store.close();
    }
    const again = await subscribers('add', 'ada@example.org');
    expect(again).toMatchObject({ code: 1, stderr: 'ada@example.org is bounced and stays so: Gazette sends a bounced address nothing\n' });
  });

  it('lists as a table with the counts by status', async () => {
    await subscribers('add', 'ada@example.org', '--name', 'Ada');
    await subscribers('add', 'grace@example.org');
    await subscribers('remove', 'grace@example.org');
    const { code, stdout } = await subscribers('list', '--status', 'active');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^STATUS\s+CREATED\s+EMAIL\s+SECTIONS\s+EDITIONS\s+NAME$/);
    expect(lines[1]).toMatch(/^active\s+\d{4}-\d\d-\d\d\s+ada@example\.org\s+all\s+default\s+Ada$/);
    expect(lines.at(-1)).toBe('1 shown; on the list: 0 pending, 1 active, 1 unsubscribed, 0 bounced');
  });

  it('imports a CSV: bad lines on stderr as path:line, a summary, exit 2, and the good lines imported', async () => {
    const file = join(dir, 'readers.csv');
    await writeFile(file, 'email,name\nada@example.org,Ada\nbroken,B\ngrace@example.org,Grace\n');
    const result = await subscribers('import', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${file}:3: "broken" has no @ — an address looks like name@example.org; fix the typo\n`);
    expect(result.stdout).toBe('imported 2 (2 new, 0 updated, 0 unchanged), 1 rejected, 0 kept unsubscribed or bounced\n');
    expect((await listJson()).map((s) => s.email)).toEqual(['ada@example.org', 'grace@example.org']);
    await writeFile(file, 'email,name\nada@example.org,Ada\n');
    expect(await subscribers('import', file)).toMatchObject({ code: 0, stdout: 'imported 1 (0 new, 0 updated, 1 unchanged), 0 rejected, 0 kept unsubscribed or bounced\n' });
  });

  it('refuses a missing file or a header without email with exit 2', async () => {
    const missing = await subscribers('import', join(dir, 'missing.csv'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*missing\.csv/);
    const file = join(dir, 'no-email.csv');
    await writeFile(file, 'address,name\nada@example.org,Ada\n');
    const noEmail = await subscribers('import', file);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toMatch(/no-email\.csv:1: the header row has no "email" column/);
    const folder = await subscribers('import', dir);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/cannot read .*EISDIR/);
    expect(folder.stderr).not.toContain('    at ');
  });

  it('exports CSV to stdout or a file, which imports back unchanged (statuses and formula-like names included)', async () => {
    await subscribers('add', 'ada@example.org', '--name', 'Lovelace, Ada');
    await subscribers('add', 'eve@example.org', '--name', '=HYPERLINK("http://evil.test")');
    await subscribers('add', 'grace@example.org');
    await subscribers('remove', 'grace@example.org');

    const { code, stdout } = await subscribers('export');
    expect(code).toBe(0);
    const rows = parse(stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.email, r.name, r.status])).toEqual([
      ['ada@example.org', 'Lovelace, Ada', 'active'],
      ['eve@example.org', `'=HYPERLINK("http://evil.test")`, 'active'],
      ['grace@example.org', '', 'unsubscribed'],
    ]);

    const file = join(dir, 'export.csv');
    expect((await subscribers('export', file)).code).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(stdout);

    // Standard input too, as export writes to standard output with `-`: a bad line is named by it.
    const piped = await run(['subscribers', 'import', '-', '--db', join(dir, 'piped.db')], {}, { stdin: `${stdout}not-an-address,,active,,,\n` });
    expect(piped).toMatchObject({ code: 2, stdout: expect.stringContaining('imported 2 (2 new') });
    expect(piped.stderr).toMatch(/^stdin:5: "not-an-address" has no @/);

    db = join(dir, 'copy.db');
    // A backup restores where there is no content folder: its empty sections and editions cells name nothing to check.
    expect(await subscribers('import', file, '--content', join(dir, 'no-content'))).toMatchObject({
      code: 0,
      stdout: 'imported 2 (2 new, 0 updated, 0 unchanged), 0 rejected, 0 kept unsubscribed or bounced, 1 recorded as unsubscribed or bounced\n',
    });
    expect((await listJson()).map((s) => [s.email, s.name, s.status])).toEqual([
      ['ada@example.org', 'Lovelace, Ada', 'active'],
      ['eve@example.org', '=HYPERLINK("http://evil.test")', 'active'],
      ['grace@example.org', null, 'unsubscribed'],
    ]);
  });
});
