// Two editions on their own schedules in `gazette daemon` (a child process, real cron fires, a real SMTP server):
// each edition makes its own digests, numbered on their own, for its own readers.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { run } from '../cli/run.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';
import { until } from './helpers.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
// Child processes start slowly on a busy machine (tsx compiles on the fly): generous waits, no timed assertions.
const patience = 90_000;

let dir: string;
let database: TestDatabase;
let sink: Sink;
let child: ChildProcess | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-editions-'));
  await mkdir(join(dir, 'content'));
  database = await createTestDatabase(dir);
  const site = {
    title: 'Editions Desk',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    newsletter: {
      from: 'Desk <desk@example.org>',
      postalAddress: '1 Test Street',
      editions: [
        { id: 'weekly', name: 'Weekly digest', schedule: '*/3 * * * * *' },
        { id: 'daily', name: 'Daily briefing', schedule: '*/2 * * * * *', maxArticles: 1 },
      ],
    },
  };
  await writeFile(join(dir, 'content', 'site.json'), JSON.stringify(site));
  for (const [slug, section, day] of [['harbour', 'Local', '15'], ['talks', 'World', '14']] as const) {
    await writeFile(join(dir, 'content', `${slug}.md`), `---\ntitle: ${slug} story\ndate: 2026-01-${day}T08:00\nsection: ${section}\n---\nThe body.\n`);
  }
  sink = await startSink();
});

afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sink.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

const flags = (): string[] => ['--content', join(dir, 'content'), '--db', database.db];

describe('gazette daemon with two editions', () => {
  it(
    'publishes each edition on its own schedule, with its own issue numbers, to its own readers',
    async () => {
      for (const [email, editions] of [['weekly@example.org', null], ['daily@example.org', 'daily'], ['both@example.org', 'daily,weekly']] as const) {
        const result = await run(['subscribers', 'add', email, ...(editions ? ['--editions', editions] : []), ...flags()]);
        expect(result.code, result.stderr).toBe(0);
      }
      child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'daemon', '--port', '0', ...flags()], {
        cwd: repo,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          GAZETTE_OUT: join(dir, 'public'),
          GAZETTE_OUTBOX: join(dir, 'outbox'),
          GAZETTE_SECRET: 'editions-test-secret-0123456789abcdefghij',
          SMTP_URL: sink.url,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
      await until('both editions to be delivered', () => sink.received.length >= 4, patience);

      const url = / at (http:\/\/\S+);/.exec(stdout)?.[1];
      expect(url).toBeDefined();
      const health = (await (await fetch(`${url}/healthz`)).json()) as { schedules: { name: string; pattern: string }[] };
      expect(health.schedules.map((s) => [s.name, s.pattern])).toEqual([
        ['newsletter:weekly', '*/3 * * * * *'],
        ['newsletter:daily', '*/2 * * * * *'],
      ]);
      child.kill('SIGTERM');
      await new Promise((resolve) => child?.once('close', resolve));

      const mails = await Promise.all(sink.received.map(async (m) => ({ to: m.to, text: (await simpleParser(m.raw)).text ?? '' })));
      const of = (issueLine: string) => mails.filter((m) => m.text.includes(issueLine)).map((m) => m.to).sort();
      expect(of('Weekly digest · Issue 1')).toEqual(['both@example.org', 'weekly@example.org']);
      expect(of('Daily briefing · Issue 1')).toEqual(['both@example.org', 'daily@example.org']);
      // The daily carries one story (maxArticles 1), the weekly both.
      expect(mails.find((m) => m.text.includes('Daily briefing · Issue 1'))?.text).not.toContain('talks story');
      expect(mails.find((m) => m.text.includes('Weekly digest · Issue 1'))?.text).toContain('talks story');

      const store: Store = await openStore({ dbPath: database.db });
      try {
        const digests = await store.listDigests();
        expect(digests.map((d) => [d.edition, d.issue]).sort()).toEqual([
          ['daily', 1],
          ['weekly', 1],
        ]);
      } finally {
        await store.close();
      }
    },
    patience + 30_000,
  );
});
