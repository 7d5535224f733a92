// Keeps a long send's heap near what it holds. V8 sets the next limit of its old generation from the allocation rate
// it measured at its last full collection. After a publish's build that rate is low, so the limit lies tens of MB
// away, and the send fills them with dead objects: rows and message streams that lived through two collections of the
// small young generation (see run-thread.ts), which put `publish` to 100,000 readers near its 150 MB goal. One full
// collection while the send runs lets V8 measure the send itself; after it, V8's own collections kept the heap within
// a few MB of what it holds (README, Performance: the figures before and after).
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Growth of the old generation over its lowest reading that calls for a full collection. */
const GROWTH_BYTES = 8 * 1024 * 1024;

/** How often the heap is read while a send runs. */
const CHECK_MS = 1000;

/** What a heap watch reads and does: the real heap by default, a scripted one in tests. */
export interface HeapProbe {
  /** Bytes of the old generation in use, live or not yet collected. */
  used: () => number;
  /** Collects every generation at once, where the runtime allows it. */
  collect: () => void;
}

let gc: (() => void) | undefined;

/**
 * V8's full collection, `gc`, or undefined where the runtime does not give it: the flag installs it in each context made
 * after it is set, as jest-leak-detector gets it (a program cannot pass itself `--expose-gc`, and `vm.measureMemory`,
 * which also collects, prints an experimental warning).
 */
function exposedGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    // Hidden again, as it was, from the contexts and threads made later.
    if (typeof globalThis.gc !== 'function') setFlagsFromString('--no-expose-gc');
    return typeof found === 'function' ? (found as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** A full collection; none where the runtime gives no `gc` (asked again next time: another thread may have reset the flag meanwhile). */
function collectFully(): void {
  gc ??= exposedGc();
  gc?.();
}

/** The spaces of the old generation: the young one swings by its whole size between two of its collections. */
const oldSpaces = new Set(['old_space', 'large_object_space']);

/** This thread's heap, as V8 reports it and collects it. */
export const v8Heap: HeapProbe = {
  used: () => getHeapSpaceStatistics().reduce((sum, space) => (oldSpaces.has(space.space_name) ? sum + space.space_used_size : sum), 0),
  collect: collectFully,
};

/** The rule of watchHeap, checked once per reading: a full collection once the old generation grew GROWTH_BYTES over its lowest reading. */
export class HeapWatch {
  #lowest = Infinity;

  constructor(private readonly probe: HeapProbe = v8Heap) {}

  /** Reads the heap, and collects when it calls for it; whether it did. */
  check(): boolean {
    const used = this.probe.used();
    this.#lowest = Math.min(this.#lowest, used);
    if (used - this.#lowest < GROWTH_BYTES) return false;
    this.probe.collect();
    return true;
  }
}

/**
 * Reads the heap every second (see HeapWatch) until it has collected once, or until the function returned is called;
 * the timer never keeps the process up. Once: after one collection V8 measures the send itself, and where the live heap
 * is large (the daemon's main thread), collecting again at every 8 MB would pause the thread far more than V8 does.
 */
export function watchHeap(probe?: HeapProbe): () => void {
  const watch = new HeapWatch(probe);
  const timer = setInterval(() => watch.check() && clearInterval(timer), CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
