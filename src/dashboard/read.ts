// What the dashboard shows, read from the store in a few aggregate queries (the database counts, not Node), so
// the page stays fast with a million subscribers and hundreds of digests.
import { readScheduleState, type ScheduleName } from '../schedule/state.js';
import type { DigestStats, Store, SubscriberStatus } from '../store/types.js';

/** One week of the list: who joined and left, and how many stood in each status at its end. */
export interface WeekRow {
  /** Monday 00:00 UTC. */
  start: Date;
  signups: number;
  unsubscribed: number;
  bounced: number;
  byStatus: Record<SubscriberStatus, number>;
}

/** Everything on the page. */
export interface DashboardData {
  generatedAt: Date;
  totals: Record<SubscriberStatus, number>;
  /** Oldest first. */
  weeks: WeekRow[];
  /** Newest first: the figures of `gazette stats`. */
  digests: DigestStats[];
  /** Messages sent, complaints and bounces over the last `windowDays`. */
  rates: { windowDays: number; sent: number; complaints: number; bounced: number };
  /** The digest being sent now, if any, with its rate over the last minute. */
  sending: { digestNumber: number; sent: number; pending: number; perSecond: number } | null;
  schedules: { name: string; pattern: string; next: Date | null; lastRun: Date | null; lastResult: string | null }[];
  /** The latest bounces, complaints and unsubscribes, newest first. */
  events: { at: Date; email: string; kind: string; source: string; detail: string | null }[];
}

/** How many weeks the charts cover, and the days over which the sender's rates are taken. */
export const dashboardWeeks = 26;
export const rateWindowDays = 30;

const dayMs = 86_400_000;

/** Monday 00:00 UTC of the week holding `date`. */
export function weekStart(date: Date): Date {
  const day = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return new Date(day - ((new Date(day).getUTCDay() + 6) % 7) * dayMs);
}

/**
 * Folds per-day joins and departures into weeks, and walks back from today's totals to each week's end. A
 * reader counts as active from the day they joined until the day they left (the list keeps no earlier history).
 */
export function foldWeeks(
  totals: Record<SubscriberStatus, number>,
  flows: Awaited<ReturnType<Store['subscriberFlows']>>,
  now: Date,
  weeks = dashboardWeeks,
): WeekRow[] {
  const first = weekStart(new Date(weekStart(now).getTime() - (weeks - 1) * 7 * dayMs));
  const rows: WeekRow[] = Array.from({ length: weeks }, (_, i) => ({
    start: new Date(first.getTime() + i * 7 * dayMs),
    signups: 0,
    unsubscribed: 0,
    bounced: 0,
    byStatus: { ...totals },
  }));
  const weekOf = (day: string): number => Math.floor((Date.parse(`${day}T00:00:00Z`) - first.getTime()) / (7 * dayMs));
  for (const { day, status, count } of flows.joined) {
    const week = weekOf(day);
    if (week >= 0 && week < weeks) rows[week]!.signups += count;
    // Not yet on the list at the end of the weeks before the one they joined in.
    for (let w = 0; w < Math.min(week, weeks); w++) rows[w]!.byStatus[status] -= count;
  }
  for (const { day, joinedDay, status, count } of flows.departed) {
    const week = weekOf(day);
    if (week >= 0 && week < weeks) rows[week]![status] += count;
    const joined = weekOf(joinedDay);
    // In the weeks before they left (and after they joined) they were still reading.
    for (let w = Math.max(0, joined); w < Math.min(week, weeks); w++) {
      rows[w]!.byStatus[status] -= count;
      rows[w]!.byStatus.active += count;
    }
  }
  return rows;
}

/** Reads the dashboard's figures at `now`, with the state of the named schedules. */
export async function readDashboard(store: Store, now: Date, scheduleNames: readonly ScheduleName[]): Promise<DashboardData> {
  const since = weekStart(new Date(weekStart(now).getTime() - (dashboardWeeks - 1) * 7 * dayMs));
  const rateSince = new Date(now.getTime() - rateWindowDays * dayMs);
  const minuteAgo = new Date(now.getTime() - 60_000);
  const [totals, flows, stats, progress, events, schedules] = await Promise.all([
    store.countSubscribers(),
    store.subscriberFlows(since),
    store.digestStats({ limit: 500 }),
    store.sendingProgress(minuteAgo),
    store.recentEvents(['bounced', 'soft_bounce', 'complaint', 'unsubscribed'], 20),
    Promise.all(scheduleNames.map(async (name) => ({ name, state: await readScheduleState(store, name) }))),
  ]);
  const recent = stats.filter((d) => d.createdAt >= rateSince);
  const current = progress.at(-1);
  return {
    generatedAt: now,
    totals,
    weeks: foldWeeks(totals, flows, now),
    digests: stats,
    rates: {
      windowDays: rateWindowDays,
      sent: recent.reduce((n, d) => n + d.sent, 0),
      complaints: recent.reduce((n, d) => n + d.complaints, 0),
      bounced: recent.reduce((n, d) => n + d.bouncedDuringSend + d.bouncedAfter, 0),
    },
    sending: current ? { digestNumber: current.digestNumber, sent: current.sent, pending: current.pending, perSecond: current.sentSince / 60 } : null,
    schedules: schedules
      .filter((s) => s.state !== null)
      .map(({ name, state }) => ({
        name,
        pattern: state?.pattern ?? '',
        next: state ? new Date(state.nextSlot) : null,
        lastRun: state?.lastRun ? new Date(state.lastRun.finishedAt) : null,
        lastResult: state?.lastRun?.result ?? null,
      })),
    events: events.map((e) => ({ at: e.at, email: e.email, kind: e.kind, source: e.source, detail: e.detail })),
  };
}
