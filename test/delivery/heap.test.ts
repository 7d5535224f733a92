import { setImmediate as turn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { HeapWatch, v8Heap, type HeapProbe } from '../../src/delivery/heap.js';

const MB = 1024 * 1024;

/** A heap that reads `readings` in turn (then the last one again); a collection brings it to `collected`. */
function scripted(readings: number[], collected = 20 * MB): HeapProbe & { collections: number } {
  let last = 0;
  const probe = {
    collections: 0,
    used: () => (last = readings.shift() ?? last),
    collect: () => {
      probe.collections++;
      readings.unshift(collected);
    },
  };
  return probe;
}

describe('HeapWatch', () => {
  it('collects once the old generation grew 8 MB over its lowest reading', () => {
    const probe = scripted([20 * MB, 24 * MB, 27.9 * MB, 28 * MB]);
    const watch = new HeapWatch(probe);
    expect([watch.check(), watch.check(), watch.check()]).toEqual([false, false, false]);
    expect(watch.check()).toBe(true);
    expect(probe.collections).toBe(1);
  });

  it('measures growth from the lowest reading, not the first', () => {
    const probe = scripted([30 * MB, 18 * MB, 25 * MB, 26 * MB]);
    const watch = new HeapWatch(probe);
    expect([watch.check(), watch.check(), watch.check()]).toEqual([false, false, false]);
    expect(watch.check()).toBe(true);
  });

  it('measures again from the heap a collection left', () => {
    const probe = scripted([10 * MB, 19 * MB, 27 * MB, 29.5 * MB], 21 * MB);
    const watch = new HeapWatch(probe);
    expect([watch.check(), watch.check(), watch.check()]).toEqual([false, true, false]);
    expect(watch.check()).toBe(true);
    expect(probe.collections).toBe(2);
  });

  it('frees what nothing holds when it collects this heap', async () => {
    // Made a turn earlier (and never dereferenced before the collection): V8 keeps a weak reference's target alive
    // until the end of the turn that made or read it.
    const weak = new WeakRef({ payload: 'x'.repeat(1024) });
    await turn();
    const watch = new HeapWatch({ used: scripted([0, 9 * MB]).used, collect: v8Heap.collect });
    expect(watch.check()).toBe(false);
    expect(watch.check()).toBe(true);
    expect(weak.deref()).toBeUndefined();
  });
});
