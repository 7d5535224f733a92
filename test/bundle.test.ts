// The bundle `npm run build` makes (what the `gazette` command runs): the same site as the sources build, its worker
// modules serving their threads, and the sample digest delivered. Made from these sources into a folder of its own
// beside dist/ (one level below the package, as dist/ is), so that whatever runs from dist/ meanwhile keeps it.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { computeCodeHash } from '../src/code-hash.js';
import { loadSiteConfig } from '../src/config/load.js';
import { parseArticle } from '../src/content/parse.js';
import { buildSite } from '../src/site/build.js';
import { defaultTemplatesDir, loadSiteTemplates, type PrecompiledTemplates } from '../src/site/templates.js';
import { askWorker } from '../src/threads.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

let bundle: string;
let temp: string;

/** `gazette ARGS` from the bundle, in `cwd`, with no Gazette or SMTP settings from this environment. */
function gazette(cwd: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(bundle, 'bin.js'), ...args], { cwd, env: { PATH: process.env.PATH ?? '' } });
}

/** Every file under `dir` but the build's own state (its manifest names the code's hash), with the hash of its bytes. */
async function filesOf(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .filter((name) => !name.startsWith('.gazette-'))
    .sort();
  const hashes = await Promise.all(names.map(async (name) => createHash('sha256').update(await readFile(join(dir, name))).digest('hex')));
  return Object.fromEntries(names.map((name, i) => [name, hashes[i] as string]));
}

/** One batch answered by a thread of the bundle's worker module `name`, as the build asks one (see askWorker). */
async function askBundleWorker(name: string, context: unknown, items: unknown[]): Promise<unknown[]> {
  const worker = new Worker(new URL(`${name}.js`, pathToFileURL(`${bundle}/`)));
  try {
    return await askWorker(worker, context, items);
  } finally {
    await worker.terminate();
  }
}

beforeAll(async () => {
  bundle = await mkdtemp(join(root, '.bundle-test-'));
  await run(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'build.mjs'), basename(bundle)], { cwd: root });
}, 120_000);

afterAll(async () => {
  await rm(bundle, { recursive: true, force: true });
});

beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'gazette-bundle-'));
});

afterEach(async () => {
  await rm(temp, { recursive: true, force: true });
});

describe('the bundle of npm run build', () => {
  it('builds the bytes the sources build, and again after an edit', async () => {
    const content = join(temp, 'content');
    await cp(join(root, 'content'), content, { recursive: true });
    // Enough pages for the page threads (500 each) where there are two cores; a rebuild then stats on a parse thread.
    await mkdir(join(content, 'wire'));
    for (let i = 0; i < 1200; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      await writeFile(join(content, 'wire', `story-${i}.md`), `---\ntitle: Story ${i}\ndate: 2026-10-${day}T0${i % 10}:00\nsection: Wire\n---\nItem **${i}** of the [wire](https://example.org/${i}).\n`);
    }
    const fromBundle = join(temp, 'bundle');
    const fromSources = join(temp, 'sources');
    const first = await gazette(temp, 'build', '--content', content, '--out', fromBundle);
    expect(first.stdout).toMatch(/^\d+ articles, \d+ sections → .*\(\d+ files written, 0 unchanged\)\n$/);
    await buildSite({ contentDir: content, outDir: fromSources }, new Date());
    expect(await filesOf(fromBundle)).toEqual(await filesOf(fromSources));

    // Dated in its front matter: else each build would date the correction by its own clock.
    await writeFile(join(content, 'wire', 'story-7.md'), '---\ntitle: Story 7, corrected\ndate: 2026-10-08T07:00\nupdated: 2026-10-09T10:00\nsection: Wire\n---\nCorrected.\n');
    const second = await gazette(temp, 'build', '--content', content, '--out', fromBundle);
    expect(second.stdout).toMatch(/\(\d+ files written, \d+ unchanged\)\n$/);
    expect(await readFile(join(fromBundle, 'articles', 'story-7', 'index.html'), 'utf8')).toContain('Corrected.');
    await buildSite({ contentDir: content, outDir: fromSources }, new Date());
    expect(await filesOf(fromBundle)).toEqual(await filesOf(fromSources));
  }, 120_000);

  it('serves the parse and page threads from its worker modules, whatever the number of cores', async () => {
    const content = join(root, 'content');
    const [fingerprint] = await askBundleWorker('parse-worker', { contentDir: content, now: Date.now() }, ['000_7e434e7f9160c0f8.txt']);
    expect(fingerprint).toMatch(/\d/);

    const config = await loadSiteConfig(content);
    const source = '2026/2026-11-23-council-passes-budget.md';
    const parsed = parseArticle(await readFile(join(content, source)), source, { timezone: config.timezone, baseUrl: config.baseUrl, languages: config.languages });
    if (!parsed.ok) throw new Error(parsed.problem.message);
    const context = { outDir: temp, config, templatesDir: defaultTemplatesDir, templatesHash: (await loadSiteTemplates()).hash };
    const wrote = await askBundleWorker('page-worker', context, [{ path: 'articles/budget/index.html', article: parsed.article, absent: true, inPlace: true }]);
    expect(wrote).toEqual([true]);
    expect(await readFile(join(temp, 'articles', 'budget', 'index.html'), 'utf8')).toContain('<h1>City council passes next year&#x27;s budget after late-night session</h1>');
  });

  it('holds the precompiled site templates and the hash of its own modules', async () => {
    const precompiled = (await import(pathToFileURL(join(bundle, 'templates.precompiled.js')).href)) as { default: PrecompiledTemplates };
    expect(Object.keys(precompiled.default)).toEqual(expect.arrayContaining(['layout.hbs', 'article.hbs', 'index.hbs', 'section.hbs']));
    const recorded = JSON.parse(await readFile(join(bundle, 'code-hash.json'), 'utf8')) as { hash: string };
    expect(recorded.hash).toBe(computeCodeHash(bundle).hash);
  });

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
