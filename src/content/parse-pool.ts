// Parsing many article files on worker threads: Markdown, YAML, sanitizing and plain text are CPU work that
// one thread does at about 1 ms a file, so a full build of thousands of files spreads it over the cores.
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseArticle } from './parse.js';
import type { ParseBatch } from './parse-worker.js';
import type { ParseOptions, ParseResult } from './parsing.js';

/** Files per message: large enough that messaging costs little, small enough that the threads finish together. */
const BATCH = 64;

/** Below this many files a worker's start-up (loading the parsers again) costs more than it saves. */
const MIN_FILES_PER_WORKER = 250;

/** A parse worker: compiled, the JS beside this module; from source (tests, benches), the TypeScript through tsx. */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./parse-worker.js', import.meta.url));
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs');
  const source = fileURLToPath(new URL('./parse-worker.ts', import.meta.url));
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { eval: true });
}

/** How many worker threads `count` files are worth: none for a few files or a single core. */
export function parseWorkersFor(count: number): number {
  return Math.min(availableParallelism(), 4, Math.floor(count / MIN_FILES_PER_WORKER));
}

/**
 * Parses each file as parseArticle does, on `workers` threads (on this one when fewer than 2 are asked for);
 * results come in the order of `files`.
 */
export async function parseArticles(
  files: readonly { path: string; bytes: Uint8Array }[],
  options: ParseOptions,
  workers = parseWorkersFor(files.length),
): Promise<ParseResult[]> {
  if (workers < 2) return files.map((file) => parseArticle(file.bytes, file.path, options));
  const results: ParseResult[] = new Array<ParseResult>(files.length);
  let next = 0;
  const run = async (): Promise<void> => {
    const worker = startWorker();
    try {
      for (let start = next; start < files.length; start = next) {
        next = start + BATCH;
        const batch: ParseBatch = { files: files.slice(start, next), options };
        const parsed = await new Promise<ParseResult[]>((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
          worker.postMessage(batch);
        });
        worker.removeAllListeners('error');
        parsed.forEach((result, i) => (results[start + i] = result));
      }
    } finally {
      await worker.terminate();
    }
  };
  await Promise.all(Array.from({ length: workers }, run));
  return results;
}
