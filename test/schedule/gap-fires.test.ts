// The slots a daemon runs across the night summer time starts, on a fake clock that moves a minute at a time: what
// node-cron fires, and what it never fires because the clocks skip it (see gaps.ts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { startScheduler } from '../../src/schedule/scheduler.js';
import { openStore } from '../../src/store/index.js';
import { addReaders, captureLogger, Newsroom, siteConfig } from './helpers.js';

let dir: string | undefined;
afterEach(async () => {
  vi.useRealTimers();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The slots (and why each ran) of a Europe/Berlin daemon started at `startAt` and left running `hours`. */
async function slotsRun(startAt: string, pattern: string, hours: number): Promise<string[]> {
  dir = await mkdtemp(join(tmpdir(), 'gazette-gaps-'));
  vi.useFakeTimers({ now: new Date(startAt), toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
  const store = await openStore({ dbPath: join(dir, 'gazette.db') });
  try {
    await addReaders(store, 1);
    const newsroom = new Newsroom();
    newsroom.articles.push('a1');
    const scheduler = await startScheduler({ config: siteConfig(pattern, null, 'Europe/Berlin'), store, logger: captureLogger().logger, jobs: { publish: newsroom.publish(store), build: newsroom.build() } });
    for (let minute = 0; minute < hours * 60; minute++) await vi.advanceTimersByTimeAsync(60_000);
    await scheduler.stop();
    return newsroom.runs.map((run) => `${run.slot.toISOString()} ${run.reason}`);
  } finally {
    await store.close();
  }
}

it('runs the skipped slot at the end of the gap though node-cron fired in between, and every other slot once', async () => {
  // 14:00 and 02:00 CET: node-cron fires at 14:00 on the 28th, never at 02:00 on the 29th (the clocks go 02:00 → 03:00).
  expect(await slotsRun('2026-03-28T12:00:00Z', '0 2,14 * * *', 26)).toEqual([
    '2026-03-28T13:00:00.000Z scheduled',
    '2026-03-29T01:00:00.000Z scheduled',
    '2026-03-29T12:00:00.000Z scheduled',
  ]);
});
