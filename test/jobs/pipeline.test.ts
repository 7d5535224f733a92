// The daemon's jobs (src/jobs/pipeline.ts): what a scheduled build tells the run's log, and the WebSub hub.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { resolveOptions } from '../../src/config/options.js';
import { defaultDeliverySettings } from '../../src/delivery/settings.js';
import { pipelineJobs } from '../../src/jobs/pipeline.js';
import { createLogger } from '../../src/log.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startHub } from '../fixtures/hub.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-pipeline-'));
  await mkdir(join(dir, 'content'));
  const site = { title: 'Desk', baseUrl: 'https://news.example.org', author: { name: 'Desk' }, newsletter: { from: 'Desk <desk@example.org>', postalAddress: '1 Test Street' } };
  await writeFile(join(dir, 'content', 'site.json'), JSON.stringify(site));
  await writeFile(join(dir, 'content', 'tax.md'), '---\ntitle: Tax\ndate: 2026-01-15T08:00\nsection: Économie\n---\nThe body.\n');
  await writeFile(join(dir, 'content', 'rates.md'), '---\ntitle: Rates\ndate: 2026-01-14T08:00\nsection: Économie\n---\nThe body.\n');
  await writeFile(join(dir, 'content', 'wire.txt'), 'date 2026-01-13 ECONOMIE\nMarkets calm\n\nMarkets were calm.\n');
  await writeFile(join(dir, 'content', 'broken.txt'), 'no date here\n');
  store = await openStore({ dbPath: join(dir, 'gazette.db') });
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

it('logs, at every scheduled build, each file left out and each section label a desk seldom means (spelled like another but for accents)', async () => {
  const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), db: join(dir, 'gazette.db') }, {});
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const jobs = pipelineJobs({ store, options, settings: defaultDeliverySettings, progressStream: stream });
  for (let run = 0; run < 2; run++) {
    await jobs.build({ signal: new AbortController().signal, runId: `run-${run}`, logger: createLogger(stream), slot: new Date(), reason: 'scheduled' });
  }
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; problem?: string }).filter((entry) => entry.problem !== undefined);
  const once = [
    { msg: 'content file left out', problem: expect.stringMatching(/^broken\.txt:1: /) },
    { msg: 'section labels', problem: expect.stringMatching(/^wire\.txt:1: the section "ECONOMIE" \(1 article\) and "Économie" \(2 articles\) differ only in accents/) },
  ];
  expect(logged).toEqual([...once, ...once].map((entry) => expect.objectContaining(entry)));
});

it('logs a damaged manifest at the scheduled build that finds it, and not the catalogue warnings logged at start', async () => {
  const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), db: join(dir, 'gazette.db') }, {});
  // A catalogue key the site does not know: a warning of the catalogue, which the daemon logs once, at start.
  await mkdir(join(dir, 'content', 'templates', 'locales'), { recursive: true });
  await writeFile(join(dir, 'content', 'templates', 'locales', 'en.json'), JSON.stringify({ 'no.such.key': 'x' }));
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const jobs = pipelineJobs({ store, options, settings: defaultDeliverySettings, progressStream: stream });
  const build = (run: number): Promise<unknown> =>
    jobs.build({ signal: new AbortController().signal, runId: `run-${run}`, logger: createLogger(stream), slot: new Date(), reason: 'scheduled' });
  await build(0);
  await writeFile(join(dir, 'public', '.gazette-manifest.json'), '{ damaged');
  lines.length = 0;
  await build(1);
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; problem?: string }).filter((entry) => entry.msg === 'build');
  expect(logged).toEqual([expect.objectContaining({ problem: expect.stringMatching(/\.gazette-manifest\.json: the last build's record of this folder cannot be read/) })]);
});

it('logs a key site.json writes twice once, at the first scheduled build after it was written', async () => {
  const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), db: join(dir, 'gazette.db') }, {});
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const site = { title: 'Desk', baseUrl: 'https://news.example.org', author: { name: 'Desk' }, newsletter: { from: 'Desk <desk@example.org>', postalAddress: '1 Test Street' } };
  const written = (text: string): string => join(dir, 'content', 'site.json') + text;
  const jobs = pipelineJobs({ store, options, settings: defaultDeliverySettings, progressStream: stream });
  const build = (run: number): Promise<unknown> =>
    jobs.build({ signal: new AbortController().signal, runId: `run-${run}`, logger: createLogger(stream), slot: new Date(), reason: 'scheduled' });
  await build(0);
  await writeFile(join(dir, 'content', 'site.json'), JSON.stringify(site, null, 2).replace('{\n', '{\n  "title": "Old",\n'));
  await build(1);
  await build(2);
  const logged = lines.map((line) => JSON.parse(line) as { msg: string; problem?: string }).filter((entry) => entry.msg === 'build').map((entry) => entry.problem);
  expect(logged).toEqual([written(':2: "title" is written twice, here and on line 3: only the one on line 3 counts — keep the one you mean and remove the others')]);
});

it('pings the WebSub hub for the feeds a scheduled build changed, and logs the pings it did not take, which the next build tries again', async () => {
  let status = 503;
  const hub = await startHub(() => status);
  try {
    const site = JSON.parse(await readFile(join(dir, 'content', 'site.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'content', 'site.json'), JSON.stringify({ ...site, feeds: { websubHub: hub.url } }));
    const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), db: join(dir, 'gazette.db') }, {});
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const jobs = pipelineJobs({ store, options, settings: defaultDeliverySettings, progressStream: stream });
    const build = (run: number) => jobs.build({ signal: new AbortController().signal, runId: `run-${run}`, logger: createLogger(stream), slot: new Date(), reason: 'scheduled' });
    await build(0);
    const refused = lines.map((line) => JSON.parse(line) as { msg: string; feed?: string }).filter((entry) => entry.msg.startsWith('the WebSub hub did not take'));
    expect(refused.map((entry) => entry.feed).sort()).toEqual(hub.received.map((ping) => ping.body.get('hub.url')).sort());
    expect(refused.map((entry) => entry.feed)).toContain('https://news.example.org/feed.xml');
    status = 202;
    hub.received.length = 0;
    expect(await build(1)).toMatchObject({ counts: { written: 0, pinged: refused.length } });
    expect(hub.received).toHaveLength(refused.length);
  } finally {
    await hub.close();
  }
});
