// The bundle `npm run build` makes in dist/ (what the `gazette` command runs): the same site as the sources build, from
// every thread it starts, and the sample digest delivered. Built again first, so it is the bundle of these sources.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSite } from '../src/site/build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist', 'bin.js');
const run = promisify(execFile);

/** `gazette ARGS` from the bundle, in `cwd`, with no Gazette or SMTP settings from this environment. */
function gazette(cwd: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [bin, ...args], { cwd, env: { PATH: process.env.PATH ?? '' } });
}

/** Every file under `dir` but the build's own state (its manifest names the code's hash), with its bytes. */
async function filesOf(dir: string): Promise<Map<string, Buffer>> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .filter((name) => !name.startsWith('.gazette-'))
    .sort();
  return new Map(await Promise.all(names.map(async (name) => [name, await readFile(join(dir, name))] as const)));
}

let temp: string;

beforeAll(async () => {
  await run(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build.mjs')], { cwd: root });
}, 120_000);

beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'gazette-bundle-'));
});

afterEach(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe('the bundle in dist/', () => {
  it('builds the bytes the sources build, on page threads, and again on a stat thread after an edit', async () => {
    const content = join(temp, 'content');
    await cp(join(root, 'content'), content, { recursive: true });
    // Enough pages for the page threads (500 each), and a rebuild reads the files' fingerprints on a parse thread.
    await mkdir(join(content, 'wire'));
    for (let i = 0; i < 1200; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      await writeFile(join(content, 'wire', `story-${i}.md`), `---\ntitle: Story ${i}\ndate: 2026-10-${day}T0${i % 10}:00\nsection: Wire\n---\nItem **${i}** of the [wire](https://example.org/${i}).\n`);
    }
    const now = new Date();
    const fromBundle = join(temp, 'bundle');
    const fromSources = join(temp, 'sources');
    const first = await gazette(temp, 'build', '--content', content, '--out', fromBundle);
    expect(first.stdout).toMatch(/^1204 articles, 4 sections → .*\(\d+ files written, 0 unchanged\)\n$/);
    await buildSite({ contentDir: content, outDir: fromSources }, now);
    expect(await filesOf(fromBundle)).toEqual(await filesOf(fromSources));

    // Dated in its front matter: else each build would date the correction by its own clock.
    await writeFile(join(content, 'wire', 'story-7.md'), '---\ntitle: Story 7, corrected\ndate: 2026-10-08T07:00\nupdated: 2026-10-09T10:00\nsection: Wire\n---\nCorrected.\n');
    const second = await gazette(temp, 'build', '--content', content, '--out', fromBundle);
    expect(second.stdout).toMatch(/\(\d+ files written, \d+ unchanged\)\n$/);
    expect(await readFile(join(fromBundle, 'articles', 'story-7', 'index.html'), 'utf8')).toContain('Corrected.');
    await buildSite({ contentDir: content, outDir: fromSources }, new Date());
    expect(await filesOf(fromBundle)).toEqual(await filesOf(fromSources));
  }, 120_000);

  it('publishes the sample digest to every sample reader, into the outbox', async () => {
    await gazette(temp, 'subscribers', 'import', join(root, 'content', 'readers.sample.csv'));
    const { stdout } = await gazette(temp, 'publish', '--content', join(root, 'content'));
    expect(stdout).toContain('digest 1');
    const messages = (await readdir(join(temp, 'data', 'outbox'))).filter((name) => name.endsWith('.eml'));
    expect(messages).toHaveLength(3);
    const message = await readFile(join(temp, 'data', 'outbox', messages[0] as string), 'utf8');
    expect(message).toMatch(/^Subject: /m);
    expect(message).toContain('Content-Type: text/html');
  }, 120_000);
});
