// The one item list every feed format is written from: an Article reduced to what a feed says, with
// absolute URLs, an explicit author and clean text, so RSS, Atom and JSON cannot disagree.
import { extname } from 'node:path/posix';
import type { Article } from '../content/article.js';
import { escapeHtml } from '../content/html.js';
import { cleanBlock, cleanLine } from '../content/text.js';
import { absoluteUrl } from '../content/url.js';
import { articleLanguage, tHtml, type Locale } from '../i18n/index.js';

/** A feed author: a name, and an email when the site config or the byline gives one. */
export interface FeedAuthor {
  name: string;
  email: string | null;
}

/** What the build knows of a local image file (one under `content/images/`). */
export interface ImageFile {
  /** Size in bytes. */
  length: number;
  /** MIME type read from the file's first bytes (or its extension), null when neither tells. */
  type: string | null;
}

/** One feed entry, format-neutral. */
export interface FeedItem {
  /** Stable id: the URL the article had under the file-name rule (README "URLs and ids"), never its text, headline or slug. */
  id: string;
  url: string;
  /** Plain text on one line, never HTML. */
  title: string;
  /** Plain text on one line, possibly empty. */
  summary: string;
  /** Safe HTML: what the article page shows (image, caption, credit, body, related articles, source). */
  contentHtml: string;
  published: Date;
  /** Last modification, when after `published`. */
  updated: Date | null;
  /**
   * The article's own language tag when it is not the site's, `''` when its language is not known but reads the other
   * way (an English wire story on an Arabic site: see articleLanguage), or null: the feed's.
   */
  lang: string | null;
  author: FeedAuthor;
  /** Section first, then tags; plain text, no duplicates. */
  categories: string[];
  /** The article's image: `type` and `length` are null when unknown (a remote URL without a known extension). */
  image: { url: string; type: string | null; length: number | null } | null;
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
  /**
   * Feed-level date: the newest item's modification or publication (never the clock), so identical content
   * gives identical bytes; null for a feed without items.
   */
  updated: Date | null;
  /** When the feed was built: the date Atom, which requires one, gives a feed without items. */
  builtAt: Date | null;
  websubHub: string | null;
  /** Absolute URL of the feed icon (`feeds.icon`), or null. */
  icon: string | null;
}

const imageTypes: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.svg': 'image/svg+xml',
  '.ico': 'image/vnd.microsoft.icon',
};

/** The MIME type of an image URL or path from its extension, or null when it is not a known image type. */
export function imageTypeOf(url: string): string | null {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  return imageTypes[extname(path.toLowerCase())] ?? null;
}

/** The page's figure: the image (when it has a URL), its caption and credit; a caption without an image is a paragraph, as on the page. */
function figureHtml(image: NonNullable<Article['image']>, src: string | null): string {
  const caption = cleanLine(image.caption ?? '');
  const credit = cleanLine(image.credit ?? '');
  const words = caption || credit ? `${escapeHtml(caption)}${caption && credit ? ' ' : ''}${credit ? `<small>${escapeHtml(credit)}</small>` : ''}` : '';
  if (src === null) return words ? `<p>${words}</p>` : '';
  return `<figure><img src="${escapeHtml(src)}" alt="${escapeHtml(cleanLine(image.alt))}">${words ? `<figcaption>${words}</figcaption>` : ''}</figure>`;
}

/**
 * The item's full content: what the article page shows (figure with caption and credit, the body, or the
 * summary when there is no body, the related articles and the source, in the site's words), with fragment
 * links made absolute. As on the page, the article's own parts say their language and direction when they are not the
 * site's, and those words say theirs; on a right-to-left site the whole says so. Feeds have no direction of their own
 * (`xml:lang` and JSON's `language` set none), and HTML without one takes the reader's, left to right mostly.
 */
