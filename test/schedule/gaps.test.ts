import { describe, expect, it } from 'vitest';
import { nextGapFire } from '../../src/schedule/gaps.js';

const gap = (pattern: string, timezone: string, from: string): string | null => nextGapFire(pattern, timezone, new Date(from))?.toISOString() ?? null;

describe('nextGapFire', () => {
  it('gives the instant the clocks jump to when the pattern names a local time they skip', () => {
    // Europe/Berlin, 29 March 2026: 02:00 CET is 03:00 CEST (01:00 UTC).
    expect(gap('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z')).toBe('2026-03-29T01:00:00.000Z');
    // America/New_York, 8 March 2026: 02:00 EST is 03:00 EDT (07:00 UTC).
    expect(gap('0 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z')).toBe('2026-03-08T07:00:00.000Z');
    // Lord Howe moves half an hour: 02:00 is 02:30 (15:30 UTC), and 02:00 and 02:15 give one fire.
    expect(gap('0,15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z')).toBe('2026-10-03T15:30:00.000Z');
  });

  it('gives the next spring once this one has passed, and none for a time no gap holds, a weekday no gap falls on, or UTC', () => {
    expect(gap('30 2 * * *', 'Europe/Berlin', '2026-03-29T01:00:00Z')).toBe('2027-03-28T01:00:00.000Z');
    expect(gap('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z')).toBe('2027-03-28T01:00:00.000Z');
    expect(gap('0 3 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z')).toBeNull();
    // Europe changes its clocks on Sundays: a Monday schedule never has a slot in a gap.
    expect(gap('30 2 * * 1', 'Europe/Berlin', '2026-03-28T12:00:00Z')).toBeNull();
    expect(gap('30 2 * * *', 'UTC', '2026-03-28T12:00:00Z')).toBeNull();
    expect(gap('30 2 * * *', 'Asia/Tokyo', '2026-03-28T12:00:00Z')).toBeNull();
  });

  it('leaves a gap to node-cron when the pattern names the instant it ends, which node-cron fires itself', () => {
    expect(gap('*/5 * * * *', 'Europe/Berlin', '2026-03-29T00:56:00Z')).toBeNull();
    expect(gap('30 */5 * * * *', 'Europe/Berlin', '2026-03-29T00:56:00Z')).toBeNull();
    // Lord Howe: `*/15` names 02:30, the end of its gap.
    expect(gap('*/15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z')).toBeNull();
  });

  it("finds a yearly schedule's gap months ahead, on the weekday and last day node-cron's own rules give", () => {
    // The last Sunday of March 2027 is the 28th: `30 2 L 3 *` is the 31st, which is no gap day.
    expect(gap('30 2 28 3 0', 'Europe/Berlin', '2026-04-01T00:00:00Z')).toBe('2027-03-28T01:00:00.000Z');
    expect(gap('30 2 L 3 *', 'Europe/Berlin', '2026-04-01T00:00:00Z')).toBeNull();
  });
});
