import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Lease, runLeaseName } from '../../src/store/lease.js';
import { startScheduler, type Scheduler, type SchedulerOptions } from '../../src/schedule/scheduler.js';
import { readScheduleState, writeScheduleState } from '../../src/schedule/state.js';
import { openStore, type Store } from '../../src/store/index.js';
import { addReaders, captureLogger, Newsroom, siteConfig, until } from './helpers.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';

const everySecond = '*/1 * * * * *';
const yearly = '0 0 0 1 1 *';

let dir: string;
let database: TestDatabase;
let dbPath: string;
const stores: Store[] = [];
const schedulers: Scheduler[] = [];
/** Opens what a failed test left closed (gates), so stopping does not wait forever. */
const cleanups: (() => void)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-schedule-'));
  database = await createTestDatabase(dir);
  dbPath = database.db;
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.stop()));
  for (const store of stores.splice(0)) await store.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<Store> {
  const store = await openStore({ dbPath });
  stores.push(store);
  return store;
}

async function start(options: SchedulerOptions): Promise<Scheduler> {
  const scheduler = await startScheduler(options);
  schedulers.push(scheduler);
  return scheduler;
}

/** Pretends a daemon last completed a slot long ago and has been down since. */
async function outage(store: Store, pattern: string): Promise<void> {
  await writeScheduleState(store, 'newsletter', { pattern, timezone: 'UTC', nextSlot: '2023-01-01T00:00:00.000Z', lastRun: null });
}

