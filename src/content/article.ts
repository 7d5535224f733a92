// The Article model every later stage reads. Loaders produce it; nothing downstream re-parses files.

/** An image shown with an article. */
export interface ArticleImage {
  /** Absolute URL, or a path relative to the site's baseUrl. */
  url: string | null;
  alt: string;
  caption: string | null;
  credit: string | null;
}

/** A reference to a related article (`READ MORE:` in wire text). */
export interface RelatedRef {
  title: string;
  url: string | null;
}

/** One article, as loaded from `content/`. */
export interface Article {
  /** Stable id and URL slug, from the file name; unchanged when the text is edited. */
  slug: string;
  title: string;
  summary: string;
  /** Publication instant (a date-only value is midnight in the site timezone). */
  date: Date;
  /**
   * Last modification instant, only when the article was changed after `date`: front matter `updated`, else
   * (set by the site build) the first build that saw the file's bytes change, kept in the output manifest.
   * Absent means never modified; `lastModified(article)` gives the one date to show either way.
   */
  updated?: Date;
  /** Language tag of the article (front matter `lang`) when it differs from the site's; absent = site language. */
  lang?: string;
  /** Section label as written (e.g. `WORLD`), or null. */
  section: string | null;
  tags: string[];
  /** Byline, or null. */
  author: string | null;
  /** Attribution (`SOURCE:` in wire text), or null. */
  source: string | null;
  image: ArticleImage | null;
  /** Body as safe HTML: all text escaped, raw HTML sanitized. */
  html: string;
  /** Body as plain text, paragraphs separated by blank lines. */
  text: string;
  related: RelatedRef[];
  draft: boolean;
  /** Path of the source file relative to the content folder, with `/` separators. */
  sourcePath: string;
  /** SHA-256 of the source bytes: the key for incremental rebuilds. */
  hash: string;
}

/** When the article last changed: `updated` when known, else its publication `date` (sitemaps, feeds). */
export function lastModified(article: Pick<Article, 'date' | 'updated'>): Date {
  return article.updated ?? article.date;
}
