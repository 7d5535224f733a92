import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BusyError, StoreError } from '../../src/errors.js';
import { holderId, isDeadLocalHolder } from '../../src/processes.js';
import { checkClock, Lease, runLeaseName, withClaims, withLease } from '../../src/store/lease.js';
import type { SqlStore } from '../../src/store/sql.js';
import { openStore, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresKind, testStoreKind, type TestDatabase } from './databases.js';

let dir: string;
let database: TestDatabase;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-lease-'));
  database = await createTestDatabase(dir);
  store = await openStore({ dbPath: database.db });
});

afterEach(async () => {
  vi.useRealTimers();
  await store.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** Resolves once `holder` holds the run lease (a run checks the clock first, then takes it). */
async function heldBy(holder: string): Promise<void> {
  await vi.waitFor(async () => expect((await store.getLease(runLeaseName))?.holder).toBe(holder), { interval: 5 });
}

describe('withLease', () => {
  it('holds the lease while the work runs and gives it up after', async () => {
    const other = new Lease(store, runLeaseName, 'other', { ttlMs: 10_000 });
    const seen = await withLease(store, runLeaseName, 'me', 10_000, () => other.acquire());
    expect(seen).toBe(false);
    expect(await other.acquire()).toBe(true);
  });

  it('gives the lease up when the work throws', async () => {
    await expect(
      withLease(store, runLeaseName, 'me', 10_000, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await new Lease(store, runLeaseName, 'other').acquire()).toBe(true);
  });

  it('refuses with a BusyError while another live holder has it, and runs nothing', async () => {
    expect(await new Lease(store, runLeaseName, 'other', { ttlMs: 10_000 }).acquire()).toBe(true);
    const work = vi.fn(async () => 1);
    const attempt = withLease(store, runLeaseName, 'me', 10_000, work);
    await expect(attempt).rejects.toBeInstanceOf(BusyError);
    await expect(attempt).rejects.toThrow(/another Gazette process/);
    expect(work).not.toHaveBeenCalled();
  });

  it('takes the lease over once a silent holder has let it expire', async () => {
    const start = new Date('2026-11-27T07:00:00Z');
    expect(await new Lease(store, runLeaseName, 'crashed', { ttlMs: 5_000, now: () => start }).acquire()).toBe(true);
    const later = new Date(start.getTime() + 5_001);
    await expect(withLease(store, runLeaseName, 'me', 5_000, async () => 'done', { now: () => later })).resolves.toBe('done');
  });

  it('renews the lease while a long run goes on, so nobody takes it over', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['setInterval', 'clearInterval', 'Date'] });
    const other = new Lease(store, runLeaseName, 'other', { ttlMs: 3_000 });
    let release = (): void => {};
    const run = withLease(
      store,
      runLeaseName,
      'me',
      3_000,
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    await heldBy('me');
    // A second at a time, with real time between for the renewals to reach the database.
    for (let second = 0; second < 10; second++) {
      await vi.advanceTimersByTimeAsync(1_000);
      await sleep(50);
    }
    expect(await other.acquire()).toBe(false);
    release();
    await run;
    expect(await other.acquire()).toBe(true);
  });

  it('stops the work and throws a BusyError when the lease was lost', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['setInterval', 'clearInterval', 'Date'] });
    let aborted: unknown = null;
    const run = withLease(store, runLeaseName, 'me', 3_000, (signal) =>
      new Promise<string>((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
          resolve('stopped after the messages in flight');
        });
      }),
    );
    await heldBy('me');
    // The process stalls past the TTL (the clock moves, no timer runs) and another process takes over.
    vi.setSystemTime(Date.now() + 3_001);
    expect(await new Lease(store, runLeaseName, 'other', { ttlMs: 3_000 }).acquire()).toBe(true);
    const outcome = run.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(aborted).toBeInstanceOf(BusyError));
    expect(await outcome).toBeInstanceOf(BusyError);
    // The new holder keeps its lease: the loser's release does not touch it.
    expect(await new Lease(store, runLeaseName, 'third').acquire()).toBe(false);
  });

  it('fails the renewal once another process took the lease over and gave it up, rather than take it back', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['setInterval', 'clearInterval', 'Date'] });
    let aborted: unknown = null;
    const run = withLease(store, runLeaseName, 'me', 3_000, (signal) =>
      new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(void (aborted = signal.reason)))),
    );
    await heldBy('me');
    const outcome = run.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    // This process stalls; another takes the expired lease, does the work and gives the lease up.
    vi.setSystemTime(Date.now() + 3_001);
    const other = new Lease(store, runLeaseName, 'other', { ttlMs: 3_000 });
    expect(await other.acquire()).toBe(true);
    await other.release();
    await vi.advanceTimersByTimeAsync(1_000);
    await vi.waitFor(() => expect(aborted).toBeInstanceOf(BusyError));
    expect(String((await outcome) as Error)).toContain('lost the "run" lease to another process');
    expect(await store.getLease(runLeaseName)).toBeNull();
  });

  it('goes on after a renewal that comes late while nobody took the lease (a wait on another program\'s lock)', async () => {
    const run = withLease(store, runLeaseName, 'me', 300, async (signal) => {
      frozen(400);
      await sleep(50);
      return signal.aborted ? 'stopped' : 'went on';
    });
    await expect(run).resolves.toBe('went on');
  });

  it('passes the caller’s abort on to the work', async () => {
    const stop = new AbortController();
    const run = withLease(
      store,
      runLeaseName,
      'me',
      10_000,
      (signal) =>
        new Promise<boolean>((resolve) => {
          if (signal.aborted) resolve(true);
          signal.addEventListener('abort', () => resolve(signal.aborted));
        }),
      { signal: stop.signal },
    );
    stop.abort();
    await expect(run).resolves.toBe(true);
  });
});