describe('the newsletter schedule', () => {
  it('makes one digest per new batch of articles and sends nothing when nothing is new', async () => {
    const store = await open();
    await addReaders(store, 3);
    const newsroom = new Newsroom();
    newsroom.articles.push('a1', 'a2');
    const { logger } = captureLogger();
    await start({ config: siteConfig(everySecond), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });

    await until('the first digest', async () => (await store.listDigests()).length === 1);
    const runsAfterFirst = newsroom.runs.length;
    await until('two more runs', () => newsroom.runs.length >= runsAfterFirst + 2);
    expect(await store.listDigests()).toHaveLength(1);

    newsroom.articles.push('b1');
    await until('the second digest', async () => (await store.listDigests()).length === 2);
    const runsAfterSecond = newsroom.runs.length;
    await until('two more runs', () => newsroom.runs.length >= runsAfterSecond + 2);

    expect((await store.listDigests()).map((d) => d.articleSlugs)).toEqual([['b1'], ['a1', 'a2']]);
    expect(await store.deliveryCounts()).toMatchObject({ sent: 6, pending: 0 });
    expect([...newsroom.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(newsroom.runs.every((run) => run.reason === 'scheduled')).toBe(true);
  });

  it('after an outage runs one catch-up publish at once, not one per missed slot', async () => {
    let store = await open();
    await addReaders(store, 2);
    const newsroom = new Newsroom();
    const { logger } = captureLogger();
    const pattern = '*/2 * * * * *';
    const first = await start({ config: siteConfig(pattern), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    await until('a completed run', async () => (await readScheduleState(store, 'newsletter'))?.lastRun?.result === 'ok');
    await first.stop();
    await store.close();

    // The outage: at least two slots pass with no daemon, and articles arrive meanwhile.
    const downSince = new Date((await readScheduleState(await open(), 'newsletter'))?.nextSlot ?? 0);
    await until('two missed slots', () => Date.now() > downSince.getTime() + 2_500);
    newsroom.articles.push('late1', 'late2');
    store = await open();
    const runsBefore = newsroom.runs.length;
    const second = await start({ config: siteConfig(pattern), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });

    expect((await second.health()).running).toMatchObject({ reason: 'catch-up', slot: downSince.toISOString() });
    await until('the catch-up digest to be delivered', async () => (await store.deliveryCounts()).sent === 2);
    await until('a scheduled run after it', () => newsroom.runs.slice(runsBefore).some((run) => run.reason === 'scheduled'));
    await second.stop();

    const runs = newsroom.runs.slice(runsBefore);
    expect(runs.filter((run) => run.reason === 'catch-up')).toHaveLength(1);
    expect(await store.listDigests()).toHaveLength(1);
    expect(await store.deliveryCounts()).toMatchObject({ sent: 2, pending: 0 });
    expect([...newsroom.deliveries.values()]).toEqual([1, 1]);
  });

  it('runs no catch-up on a first start, nor once the missed slot is done', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    const { logger } = captureLogger();
    const jobs = { publish: newsroom.publish(store), build: newsroom.build() };
    const fresh = await start({ config: siteConfig(yearly), store, logger, jobs });
    expect((await fresh.health()).running).toBeNull();
    await fresh.stop();

    await outage(store, yearly);
    const caughtUp = await start({ config: siteConfig(yearly), store, logger, jobs });
    expect((await caughtUp.health()).running?.reason).toBe('catch-up');
    await until('the catch-up run', async () => (await readScheduleState(store, 'newsletter'))?.lastRun?.result === 'ok');
    await caughtUp.stop();
    expect(new Date((await readScheduleState(store, 'newsletter'))?.nextSlot ?? 0).getTime()).toBeGreaterThan(Date.now());

    const again = await start({ config: siteConfig(yearly), store, logger, jobs });
    expect((await again.health()).running).toBeNull();
    expect(newsroom.runs).toHaveLength(1);
  });

  it('starts afresh when the schedule was changed, after one catch-up of a slot the old one left due', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    const { logger, lines } = captureLogger();
    const jobs = { publish: newsroom.publish(store), build: newsroom.build() };
    await outage(store, '0 7 * * 1');
    const changed = await start({ config: siteConfig(yearly), store, logger, jobs });
    expect((await changed.health()).running).toMatchObject({ reason: 'catch-up', slot: '2023-01-01T00:00:00.000Z' });
    expect(lines.some((line) => line.msg === 'schedule changed: the slot the old one left due is caught up first')).toBe(true);
    await until('the catch-up run', async () => (await readScheduleState(store, 'newsletter'))?.lastRun?.result === 'ok');
    await changed.stop();
    const state = await readScheduleState(store, 'newsletter');
    expect(state?.pattern).toBe(yearly);
    expect(new Date(state?.nextSlot ?? 0).getTime()).toBeGreaterThan(Date.now());

    // Nothing left due: a change starts afresh, no run.
    const again = await start({ config: siteConfig('0 7 * * 1'), store, logger, jobs });
    expect((await again.health()).running).toBeNull();
    expect(lines.some((line) => line.msg === 'schedule changed: it starts afresh')).toBe(true);
    expect(newsroom.runs).toHaveLength(1);
  });

  it('sets back a stored next slot that a clock running ahead put beyond the next fire, and runs the slots again', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    const { logger, lines } = captureLogger();
    // A run recorded while this machine's clock was a week ahead.
    await writeScheduleState(store, 'newsletter', { pattern: everySecond, timezone: 'UTC', nextSlot: new Date(Date.now() + 7 * 86_400_000).toISOString(), lastRun: null });
    await start({ config: siteConfig(everySecond), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    await until('a scheduled run', () => newsroom.runs.some((run) => run.reason === 'scheduled'));
    expect(lines.find((line) => line.msg === 'the stored next slot lies beyond the next fire (a clock ran ahead, or an earlier Gazette passed over a time the clocks skip): set back to it')).toMatchObject({ schedule: 'newsletter' });
  });

  it('skips and logs a fire that comes while a publish is still running', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    let open_ = (): void => {};
    newsroom.gate = new Promise((resolve) => {
      open_ = resolve;
    });
    cleanups.push(() => open_());
    const { logger, lines } = captureLogger();
    await start({ config: siteConfig(everySecond), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });

    const skipped = (): Record<string, unknown>[] => lines.filter((line) => line.msg === 'skipped: a run is still in progress');
    await until('two skipped fires', () => skipped().length >= 2);
    expect(newsroom.runs).toHaveLength(1);
    expect(skipped()[0]).toMatchObject({ schedule: 'newsletter', running: newsroom.runs[0]?.runId });
    open_();
    await until('a second run', () => newsroom.runs.length >= 2);
    expect(newsroom.maxActive).toBe(1);
  });

  it('records a failed run with its error and runs the slot again after a restart', async () => {
    const store = await open();
    const { logger, lines } = captureLogger();
    await outage(store, yearly);
    const scheduler = await start({
      config: siteConfig(yearly),
      store,
      logger,
      jobs: {
        publish: async () => {
          throw new Error('SMTP server unreachable');
        },
        build: new Newsroom().build(),
      },
    });
    await until('the failed run', async () => (await readScheduleState(store, 'newsletter'))?.lastRun !== null);
    await scheduler.stop();
    const state = await readScheduleState(store, 'newsletter');
    expect(state?.lastRun).toMatchObject({ result: 'failed', error: 'SMTP server unreachable', reason: 'catch-up' });
    expect(state?.nextSlot).toBe('2023-01-01T00:00:00.000Z');
    const failure = lines.find((line) => line.msg === 'run failed');
    expect(failure).toMatchObject({ level: 50, runId: state?.lastRun?.runId });
  });
});

describe('the feeds schedule', () => {
  it('rebuilds without publishing', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    newsroom.articles.push('a1');
    const { logger } = captureLogger();
    await start({ config: siteConfig(yearly, everySecond), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    await until('two rebuilds', () => newsroom.builds >= 2);
    expect(newsroom.runs).toHaveLength(0);
    expect(await store.listDigests()).toHaveLength(0);
    expect((await readScheduleState(store, 'feeds'))?.lastRun).toMatchObject({ result: 'ok', counts: { pages: 1 } });
  });

  it('skips its rebuilds while a publish runs', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    let openGate = (): void => {};
    newsroom.gate = new Promise((resolve) => {
      openGate = resolve;
    });
    cleanups.push(() => openGate());
    const { logger, lines } = captureLogger();
    await outage(store, yearly);
    await start({ config: siteConfig(yearly, everySecond), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    await until('a skipped rebuild', () =>
      lines.some((line) => line.schedule === 'feeds' && line.msg === 'skipped: a run is still in progress'),
    );
    expect(newsroom.builds).toBe(0);
    openGate();
    await until('a rebuild after the publish', () => newsroom.builds >= 1);
    expect(newsroom.runs).toHaveLength(1);
  });

  it('makes a newsletter slot that comes during a rebuild wait for it instead of dropping it', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    const { logger, lines } = captureLogger();
    let releaseBuild = (): void => {};
    const buildGate = new Promise<void>((resolve) => {
      releaseBuild = resolve;
    });
    cleanups.push(() => releaseBuild());
    let builds = 0;
    // Rebuilds on even seconds, the newsletter on odd ones: the first rebuild holds on until released.
    const scheduler = await start({
      config: siteConfig('1-59/2 * * * * *', '*/2 * * * * *'),
      store,
      logger,
      jobs: {
        publish: newsroom.publish(store),
        build: async () => {
          builds++;
          await buildGate;
          return { counts: {} };
        },
      },
    });
    await until('a rebuild in progress', () => builds === 1);
    await until('a newsletter slot waiting', async () => (await scheduler.health()).schedules[0]?.waiting !== null);
    const before = newsroom.runs.length;
    releaseBuild();
    await until('the waiting newsletter run', () => newsroom.runs.length > before);
    expect(newsroom.runs[before]?.reason).toBe('deferred');
    expect(lines.some((line) => line.msg === 'fire waits for the feeds rebuild in progress')).toBe(true);
  });
});

/** A store whose newsletter missed a slot while another process holds the run lease for `ttlMs`. */
async function leaseHeldElsewhere(ttlMs: number): Promise<{ store: Store; newsroom: Newsroom } & ReturnType<typeof captureLogger>> {
  const store = await open();
  await outage(store, yearly);
  expect(await new Lease(store, runLeaseName, 'other-process', { ttlMs }).acquire()).toBe(true);
  return { store, newsroom: new Newsroom(), ...captureLogger() };
}

describe('coordination through the run lease', () => {
  it('waits while another process holds the lease and takes over when that holder goes silent', async () => {
    const { store, newsroom, logger, lines } = await leaseHeldElsewhere(1_500);
    const scheduler = await start({
      config: siteConfig(yearly),
      store,
      logger,
      leaseTtlMs: 600,
      jobs: { publish: newsroom.publish(store), build: newsroom.build() },
    });
    expect((await scheduler.health()).running).toBeNull();
    expect((await scheduler.health()).schedules[0]?.waiting).toBe('2023-01-01T00:00:00.000Z');
    expect(lines.some((line) => line.msg === 'another process holds the run lease: waiting to take over')).toBe(true);

    await until('the takeover run', async () => (await readScheduleState(store, 'newsletter'))?.lastRun?.result === 'ok');
    expect(newsroom.runs.map((run) => run.reason)).toEqual(['deferred']);
    expect((await scheduler.health()).schedules[0]?.waiting).toBeNull();
  });

  it('helps the holder send while it waits for the lease, without publishing or recording the slot', async () => {
    const { store, newsroom, logger, lines } = await leaseHeldElsewhere(60_000);
    let helped = 0;
    await start({
      config: siteConfig(yearly),
      store,
      logger,
      leaseTtlMs: 300,
      jobs: {
        publish: newsroom.publish(store),
        build: newsroom.build(),
        help: async () => {
          helped++;
          return helped === 1 ? { counts: { delivery: { sent: 3 } } } : null;
        },
      },
    });
    await until('two helps, one per retry of the wait', () => helped >= 2);
    expect(newsroom.runs).toHaveLength(0);
    expect(lines.filter((line) => line.msg === 'helped another process send')).toHaveLength(1);
    expect((await readScheduleState(store, 'newsletter'))?.lastRun).toBeNull();
  });

  it('with two schedulers on one database, makes each digest once and delivers each copy once', async () => {
    const newsroom = new Newsroom(5);
    const setup = await open();
    await addReaders(setup, 20);
    newsroom.articles.push('a1');
    const { logger } = captureLogger();
    for (const holder of ['daemon-a', 'daemon-b']) {
      const store = await open();
      await start({ config: siteConfig(everySecond), store, logger, holder, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    }
    await until('the first digest delivered', async () => (await setup.listDigests()).length === 1 && (await setup.deliveryCounts()).sent === 20);
    newsroom.articles.push('b1', 'b2');
    await until('the second digest delivered', async () => (await setup.listDigests()).length === 2 && (await setup.deliveryCounts()).sent === 40);
    const runs = newsroom.runs.length;
    await until('both to have fired again', () => newsroom.runs.length >= runs + 2);

    expect(await setup.listDigests()).toHaveLength(2);
    expect(newsroom.deliveries.size).toBe(40);
    expect([...newsroom.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(newsroom.maxActive).toBe(1);
  });
});

describe('stopping', () => {
  it('aborts the send in progress, waits for it and leaves the rest pending for the next run', async () => {
    const store = await open();
    await addReaders(store, 50);
    const newsroom = new Newsroom(20);
    newsroom.articles.push('a1');
    const { logger } = captureLogger();
    await outage(store, yearly);
    const scheduler = await start({ config: siteConfig(yearly), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    await until('a few messages sent', async () => (await store.deliveryCounts()).sent >= 3);
    await scheduler.stop();

    expect(newsroom.active).toBe(0);
    const counts = await store.deliveryCounts();
    expect(counts.sent + counts.pending).toBe(50);
    expect(counts.pending).toBeGreaterThan(0);
    expect(counts.sent).toBe(newsroom.deliveries.size);
    const state = await readScheduleState(store, 'newsletter');
    expect(state?.lastRun).toMatchObject({ result: 'stopped', counts: { sent: counts.sent, pending: counts.pending } });
    // Not complete: the next start catches up and finishes the send.
    expect(state?.nextSlot).toBe('2023-01-01T00:00:00.000Z');
    expect(await new Lease(store, runLeaseName, 'someone-else').acquire()).toBe(true);
    expect((await scheduler.health()).schedules[0]?.next).toBeNull();
  });
});

describe('health', () => {
  it('reports the next fire and the last run with its counts', async () => {
    const store = await open();
    await addReaders(store, 1);
    const newsroom = new Newsroom();
    newsroom.articles.push('a1');
    const { logger, lines } = captureLogger();
    const scheduler = await start({ config: siteConfig(everySecond, '*/5 * * * * *'), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    await until('a run', async () => (await readScheduleState(store, 'newsletter'))?.lastRun !== null);
    const health = await scheduler.health();
    const [newsletter, feeds] = health.schedules;
    expect(newsletter).toMatchObject({ name: 'newsletter', pattern: everySecond, timezone: 'UTC', waiting: null });
    expect(new Date(newsletter?.next ?? 0).getTime()).toBeGreaterThan(Date.now() - 1_000);
    // The run's reason is the one it started with: 'scheduled' at its fire time, 'deferred' when a loaded machine's
    // event loop made it late or it waited for the feeds build (both seen in CI).
    const started = lines.find((line) => line.msg === 'run started' && line.runId === newsletter?.lastRun?.runId);
    expect(['scheduled', 'deferred']).toContain(started?.reason);
    expect(newsletter?.lastRun).toMatchObject({ result: 'ok', reason: started?.reason, counts: { digest: 1, sent: 1, pending: 0 } });
    expect(feeds).toMatchObject({ name: 'feeds', pattern: '*/5 * * * * *' });
    // /healthz answers anyone: the lease holder (this machine's name, boot and pid) is in no part of it.
    expect(JSON.stringify(health)).not.toContain(`:${process.pid}:`);
    expect(newsletter?.lastRun).not.toHaveProperty('holder');
  });

  it('runs a slot the clocks skip when the gap ends, and reports it as the next fire before', async () => {
    // One second before summer time starts in Europe/Berlin (29 March 2026, 02:00 CET → 03:00 CEST): node-cron never
    // fires 02:30 that night, and its next fire is the 30th's.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-03-29T00:59:59Z'), shouldAdvanceTime: true });
    try {
      const store = await open();
      await addReaders(store, 1);
      const newsroom = new Newsroom();
      newsroom.articles.push('a1');
      const { logger } = captureLogger();
      const scheduler = await start({ config: siteConfig('30 2 * * *', null, 'Europe/Berlin'), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
      expect((await scheduler.health()).schedules[0]?.next).toBe('2026-03-29T01:00:00.000Z');
      await until('the run at the end of the gap', async () => (await readScheduleState(store, 'newsletter'))?.lastRun !== null);
      expect(newsroom.runs.map((run) => [run.slot.toISOString(), run.reason])).toEqual([['2026-03-29T01:00:00.000Z', 'scheduled']]);
      expect(await readScheduleState(store, 'newsletter')).toMatchObject({ nextSlot: '2026-03-30T00:30:00.000Z', lastRun: { result: 'ok' } });
      expect((await store.listDigests()).map((d) => d.articleSlugs)).toEqual([['a1']]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('puts the run id on every log line of a run', async () => {
    const store = await open();
    const newsroom = new Newsroom();
    const { logger, lines } = captureLogger();
    await outage(store, yearly);
    await start({ config: siteConfig(yearly), store, logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    await until('the run to finish', () => lines.some((line) => line.msg === 'run finished'));
    const runId = newsroom.runs[0]?.runId;
    const ofRun = lines.filter((line) => ['run started', 'digest made', 'run finished'].includes(String(line.msg)));
    expect(ofRun).toHaveLength(3);
    expect(ofRun.every((line) => line.runId === runId && line.schedule === 'newsletter')).toBe(true);
  });
});

