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
  /** The slug Gazette gave it before `İ` became `i` (see slugify), when that was another: its folder redirects here. */
  formerSlug?: string;
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
  /** Section label as written (e.g. `WORLD`), or null. */
  section: string | null;
  tags: string[];
  /** Byline, or null. */
  author: string | null;
  /** Attribution (`SOURCE:` in wire text), or null. */
  source: string | null;
  /** Its own language tag (front matter `lang`, else its folder's in site.json `languages`), or null: the site's. */
  lang: string | null;
  image: ArticleImage | null;
  /** Body as safe HTML: all text escaped, raw HTML sanitized (as plain text: `articleText`, made only when asked for). */
  html: string;
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

/** The article's language when a page or feed must name it: its own tag when not the site's (`siteLanguage`), else null. */
export function otherLanguage(article: Pick<Article, 'lang'>, siteLanguage: string): string | null {
  return article.lang !== null && article.lang.toLowerCase() !== siteLanguage.toLowerCase() ? article.lang : null;
}
