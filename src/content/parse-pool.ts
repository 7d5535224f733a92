// Parsing many article files on worker threads: Markdown, YAML and (for raw HTML) sanitizing are CPU work that one
// thread does at 60–100 µs a file, so a full build of thousands of files spreads it over the cores, and each thread
// reads the files it parses.
import type { Worker } from 'node:worker_threads';
import { mapOnWorkers, startWorker, workerModule, workersFor } from '../threads.js';
import type { ParseContext, ParsedFile, PendingFile } from './parse-file.js';

/** Files per message: large enough that messaging costs little, small enough that the threads finish together. */
const BATCH = 64;

/**
 * Below this many files per thread, parsing on this thread is faster: a thread's start-up and the articles' copy back
 * cost more than the parsing they share out. On 2 cores, whole builds into tmpfs: 1,200 files 0.93 s here against 1.02 s
 * on 2 threads, 5,000 files 2.03 against 2.18 s, but 7,500 files 2.59 against 2.40 s and 10,000 3.11 against 2.96 s.
 */
const MIN_FILES_PER_WORKER = 3000;

/** How many worker threads `count` files are worth: none for a few files or a single core. */
export function parseWorkersFor(count: number): number {
  return workersFor(count, MIN_FILES_PER_WORKER);
}

/** The worker module of the parse threads. */
const parseWorker = workerModule('parse-worker', import.meta.url);

/** What a parse thread started ahead is for. */
export interface ParseThreadData {
  /**
   * Load the parsers at once: a full build's threads, which load them while this thread reads the config. Without it,
   * the thread waits for its first batch, which in a rebuild is the files to stat (see parse-worker.ts).
   */
  loadParsers: boolean;
}

/**
 * A parse thread started ahead, to be handed to parseArticles: it loads the parsers (about 100 ms) on another core while
 * this thread loads the config, or a rebuild opens its cache, so the files are then parsed without waiting for them.
 */
export function startParseThread(data: ParseThreadData = { loadParsers: false }): Worker {
  return startWorker(parseWorker, { workerData: data });
}

/**
 * Parses each file as parsePendingFile does (reading the ones that came without their bytes), on `workers` threads
 * (on this one when fewer than 2 are asked for, and no thread was started ahead); results come in the order of
 * `files`. The threads started ahead are used or ended, never left running.
 */
export async function parseArticles(
  files: readonly PendingFile[],
  context: ParseContext,
  workers = parseWorkersFor(files.length),
  started: readonly Worker[] = [],
): Promise<ParsedFile[]> {
  if (files.length === 0) {
    await Promise.all(started.map((thread) => thread.terminate()));
    return [];
  }
  if (started.length === 0 && workers < 2) {
    // Loaded only when a file is to be parsed here: a rebuild whose articles are all in the cache never loads the parsers.
    const { parsePendingFile } = await import('./parse-file.js');
    return files.map((file) => parsePendingFile(file, context));
  }
  return mapOnWorkers(parseWorker, context, files, workers, BATCH, { started });
}
