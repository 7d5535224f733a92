import { setImmediate as turn } from 'node:timers/promises';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeapWatch, v8Heap, watchHeap, type HeapProbe } from '../../src/delivery/heap.js';

const MB = 1024 * 1024;

/** A heap that reads `readings` in turn (then the last one again), and counts its reads and collections. */
function scripted(readings: number[]): HeapProbe & { reads: number; collections: number } {
  let last = 0;
  const probe = {
    reads: 0,
    collections: 0,
    used: () => {
      probe.reads++;
      return (last = readings.shift() ?? last);
    },
    collect: () => void probe.collections++,
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

  it('frees what nothing holds when it collects this heap', async () => {
    // Made a turn earlier (and never dereferenced before the collection): V8 keeps a weak reference's target alive
    // until the end of the turn that made or read it.
    const weak = new WeakRef({ payload: 'x'.repeat(1024) });
    await turn();
    const watch = new HeapWatch({ used: scripted([0, 9 * MB]).used, collect: v8Heap.collect });
    expect(watch.check()).toBe(false);
    expect(watch.check()).toBe(true);
    expect(weak.deref()).toBeUndefined();
    // The flag that gave `gc` is set back: contexts made later see a `gc` only when this one had it.
    expect(runInNewContext('typeof gc')).toBe(typeof globalThis.gc);
  });

  it('reads what this heap holds in its old generation, small objects and large ones', () => {
    /** Growth of the old generation once `make` is done and a collection has moved what it made there. */
    const growth = (make: () => unknown[]): number => {
      v8Heap.collect();
      const before = v8Heap.used();
      const held = make();
      v8Heap.collect();
      return held.length > 0 ? v8Heap.used() - before : 0;
    };
    // 400,000 objects of about 24 bytes in the old space (their 3 MB list aside), and 12 MB of one array's elements.
    expect(growth(() => Array.from({ length: 400_000 }, (_, i) => ({ i })))).toBeGreaterThan(8 * MB);
    expect(growth(() => new Array<number>(1_500_000).fill(0))).toBeGreaterThan(8 * MB);
  });
});

describe('watchHeap', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads the heap every second, collects once, and then reads it no more', () => {
    vi.useFakeTimers();
    const probe = scripted([20 * MB, 29 * MB, 40 * MB, 50 * MB]);
    const stop = watchHeap(probe);
    vi.advanceTimersByTime(1000);
    expect([probe.reads, probe.collections]).toEqual([1, 0]);
    vi.advanceTimersByTime(1000);
    expect([probe.reads, probe.collections]).toEqual([2, 1]);
    vi.advanceTimersByTime(5000);
    expect([probe.reads, probe.collections]).toEqual([2, 1]);
    expect(vi.getTimerCount()).toBe(0);
    stop();
  });

  it('reads the heap no more once stopped', () => {
    vi.useFakeTimers();
    const probe = scripted([20 * MB]);
    const stop = watchHeap(probe);
    vi.advanceTimersByTime(2000);
    stop();
    vi.advanceTimersByTime(5000);
    expect(probe.reads).toBe(2);
    expect(vi.getTimerCount()).toBe(0);
  });
});
