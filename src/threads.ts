// Work spread over worker threads in batches: the build's CPU-bound stages (parsing articles, rendering and writing
// their pages) use every core this way, each thread with its own copy of the modules it needs.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parentPort, Worker, type WorkerOptions } from 'node:worker_threads';

/** One message to a worker: the batch's shared context and its items. */
interface Batch<C, I> {
  context: C;
  items: I[];
}

/**
 * How many threads `count` items are worth when a thread pays for itself from `perThread` items: none for a few items
 * or a single core, and none rather than one (a lone thread leaves this one idle and adds the copying).
 */
export function workersFor(count: number, perThread: number): number {
  const threads = Math.min(availableParallelism(), 4, Math.floor(count / perThread));
  return threads < 2 ? 0 : threads;
}

/**
 * How many threads `count` items are worth beside this one, when this one takes its share too (see `MapOptions.here`):
 * one per other core, at most 3, none for a few items.
 */
export function helpersFor(count: number, perThread: number): number {
  return Math.max(0, Math.min(availableParallelism() - 1, 3, Math.floor(count / perThread)));
}

/** A worker running `module` (see `workerModule`): compiled, the JS file itself; from source (tests, benches), the TypeScript through tsx. */
export function startWorker(module: URL, options: WorkerOptions = {}): Worker {
  if (!module.pathname.endsWith('.ts')) return new Worker(module, options);
  // tsx's ESM hooks, registered in the thread itself (its --import entry registers on the main thread only), so that
  // the module's own dynamic imports of `.js` paths find their `.ts` sources too. Its ESM API is the `.mjs` beside
  // the `.cjs` that require resolves.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const source = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(module.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(source)}`), options);
}

/**
 * The worker module's `.js` URL beside `base` (a module's `import.meta.url`), or its `.ts` source when `base` is one:
 * the same call works compiled and under tsx.
 */
export function workerModule(name: string, base: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

/** Options of mapOnWorkers. */
export interface MapOptions<I, O> {
  /** Threads of the module that the caller started ahead: used first. */
  started?: readonly Worker[];
  /**
   * This thread's share: once `after` settles, it takes batches too and runs each through `work`, a turn of the event
   * loop apart (so the threads' answers are received meanwhile). `work` must not wait on anything but its own microtasks.
   */
  here?: { after: Promise<unknown>; work: (items: I[]) => O[] | Promise<O[]> };
}

/**
 * Batches a thread is sent ahead of its answers: it starts the next one while this thread, busy, has yet to send another
 * (a page thread idled with two, as this one rendered list pages between two turns of its event loop).
 */
const IN_FLIGHT = 4;

/**
 * Runs `items` through the worker module `module` (which calls `serveBatches`) on `workers` threads, `batch` items
 * per message, all with the same `context`, and on this thread too with `options.here`; the results come in the order
 * of `items`. Every thread is terminated at the end.
 */
export async function mapOnWorkers<C, I, O>(
  module: URL,
  context: C,
  items: readonly I[],
  workers: number,
  batch: number,
  { started = [], here }: MapOptions<I, O> = {},
): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  /** Takes the next batch and runs it through `run`, until none is left. */
  const drain = async (run: (batch: I[]) => O[] | Promise<O[]>, pause?: () => Promise<void>): Promise<void> => {
    for (let start = next; start < items.length; start = next) {
      next = start + batch;
      const done = await run(items.slice(start, next));
      done.forEach((result, i) => (results[start + i] = result));
      await pause?.();
    }
  };
  const onThread = async (worker: Worker): Promise<void> => {
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, () => drain((batch) => askWorker<C, I, O>(worker, context, batch))));
    } finally {
      await worker.terminate();
    }
  };
  const onThis = async ({ after, work }: NonNullable<MapOptions<I, O>['here']>): Promise<void> => {
    await after;
    await drain(work, () => new Promise(setImmediate));
  };
  await Promise.all([
    ...Array.from({ length: Math.max(workers, started.length) }, (_, i) => onThread(started[i] ?? startWorker(module))),
    here && onThis(here),
  ]);
  return results;
}

/** Whoever awaits an answer of a worker: one per batch sent, oldest first (a worker answers its batches in order). */
interface Asker {
  resolve: (results: never[]) => void;
  reject: (error: unknown) => void;
}

const askers = new WeakMap<Worker, Asker[]>();

/**
 * Sends `items` with `context` as one batch to a worker that serves batches (see serveBatches); its results, in order.
 * Batches may be sent before the earlier ones are answered.
 */
export function askWorker<C, I, O>(worker: Worker, context: C, items: readonly I[]): Promise<O[]> {
  return new Promise<O[]>((resolve, reject) => {
    const waiting = askers.get(worker) ?? [];
    if (waiting.length === 0) {
      askers.set(worker, waiting);
      // Listened to only while an answer is awaited: an error in between reaches whoever listens then, as without this.
      const stop = (): void => {
        worker.off('message', answer);
        worker.off('error', fail);
      };
      const answer = (results: never[]): void => {
        const asker = waiting.shift();
        if (waiting.length === 0) stop();
        asker?.resolve(results);
      };
      const fail = (error: unknown): void => {
        stop();
        for (const asker of waiting.splice(0)) asker.reject(error);
      };
      worker.on('message', answer);
      worker.on('error', fail);
    }
    waiting.push({ resolve: resolve as (results: never[]) => void, reject });
    const message: Batch<C, I> = { context, items: items as I[] };
    worker.postMessage(message);
  });
}

/** A rejection handler that ends `workers` and rethrows: for work that fails before the workers are handed on. */
export function endingOnError(workers: readonly Worker[] | Promise<readonly Worker[]>): (error: unknown) => Promise<never> {
  return async (error) => {
    await Promise.all((await workers).map((worker) => worker.terminate()));
    throw error;
  };
}

/** In a worker module: answers each batch `mapOnWorkers` sends with `work`'s results, one per item, in order. */
export function serveBatches<C, I, O>(work: (items: I[], context: C) => O[] | Promise<O[]>): void {
  const port = parentPort;
  if (!port) throw new Error('serveBatches runs in a worker thread');
  let previous: Promise<unknown> = Promise.resolve();
  port.on('message', ({ context, items }: Batch<C, I>) => {
    // One batch at a time, in order: the next one may arrive while this one awaits (see IN_FLIGHT). A failure is left
    // unhandled, so that it ends the thread as an error the asker hears.
    previous = previous.then(() => work(items, context)).then((results) => port.postMessage(results));
  });
}
