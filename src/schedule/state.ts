// What a schedule remembers across restarts (node-cron keeps nothing): the first slot no completed run has
// covered yet, and the last run for /healthz. Kept in the store, so every daemon on a database shares it.
import * as z from 'zod';
import { hasEditions } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import type { Store } from '../store/index.js';

/**
 * The schedules of `site.json`: `newsletter` publishes and sends (`newsletter:<id>` for each edition of
 * `newsletter.editions`), `feeds` only rebuilds.
 */
export type ScheduleName = 'newsletter' | `newsletter:${string}` | 'feeds';

/** An edition's schedule: `newsletter` on a site without editions (its state keeps that name), else `newsletter:<id>`. */
export function editionScheduleName(config: { newsletter: Pick<SiteConfig['newsletter'], 'editions'> }, editionId: string): ScheduleName {
  return hasEditions(config) ? `newsletter:${editionId}` : 'newsletter';
}

/** Why a run started: its cron fire, a catch-up at start, or a fire deferred until the run lease was free. */
export type RunReason = 'scheduled' | 'catch-up' | 'deferred';

/**
 * How a run ended: `ok`; `unfinished` when work is left for later (deliveries pending after temporary
 * failures); `stopped` by a shutdown signal; `failed` with an error.
 */
export type RunResult = 'ok' | 'unfinished' | 'stopped' | 'failed';

const runRecordSchema = z.object({
  slot: z.iso.datetime(),
  reason: z.enum(['scheduled', 'catch-up', 'deferred']),
  runId: z.string(),
  holder: z.string(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  result: z.enum(['ok', 'unfinished', 'stopped', 'failed']),
  counts: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
});

/** One finished run, as /healthz shows it. */
export type RunRecord = z.infer<typeof runRecordSchema>;

const scheduleStateSchema = z.object({
  pattern: z.string(),
  timezone: z.string(),
  /** The first slot not covered by a completed run: once it is in the past, it was missed. */
  nextSlot: z.iso.datetime(),
  lastRun: runRecordSchema.nullable(),
});

/** A schedule's stored state. */
export type ScheduleState = z.infer<typeof scheduleStateSchema>;

/** Store key of a schedule's state. */
function scheduleStateKey(name: ScheduleName): string {
  return `schedule:${name}`;
}

/** Parses stored state; null when absent or unreadable (the schedule then starts afresh). */
function parseScheduleState(text: string | null): ScheduleState | null {
  if (text === null) return null;
  try {
    const result = scheduleStateSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** Reads a schedule's state from the store. */
export async function readScheduleState(store: Store, name: ScheduleName): Promise<ScheduleState | null> {
  return parseScheduleState(await store.getState(scheduleStateKey(name)));
}

/** Writes a schedule's state to the store. */
export function writeScheduleState(store: Store, name: ScheduleName, state: ScheduleState): Promise<void> {
  return store.setState(scheduleStateKey(name), JSON.stringify(state));
}
