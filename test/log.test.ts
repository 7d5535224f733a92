import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream: PassThrough & { isTTY?: boolean } = new PassThrough();
  stream.isTTY = isTTY;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('createLogger', () => {
  it('writes one JSON object a line when not on a terminal, with child bindings on every line', async () => {
    const out = capture(false);
    const log = createLogger(out.stream).child({ runId: 'r1' });
    log.info({ sent: 3 }, 'first');
    log.warn('second');
    await new Promise((r) => setImmediate(r));
    const lines = out.text().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ runId: 'r1', sent: 3, msg: 'first', level: 30 });
    expect(lines[1]).toMatchObject({ runId: 'r1', msg: 'second', level: 40 });
    expect(typeof lines[0]?.time).toBe('string');
  });

  it('writes readable lines on a terminal', () => {
    const out = capture(true);
    createLogger(out.stream).info({ sent: 3 }, 'hello');
    expect(out.text()).toMatch(/INFO.*hello/);
    expect(() => JSON.parse(out.text())).toThrow();
  });
});
