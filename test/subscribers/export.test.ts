// `subscribers export` as a backup: it imports back exactly, and writing it never destroys the previous one.
import { execFileSync } from 'node:child_process';
import { chmod, lchown, link, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { run } from '../cli/run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-export-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('subscribers export', () => {
  it('round-trips exactly, dates included: addresses that start like formulas stay as they are, names get a guard that import removes', async () => {
    const db = join(dir, 'a.db');
    const readers: [string, string][] = [
      ['+cmd@example.org', '=SUM(1+1)'],
      ['-dash@example.org', '-5'],
      ["'quote@example.org", "'=already guarded"],
      ['ada@example.org', "'plain apostrophe"],
      ['grace@example.org', '@home'],
    ];
    for (const [email, name] of readers) {
      const added = await run(['subscribers', 'add', '--name', name, '--db', db, '--', email]);
      expect(added.code, added.stderr).toBe(0);
    }
    const first = join(dir, 'first.csv');
    expect((await run(['subscribers', 'export', first, '--db', db])).code).toBe(0);
    const csv = await readFile(first, 'utf8');
    expect(csv.split('\n').slice(1, 4).map((line) => line.split(',').slice(0, 2).join(','))).toEqual([
      "+cmd@example.org,'=SUM(1+1)",
      "-dash@example.org,'-5",
      "'quote@example.org,''=already guarded",
    ]);

    const copy = join(dir, 'b.db');
    expect((await run(['subscribers', 'import', first, '--db', copy])).stdout).toMatch(/^imported 5 \(5 new,/);
    const listed = JSON.parse((await run(['subscribers', 'list', '--json', '--db', copy])).stdout) as { email: string; name: string }[];
    expect(listed.map((s) => [s.email, s.name])).toEqual(readers);
    const second = join(dir, 'second.csv');
    expect((await run(['subscribers', 'export', second, '--db', copy])).code).toBe(0);
    expect(await readFile(second, 'utf8')).toBe(csv);
  });

  it('keeps when each reader joined from the createdAt column, and refuses one that is no date, naming its line', async () => {
    const file = join(dir, 'backup.csv');
    await writeFile(file, 'email,name,status,createdAt\nada@example.org,Ada,active,2020-02-03T04:05:06.000Z\nbob@example.org,,active,yesterday\n');
    const db = join(dir, 'a.db');
    const { code, stderr } = await run(['subscribers', 'import', file, '--db', db]);
    expect(code).toBe(2);
    expect(stderr).toBe(`${file}:3: has the createdAt "yesterday", which is not a date and time — write it as export does (2026-11-20T07:00:00.000Z), or as 2026-11-20 07:00:00 (UTC), or leave it empty\n`);
    const listed = JSON.parse((await run(['subscribers', 'list', '--json', '--db', db])).stdout) as { email: string; createdAt: string }[];
    expect(listed).toEqual([
      { email: 'ada@example.org', name: 'Ada', status: 'active', createdAt: '2020-02-03T04:05:06.000Z', sections: [], editions: [], reason: null },
    ]);
  });

  it('writes a new file and renames it over the old one: the old file is never truncated in place', async () => {
    const db = join(dir, 'a.db');
    await run(['subscribers', 'add', 'ada@example.org', '--db', db]);
    const backup = join(dir, 'backup.csv');
    await writeFile(backup, 'email\nold@example.org\n');
    // A second name for the old file's bytes: writing into that file would change them too.
    await link(backup, join(dir, 'previous.csv'));
    expect((await run(['subscribers', 'export', backup, '--db', db])).code).toBe(0);
    expect(await readFile(join(dir, 'previous.csv'), 'utf8')).toBe('email\nold@example.org\n');
    expect(await readFile(backup, 'utf8')).toContain('ada@example.org');
    expect((await stat(backup)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('writes through a symbolic link to its target, into a named pipe as it is, and to stdout for "-"', async () => {
    const db = join(dir, 'a.db');
    await run(['subscribers', 'add', 'ada@example.org', '--db', db]);
    await mkdir(join(dir, 'mount'));
    await writeFile(join(dir, 'mount', 'backup.csv'), 'old\n');
    await symlink(join('mount', 'backup.csv'), join(dir, 'link.csv'));
    expect((await run(['subscribers', 'export', join(dir, 'link.csv'), '--db', db])).code).toBe(0);
    expect((await lstat(join(dir, 'link.csv'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'mount', 'backup.csv'), 'utf8')).toContain('ada@example.org');

    const pipe = join(dir, 'pipe');
    execFileSync('mkfifo', [pipe]);
    const read = readFile(pipe, 'utf8');
    expect((await run(['subscribers', 'export', pipe, '--db', db])).code).toBe(0);
    expect(await read).toContain('ada@example.org');
    expect((await lstat(pipe)).isFIFO()).toBe(true);

    const stdout = await run(['subscribers', 'export', '-', '--db', db]);
    expect(stdout.stdout).toContain('ada@example.org');
    await expect(stat(join(dir, '-'))).rejects.toThrow(/ENOENT/);
  });

  it('writes through a chain of links to a file not made yet', async () => {
    const db = join(dir, 'a.db');
    await run(['subscribers', 'add', 'ada@example.org', '--db', db]);
    await mkdir(join(dir, 'mount'));
    await symlink('hop.csv', join(dir, 'link.csv'));
    await symlink(join('mount', 'first.csv'), join(dir, 'hop.csv'));
    expect((await run(['subscribers', 'export', join(dir, 'link.csv'), '--db', db])).code).toBe(0);
    expect((await lstat(join(dir, 'link.csv'))).isSymbolicLink()).toBe(true);
    expect((await lstat(join(dir, 'hop.csv'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'mount', 'first.csv'), 'utf8')).toContain('ada@example.org');
  });

  it('writes into a process substitution, >(gzip …), which is a /dev/fd link to a pipe', () => {
    const db = join(dir, 'a.db');
    execFileSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), 'subscribers', 'add', 'ada@example.org', '--db', db], { cwd: root });
    const out = join(dir, 'list.csv');
    execFileSync('bash', ['-c', `"$0" --import tsx src/cli/bin.ts subscribers export >(cat > '${out}') --db '${db}'; wait`, process.execPath], { cwd: root });
    expect(readFileSync(out, 'utf8')).toContain('ada@example.org');
  });

  // Only root can make a link another user owns.
  it.runIf(process.getuid?.() === 0)('refuses a link another user made in a shared folder (/tmp), which could aim it at any file', async () => {
    const db = join(dir, 'a.db');
    await run(['subscribers', 'add', 'ada@example.org', '--db', db]);
    const shared = join(dir, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o1777);
    await writeFile(join(dir, 'precious'), 'keep me\n');
    await symlink(join(dir, 'precious'), join(shared, 'list.csv'));
    await lchown(join(shared, 'list.csv'), 65534, 65534);
    const result = await run(['subscribers', 'export', join(shared, 'list.csv'), '--db', db]);
    expect(result).toMatchObject({ code: 2, stderr: `gazette: ${join(shared, 'list.csv')}: ${join(shared, 'list.csv')} is a symbolic link another user made in a shared folder — name the file itself\n` });

    // Behind a link of the caller's own, the planted one is found too.
    await symlink(join(shared, 'list.csv'), join(dir, 'mine.csv'));
    expect((await run(['subscribers', 'export', join(dir, 'mine.csv'), '--db', db])).code).toBe(2);
    expect(await readFile(join(dir, 'precious'), 'utf8')).toBe('keep me\n');
    expect(await readFile(join(dir, 'precious'), 'utf8')).toBe('keep me\n');
  });

  // A real full disk: a 64 KiB tmpfs, which only root may mount.
  it.runIf(process.getuid?.() === 0)('leaves the previous backup whole when the disk fills up, and says so (exit 1)', async () => {
    const db = join(dir, 'a.db');
    const csv = ['email,name', ...Array.from({ length: 5000 }, (_, i) => `reader${i}@example.org,Reader number ${i}`)].join('\n');
    await writeFile(join(dir, 'many.csv'), csv);
    expect((await run(['subscribers', 'import', join(dir, 'many.csv'), '--db', db])).code).toBe(0);
    const disk = join(dir, 'disk');
    await mkdir(disk);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', disk], { stdio: 'ignore' });
    } catch {
      return; // no mount here (a container without the capability): the hard-link test above still holds
    }
    try {
      const backup = join(disk, 'backup.csv');
      await writeFile(backup, 'email\nold@example.org\n');
      const { code, stderr } = await run(['subscribers', 'export', backup, '--db', db]);
      expect(code).toBe(1);
      expect(stderr).toBe(`gazette: ${backup}: no space left on the device (ENOSPC) — free some space, then run the command again\n`);
      expect(await readFile(backup, 'utf8')).toBe('email\nold@example.org\n');
      expect(await readdir(disk)).toEqual(['backup.csv']);
    } finally {
      execFileSync('umount', [disk]);
    }
  });
});
