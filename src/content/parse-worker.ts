// A worker thread of the parse pool: parses the batches of article files it is sent, in order.
import { parentPort } from 'node:worker_threads';
import { parseArticle } from './parse.js';
import type { ParseOptions } from './parsing.js';

/** One batch: the files to parse and the options to parse them with. */
export interface ParseBatch {
  files: { path: string; bytes: Uint8Array }[];
  options: ParseOptions;
}

parentPort?.on('message', ({ files, options }: ParseBatch) => {
  parentPort?.postMessage(files.map((file) => parseArticle(file.bytes, file.path, options)));
});
