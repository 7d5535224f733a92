import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { parseArticleDate } from '../../src/content/dates.js';

const iso = (value: string, zone: string): string => {
  const result = parseArticleDate(value, zone);
  if (!result.ok) throw new Error(result.message);
  return result.date.toISOString();
};

describe('parseArticleDate', () => {
  it('reads a date-only value as midnight in the site timezone', () => {
    expect(iso('2022-10-19', 'UTC')).toBe('2022-10-19T00:00:00.000Z');
    expect(iso('2022-10-19', 'Asia/Bishkek')).toBe('2022-10-18T18:00:00.000Z');
    expect(iso('2022-10-19', 'America/New_York')).toBe('2022-10-19T04:00:00.000Z');
  });

  it('reads a date-time without an offset as local time, with the zone offset of that day', () => {
    expect(iso('2026-07-01T10:00', 'Europe/Paris')).toBe('2026-07-01T08:00:00.000Z');
    expect(iso('2026-11-24 10:00:30', 'Europe/Paris')).toBe('2026-11-24T09:00:30.000Z');
  });

  it('takes a date-time with an offset as given', () => {
    expect(iso('2026-11-24T10:00:00+05:30', 'Europe/Paris')).toBe('2026-11-24T04:30:00.000Z');
    expect(iso('2026-11-24T10:00Z', 'Asia/Tokyo')).toBe('2026-11-24T10:00:00.000Z');
  });

  it('reads every date-time with an offset to the instant luxon reads, and refuses the ones luxon refuses', () => {
    const offsets = ['Z', '+00:00', '-00:30', '+05:45', '+1400', '-12', '+13:59', '-0000'];
    let compared = 0;
    for (const year of ['1000', '1969', '1970', '2000', '2023', '2024', '2100', '9999']) {
      for (let month = 0; month <= 13; month++) {
        for (const day of ['00', '01', '28', '29', '30', '31', '32']) {
          for (const time of ['00:00', '23:59:59', '12:30:00', '24:00', '23:60', '10:00:60']) {
            for (const [i, offset] of offsets.entries()) {
              const value = `${year}-${String(month).padStart(2, '0')}-${day}${i % 2 === 0 ? 'T' : ' '}${time}${offset}`;
              const luxon = DateTime.fromISO(value.replace(' ', 'T'), { setZone: true });
              const ours = parseArticleDate(value, 'Asia/Tokyo');
              expect({ value, ok: ours.ok, time: ours.ok ? ours.date.getTime() : null }).toEqual({
                value,
                ok: luxon.isValid,
                time: luxon.isValid ? luxon.toMillis() : null,
              });
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBe(8 * 14 * 7 * 6 * 8);
  });

  it('refuses an offset no time zone has, which luxon would add up: +99:00 moved a story four days, +05:99 an hour', () => {
    for (const value of ['2026-01-11T10:00+99:00', '2026-01-11T10:00+24:00', '2026-01-11T10:00+05:99', '2026-01-11T10:00+14:01', '2026-01-11T10:00-12:30', '2026-01-11T10:00:00.5+53:00']) {
      expect(parseArticleDate(value, 'UTC'), value).toEqual({
        ok: false,
        message: `the offset of "${value}" is no time zone's`,
        hint: 'write an offset from -12:00 to +14:00, hours then minutes under 60, e.g. +05:30, or Z for UTC',
      });
    }
    expect(iso('2026-01-11T10:00+14:00', 'UTC')).toBe('2026-01-10T20:00:00.000Z');
    expect(iso('2026-01-11T10:00-12:00', 'UTC')).toBe('2026-01-11T22:00:00.000Z');
  });

  it('reads a value again in its time zone, whatever became of the date it gave the first time', () => {
    const first = parseArticleDate('2022-10-19', 'Asia/Bishkek');
    if (first.ok) first.date.setTime(0);
    expect(iso('2022-10-19', 'Asia/Bishkek')).toBe('2022-10-18T18:00:00.000Z');
    expect(iso('2022-10-19', 'America/New_York')).toBe('2022-10-19T04:00:00.000Z');
  });

  it('refuses impossible dates and says so', () => {
    expect(parseArticleDate('2022-02-30', 'UTC')).toEqual({
      ok: false,
      message: 'impossible date "2022-02-30"',
      hint: 'use a real calendar date and time (February 2022 has days 01 to 28)',
    });
    const hintOf = (value: string): string => {
      const result = parseArticleDate(value, 'UTC');
      return result.ok ? '' : result.hint;
    };
    expect(hintOf('2024-02-30T10:00+02:00')).toBe('use a real calendar date and time (February 2024 has days 01 to 29)');
    expect(hintOf('2022-13-01')).toBe('use a real calendar date and time (there is no month 13: months run from 01 to 12)');
    expect(hintOf('2022-01-01T24:30')).toBe('use a real calendar date and time (hours run from 00 to 23: midnight at the end of a day is 00:00 of the next)');
    expect(hintOf('2022-01-01T10:60')).toBe('use a real calendar date and time (minutes and seconds run from 00 to 59)');
  });

  it('refuses a year before 1000, a slip of the keyboard that feeds would print as it is', () => {
    for (const value of ['0000-01-01', '0206-11-24', '0999-12-31T23:59Z']) {
      expect(parseArticleDate(value, 'UTC')).toEqual({ ok: false, message: `the year of "${value}" is before 1000`, hint: 'write the four-digit year, e.g. 2026-11-24' });
    }
    expect(parseArticleDate('1000-01-01', 'UTC').ok).toBe(true);
  });

  it('refuses values that are not ISO dates', () => {
    for (const value of ['19/10/2022', 'October 19, 2022', '2022-1-9', 'yesterday', '']) {
      expect(parseArticleDate(value, 'UTC')).toEqual({
        ok: false,
        message: `unreadable date "${value}"`,
        hint: 'write YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset such as +02:00',
      });
    }
  });
});
