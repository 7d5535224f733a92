// A worker thread of the parse pool: reads (when it must) and parses the batches of article files it is sent, in order.
import { serveBatches } from '../threads.js';
import { parsePendingFile, type ParseContext, type PendingFile } from './parse-file.js';

serveBatches((files: PendingFile[], context: ParseContext) => files.map((file) => parsePendingFile(file, context)));
