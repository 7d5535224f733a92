import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeHashFile, computeCodeHash, readCodeHash } from '../src/code-hash.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazette-code-'));
  await mkdir(join(root, 'site'));
  await writeFile(join(root, 'main.js'), 'export const a = 1;\n');
  await writeFile(join(root, 'site/pages.js'), 'export const b = 2;\n');
  await writeFile(join(root, 'main.js.map'), '{}');
});
afterEach(() => rm(root, { recursive: true, force: true }));

const record = (): Promise<void> => writeFile(join(root, codeHashFile), JSON.stringify(computeCodeHash(root)));

describe('readCodeHash', () => {
  it('hashes the bytes of every module, in every folder, and nothing else', async () => {
    const before = readCodeHash(root);
    await writeFile(join(root, 'main.js.map'), '{"changed":true}');
    expect(readCodeHash(root)).toBe(before);
    await writeFile(join(root, 'site/pages.js'), 'export const b = 3;\n');
    expect(readCodeHash(root)).not.toBe(before);
  });

  it('trusts the recorded hash while every module keeps its size and time', async () => {
    await writeFile(join(root, codeHashFile), JSON.stringify({ ...computeCodeHash(root), hash: 'recorded' }));
    expect(readCodeHash(root)).toBe('recorded');
  });

  it('hashes the bytes again when a module changed, was added or was removed since the hash was recorded', async () => {
    await record();
    const recorded = readCodeHash(root);
    await writeFile(join(root, 'main.js'), 'export const a = 9;\n');
    await utimes(join(root, 'main.js'), new Date('2020-01-01'), new Date('2020-01-01'));
    expect(readCodeHash(root)).not.toBe(recorded);

    await record();
    await writeFile(join(root, 'site/extra.js'), '');
    expect(readCodeHash(root)).toBe(computeCodeHash(root).hash);
    expect(readCodeHash(root)).not.toBe(recorded);

    await record();
    const withExtra = readCodeHash(root);
    await rm(join(root, 'site/extra.js'));
    expect(readCodeHash(root)).toBe(computeCodeHash(root).hash);
    expect(readCodeHash(root)).not.toBe(withExtra);
  });

  it('records the stamps again when the modules are the same but their times are not (a package npm unpacked)', async () => {
    await record();
    const recorded = readCodeHash(root);
    await utimes(join(root, 'main.js'), new Date('2020-01-01'), new Date('2020-01-01'));
    await utimes(join(root, 'site/pages.js'), new Date('2020-01-01'), new Date('2020-01-01'));
    expect(readCodeHash(root)).toBe(recorded);
    await new Promise(setImmediate);
    const rewritten = JSON.parse(await readFile(join(root, codeHashFile), 'utf8')) as unknown;
    expect(rewritten).toEqual(computeCodeHash(root));
    // Trusted from now on: a recorded hash that the modules' bytes would not give is returned as it is.
    await writeFile(join(root, codeHashFile), JSON.stringify({ ...computeCodeHash(root), hash: 'recorded' }));
    expect(readCodeHash(root)).toBe('recorded');
  });

  it('records nothing where no hash was recorded (running from source)', async () => {
    readCodeHash(root);
    await new Promise(setImmediate);
    expect(existsSync(join(root, codeHashFile))).toBe(false);
  });

  it('hashes the bytes when the recorded file is damaged, and records them again', async () => {
    await writeFile(join(root, codeHashFile), '{"hash": 3');
    expect(readCodeHash(root)).toBe(computeCodeHash(root).hash);
    await new Promise(setImmediate);
    expect(JSON.parse(await readFile(join(root, codeHashFile), 'utf8'))).toEqual(computeCodeHash(root));
  });

  it('is not thrown off by a temporary file a killed run left behind', async () => {
    await writeFile(join(root, codeHashFile), JSON.stringify({ ...computeCodeHash(root), hash: 'recorded' }));
    await writeFile(join(root, `.${codeHashFile}.123.abcd0.tmp`), '{"hash":');
    expect(readCodeHash(root)).toBe('recorded');
  });
});
