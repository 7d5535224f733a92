// A worker thread of the parse pool: reads (when it must) and parses the batches of article files it is sent, in order.
// A rebuild's thread (see startParseThread) is first sent every file's path, and answers with their fingerprints (see
// read.ts) before it loads the parsers: one thread reads the stats and then waits, parsers loaded, for the changed files.
// A full build's threads load the parsers as they start, while the main thread is still loading the config.
import { workerData } from 'node:worker_threads';
import { warmDateFormatting } from '../i18n/dates.js';
import { serveBatches } from '../threads.js';
import type * as ParseFile from './parse-file.js';
import type { ParseContext, ParsedFile, PendingFile } from './parse-file.js';
import type { ParseThreadData } from './parse-pool.js';
import { statFingerprints, type StatContext } from './read.js';

let parsers: Promise<typeof ParseFile> | undefined;
const loadParsers = (): Promise<typeof ParseFile> => (parsers ??= import('./parse-file.js'));
if ((workerData as ParseThreadData | null)?.loadParsers === true) void loadParsers();

serveBatches<ParseContext | StatContext, PendingFile | string, ParsedFile | string | null>(async (items, context) => {
  if ('options' in context) {
    const { parsePendingFile } = await loadParsers();
    return (items as PendingFile[]).map((file) => parsePendingFile(file, context));
  }
  // Loaded once the fingerprints are on their way: the stats come first. A rebuild's main thread then renders a page or
  // two: ICU starts here, on this core's spare time, rather than at its first date.
  setImmediate(() => {
    void loadParsers();
    warmDateFormatting();
  });
  return statFingerprints(context, items as string[]);
});
