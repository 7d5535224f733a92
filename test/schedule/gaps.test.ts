import { describe, expect, it } from 'vitest';
import { nextGapFire } from '../../src/schedule/gaps.js';

const gap = (pattern: string, timezone: string, from: string, until: string): string | null =>
  nextGapFire(pattern, timezone, new Date(from), new Date(until))?.toISOString() ?? null;

describe('nextGapFire', () => {
  it('gives the instant the clocks jump to when the pattern names a local time they skip', () => {
    // Europe/Berlin, 29 March 2026: 02:00 CET is 03:00 CEST (01:00 UTC).
    expect(gap('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T00:30:00Z')).toBe('2026-03-29T01:00:00.000Z');
    // America/New_York, 8 March 2026: 02:00 EST is 03:00 EDT (07:00 UTC).
    expect(gap('0 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', '2026-03-09T06:00:00Z')).toBe('2026-03-08T07:00:00.000Z');
    // Lord Howe moves half an hour: 02:00 is 02:30 (15:30 UTC), and 02:00 and 02:15 give one fire.
    expect(gap('*/15 2 * * *', 'Australia/Lord_Howe', '2026-10-03T00:00:00Z', '2026-10-06T00:00:00Z')).toBe('2026-10-03T15:30:00.000Z');
  });

  it('gives none for a time the gap does not hold, another day, the autumn change, UTC, or a gap already past', () => {
    expect(gap('0 3 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T01:00:00Z')).toBeNull();
    // 29 March 2026 is a Sunday: a Monday schedule has no slot in its gap.
    expect(gap('30 2 * * 1', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T00:30:00Z')).toBeNull();
    expect(gap('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T01:30:00Z')).toBeNull();
    expect(gap('30 2 * * *', 'UTC', '2026-03-28T12:00:00Z', '2026-03-30T02:30:00Z')).toBeNull();
    expect(gap('30 2 * * *', 'Europe/Berlin', '2026-03-29T01:00:00Z', '2026-03-30T00:30:00Z')).toBeNull();
  });

  it('looks no further than the fire node-cron gives, and leaves a gap ending at that fire to it', () => {
    expect(gap('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-28T01:30:00Z')).toBeNull();
    // Every five minutes: node-cron fires at 03:00 CEST itself, the instant the gap ends.
    expect(gap('*/5 * * * *', 'Europe/Berlin', '2026-03-29T00:56:00Z', '2026-03-29T01:00:00Z')).toBeNull();
  });

  it("finds a yearly schedule's gap months ahead, on the weekday and last day node-cron's own rules give", () => {
    // The last Sunday of March 2027 is the 28th: `30 2 L 3 *` would be the 31st, which is no gap day.
    expect(gap('30 2 28 3 0', 'Europe/Berlin', '2026-04-01T00:00:00Z', '2030-01-01T00:00:00Z')).toBe('2027-03-28T01:00:00.000Z');
    expect(gap('30 2 L 3 *', 'Europe/Berlin', '2026-04-01T00:00:00Z', '2027-03-31T00:30:00Z')).toBeNull();
  });
});
