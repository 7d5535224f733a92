// Local times the clocks skip: on the night summer time starts, 02:00–02:59 does not happen in Europe/Berlin, and
// node-cron, which fires only at local times that exist, never fires a `30 2 * * *` schedule that day. Cron (Vixie,
// cronie) runs such a slot at the first instant after the gap; so does Gazette, from the fires found here.
import cron from 'node-cron';
import { loadLuxon } from '../content/dates.js';

const minute = 60_000;
const hour = 60 * minute;

/** How far ahead gaps are looked for: a schedule of one day a year still finds its next one. */
const horizon = 400 * 24 * hour;

/**
 * The first end of a gap (clocks set forward) in `timezone` after `from`, within 400 days, such that `pattern` names a
 * local time inside the gap and not the instant the gap ends (node-cron fires that one itself); null when there is
 * none. A gap of an hour holding `30 2 * * *`'s 02:30 gives the instant the clocks jump to (03:00 local): one fire,
 * however many skipped minutes the pattern names.
 */
export function nextGapFire(pattern: string, timezone: string, from: Date): Date | null {
  if (timezone === 'UTC') return null;
  const { DateTime } = loadLuxon();
  const offset = (ms: number): number => DateTime.fromMillis(ms, { zone: timezone }).offset;
  // Matched against a UTC date carrying the local wall time: the weekday and the month's last day of a calendar date
  // are the same in every zone, so node-cron's own matcher decides, for a time that never happened in the zone.
  const wallMatcher = cron.createTask(pattern, () => undefined, { timezone: 'UTC' });
  const zoneMatcher = cron.createTask(pattern, () => undefined, { timezone });
  try {
    const second = cron.parse(pattern).second[0] ?? 0;
    const end = from.getTime() + horizon;
    // A day at a time, then its hours: clocks change at most once a day (400 days an hour at a time took 80 ms).
    const hours = function* (): Generator<number> {
      for (let day = Math.floor(from.getTime() / hour) * hour; day < end; day += 24 * hour) {
        if (offset(day + 24 * hour) > offset(day)) for (let start = day; start < day + 24 * hour; start += hour) yield start;
      }
    };
    for (const start of hours()) {
      const before = offset(start);
      if (offset(start + hour) <= before) continue;
      // The transition, to the minute: the first minute of the hour with the new offset.
      let low = start;
      let high = start + hour;
      while (high - low > minute) {
        const mid = low + Math.floor((high - low) / 2 / minute) * minute;
        if (offset(mid) > before) high = mid;
        else low = mid;
      }
      const after = offset(high);
      if (high <= from.getTime() || zoneMatcher.match(new Date(high + second * 1000))) continue;
      // Wall times from (local time at the jump − its size) up to the local time at the jump never happened.
      const wall = high + after * minute;
      for (let skipped = wall - (after - before) * minute; skipped < wall; skipped += minute) {
        if (wallMatcher.match(new Date(skipped + second * 1000))) return new Date(high);
      }
    }
    return null;
  } finally {
    void wallMatcher.destroy();
    void zoneMatcher.destroy();
  }
}
