// Keeps a long send's heap near what it holds. V8 sets the next limit of its old generation from the allocation rate
// it measured at its last full collection. After a publish's build that rate is low, so the limit lies tens of MB
// away, and the send fills them with dead objects: rows and message streams that lived through two collections of the
// small young generation (see run-thread.ts). `publish` to 100,000 readers peaked at 146–155 MB RSS, on a goal of 150.
// One full collection while the send runs lets V8 measure the send itself; after it, V8's own collections kept the
// heap within a few MB of what it holds (peak 135–137 MB, the build's).
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Growth of the old generation over its lowest since the last collection that calls for a full collection. */
const GROWTH_BYTES = 8 * 1024 * 1024;

/** How often the heap is read while a send runs. */
const CHECK_MS = 1000;

/** What a heap watch reads and does: the real heap by default, a scripted one in tests. */
export interface HeapProbe {
  /** Bytes of the old generation in use, live or not yet collected. */
  used: () => number;
  /** Collects every generation at once. */
  collect: () => void;
}

let gc: (() => void) | undefined;

/**
 * V8's full collection, `gc`: the flag installs it in each context made after it is set, as jest-leak-detector
 * gets it (a program cannot pass itself `--expose-gc`, and `vm.measureMemory`, which also collects, prints an
 * experimental warning). A runtime that does not give it leaves the collecting to V8: the send goes on either way.
 */
function exposedGc(): () => void {
  try {
    setFlagsFromString('--expose-gc');
    const found: unknown = runInNewContext('gc');
    // Hidden again, as it was, from the contexts and threads made later.
    if (typeof globalThis.gc !== 'function') setFlagsFromString('--no-expose-gc');
    if (typeof found === 'function') return found as () => void;
  } catch {
    // no `gc` to be had here
  }
  return () => undefined;
}

function collectFully(): void {
  gc ??= exposedGc();
  gc();
}

/** The spaces of the old generation: the young one swings by its whole size between two of its collections. */
const oldSpaces = new Set(['old_space', 'large_object_space']);

/** This thread's heap, as V8 reports it and collects it. */
export const v8Heap: HeapProbe = {
  used: () => getHeapSpaceStatistics().reduce((sum, space) => (oldSpaces.has(space.space_name) ? sum + space.space_used_size : sum), 0),
  collect: collectFully,
};

/** The rule of watchHeap, read by read: a full collection once the old generation grew GROWTH_BYTES over its lowest since the last one. */
export class HeapWatch {
  #lowest = Infinity;

  constructor(private readonly probe: HeapProbe = v8Heap) {}

  /** Reads the heap, and collects when it calls for it; whether it did. */
  check(): boolean {
    const used = this.probe.used();
    this.#lowest = Math.min(this.#lowest, used);
    if (used - this.#lowest < GROWTH_BYTES) return false;
    this.probe.collect();
    this.#lowest = this.probe.used();
    return true;
  }
}

/** Watches the heap (see HeapWatch) every second until the function returned is called; the timer never keeps the process up. */
export function watchHeap(probe?: HeapProbe): () => void {
  const watch = new HeapWatch(probe);
  const timer = setInterval(() => watch.check(), CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