function contentHtml(article: Article, url: string, imageUrl: string | null, baseUrl: string, locale: Locale): string {
  // Only a link's own href: the text may say ` href="#` too (a code sample), and a quoted value may hold `>`.
  const body = cleanBlock(article.html).replace(/(<a\s(?:[^>"]|"[^"]*")*?\bhref=")#/g, (_, start: string) => `${start}${escapeHtml(url)}#`);
  const related = article.related.map((ref) => {
    const title = escapeHtml(cleanLine(ref.title));
    const href = ref.url === null ? null : absoluteUrl(ref.url, baseUrl);
    return `<li>${href === null ? title : `<a href="${escapeHtml(href)}">${title}</a>`}</li>`;
  });
  const source = article.source === null ? '' : cleanLine(article.source);
  const language = articleLanguage(article, locale);
  const siteWords = language === null ? '' : ` lang="${escapeHtml(locale.tag)}" dir="${locale.dir}"`;
  const own = lines([
    article.image ? figureHtml(article.image, imageUrl) : '',
    body.trim() ? body : (article.summary.trim() ? `<p>${escapeHtml(cleanLine(article.summary))}</p>` : ''),
  ]);
  const content = lines([
    language === null || own === '' ? own : `<div lang="${escapeHtml(language.tag)}" dir="${language.dir}">\n${own}\n</div>`,
    related.length > 0 ? `<h2${siteWords}>${tHtml(locale, 'article.readMore')}</h2>\n<ul>${related.join('')}</ul>` : '',
    source ? `<p${siteWords}>${tHtml(locale, 'article.source', { source })}</p>` : '',
  ]);
  return locale.dir === 'rtl' && content !== '' ? `<div dir="rtl">\n${content}\n</div>` : content;
}

/** The parts that are not empty, a line apart. */
const lines = (parts: readonly string[]): string => parts.filter((part) => part !== '').join('\n');

/**
 * A byline (a clean line) as a feed author: `Jane Roe <jane@example.org>` is the name Jane Roe and that address, which
 * Atom gives its own element and RSS its `<author>`, rather than one name with the address in angle brackets.
 */
function bylineAuthor(byline: string): FeedAuthor {
  const mailbox = /^"?([^"<>]*?)"?\s*<(?:mailto:)?([^\s<>@:]+@[^\s<>@]+\.[^\s<>@]+)>$/i.exec(byline);
  const name = mailbox?.[1]?.trim() ?? '';
  if (!mailbox || name === '') return { name: byline, email: null };
  // An address past ASCII is no addr-spec the formats take (RFC 2822): the name goes alone.
  const email = mailbox[2] ?? '';
  return { name, email: /^[\x21-\x7e]+$/.test(email) ? email : null };
}

/**
 * Reduces an article to a feed item; `url` is its page, `siteAuthor` the fallback when it names nobody,
 * `locale` the site's words, `images` the local image files by absolute URL (their real size and type).
 */
export function toFeedItem(
  article: Article,
  url: string,
  baseUrl: string,
  siteAuthor: FeedAuthor,
  locale: Locale,
  images: ReadonlyMap<string, ImageFile> = new Map(),
): FeedItem {
  const byline = article.author ?? article.source;
  // A Set, not indexOf: 140,000 tags took 16 s per feed that way.
  const categories = [...new Set([article.section, ...article.tags].map((c) => (c === null ? '' : cleanLine(c))))].filter((c) => c !== '');
  const imageUrl = article.image?.url ? absoluteUrl(cleanLine(article.image.url), baseUrl) : null;
  const file = imageUrl === null ? undefined : images.get(imageUrl);
  return {
    id: url,
    url,
    title: cleanLine(article.title) || article.slug,
    summary: cleanLine(article.summary),
    contentHtml: contentHtml(article, url, imageUrl, baseUrl, locale),
    published: article.date,
    updated: article.updated && article.updated > article.date ? article.updated : null,
    lang: articleLanguage(article, locale)?.tag ?? null,
    author: byline && cleanLine(byline) ? bylineAuthor(cleanLine(byline)) : siteAuthor,
    categories,
    image: imageUrl === null ? null : { url: imageUrl, type: file?.type ?? imageTypeOf(imageUrl), length: file?.length ?? null },
  };
}
