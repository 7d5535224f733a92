// `gazette daemon` as operators run it: child processes on one SQLite file, mail to a real SMTP server.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readScheduleState } from '../../src/schedule/state.js';
import { lockOutDir } from '../../src/site/lock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { run } from '../cli/run.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { addReaders, until } from './helpers.js';
import { createTestDatabase, postgresKind, testStoreKind, type TestDatabase } from '../store/databases.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const secret = 'daemon-test-secret-0123456789abcdefgh';
// Child processes start slowly on a busy machine (tsx compiles on the fly): generous waits, no timed assertions.
const patience = 90_000;

const claimSeconds = 2;
let dir: string;
let database: TestDatabase;
let contentDir: string;
let dbPath: string;
let store: Store;
let sink: Sink;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-daemon-'));
  database = await createTestDatabase(dir);
  contentDir = join(dir, 'content');
  dbPath = database.db;
  await mkdir(contentDir);
  await writeSiteJson('*/2 * * * * *');
  await writeArticle('first-story');
  await writeArticle('second-story');
  store = await openStore({ dbPath });
  sink = await startSink();
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await store.close();
  await sink.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function writeSiteJson(schedule: string, timezone = 'UTC'): Promise<void> {
  const site = {
    title: 'Daemon Desk',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    newsletter: { from: 'Desk <desk@example.org>', postalAddress: '1 Test Street', schedule, timezone },
  };
  await writeFile(join(contentDir, 'site.json'), JSON.stringify(site));
}

async function writeArticle(slug: string): Promise<void> {
  const text = `---\ntitle: ${slug.replace(/-/g, ' ')}\ndate: 2026-01-15T08:00\nsummary: A story for the daemon tests.\n---\nThe body of ${slug}.\n`;
  await writeFile(join(contentDir, `${slug}.md`), text);
}

/** A daemon child process: its JSON log lines, its URL once listening, and its exit. */
class Daemon {
  readonly child: ChildProcess;
  readonly lines: Record<string, unknown>[] = [];
  readonly url: Promise<string>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(env: Record<string, string> = {}, args: string[] = []) {
    this.child = spawnGazette(['daemon', '--port', '0', ...args], env);
    children.push(this.child);
    let stdout = '';
    this.url = new Promise((resolve, reject) => {
      this.child.stdout?.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const url = / at (http:\/\/\S+);/.exec(stdout)?.[1];
        if (url) resolve(url);
      });
      this.child.once('exit', () => reject(new Error(`the daemon exited before listening: ${stdout}`)));
    });
    let partial = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) if (line.startsWith('{')) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    // 'close', not 'exit': by then every log line the child wrote has been read.
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
  }

  has(msg: string): boolean {
    return this.lines.some((line) => line.msg === msg);
  }

  /** The id of a run that started and has not finished, if any. */
  runInProgress(): string | null {
    const finished = new Set(this.lines.filter((l) => l.msg === 'run finished').map((l) => l.runId));
    const started = this.lines.filter((l) => l.msg === 'run started' && !finished.has(l.runId));
    return (started.at(-1)?.runId as string | undefined) ?? null;
  }
}

function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[name]) env[name] = process.env[name] ?? '';
  return {
    ...env,
    GAZETTE_CONTENT: contentDir,
    GAZETTE_OUT: join(dir, 'public'),
    GAZETTE_DB: dbPath,
    GAZETTE_OUTBOX: join(dir, 'outbox'),
    GAZETTE_SECRET: secret,
    SMTP_URL: sink.url,
    SMTP_MAX_CONNECTIONS: '2',
    // PostgreSQL: a process that exits at once leaves its claimed rows to others after this long.
    GAZETTE_CLAIM_SECONDS: String(claimSeconds),
    ...extra,
  };
}

