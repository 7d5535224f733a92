// One pending file of the parse pool parsed: read first when the loader left it unread (a file the cache does not know).
import { parseArticle } from './parse.js';
import type { ParseOptions, ParseResult } from './parsing.js';
import { readArticleFile } from './read.js';

/** A file to parse: its bytes and fingerprint when the loader read them already, else only where it is. */
export interface PendingFile {
  path: string;
  bytes?: Uint8Array;
  fingerprint?: string | null;
}

/** What parsing a file gave, and its file's fingerprint (see read.ts). */
export interface ParsedFile {
  result: ParseResult;
  fingerprint: string | null;
}

/** What every file of a parse shares: the parse options, the content folder, and the time its fingerprints are read at. */
export interface ParseContext {
  options: ParseOptions;
  contentDir: string;
  now: number;
}

/** Parses `file` as parseArticle does, reading it from the content folder first when it came without its bytes. */
export function parsePendingFile(file: PendingFile, context: ParseContext): ParsedFile {
  if (file.bytes) return { result: parseArticle(file.bytes, file.path, context.options), fingerprint: file.fingerprint ?? null };
  const read = readArticleFile(context.contentDir, file.path, context.now);
  if ('ok' in read) return { result: read, fingerprint: null };
  return { result: parseArticle(read.bytes, file.path, context.options), fingerprint: read.fingerprint };
}
