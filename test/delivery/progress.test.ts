import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter, formatProgress } from '../../src/delivery/progress.js';
import type { SendProgress } from '../../src/delivery/send.js';
import { createLogger } from '../../src/log.js';

const progress: SendProgress = { total: 20_000, done: 1_200, sent: 1_190, bounced: 10, failed: 0, skipped: 0, retrying: 3, ratePerSecond: 950.4, etaSeconds: 19.8 };

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString() };
}

describe('progress', () => {
  it('reads as count, rate, ETA and troubles', () => {
    expect(formatProgress(progress)).toBe('1,200/20,000 · 950 msg/s · ETA 20 s · 10 bounced · 3 retrying');
    expect(formatProgress({ ...progress, bounced: 0, retrying: 0, etaSeconds: null })).toBe('1,200/20,000 · 950 msg/s');
  });

  it('logs JSON lines off a terminal, the last state at the end, and nothing twice', () => {
    const { stream, text } = capture();
    const reporter = createProgressReporter(stream, createLogger(stream), 60_000);
    reporter.update({ ...progress, done: 10 });
    reporter.update(progress);
    reporter.stop();
    const lines = text().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ done: 1_200, total: 20_000, ratePerSecond: 950, msg: expect.stringContaining('1,200/20,000') });
  });

  it('draws a bar on a terminal', () => {
    const { stream, text } = capture();
    const tty = Object.assign(stream, { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    const reporter = createProgressReporter(tty, createLogger(new PassThrough()));
    reporter.update(progress);
    reporter.stop();
    expect(text()).toMatch(/sending \[.*\] 6% · 1200\/20000 · 950 msg\/s/);
  });
});
