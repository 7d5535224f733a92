// publish and send on a thread of their own (run-thread.ts): progress comes back, a stop finishes what is in
// flight and records it, errors come back as the classes the CLI reports, and a signal that ends the process does
// not leave the thread's build lock behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/config/options.js';
import type { SendProgress } from '../../src/delivery/send.js';
import { BusyError, DeliveryError, fileErrorOf, InputError } from '../../src/errors.js';
import { fromThreadError, runOnThread, toThreadError } from '../../src/jobs/run-thread.js';
import { buildLockDir } from '../../src/site/lock.js';
import { manifestFile, pendingFile } from '../../src/site/write.js';
import { openStore } from '../../src/store/index.js';
import { siteInput } from '../fixtures/feeds/factory.js';
import { setUpSend, type SendSetup } from '../delivery/fixtures.js';
import { type Sink } from '../delivery/smtp-sink.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';

const readers = 200;
const secret = 'thread-secret-0123456789abcdefghijklm';

describe('a send on its own thread', () => {
  let setup: SendSetup;
  let dir: string;
  let database: TestDatabase;
  let sink: Sink;
  beforeEach(async () => {
    setup = await setUpSend('gazette-run-thread-', readers, createTestDatabase, { delayMs: 5 });
    ({ dir, database, sink } = setup);
  }, 120_000);
  afterEach(() => setup.dispose(), 120_000);

  const options = () => resolveOptions({ content: join(dir, 'content'), db: database.db }, { SMTP_URL: sink.url, GAZETTE_SECRET: secret });

  it('reports progress, and on stop records every message the server accepted and leaves the rest pending', async () => {
    const stop = new AbortController();
    const seen: SendProgress[] = [];
    const report = await runOnThread(
      { kind: 'send', options: options(), now: new Date() },
      {
        signal: stop.signal,
        onProgress(progress) {
          seen.push(progress);
          if (progress.sent >= 20) stop.abort();
        },
      },
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.at(-1)?.total).toBe(readers);
    expect(report.delivery.interrupted).toBe(true);
    expect(report.delivery.sent).toBe(sink.received.length);
    expect(report.delivery.sent).toBeLessThan(readers);
    expect(report.delivery.pending).toBe(readers - sink.received.length);
    const store = await openStore({ dbPath: database.db });
    try {
      expect(await store.deliveryCounts()).toMatchObject({ sent: sink.received.length, pending: readers - sink.received.length });
    } finally {
      await store.close();
    }

    const rest = await runOnThread({ kind: 'send', options: options(), now: new Date() });
    expect(rest.delivery).toMatchObject({ sent: readers - report.delivery.sent, pending: 0, interrupted: false });
    expect(sink.countByAddress().size).toBe(readers);
    expect(sink.received).toHaveLength(readers);
  }, 120_000);

  it("rejects with Gazette's own error when the work fails, as it would in the process itself", async () => {
    const missing = resolveOptions({ content: join(dir, 'no-such-content'), db: database.db }, { SMTP_URL: sink.url, GAZETTE_SECRET: secret });
    const error = await runOnThread({ kind: 'send', options: missing, now: new Date() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems[0]?.path).toContain('no-such-content');
  }, 120_000);
});

describe('errors crossing from the thread', () => {
  it("keep Gazette's classes, an input error's problems, and a system error's code and path", () => {
    const input = fromThreadError(toThreadError(new InputError('E_CONTENT', [{ path: 'a.md', line: 3, message: 'bad date', hint: 'use YYYY-MM-DD' }])));
    expect(input).toBeInstanceOf(InputError);
    expect(input).toMatchObject({ code: 'E_CONTENT', problems: [{ path: 'a.md', line: 3 }] });
    expect(fromThreadError(toThreadError(new DeliveryError('no server')))).toEqual(new DeliveryError('no server'));
    expect(fromThreadError(toThreadError(new BusyError('held')))).toBeInstanceOf(BusyError);
    const full = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC', path: '/out/index.html' });
    expect(fileErrorOf(fromThreadError(toThreadError(full)))?.message).toContain('/out/index.html: no space left on the device');
    const bug = new TypeError('x is undefined');
    const back = fromThreadError(toThreadError(bug));
    expect(back.name).toBe('TypeError');
    expect(back.stack).toBe(bug.stack);
  });
});

describe('a publish ended by a signal while its thread builds', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'gazette-run-thread-lock-'));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it.each([
    ['SIGHUP', ['SIGHUP']],
    ['a second SIGTERM', ['SIGTERM', 'SIGTERM']],
  ] as const)('leaves no build lock for the next build to wait out (%s)', async (_, signals) => {
    const content = join(root, 'content');
    const out = join(root, 'public');
    await mkdir(content);
    await writeFile(join(content, 'site.json'), JSON.stringify(siteInput));
    // Enough articles that the build still holds its lock when the signal comes.
    for (let i = 0; i < 2000; i++) await writeFile(join(content, `story-${i}.md`), `---\ntitle: Story ${i}\ndate: 2026-11-20\n---\nBody ${i}.\n`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'publish', '--content', content, '--out', out, '--db', join(root, 'gazette.db'), '--outbox', join(root, 'outbox')],
      { cwd: fileURLToPath(new URL('../../', import.meta.url)), env: { ...process.env, GAZETTE_SECRET: secret }, stdio: 'ignore' },
    );
    const ended = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    // The list of files about to be written comes well after the lock, whose holding the thread has told by then.
    while (!existsSync(join(out, pendingFile)) && child.exitCode === null) await sleep(5);
    expect(existsSync(join(out, buildLockDir))).toBe(true);
    // The first SIGTERM only stops sending; the second ends the process as killed.
    for (const signal of signals) {
      child.kill(signal);
      await sleep(50);
    }
    expect(await ended).toEqual({ code: null, signal: signals[0] });
    // The manifest is written before the lock goes: its absence shows the signal came mid-build.
    expect(existsSync(join(out, manifestFile))).toBe(false);
    expect(existsSync(join(out, buildLockDir))).toBe(false);
  }, 60_000);
});
