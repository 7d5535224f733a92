// The return path end to end, as an operator runs it: `gazette publish` delivers a digest through a real SMTP
// server that accepts everything (but one refused address); `gazette inbound` runs as a child process, and
// bounces, a complaint, a mailto unsubscribe and an out-of-office reply for some readers arrive at it over SMTP.
// The next digest goes only to the rest, and `gazette stats --json` counts each kind.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.js';
import { run } from '../cli/run.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';
import { inboundFixture, type FixtureName } from './fixtures.js';
import { deliver } from './smtp-client.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const secret = 'e2e-return-secret-0123456789abcdefghijkl';
const returnPath = 'bounces@mail.example.org';
const patience = 90_000;

let dir: string;
let contentDir: string;
let database: TestDatabase;
let sink: Sink;
let inbound: ChildProcess;
let inboundPort: number;
const inboundLog: Record<string, unknown>[] = [];

const readers = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus'].map((name) => `${name}@example.net`);

function env(): Record<string, string> {
  return {
    GAZETTE_CONTENT: contentDir,
    GAZETTE_OUT: join(dir, 'public'),
    GAZETTE_DB: database.db,
    GAZETTE_OUTBOX: join(dir, 'outbox'),
    GAZETTE_SECRET: secret,
    SMTP_URL: sink.url,
  };
}

async function writeArticle(slug: string): Promise<void> {
  await writeFile(join(contentDir, `${slug}.md`), `---\ntitle: ${slug}\ndate: 2026-01-15T08:00\nsummary: A story.\n---\nThe body of ${slug}.\n`);
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dbPath: database.db });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-return-'));
  contentDir = join(dir, 'content');
  database = await createTestDatabase(dir);
  await mkdir(contentDir);
  const site = {
    title: 'Return Desk',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    newsletter: { from: 'Desk <desk@example.org>', postalAddress: '1 Test Street', returnPath },
  };
  await writeFile(join(contentDir, 'site.json'), JSON.stringify(site));
  await writeArticle('first-story');
  // gus's server refuses him during the send: a bounce during the send, not after.
  sink = await startSink({ rcpt: (address) => (address === 'gus@example.net' ? { code: 550, message: '5.1.1 no such user' } : null) });
  for (const email of readers) expect((await run(['subscribers', 'add', email], env())).code).toBe(0);

  inbound = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'inbound', '--smtp-port', '0'], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let partial = '';
  inbound.stderr?.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (line.startsWith('{')) inboundLog.push(JSON.parse(line) as Record<string, unknown>);
  });
  let stdout = '';
  inboundPort = await new Promise<number>((resolve, reject) => {
    inbound.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      const port = / on port (\d+)/.exec(stdout)?.[1];
      if (port) resolve(Number(port));
    });
    inbound.once('exit', () => reject(new Error(`gazette inbound exited before listening: ${stdout}`)));
  });
}, patience);

