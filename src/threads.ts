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

/**
 * Runs `items` through the worker module `module` (which calls `serveBatches`) on `workers` threads, `batch` items
 * per message, all with the same `context`; the results come in the order of `items`. Threads of `module` the caller
 * started ahead (`started`) are used first; every thread is terminated at the end.
 */
export async function mapOnWorkers<C, I, O>(
  module: URL,
  context: C,
  items: readonly I[],
  workers: number,
  batch: number,
  started: readonly Worker[] = [],
): Promise<O[]> {
  const results = new Array<O>(items.length);
  let next = 0;
  const run = async (worker: Worker): Promise<void> => {
    try {
      for (let start = next; start < items.length; start = next) {
        next = start + batch;
        const done = await askWorker<C, I, O>(worker, context, items.slice(start, next));
        done.forEach((result, i) => (results[start + i] = result));
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: Math.max(workers, started.length) }, (_, i) => run(started[i] ?? startWorker(module))));
  return results;
}

/** Sends `items` with `context` as one batch to a worker that serves batches (see serveBatches); its results, in order. */
export async function askWorker<C, I, O>(worker: Worker, context: C, items: readonly I[]): Promise<O[]> {
  const message: Batch<C, I> = { context, items: items as I[] };
  const done = await new Promise<O[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(message);
  });
  worker.removeAllListeners('error');
  return done;
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
  port.on('message', ({ context, items }: Batch<C, I>) => {
    void Promise.resolve(work(items, context)).then((results) => port.postMessage(results));
  });
}
