// The output writers' file helpers: a reader never sees half a file, unchanged bytes are not written again.
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clearingTheWay, makeFolder, mapLimit, replaceFile, syncOps, writeFileAtomic, writeIfChanged } from '../src/files.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-files-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeIfChanged', () => {
  for (const [name, ops] of [
    ['promises', undefined],
    ['synchronous operations', syncOps],
  ] as const) {
    describe(`with ${name}`, () => {
      const options = ops ? { ops } : {};

      it('writes a new file, making its folders', async () => {
        const path = join(dir, 'a', 'b', 'index.html');
        expect(await writeIfChanged(path, '<p>new</p>', options)).toBe(true);
        expect(await readFile(path, 'utf8')).toBe('<p>new</p>');
      });

      it('leaves a file holding the same bytes as it is', async () => {
        const path = join(dir, 'same.html');
        await writeFile(path, 'same');
        const before = await stat(path);
        expect(await writeIfChanged(path, Buffer.from('same'), options)).toBe(false);
        const after = await stat(path);
        expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
      });

      it('replaces changed bytes by a rename, leaving no temporary file', async () => {
        const path = join(dir, 'page.html');
        await writeFile(path, 'old');
        const before = await stat(path);
        expect(await writeIfChanged(path, 'new', options)).toBe(true);
        expect(await readFile(path, 'utf8')).toBe('new');
        expect((await stat(path)).ino).not.toBe(before.ino);
        expect(await readdir(dir)).toEqual(['page.html']);
      });

      it('writes in place where the caller knows no file is, and replaces one that is there after all', async () => {
        const path = join(dir, 'fresh.html');
        expect(await writeIfChanged(path, 'first', { ...options, absent: true, inPlace: true })).toBe(true);
        expect(await writeIfChanged(path, 'second', { ...options, absent: true, inPlace: true })).toBe(true);
        expect(await readFile(path, 'utf8')).toBe('second');
        expect(await readdir(dir)).toEqual(['fresh.html']);
      });

      it('makes a folder once per madeDirs, trusting it afterwards', async () => {
        const madeDirs = new Set<string>();
        await writeIfChanged(join(dir, 'x', 'one.html'), '1', { ...options, madeDirs });
        expect([...madeDirs]).toEqual([join(dir, 'x')]);
        await rm(join(dir, 'x'), { recursive: true });
        await expect(writeIfChanged(join(dir, 'x', 'two.html'), '2', { ...options, madeDirs })).rejects.toMatchObject({ code: 'ENOENT' });
      });
    });
  }
});

describe('replaceFile and writeFileAtomic', () => {
  it('keeps a private file private', async () => {
    const path = join(dir, 'message.eml');
    await writeFileAtomic(path, 'Subject: x\r\n', 0o600);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('leaves the old file whole, and no temporary, when the write fails', async () => {
    const path = join(dir, 'readers.csv');
    await writeFile(path, 'email\nold@example.org\n');
    const failure = new Error('disk full');
    await expect(
      replaceFile(path, async (temporary) => {
        await writeFile(temporary, 'email\nhalf');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await readFile(path, 'utf8')).toBe('email\nold@example.org\n');
    expect(await readdir(dir)).toEqual(['readers.csv']);
  });

  it('fails when the path is a folder, and removes its temporary', async () => {
    await mkdir(join(dir, 'taken'));
    await expect(writeFileAtomic(join(dir, 'taken'), 'x')).rejects.toMatchObject({ code: expect.stringMatching(/^E(ISDIR|NOTEMPTY|EXIST)$/) });
    expect(await readdir(dir)).toEqual(['taken']);
  });
});

describe('mapLimit', () => {
  it('runs at most `limit` tasks at a time and keeps the order of the items', async () => {
    let running = 0;
    let most = 0;
    const results = await mapLimit([30, 10, 20, 0, 5], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return ms * 2;
    });
    expect(results).toEqual([60, 20, 40, 0, 10]);
    expect(most).toBe(2);
  });
});

describe('clearingTheWay', () => {
  it('replaces a folder standing where a file is written', async () => {
    const path = join(dir, 'cache.v8');
    await mkdir(join(path, 'inside'), { recursive: true });
    await clearingTheWay(path, () => writeFileAtomic(path, 'bytes'));
    expect(await readFile(path, 'utf8')).toBe('bytes');
  });

  it('replaces a file standing where a folder is made', async () => {
    const path = join(dir, 'cache');
    await writeFile(path, 'not a folder');
    await clearingTheWay(path, () => mkdir(path, { recursive: true }));
    expect((await stat(path)).isDirectory()).toBe(true);
  });

  it('leaves what stands there when the failure is another one, and rethrows it', async () => {
    const path = join(dir, 'missing', 'cache.v8');
    await expect(clearingTheWay(path, () => writeFile(path, 'bytes'))).rejects.toThrow(/ENOENT/);
    const kept = join(dir, 'kept');
    await writeFile(kept, 'mine');
    await expect(clearingTheWay(kept, () => Promise.reject(Object.assign(new Error('no space'), { code: 'ENOSPC' })))).rejects.toThrow('no space');
    expect(await readFile(kept, 'utf8')).toBe('mine');
  });
});

describe('makeFolder', () => {
  it('makes a folder and those above it, and takes one that is there', async () => {
    await makeFolder(join(dir, 'a', 'b', 'c'), '--out');
    await makeFolder(join(dir, 'a', 'b'), '--out');
    expect((await stat(join(dir, 'a', 'b', 'c'))).isDirectory()).toBe(true);
  });

  it('refuses a link to a folder that is not there, and a path under a file, with what to do', async () => {
    await symlink(join(dir, 'nowhere', 'www'), join(dir, 'public'));
    await expect(makeFolder(join(dir, 'public'), '--out')).rejects.toThrow(
      `--out ${join(dir, 'public')}: it is a link to ${join(dir, 'nowhere', 'www')}, which is not a folder that can be made — make ${join(dir, 'nowhere', 'www')} first, or pass --out DIR naming a folder`,
    );
    await writeFile(join(dir, 'file'), '');
    await expect(makeFolder(join(dir, 'file', 'x'), '--out')).rejects.toMatchObject({ code: 'E_USAGE', message: expect.stringContaining('is a file') });
  });

  it.runIf(existsSync('/proc/self'))('stops where the file system says no such file under a folder that is there (/proc), where a recursive mkdir never returns', async () => {
    await expect(makeFolder('/proc/gazette-out', '--out')).rejects.toMatchObject({ code: 'E_USAGE' });
  });
});
