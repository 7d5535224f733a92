// The one item list every feed format is written from: an Article reduced to what a feed says, with
// absolute URLs, an explicit author and clean text, so RSS, Atom and JSON cannot disagree.
import { extname } from 'node:path/posix';
import type { Article } from '../content/article.js';
import { stripControlChars } from '../content/text.js';
import { absoluteUrl } from '../content/url.js';

/** A feed author: a name, and an email only when the site config gives one. */
export interface FeedAuthor {
  name: string;
  email: string | null;
}

/** One feed entry, format-neutral. */
export interface FeedItem {
  /** Stable id: the URL the article had under the file-name rule (README "URLs and ids"), never its text, headline or slug. */
  id: string;
  url: string;
  /** Plain text, never HTML. */
  title: string;
  /** Plain text, possibly empty. */
  summary: string;
  /** Safe HTML. */
  contentHtml: string;
  published: Date;
  author: FeedAuthor;
  /** Section first, then tags; plain text, no duplicates. */
  categories: string[];
  image: { url: string; type: string } | null;
}

/** What a feed says about itself. */
export interface FeedChannel {
  title: string;
  description: string;
  language: string;
  /** The HTML page the feed stands for. */
  homeUrl: string;
  /** The URL each format is served at: every document's self link names its own. */
  selfUrls: { rss: string; atom: string; json: string };
  author: FeedAuthor;
  /** Feed-level date: derived from the items (never the clock) so identical content gives identical bytes. */
  updated: Date;
  websubHub: string | null;
}

const imageTypes: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
};

/** The MIME type of an image URL from its extension, or null when it is not a known image type. */
function imageType(url: string): string | null {
  const path = new URL(url).pathname.toLowerCase();
  return imageTypes[extname(path)] ?? null;
}

/** Reduces an article to a feed item; `url` is its page, `siteAuthor` the fallback when it names nobody. */
export function toFeedItem(article: Article, url: string, baseUrl: string, siteAuthor: FeedAuthor): FeedItem {
  const byline = article.author ?? article.source;
  const categories = [article.section, ...article.tags]
    .map((c) => (c === null ? '' : stripControlChars(c).trim()))
    .filter((c, i, all) => c !== '' && all.indexOf(c) === i);
  const imageUrl = article.image?.url ? absoluteUrl(stripControlChars(article.image.url), baseUrl) : null;
  const type = imageUrl === null ? null : imageType(imageUrl);
  return {
    id: url,
    url,
    title: stripControlChars(article.title).trim() || article.slug,
    summary: stripControlChars(article.summary).trim(),
    contentHtml: stripControlChars(article.html),
    published: article.date,
    author: byline?.trim() ? { name: stripControlChars(byline).trim(), email: null } : siteAuthor,
    categories,
    image: imageUrl !== null && type !== null ? { url: imageUrl, type } : null,
  };
}