function spawnGazette(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], {
    cwd: repo,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs a one-shot command (`send`) to completion. */
async function gazette(args: string[], env: Record<string, string> = {}): Promise<number | null> {
  const child = spawnGazette(args, env);
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const [code] = await new Promise<[number | null]>((resolve) => child.once('close', (c) => resolve([c])));
  if (code !== 0) throw new Error(`gazette ${args.join(' ')} exited ${code}: ${stderr}`);
  return code;
}

/** `readers` readers and two daemons sending 5 messages a second each with a 3 s lease, once both listen. */
async function twoSlowDaemons(readers: number): Promise<Daemon[]> {
  await addReaders(store, readers);
  const env = { SMTP_RATE_PER_SECOND: '5' };
  const daemons = [new Daemon(env, ['--lease', '3']), new Daemon(env, ['--lease', '3'])];
  await Promise.all(daemons.map((d) => d.url));
  return daemons;
}

/** Messages a daemon's log lines of one kind (`run finished`, `helped another process send`) say it sent. */
function sentBy(daemon: Daemon, msg: string): number {
  return daemon.lines
    .filter((line) => line.msg === msg)
    .reduce((sum, line) => sum + ((line.counts as { delivery?: { sent?: number } } | undefined)?.delivery?.sent ?? 0), 0);
}

/** Each reader's copies: address → Message-IDs received. */
function copies(): Map<string, string[]> {
  const byAddress = new Map<string, string[]>();
  for (const message of sink.received) byAddress.set(message.to, [...(byAddress.get(message.to) ?? []), message.messageId]);
  return byAddress;
}

/** Readers whose row of digest 1 is recorded as sent (in these tests no row is skipped, bounced or failed). */
async function recordedSent(): Promise<Set<string>> {
  const pending = new Set((await store.pendingDeliveries(10_000)).map((row) => row.email.toLowerCase()));
  const sent = new Set<string>();
  for await (const s of store.listSubscribers()) if (!pending.has(s.email.toLowerCase())) sent.add(s.email.toLowerCase());
  return sent;
}

describe('gazette daemon', () => {
  it('exits 2 with a clear message on an invalid cron expression or time zone', async () => {
    await writeSiteJson('61 7 * * 1', 'Mars/Olympus');
    const result = await run(['daemon', '--content', contentDir, '--db', dbPath, '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/site\.json:\d+: newsletter\.schedule: "61 7 \* \* 1" is not a cron expression \(61 is a invalid expression for minute\)/);
    expect(result.stderr).toMatch(/site\.json:\d+: newsletter\.timezone: expected an IANA time zone/);
    expect(result.stderr).not.toContain('    at ');
    expect((await run(['daemon', '--lease', 'soon'])).stderr).toContain('--lease "soon" is not a whole number of seconds');
  });

  it('exits 2 and starts no schedule when its port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = await run(['daemon', '--content', contentDir, '--db', dbPath, '--port', String(port)]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`cannot listen on port ${port}`);
      expect(await readScheduleState(store, 'newsletter')).toBeNull();
    } finally {
      busy.close();
    }
  });

  it(
    'with two daemons on one database, every reader gets exactly one copy of each digest',
    async () => {
      await addReaders(store, 12);
      const daemons = [new Daemon(), new Daemon()];
      await Promise.all(daemons.map((d) => d.url));
      await until('digest 1 delivered to every reader', async () => sink.received.length >= 12 && (await store.deliveryCounts()).sent === 12, patience);

      await writeArticle('third-story');
      await until('digest 2 delivered to every reader', async () => sink.received.length >= 24 && (await store.deliveryCounts()).sent === 24, patience);
      // Give both daemons more fires in which a duplicate could go out.
      const finished = daemons.map((d) => d.lines.filter((l) => l.msg === 'run finished').length);
      await until('two more runs in each daemon', () => daemons.every((d, i) => d.lines.filter((l) => l.msg === 'run finished').length >= (finished[i] ?? 0) + 2), patience);

      expect(await store.listDigests()).toHaveLength(2);
      expect(sink.received).toHaveLength(24);
      for (const ids of copies().values()) expect(new Set(ids).size).toBe(2);
      expect(copies().size).toBe(12);

      for (const daemon of daemons) daemon.child.kill('SIGTERM');
      const exits = await Promise.all(daemons.map((d) => d.exited));
      expect(exits.map((e) => e.code)).toEqual([0, 0]);
    },
    patience * 3,
  );

  it(
    'when the lease holder is killed mid-send, the other daemon takes over and finishes the rest',
    async () => {
      const daemons = await twoSlowDaemons(30);
      await until('a send under way', () => sink.received.length >= 5, patience);
      const holder = daemons.find((d) => d.runInProgress() !== null);
      const survivor = daemons.find((d) => d !== holder);
      if (!holder || !survivor) throw new Error('no daemon is sending');
      holder.child.kill('SIGKILL');
      const atKill = sink.received.length;
      expect(atKill).toBeLessThan(30);

      await until('every reader served', async () => copies().size === 30 && (await store.deliveryCounts()).pending === 0, patience);
      expect(await store.deliveryCounts()).toMatchObject({ sent: 30, pending: 0, failed: 0 });
      // The ledger is committed before the run's last log line reaches us through the child's stderr pipe.
      // On PostgreSQL the survivor may have sent the rest while helping, before it took the lease over.
      const survivorSent = (): boolean => sentBy(survivor, 'run finished') + sentBy(survivor, 'helped another process send') > 0;
      await until('the survivor logs the run that sent the rest', survivorSent, patience);
      // At most the messages in flight (or accepted but not yet committed) at the kill go out twice, with one Message-ID.
      const twice = [...copies().values()].filter((ids) => ids.length > 1);
      expect(twice.length).toBeLessThanOrEqual(4);
      for (const ids of twice) expect(new Set(ids).size).toBe(1);
      expect(await store.listDigests()).toHaveLength(1);
    },
    patience * 3,
  );

  it(
    'the daemon waiting for the lease helps its holder send on PostgreSQL (on SQLite it only waits); one copy each',
    async () => {
      const daemons = await twoSlowDaemons(30);
      await until('every reader served', async () => copies().size === 30 && (await store.deliveryCounts()).pending === 0, patience);
      await until('the holder logs its run', () => daemons.some((d) => sentBy(d, 'run finished') > 0), patience);
      const holder = daemons.find((d) => sentBy(d, 'run finished') > 0);
      const helper = daemons.find((d) => d !== holder);
      if (!holder || !helper) throw new Error('no daemon logged the run that sent');
      if (testStoreKind() === postgresKind) {
        await until('the helper logs what it sent', () => sentBy(helper, 'helped another process send') > 0, patience);
        expect(sentBy(holder, 'run finished') + sentBy(helper, 'helped another process send')).toBe(30);
      } else {
        expect(sentBy(holder, 'run finished')).toBe(30);
        expect(helper.has('helped another process send')).toBe(false);
      }
      expect(sink.received).toHaveLength(30);
      expect(await store.listDigests()).toHaveLength(1);
      for (const daemon of daemons) daemon.child.kill('SIGTERM');
      expect((await Promise.all(daemons.map((d) => d.exited))).map((e) => e.code)).toEqual([0, 0]);
    },
    patience * 3,
  );

  it(
    'on SIGTERM during a send, exits 0 with every message delivered and recorded or still pending',
    async () => {
      await addReaders(store, 30);
      const daemon = new Daemon({ SMTP_RATE_PER_SECOND: '5' });
      await daemon.url;
      await until('a send under way', () => sink.received.length >= 3, patience);
      daemon.child.kill('SIGTERM');
      const exit = await daemon.exited;

      expect(exit.code).toBe(0);
      const counts = await store.deliveryCounts(1);
      expect(counts.sent + counts.pending).toBe(30);
      expect(counts.pending).toBeGreaterThan(0);
      const received = new Set(sink.received.map((m) => m.to));
      expect(await recordedSent()).toEqual(received);
      expect(sink.received).toHaveLength(received.size);
      expect(daemon.lines.find((l) => l.msg === 'run finished')).toMatchObject({ result: 'stopped' });
      expect((await readScheduleState(store, 'newsletter'))?.lastRun?.result).toBe('stopped');

      // The next run resumes: everyone else gets their copy, nobody a second one.
      // SQLite: the lease of the dead daemon is taken over at once. PostgreSQL: its claims expire first.
      if (testStoreKind().name === 'PostgreSQL') await sleep(claimSeconds * 1000 + 200);
      await gazette(['send']);
      expect(copies().size).toBe(30);
      expect([...copies().values()].every((ids) => ids.length === 1)).toBe(true);
    },
    patience * 3,
  );

  it(
    'keeps answering HTTP during a send, and a reader who unsubscribes meanwhile is not sent to',
    async () => {
      await addReaders(store, 30);
      const daemon = new Daemon({ SMTP_RATE_PER_SECOND: '5' });
      const url = await daemon.url;
      await until('a send under way', () => sink.received.length >= 2, patience);

      const health = (await (await fetch(`${url}/healthz`)).json()) as { status: string; running: { schedule: string } | null };
      expect(health).toMatchObject({ status: 'ok', running: { schedule: 'newsletter' } });
      // Anyone may ask: the lease holder (this machine's name, boot and pid) is the operator's, in the logs.
      expect(health).not.toHaveProperty('holder');
      expect(JSON.stringify(health)).not.toContain(hostname());
      const last = await store.findSubscriber('reader29@example.org');
      if (!last) throw new Error('no reader29');
      const response = await fetch(`${url}/unsubscribe?token=${encodeURIComponent(createToken(secret, last.publicId, 'unsubscribe'))}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(response.status).toBe(200);

      await until('the send to finish', async () => (await store.deliveryCounts(1)).pending === 0, patience);
      expect(copies().has('reader29@example.org')).toBe(false);
      expect(await store.deliveryCounts(1)).toMatchObject({ sent: 29, skipped: 1 });
      await until('the run recorded', async () => (await readScheduleState(store, 'newsletter'))?.lastRun !== null, patience);
      const after = (await (await fetch(`${url}/healthz`)).json()) as {
        schedules: { lastRun: { slot: string; result: string; counts: unknown } | null; next: string }[];
      };
      expect(after.schedules[0]?.lastRun).toMatchObject({ result: 'ok', counts: { delivery: { pending: 0 } } });
      expect(JSON.stringify(after)).not.toContain(hostname());
      expect(new Date(after.schedules[0]?.next ?? 0).getTime()).toBeGreaterThan(new Date(after.schedules[0]?.lastRun?.slot ?? 0).getTime());
      daemon.child.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    },
    patience * 3,
  );

  it(
    'exits at once on a second signal, and the ledger lets the next run resume',
    async () => {
      await addReaders(store, 30);
      const daemon = new Daemon({ SMTP_RATE_PER_SECOND: '5' });
      const url = new URL(await daemon.url);
      await until('a send under way', () => sink.received.length >= 3, patience);
      // A request that never completes keeps the graceful stop waiting for the server to close. The server's
      // "100 Continue" says it has the request in hand.
      const socket = connect(Number(url.port), url.hostname.replace(/^\[|\]$/g, ''));
      const continued = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => chunk.toString().includes('100 Continue') && resolve()));
      socket.write('POST /subscribe HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n');
      await continued;
      daemon.child.kill('SIGTERM');
      await until('the graceful stop to begin', () => daemon.lines.some((l) => typeof l.msg === 'string' && l.msg.startsWith('stopping')), patience);
      daemon.child.kill('SIGTERM');
      const exit = await daemon.exited;
      socket.destroy();

      expect(exit.code).toBe(143);
      expect(daemon.has('second signal: exiting at once; the next run resumes from the ledger')).toBe(true);
      const received = new Set(sink.received.map((m) => m.to));
      for (const email of await recordedSent()) expect(received.has(email)).toBe(true);

      // SQLite: the lease of the dead daemon is taken over at once. PostgreSQL: its claims expire first.
      if (testStoreKind().name === 'PostgreSQL') await sleep(claimSeconds * 1000 + 200);
      await gazette(['send']);
      expect(copies().size).toBe(30);
      const twice = [...copies().values()].filter((ids) => ids.length > 1);
      expect(twice.length).toBeLessThanOrEqual(4);
      for (const ids of twice) expect(new Set(ids).size).toBe(1);
    },
    patience * 3,
  );

  it(
    'logs that its publish waits for another build into its output folder, then delivers once that one is done',
    async () => {
      await addReaders(store, 3);
      const held = await lockOutDir(join(dir, 'public'));
      const daemon = new Daemon();
      await daemon.url;
      const waits = (): Record<string, unknown>[] => daemon.lines.filter((l) => String(l.msg).startsWith(`another Gazette build is writing into ${join(dir, 'public')}: waiting`));
      await until('the daemon logs its wait', () => waits().length > 0, patience);
      expect(await store.listDigests()).toHaveLength(0);
      await held.release();
      await until('digest 1 delivered', async () => (await store.deliveryCounts()).sent === 3, patience);
      expect(waits()).toHaveLength(1);
      daemon.child.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    },
    patience * 3,
  );

  it(
    'after an outage, catches up with one publish at start',
    async () => {
      await addReaders(store, 3);
      const first = new Daemon();
      await first.url;
      await until('digest 1 delivered', async () => (await store.deliveryCounts()).sent === 3, patience);
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);

      const downSince = new Date((await readScheduleState(store, 'newsletter'))?.nextSlot ?? 0);
      await writeArticle('news-during-the-outage');
      await until('two slots missed', () => Date.now() > downSince.getTime() + 2_500, patience);
      const second = new Daemon();
      await second.url;
      await until('the catch-up run to finish', () => second.has('run finished'), patience);
      const catchUps = second.lines.filter((l) => l.msg === 'run started' && l.reason === 'catch-up');
      expect(catchUps).toHaveLength(1);
      expect(catchUps[0]?.slot).toBe(downSince.toISOString());
      await until('digest 2 delivered', async () => (await store.deliveryCounts()).sent === 6, patience);
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      expect(await store.listDigests()).toHaveLength(2);
      expect([...copies().values()].every((ids) => ids.length === 2)).toBe(true);
    },
    patience * 3,
  );
});
