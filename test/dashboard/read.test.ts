import { describe, expect, it } from 'vitest';
import { foldWeeks, weekStart } from '../../src/dashboard/read.js';

describe('foldWeeks', () => {
  const now = new Date('2026-11-30T08:00:00Z'); // a Monday

  it('starts weeks on Monday 00:00 UTC', () => {
    expect(weekStart(new Date('2026-12-06T23:59:59Z')).toISOString()).toBe('2026-11-30T00:00:00.000Z');
    expect(weekStart(now).toISOString()).toBe('2026-11-30T00:00:00.000Z');
  });

  it('walks back from today: joins leave earlier weeks, departures were active until they left', () => {
    const weeks = foldWeeks(
      { pending: 1, active: 10, unsubscribed: 2, bounced: 1 },
      {
        joined: [
          { day: '2026-11-24', status: 'active', count: 3 },
          { day: '2026-11-18', status: 'unsubscribed', count: 1 },
          { day: '2026-11-30', status: 'pending', count: 1 },
        ],
        departed: [
          { day: '2026-11-25', joinedDay: '2026-11-18', status: 'unsubscribed', count: 1 },
          { day: '2026-12-01', joinedDay: '2025-01-01', status: 'bounced', count: 1 },
        ],
      },
      now,
      3,
    );
    expect(weeks.map((w) => w.start.toISOString().slice(0, 10))).toEqual(['2026-11-16', '2026-11-23', '2026-11-30']);
    expect(weeks.map((w) => w.signups)).toEqual([1, 3, 1]);
    expect(weeks.map((w) => w.unsubscribed)).toEqual([0, 1, 0]);
    expect(weeks.map((w) => w.bounced)).toEqual([0, 0, 1]);
    // This week: today's totals.
    expect(weeks[2]!.byStatus).toEqual({ pending: 1, active: 10, unsubscribed: 2, bounced: 1 });
    // End of last week: the pending joiner not yet there, the bouncer still active.
    expect(weeks[1]!.byStatus).toEqual({ pending: 0, active: 11, unsubscribed: 2, bounced: 0 });
    // Two weeks ago: the 3 who joined last week not there; the one who left last week still active.
    expect(weeks[0]!.byStatus).toEqual({ pending: 0, active: 9, unsubscribed: 1, bounced: 0 });
  });
});
