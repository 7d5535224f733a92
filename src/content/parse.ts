// One article file's bytes to an Article: byte-level checks, then the parser of its format.
import { parseMarkdownArticle } from './markdown.js';
import { failure, hashArticleBytes, isArticlePath, MAX_ARTICLE_BYTES, tooLargeFailure, type Failure, type ParseOptions, type ParseResult } from './parsing.js';
import { parseWireText } from './wire.js';
import { decodeUtf8 } from './encoding.js';

/** The text of an article file, or why it is not UTF-8 text of an acceptable size. */
function decode(bytes: Uint8Array, path: string): { ok: true; text: string } | Failure {
  if (bytes.length > MAX_ARTICLE_BYTES) return tooLargeFailure(path, bytes.length);
  const text = decodeUtf8(bytes, path, ', or move it out of the content folder');
  return 'text' in text ? { ok: true, text: text.text } : { ok: false, problem: text };
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
