import { mkdtemp, rm, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ARTICLE_BYTES } from '../../src/content/parsing.js';
import { readArticleFile, readFileReused, statFingerprint } from '../../src/content/read.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-read-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readFileReused', () => {
  it('gives a file its bytes, small or larger than the buffer read into before', async () => {
    const large = Buffer.alloc(3 * 64 * 1024 + 7, 'x');
    await writeFile(join(dir, 'small'), 'small bytes');
    await writeFile(join(dir, 'large'), large);
    expect(Buffer.from(readFileReused(join(dir, 'small'))).toString()).toBe('small bytes');
    expect(Buffer.compare(Buffer.from(readFileReused(join(dir, 'large'))), large)).toBe(0);
    expect(Buffer.from(readFileReused(join(dir, 'small'))).toString()).toBe('small bytes');
  });

  it('reuses one buffer, so a result holds only until the next read', async () => {
    await writeFile(join(dir, 'a'), 'aaaa');
    await writeFile(join(dir, 'b'), 'bbbb');
    const first = readFileReused(join(dir, 'a'));
    readFileReused(join(dir, 'b'));
    expect(Buffer.from(first).toString()).toBe('bbbb');
  });

  it('throws for a missing file', () => {
    expect(() => readFileReused(join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});

describe('readArticleFile', () => {
  it('reads the bytes of a settled file with its fingerprint', async () => {
    await writeFile(join(dir, 'a.md'), 'text');
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'a.md'), old, old);
    const read = readArticleFile(dir, 'a.md', Date.now() + 5000);
    if ('ok' in read) throw new Error('expected bytes');
    expect(Buffer.from(read.bytes).toString()).toBe('text');
    expect(read.fingerprint).toBe(statFingerprint(join(dir, 'a.md'), Date.now() + 5000));
    expect(read.fingerprint).not.toBeNull();
  });

  it('gives no fingerprint for a file written just now', async () => {
    await writeFile(join(dir, 'a.md'), 'text');
    const read = readArticleFile(dir, 'a.md', Date.now());
    expect('ok' in read ? null : read.fingerprint).toBeNull();
  });

  it('refuses a file over the size limit without reading it', async () => {
    await writeFile(join(dir, 'huge.md'), '');
    await truncate(join(dir, 'huge.md'), MAX_ARTICLE_BYTES + 1);
    const read = readArticleFile(dir, 'huge.md', Date.now());
    expect('ok' in read && !read.ok ? read.problem.path : null).toBe('huge.md');
  });

  it('reports a file it cannot open as a problem of that file', () => {
    const read = readArticleFile(dir, 'gone.md', Date.now());
    expect('ok' in read && !read.ok ? read.problem.message : '').toMatch(/cannot read the file \(ENOENT\)/);
  });
});
