// A worker thread of the parse pool: parses the batches of article files it is sent, in order.
import { serveBatches } from '../threads.js';
import { parseArticle } from './parse.js';
import type { ParseOptions } from './parsing.js';

serveBatches((files: { path: string; bytes: Uint8Array }[], options: ParseOptions) => files.map((file) => parseArticle(file.bytes, file.path, options)));
