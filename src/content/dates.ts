// Article dates, read in the site timezone (written out for readers by i18n/dates.ts).
import { createRequire } from 'node:module';
import type * as Luxon from 'luxon';

const require = createRequire(import.meta.url);

/**
 * luxon, loaded on the first date that needs its calendar rules (a time zone's offsets, a printed date): dates with an
 * offset do not, and each parse thread spared loading it (20 ms).
 */
export function loadLuxon(): typeof Luxon {
  return require('luxon') as typeof Luxon;
}

/** A date read from an article, or what is wrong with it and how to write it. */
export type DateResult = { ok: true; date: Date } | { ok: false; message: string; hint: string };

// YYYY-MM-DD, optionally a time (T or space), optionally seconds, fraction and an offset.
const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;
// A date-time of DATE_SHAPE that ends in an offset (a date alone never has one).
const WITH_OFFSET = /[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/;

// A date-time with an offset, its parts captured (no fraction: those are left to luxon).
const OFFSET_PARTS = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:Z|([+-])(\d{2})(?::?(\d{2}))?)$/;

/** The days of month `month` (1–12) of `year`. */
function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The instant of a date-time with an offset whose every part is in its everyday range, as luxon gives it, computed
 * directly (luxon cost a build of 10,000 articles a fifth of a second a thread); null for any other value, which luxon reads.
 */
function offsetInstant(value: string): Date | null {
  const parts = OFFSET_PARTS.exec(value);
  if (!parts) return null;
  const part = (i: number): number => Number(parts[i] ?? 0);
  const [year, month, day, hour, minute, second] = [part(1), part(2), part(3), part(4), part(5), part(6)];
  const [offsetHours, offsetMinutes] = [part(8), part(9)];
  const lastDay = daysInMonth(year, month);
  const inRange = year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= lastDay && hour <= 23 && minute <= 59 && second <= 59;
  if (!inRange || offsetOutOfRange(parts[7] ?? '+', offsetHours, offsetMinutes)) return null;
  const offset = (parts[7] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000);
}

/** Whether an offset lies outside those time zones use (UTC−12:00 to UTC+14:00), or has 60 minutes or more. */
function offsetOutOfRange(sign: string, hours: number, minutes: number): boolean {
  const total = hours * 60 + minutes;
  return minutes > 59 || total > (sign === '-' ? 12 * 60 : 14 * 60);
}

/** What is out of range in a value of DATE_SHAPE, in a desk's words (luxon says "you specified 30 (of type number) as a day"); null if nothing. */
function calendarMistake(value: string): string | null {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = (value.match(/\d+/g) ?? []).map(Number);
  if (month < 1 || month > 12) return `there is no month ${month}: months run from 01 to 12`;
  const lastDay = daysInMonth(year, month);
  const monthName = new Date(Date.UTC(year, month - 1, 1)).toLocaleString('en', { month: 'long', timeZone: 'UTC' });
  if (day < 1 || day > lastDay) return `${monthName} ${year} has days 01 to ${lastDay}`;
  if (hour > 23) return `hours run from 00 to 23${hour === 24 ? ': midnight at the end of a day is 00:00 of the next' : ''}`;
  if (minute > 59 || second > 59) return 'minutes and seconds run from 00 to 59';
  return null;
}

/** Instants of values read in a time zone, by value and zone: a desk's articles share days, and luxon's zone rules cost. */
const zoned = new Map<string, number>();

/**
 * Reads an article date: `YYYY-MM-DD` is midnight in `timezone`; a date-time without an offset is local
 * to `timezone`; one with an offset (or `Z`) is taken as given.
 */
export function parseArticleDate(value: string, timezone: string): DateResult {
  const direct = offsetInstant(value);
  if (direct) return { ok: true, date: direct };
  const key = `${value}\0${timezone}`;
  const known = zoned.get(key);
  if (known !== undefined) return { ok: true, date: new Date(known) };
  if (!DATE_SHAPE.test(value)) {
    return {
      ok: false,
      message: `unreadable date "${value}"`,
      hint: 'write YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset such as +02:00',
    };
  }
  // A year before 1000 is a slip of the keyboard (0000, 0206), which feeds and pages would print as it is.
  if (value < '1000') return { ok: false, message: `the year of "${value}" is before 1000`, hint: 'write the four-digit year, e.g. 2026-11-24' };
  // An offset says the instant: keeping it spares looking up the time zone's rules (4x faster to read).
  const withOffset = WITH_OFFSET.test(value);
  // luxon takes +99:00 and +05:99 as they add up: a typo for +05:30 moved the story days away, unseen.
  const offset = withOffset ? /([+-])(\d{2})(?::?(\d{2}))?$/.exec(value) : null;
  if (offset && offsetOutOfRange(offset[1] ?? '+', Number(offset[2] ?? 0), Number(offset[3] ?? 0))) {
    return { ok: false, message: `the offset of "${value}" is no time zone's`, hint: 'write an offset from -12:00 to +14:00, hours then minutes under 60, e.g. +05:30, or Z for UTC' };
  }
  const parsed = loadLuxon().DateTime.fromISO(value.replace(' ', 'T'), withOffset ? { setZone: true } : { zone: timezone });
  if (!parsed.isValid) {
    return { ok: false, message: `impossible date "${value}"`, hint: `use a real calendar date and time (${calendarMistake(value) ?? parsed.invalidExplanation ?? parsed.invalidReason})` };
  }
  const date = parsed.toJSDate();
  if (!withOffset) zoned.set(key, date.getTime());
  return { ok: true, date };
}
