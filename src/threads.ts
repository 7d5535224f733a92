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

/** Why each thread startWorker started has ended, once it has: its error, or its exit. */
const endings = new WeakMap<Worker, Error>();

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * A worker running `module` (see `workerModule`): compiled, the JS file itself; from source (tests, benches), the
 * TypeScript through tsx. It is heard from the start: an error before anyone asks it anything (a module that fails to
 * load) would else be an unhandled 'error' event, which ends the process; askWorker gives it to the next asker instead.
 */
export function startWorker(module: URL, options: WorkerOptions = {}): Worker {
  const worker = new Worker(module.pathname.endsWith('.ts') ? throughTsx(module) : module, options);
  worker.on('error', (error: unknown) => endings.has(worker) || endings.set(worker, asError(error)));
  worker.on('exit', (code: number) => endings.has(worker) || endings.set(worker, new Error(`the worker thread ended (exit code ${code})`)));
  return worker;
}

/** A module that runs the TypeScript `module` through tsx in a worker thread. */
function throughTsx(module: URL): URL {
  // tsx's ESM hooks, registered in the thread itself (its --import entry registers on the main thread only), so that
  // the module's own dynamic imports of `.js` paths find their `.ts` sources too. Its ESM API is the `.mjs` beside
  // the `.cjs` that require resolves.
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href.replace(/\.cjs$/, '.mjs');
  const source = `const { register } = await import(${JSON.stringify(api)}); register(); await import(${JSON.stringify(module.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** `count` threads made by `start`; should one fail to start, those started already are ended. */
export function startWorkers(count: number, start: () => Worker): Worker[] {
  const threads: Worker[] = [];
  try {
    while (threads.length < count) threads.push(start());
  } catch (error) {
    for (const thread of threads) void thread.terminate();
    throw error;
  }
  return threads;
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
  /** Threads of the module that the caller started ahead: used first, and ended like the others. */
  started?: readonly Worker[];
  /**
   * This thread's share: once `after` fulfils, it takes batches too and runs each through `work`, a turn of the event
   * loop apart (so the threads' answers are received meanwhile). `work` must not wait on anything but its own
   * microtasks. Should `after` reject, the map fails with its error.
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
 * of `items`. Every thread is ended by the time the map settles. The first failure (a batch, a thread that ends, `here`)
 * stops the sharing out: the batches under way finish, no other is begun, and the map rejects with that failure.
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
  const failures: unknown[] = [];
  /** Takes the next batch and runs it through `run`, until none is left. */
  const drain = async (run: (batch: I[]) => O[] | Promise<O[]>, pause?: () => Promise<void>): Promise<void> => {
    for (let start = next; start < items.length; start = next) {
      next = start + batch;
      const done = await run(items.slice(start, next));
      done.forEach((result, i) => (results[start + i] = result));
      await pause?.();
    }
  };
  const stopping = (branch: Promise<void>): Promise<void> =>
    branch.catch((error: unknown) => {
      failures.push(error);
      next = items.length;
    });
  const onThread = async (worker: Worker): Promise<void> => {
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, () => stopping(drain((batch) => askWorker<C, I, O>(worker, context, batch)))));
    } finally {
      await worker.terminate();
    }
  };
  const onThis = async ({ after, work }: NonNullable<MapOptions<I, O>['here']>): Promise<void> => {
    await after;
    await drain(work, () => new Promise(setImmediate));
  };
  let threads: Worker[];
  try {
    threads = [...started, ...startWorkers(Math.max(0, workers - started.length), () => startWorker(module))];
  } catch (error) {
    await Promise.all(started.map((thread) => thread.terminate()));
    throw error;
  }
  await Promise.all([...threads.map(onThread), here && stopping(onThis(here))]);
  if (failures.length > 0) throw failures[0];
  return results;
}

/** A worker's answer to a batch (see serveBatches): its results, or why there are none. */
type Answer<O> = { results: O[] } | { error: unknown };

/** Whoever awaits an answer of a worker: one per batch sent, oldest first (a worker answers its batches in order). */
interface Asker {
  resolve: (results: never[]) => void;
  reject: (error: unknown) => void;
}

const askers = new WeakMap<Worker, Asker[]>();

/**
 * Sends `items` with `context` as one batch to a worker that serves batches (see serveBatches); its results, in order.
 * Batches may be sent before the earlier ones are answered. Rejects with the batch's failure, or when the thread fails
 * or ends before it answers (at once when it already has).
 */
export function askWorker<C, I, O>(worker: Worker, context: C, items: readonly I[]): Promise<O[]> {
  const ended = endings.get(worker);
  if (ended) return Promise.reject(ended);
  return new Promise<O[]>((resolve, reject) => {
    const waiting = askers.get(worker) ?? [];
    if (waiting.length === 0) {
      askers.set(worker, waiting);
      // Listened to only while an answer is awaited (startWorker's own listeners hear the thread in between).
      const stop = (): void => {
        worker.off('message', answer);
        worker.off('error', fail);
        worker.off('exit', exit);
      };
      const answer = (message: Answer<never>): void => {
        const asker = waiting.shift();
        if (waiting.length === 0) stop();
        if ('error' in message) asker?.reject(message.error);
        else asker?.resolve(message.results);
      };
      const fail = (error: unknown): void => {
        stop();
        for (const asker of waiting.splice(0)) asker.reject(asError(error));
      };
      const exit = (code: number): void => fail(new Error(`the worker thread ended (exit code ${code}) before it answered`));
      worker.on('message', answer);
      worker.on('error', fail);
      worker.on('exit', exit);
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

/**
 * In a worker module: answers each batch `mapOnWorkers` sends with `work`'s results, one per item, in order, or with the
 * error it failed with (and goes on to the next batch).
 */
export function serveBatches<C, I, O>(work: (items: I[], context: C) => O[] | Promise<O[]>): void {
  const port = parentPort;
  if (!port) throw new Error('serveBatches runs in a worker thread');
  const post = (answer: Answer<O>): void => {
    try {
      port.postMessage(answer);
    } catch (error) {
      // Results that cannot be copied: the asker hears why, as a plain error (the copy's own error may not copy either).
      port.postMessage({ error: new Error(String(error)) });
    }
  };
  let previous: Promise<void> = Promise.resolve();
  port.on('message', ({ context, items }: Batch<C, I>) => {
    // One batch at a time, in order: the next one may arrive while this one awaits (see IN_FLIGHT).
    previous = previous
      .then(() => work(items, context))
      .then((results): Answer<O> => ({ results }), (error: unknown): Answer<O> => ({ error }))
      .then(post);
  });
}