afterAll(async () => {
  if (inbound.exitCode === null) {
    const closed = new Promise((resolve) => inbound.once('close', resolve));
    inbound.kill('SIGTERM');
    await closed;
  }
  await sink.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** The envelope sender gazette used for a reader's copy of digest 1. */
function verpOf(email: string): string {
  const copy = sink.received.find((m) => m.to === email);
  if (!copy) throw new Error(`no copy for ${email}`);
  return copy.from;
}

function report(name: FixtureName, email: string, unsubscribe = ''): string {
  return inboundFixture(name, { verp: verpOf(email), unsubscribe, reader: email, domain: 'mail.example.org', id: email });
}

describe('the return path, end to end', () => {
  it(
    'takes the reports of the first digest, sends the second only to the rest, and counts each kind in stats',
    async () => {
      const first = await run(['publish', '--json'], env());
      expect(JSON.parse(first.stdout)).toMatchObject({ digest: { number: 1, recipients: 7 }, delivery: { sent: 6, bounced: 1 } });
      for (const email of readers.slice(0, 6)) expect(verpOf(email)).toMatch(/^bounces\+1-\d+-[0-9a-f]{20}@mail\.example\.org$/);

      // ann: a hard bounce (Gmail); bob: a soft one, delivered twice (counted once); cy: a complaint;
      // dee: a mailto unsubscribe; eve: an out-of-office reply; fay: nothing.
      expect((await deliver(inboundPort, verpOf('ann@example.net'), report('gmail-bounce', 'ann@example.net'))).code).toBe(250);
      for (let i = 0; i < 2; i++) {
        expect((await deliver(inboundPort, verpOf('bob@example.net'), report('gmail-over-quota', 'bob@example.net'))).code).toBe(250);
      }
      expect((await deliver(inboundPort, 'fbl@mail.example.org', report('arf-complaint', 'cy@example.net'))).code).toBe(250);
      const mailto = /<mailto:([^?>]+)/.exec(sink.received.find((m) => m.to === 'dee@example.net')?.raw.toString('latin1').replace(/\r\n[ \t]/g, ' ') ?? '')?.[1] ?? '';
      expect(mailto).toMatch(/^bounces\+u-\d+-[0-9a-f]{20}@mail\.example\.org$/);
      expect((await deliver(inboundPort, mailto, report('mailto-unsubscribe', 'dee@example.net', mailto), 'dee@example.net')).code).toBe(250);
      expect((await deliver(inboundPort, verpOf('eve@example.net'), report('out-of-office', 'eve@example.net'))).code).toBe(250);
      // The same hard bounce again changes nothing: ann already left.
      expect((await deliver(inboundPort, verpOf('ann@example.net'), report('gmail-bounce', 'ann@example.net'))).code).toBe(250);

      const statuses = await withStore(async (store) => Object.fromEntries(await Promise.all(readers.map(async (e) => [e, (await store.findSubscriber(e))?.status]))));
      expect(statuses).toEqual({
        'ann@example.net': 'bounced',
        'bob@example.net': 'active',
        'cy@example.net': 'unsubscribed',
        'dee@example.net': 'unsubscribed',
        'eve@example.net': 'active',
        'fay@example.net': 'active',
        'gus@example.net': 'bounced',
      });
      expect(inboundLog.filter((l) => 'outcome' in l).map((l) => [l.event ?? l.report, l.outcome])).toEqual([
        ['bounced', 'bounced'],
        ['soft_bounce', 'counted'],
        ['soft_bounce', 'duplicate'],
        ['complaint', 'unsubscribed'],
        ['unsubscribed', 'unsubscribed'],
        ['auto-reply', 'ignored'],
        ['bounced', 'already-left'],
      ]);

      await writeArticle('second-story');
      const before = sink.received.length;
      const second = await run(['publish', '--json'], env());
      expect(JSON.parse(second.stdout)).toMatchObject({ digest: { number: 2, recipients: 3 }, delivery: { sent: 3, bounced: 0 } });
      expect(sink.received.slice(before).map((m) => m.to).sort()).toEqual(['bob@example.net', 'eve@example.net', 'fay@example.net']);

      const stats = await run(['stats', '--json'], env());
      expect(stats.code).toBe(0);
      const parsed = JSON.parse(stats.stdout) as { digests: Record<string, unknown>[]; totals: Record<string, unknown> };
      expect(parsed.digests).toEqual([
        expect.objectContaining({ number: 2, recipients: 3, sent: 3, bouncedDuringSend: 0, bouncedAfter: 0, softBounces: 0, complaints: 0, unsubscribedSince: 0, failed: 0, pending: 0 }),
        expect.objectContaining({ number: 1, recipients: 7, sent: 6, bouncedDuringSend: 1, bouncedAfter: 1, softBounces: 1, complaints: 1, unsubscribedSince: 1, failed: 0, pending: 0 }),
      ]);
      expect(parsed.totals).toMatchObject({
        subscribers: { pending: 0, active: 3, unsubscribed: 2, bounced: 2 },
        digests: 2,
        recipients: 10,
        sent: 9,
        bouncedDuringSend: 1,
        bouncedAfter: 1,
        softBounces: 1,
        complaints: 1,
        unsubscribed: 1,
      });

      const table = (await run(['stats'], env())).stdout.split('\n');
      expect(table[0]).toMatch(/^digest\s+date\s+recipients\s+sent\s+bounced at send\s+bounced after\s+soft bounces\s+complaints\s+unsubscribed since\s+failed\s+pending$/);
      expect(table[2]).toMatch(/^1\s+\d{4}-\d\d-\d\d\s+7\s+6\s+1\s+1\s+1\s+1\s+1\s+0\s+0$/);
      expect(table).toContain('list: 3 active, 0 pending, 2 unsubscribed, 2 bounced');

      const list = await run(['subscribers', 'list', '--json'], env());
      const why = Object.fromEntries((JSON.parse(list.stdout) as { email: string; reason: unknown }[]).map((s) => [s.email, s.reason]));
      expect(why['ann@example.net']).toMatchObject({ kind: 'bounced', source: 'inbound', detail: expect.stringMatching(/^550-5\.1\.1 The email account/) });
      expect(why['gus@example.net']).toMatchObject({ kind: 'bounced', source: 'delivery' });
      expect(why['cy@example.net']).toMatchObject({ kind: 'complaint', source: 'inbound' });
      expect(why['dee@example.net']).toMatchObject({ kind: 'unsubscribed', source: 'mailto' });
      expect(why['fay@example.net']).toBeNull();
    },
    patience,
  );

  it(
    'runs the listener inside the daemon too when returnPath is set',
    async () => {
      const daemon = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'daemon', '--port', '0', '--smtp-port', '0'], {
        cwd: repo,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const closed = new Promise((resolve) => daemon.once('close', resolve));
      try {
        let stdout = '';
        const port = await new Promise<number>((resolve, reject) => {
          daemon.stdout?.on('data', (chunk: Buffer) => {
            stdout += chunk.toString('utf8');
            const found = /return-path mail on port (\d+)/.exec(stdout)?.[1];
            if (found) resolve(Number(found));
          });
          daemon.once('exit', () => reject(new Error(`the daemon exited before listening: ${stdout}`)));
        });
        expect((await deliver(port, verpOf('fay@example.net'), report('postfix-bounce', 'fay@example.net'))).code).toBe(250);
        expect(await withStore(async (store) => (await store.findSubscriber('fay@example.net'))?.status)).toBe('bounced');
      } finally {
        daemon.kill('SIGTERM');
        await closed;
      }
    },
    patience,
  );

  it('refuses to run inbound without newsletter.returnPath, exit 2', async () => {
    const bare = join(dir, 'bare');
    await mkdir(bare);
    await writeFile(join(bare, 'site.json'), JSON.stringify({ title: 'T', baseUrl: 'https://t.example.org', author: { name: 'D' }, newsletter: { from: 'D <d@example.org>', postalAddress: '1 St' } }));
    const result = await run(['inbound', '--content', bare, '--smtp-port', '0'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/newsletter\.returnPath is not set/);
  });
});
