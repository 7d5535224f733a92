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
  /** Stable id from the file name: unchanged when the text, the headline or the slug is edited (README "URLs and ids"). */
  id: string;
  /** URL slug (`articles/<slug>/`): `slug:` front matter, else the file name when it has words, else the headline. */
  slug: string;
  title: string;
  summary: string;
  /** Publication instant (a date-only value is midnight in the site timezone). */
  date: Date;
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
