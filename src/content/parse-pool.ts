// Parsing many article files on worker threads: Markdown, YAML, sanitizing and plain text are CPU work that
// one thread does at about 1 ms a file, so a full build of thousands of files spreads it over the cores, and each
// thread reads the files it parses.
import { mapOnWorkers, workerModule, workersFor } from '../threads.js';
import type { ParseContext, ParsedFile, PendingFile } from './parse-file.js';

/** Files per message: large enough that messaging costs little, small enough that the threads finish together. */
const BATCH = 64;

/** Below this many files a worker's start-up (loading the parsers again) costs more than it saves. */
const MIN_FILES_PER_WORKER = 250;

/** How many worker threads `count` files are worth: none for a few files or a single core. */
export function parseWorkersFor(count: number): number {
  return workersFor(count, MIN_FILES_PER_WORKER);
}

/**
 * Parses each file as parsePendingFile does (reading the ones that came without their bytes), on `workers` threads
 * (on this one when fewer than 2 are asked for); results come in the order of `files`.
 */
export async function parseArticles(files: readonly PendingFile[], context: ParseContext, workers = parseWorkersFor(files.length)): Promise<ParsedFile[]> {
  if (files.length === 0) return [];
  if (workers < 2) {
    // Loaded only when a file is to be parsed here: a rebuild whose articles are all in the cache never loads the parsers.
    const { parsePendingFile } = await import('./parse-file.js');
    return files.map((file) => parsePendingFile(file, context));
  }
  return mapOnWorkers(workerModule('parse-worker', import.meta.url), context, files, workers, BATCH);
}