/** Where this process's pid counts, as its lease holder ids name it (host, boot, PID namespace). */
const here = holderId().split(':').slice(0, -2).join(':');

describe('a lease left by a dead process', () => {
  /** The pid of a child process that has exited: a process that no longer exists on this host. */
  function deadPid(): Promise<number> {
    const child = spawn(process.execPath, ['-e', '']);
    return new Promise((resolve) => child.on('exit', () => resolve(child.pid ?? 0)));
  }

  it('is taken over at once when its holder was a process of this host that no longer exists', async () => {
    const pid = await deadPid();
    const crashed = `${here}:${pid}:deadbeef`;
    expect(await new Lease(store, runLeaseName, crashed, { ttlMs: 60_000 }).acquire()).toBe(true);
    expect(isDeadLocalHolder(crashed)).toBe(true);
    await expect(withLease(store, runLeaseName, holderId(), 60_000, async () => 'sent')).resolves.toBe('sent');
  });

  it('is waited for while its holder lives, or lived on another host', async () => {
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    try {
      const alive = `${here}:${sleeper.pid}:cafe`;
      expect(isDeadLocalHolder(alive)).toBe(false);
      expect(await new Lease(store, runLeaseName, alive, { ttlMs: 60_000 }).acquire()).toBe(true);
      expect(await new Lease(store, runLeaseName, holderId()).acquire()).toBe(false);
      const gone = await deadPid();
      // Another host; this host name in another container (PID namespace) or boot; an earlier Gazette's id.
      for (const where of ['another-host.example', `${hostname()}/00000000.1`, hostname()]) expect(isDeadLocalHolder(`${where}:${gone}:beef`), where).toBe(false);
      expect(isDeadLocalHolder(`${here}:${gone}:beef`)).toBe(true);
    } finally {
      sleeper.kill();
    }
  });
});

describe('clocks', () => {
  it('takes no wait for a busy connection pool for a wrong clock', async () => {
    if (testStoreKind() !== postgresKind) return;
    const { driver } = store as SqlStore;
    // Every connection of the pool busy for 5 s: the first reading waits that long before the server reads its clock.
    const busy = Array.from({ length: 4 }, () => driver.query('SELECT pg_sleep(5)'));
    await expect(checkClock(store, 30_000)).resolves.toBeUndefined();
    await Promise.all(busy);
  });

  it('refuses a lease or claims to a machine whose clock is far from the database server\'s; SQLite runs on this one', async () => {
    vi.useFakeTimers({ now: Date.now() + 120_000, toFake: ['Date'] });
    const take = withLease(store, runLeaseName, 'me', 30_000, async () => 'ran');
    const claims = withClaims(store, 'me', 60_000, async () => 'ran');
    if (testStoreKind() === postgresKind) {
      await expect(take).rejects.toThrow(/^this machine's clock is 1\d\d\.\d s ahead of the database server's; .* within 2000 ms .*timedatectl set-ntp true/);
      await expect(claims).rejects.toThrow(StoreError);
    } else {
      await expect(take).resolves.toBe('ran');
      await expect(claims).resolves.toBe('ran');
    }
  });
});

/** Blocks this thread for `ms`, as SIGSTOP or a paused machine would: no timer or I/O runs meanwhile. */
function frozen(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

describe('withClaims', () => {
  it('stops a sender that wakes from a freeze past its claims, and throws a BusyError: its rows are others\' by now', async () => {
    let stopped: unknown = null;
    const run = withClaims(store, 'me', 300, async ({ signal }) => {
      frozen(400);
      await sleep(0);
      stopped = signal.reason;
    });
    await expect(run).rejects.toThrow(/this sender's claims on the ledger lapsed/);
    expect(stopped).toBeInstanceOf(BusyError);
  });

  it('counts what it leaves as of its last look for rows, so a claim that expires after it found none is not its to report', async () => {
    // The real time to start from: the run checks this machine's clock against the database server's.
    const start = new Date();
    vi.useFakeTimers({ now: start, toFake: ['Date'] });
    await store.upsertSubscribers(
      Array.from({ length: 4 }, (_, i) => ({ email: `r${i}@example.org`, name: null, status: 'active' as const })),
      start,
    );
    await store.createDigest({
      number: await store.nextDigestNumber(),
      edition: 'newsletter',
      issue: await store.nextIssueNumber('newsletter'),
      defaultEdition: true,
      blocks: [],
      createdAt: start,
      subject: 'Issue',
      html: '<p>x</p>',
      text: 'x',
      carried: [],
      passedOver: [],
    });
    // Another sender holds every row for a second.
    expect(await store.claimDeliveries('dead', 10, 1000, start)).toHaveLength(4);
    const left = await withClaims(store, 'me', 1000, async ({ claim, pending }) => {
      expect(await claim(10)).toEqual([]);
      vi.setSystemTime(start.getTime() + 5000); // the other sender's claims have expired since
      return pending();
    });
    expect(left).toBe(0);
    // The next sender to look finds them.
    expect(await store.claimDeliveries('next', 10, 1000, new Date(start.getTime() + 5000))).toHaveLength(4);
  });
});
