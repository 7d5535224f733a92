// One article file's bytes to an Article: byte-level checks, then the parser of its format.
import { parseMarkdownArticle } from './markdown.js';
import { failure, hashArticleBytes, isArticlePath, MAX_ARTICLE_BYTES, tooLargeFailure, type Failure, type ParseOptions, type ParseResult } from './parsing.js';
import { parseWireText } from './wire.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** 1-based line of the byte at `index`. */
function lineAt(bytes: Uint8Array, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** 1-based line of the first byte sequence that is not UTF-8 (no sequence spans a line feed). */
function firstBadUtf8Line(bytes: Uint8Array): number {
  let start = 0;
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start);
    try {
      utf8.decode(bytes.subarray(start, end === -1 ? bytes.length : end));
    } catch {
      return line;
    }
    if (end === -1) return line;
    start = end + 1;
  }
}

/** The text of an article file, or why it is not UTF-8 text of an acceptable size. */
function decode(bytes: Uint8Array, path: string): { ok: true; text: string } | Failure {
  if (bytes.length > MAX_ARTICLE_BYTES) return tooLargeFailure(path, bytes.length);
  const nul = bytes.indexOf(0);
  if (nul !== -1) {
    const hint = 'save it as UTF-8 text, or move it out of the content folder';
    return failure(path, lineAt(bytes, nul), 'the file contains NUL bytes: it is binary, or UTF-16 text', hint);
  }
  try {
    return { ok: true, text: utf8.decode(bytes) };
  } catch {
    const hint = 'save it as UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8';
    return failure(path, firstBadUtf8Line(bytes), 'the file is not valid UTF-8', hint);
  }
}

/**
 * Parses one article file; `path` is relative to the content folder, with `/`. The extension picks the
 * format: `.txt` wire text, `.md` Markdown.
 */
export function parseArticle(bytes: Uint8Array, path: string, options: ParseOptions): ParseResult {
  if (!isArticlePath(path)) {
    return failure(path, undefined, 'not an article file', 'articles end in .txt (wire text) or .md (Markdown)');
  }
  const decoded = decode(bytes, path);
  if (!decoded.ok) return decoded;
  const parse = /\.md$/i.test(path) ? parseMarkdownArticle : parseWireText;
  const result = parse(decoded.text, path, options);
  if (!result.ok) return result;
  return { ok: true, article: Object.assign(result.article, { hash: hashArticleBytes(bytes) }) };
}
