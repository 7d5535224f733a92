import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { holderId } from '../src/processes.js';

describe('holderId', () => {
  it('gives each call its own id naming the process, its host, boot and PID namespace', () => {
    const a = holderId();
    expect(a).toContain(`:${process.pid}:`);
    expect(a).toMatch(new RegExp(`^${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-f]{8}\\.\\d+:`));
    expect(holderId()).not.toBe(a);
  });
});
