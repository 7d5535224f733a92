// What every article format shares: its options, its result and the checks made before any format rule.
import { hash } from 'node:crypto';
import { posix } from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import type { Problem } from '../errors.js';
import type { Article } from './article.js';
import { legacySlugify, normalizeText, shortenSlug, slugify } from './text.js';

/** How articles are read: the site timezone (IANA) gives meaning to dates without an offset. */
export interface ParseOptions {
  timezone: string;
  /** The site's baseUrl: when given, relative links and image URLs of a body become absolute under it. */
  baseUrl?: string;
  /** Language tags by content folder (`{ "arabic/": "ar" }`): the language of an article that does not name its own. */
  languages?: Readonly<Record<string, string>>;
  /** The site's language, the articles' unless they or their folder name another (default `en`): wire text's printed date is read in it. */
  language?: string;
}

/** The parse options of a site config. */
export function parseOptionsOf(config: Pick<SiteConfig, 'timezone' | 'baseUrl' | 'languages' | 'language'>): ParseOptions {
  return { timezone: config.timezone, baseUrl: config.baseUrl, languages: config.languages, language: config.language };
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

/** A file name that carries words (`election-results`, `経済`), not only a number, a date or a hash (`000_7e434e7f`). */
function hasWords(nameSlug: string): boolean {
  return nameSlug.split('-').some((part) => /^[\p{L}\p{M}]{2,}$/u.test(part));
}

/** The id and URL slug of an article (README "URLs and ids"). */
export interface ArticleKeys {
  /** Never moves: the file-name slug by the rule Gazette always used, so earlier feed ids keep their value. */
  id: string;
  /** The URL: `slug:` in front matter, else the file name when it has words, else the headline. */
  slug: string;
  /** The slug Gazette gave it before `İ` became `i` (see slugify), when that was another. */
  formerSlug?: string;
}

/** The id and slug of the article in `path` titled `title`; `frontSlug` is front matter's `slug:` (already checked). */
export function articleKeys(path: string, title: string, frontSlug: string | null): ArticleKeys {
  const name = posix.parse(path).name;
  const id = legacySlugify(name) || slugify(name);
  const slugOf = (keepDottedI: boolean): string => {
    const nameSlug = slugify(name, keepDottedI);
    return frontSlug === null ? (hasWords(nameSlug) ? nameSlug : shortenSlug(slugify(title, keepDottedI)) || nameSlug || id) : slugify(frontSlug, keepDottedI);
  };
  const slug = slugOf(false);
  // Only a capital dotted I made another slug: most articles skip the second pass.
  const former = `${name}${title}${frontSlug ?? ''}`.includes('İ') ? slugOf(true) : slug;
  return former === slug ? { id, slug } : { id, slug, formerSlug: former };
}

/** Normalized text of a file, or why it cannot be an article whatever its format. */
export function prepareText(text: string, path: string): { ok: true; text: string } | Failure {
  const name = posix.parse(path).name;
  const [slug, id] = [slugify(name), legacySlugify(name)];
  if (slug === '' && id === '') {
    const hint = 'rename the file, e.g. 2026-11-24-election-results.md';
    return failure(path, undefined, 'the file name has no letter or digit to make a slug from', hint);
  }
  // Lower case and the old ASCII fold can lengthen a name (`Ⱥ` is 2 bytes, `ⱥ` 3; `½` becomes `1-2`): its folders
  // under `articles/` would be names no file system takes.
  // With a capital dotted I, also the slug Gazette made before `İ` became `i`, whose folder stays as a redirect.
  const former = name.includes('İ') ? slugify(name, true) : '';
  const longest = Math.max(Buffer.byteLength(slug), Buffer.byteLength(id), Buffer.byteLength(former));
  if (longest > MAX_FOLDER_NAME_BYTES) {
    const hint = 'rename the file with a shorter name (the headline can stay as long as it is)';
    return failure(path, undefined, `the file name makes a URL folder of ${longest} bytes, over the ${MAX_FOLDER_NAME_BYTES} a folder name may have`, hint);
  }
  const normalized = normalizeText(text);
  if (normalized.trim() === '') {
    return failure(path, undefined, 'the file is empty', 'write the article in it, or delete the file');
  }
  return { ok: true, text: normalized };
}

/** The longest folder name, in bytes, that common file systems take (ext4, XFS, APFS). */
const MAX_FOLDER_NAME_BYTES = 255;

/** Largest article file accepted, in bytes (1 MiB). */
export const MAX_ARTICLE_BYTES = 1024 * 1024;

/** The failure of a file of `size` bytes, over MAX_ARTICLE_BYTES. */
export function tooLargeFailure(path: string, size: number): Failure {
  const bytes = size.toLocaleString('en');
  const hint = 'an article is at most 1 MiB of text: split it, or move data files out of the content folder';
  return failure(path, undefined, `the file is ${bytes} bytes, over the 1 MiB limit for an article`, hint);
}

/** The hex SHA-256 of an article file's bytes: the key of its parse cache entry and of its page. */
export function hashArticleBytes(bytes: Uint8Array): string {
  return hash('sha256', bytes, 'hex');
}

/** True for the file names parseArticle reads: `.txt` (wire text) and `.md` (Markdown). */
export function isArticlePath(path: string): boolean {
  return /\.(?:txt|md)$/i.test(path);
}
