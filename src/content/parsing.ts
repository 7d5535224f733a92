// What every article format shares: its options, its result and the checks made before any format rule.
import { posix } from 'node:path';
import type { Problem } from '../errors.js';
import type { Article } from './article.js';
import { normalizeText, slugify } from './text.js';

/** How articles are read: the site timezone (IANA) gives meaning to dates without an offset. */
export interface ParseOptions {
  timezone: string;
  /** The site's baseUrl: when given, relative links and image URLs of a body become absolute under it. */
  baseUrl?: string;
  /** Language tags by content folder (`{ "arabic/": "ar" }`): the language of an article that does not name its own. */
  languages?: Readonly<Record<string, string>>;
}

/** The language of the deepest folder in `languages` that holds `path`, or null. */
export function folderLanguage(path: string, languages: Readonly<Record<string, string>> = {}): string | null {
  let best: string | null = null;
  let depth = -1;
  for (const [folder, tag] of Object.entries(languages)) {
    if (path.startsWith(folder) && folder.length > depth) [best, depth] = [tag, folder.length];
  }
  return best;
}

/** An article as read from its text: everything but the hash of the file bytes. */
export type ArticleContent = Omit<Article, 'hash'>;

/** The outcome of a step that found a problem in the file. */
export type Failure = { ok: false; problem: Problem };

/** One file's outcome: the article, or the one problem that keeps it out. */
export type ParseResult<T = Article> = { ok: true; article: T } | Failure;

/** A Failure; `line` is omitted for problems with the file as a whole. */
export function failure(path: string, line: number | undefined, message: string, hint: string): Failure {
  return { ok: false, problem: { path, ...(line === undefined ? {} : { line }), message, hint } };
}

/** The slug of an article file: its name without folders or extension, slugified. */
function slugFromPath(path: string): string {
  return slugify(posix.parse(path).name);
}

/** Normalized text and slug of a file, or why it cannot be an article whatever its format. */
export function prepareText(text: string, path: string): { ok: true; text: string; slug: string } | Failure {
  const slug = slugFromPath(path);
  if (slug === '') {
    const hint = 'rename the file, e.g. 2026-11-24-election-results.md';
    return failure(path, undefined, 'the file name has no letter or digit to make a slug from', hint);
  }
  const normalized = normalizeText(text);
  if (normalized.trim() === '') {
    return failure(path, undefined, 'the file is empty', 'write the article in it, or delete the file');
  }
  return { ok: true, text: normalized, slug };
}
