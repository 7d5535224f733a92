// RSS 2.0 with the content, Dublin Core and Atom namespaces bound on the root element.
import { rfc822 } from './dates.js';
import { otherLanguage } from '../content/article.js';
import { declaredLanguage } from '../i18n/index.js';
import { withoutExtensions } from '../i18n/tags.js';
import type { FeedChannel, FeedItem } from './item.js';
import { escapeAttr, escapeRssText, escapeText } from './xml.js';

function element(name: string, text: string): string {
  return `<${name}>${escapeText(text)}</${name}>`;
}

/** An element of plain text a reader might take for HTML. */
function plain(name: string, text: string): string {
  return `<${name}>${escapeRssText(text)}</${name}>`;
}

/**
 * Renders one `<item>`; name-only authors become `dc:creator`, since RSS `<author>` must be an email, and an
 * article in another language than the channel's says so in `dc:language` (RSS has no item language of its own).
 */
function renderRssItem(item: FeedItem, channel: FeedChannel): string {
  const lines = [
    plain('title', item.title),
    element('link', item.url),
    `<guid isPermaLink="true">${escapeText(item.id)}</guid>`,
    element('pubDate', rfc822(item.published)),
  ];
  // <description> holds HTML: the plain-text summary is HTML-escaped, then XML-escaped. Without a summary it
  // repeats the content, as validators want a description before content:encoded.
  lines.push(element('description', item.summary ? escapeText(item.summary) : item.contentHtml));
  lines.push(element('content:encoded', item.contentHtml));
  lines.push(
    item.author.email
      ? plain('author', `${item.author.email} (${item.author.name})`)
      : plain('dc:creator', item.author.name),
  );
  const lang = otherLanguage(item, channel.language);
  if (lang !== null) lines.push(element('dc:language', withoutExtensions(declaredLanguage(lang))));
  for (const category of item.categories) lines.push(plain('category', category));
  // Length 0 is what the RSS Best Practices Profile asks for when the size is unknown. An enclosure needs a
  // type: an image of unknown type is a Media RSS item, whose type is optional.
  if (item.image?.type) {
    const { url, length, type } = item.image;
    lines.push(`<enclosure url="${escapeAttr(url)}" length="${length ?? 0}" type="${escapeAttr(type)}"/>`);
  } else if (item.image) lines.push(`<media:content url="${escapeAttr(item.image.url)}" medium="image"/>`);
  return `    <item>\n${lines.map((line) => `      ${line}\n`).join('')}    </item>\n`;
}

/** Renders a whole RSS 2.0 document. */
export function renderRss(channel: FeedChannel, items: readonly FeedItem[]): string {
  const head = [
    plain('title', channel.title),
    element('link', channel.homeUrl),
    plain('description', channel.description),
    element('language', withoutExtensions(channel.language)),
    ...(channel.updated ? [element('lastBuildDate', rfc822(channel.updated))] : []),
    element('generator', 'Gazette'),
    `<atom:link href="${escapeAttr(channel.selfUrls.rss)}" rel="self" type="application/rss+xml"/>`,
  ];
  // RSS 2.0's <image> is a GIF, JPEG or PNG: an icon named SVG, ICO, WebP or AVIF is for Atom's <icon> and JSON Feed's
  // only. One without an extension (an avatar service's URL) may be any, and is kept, as enclosures are.
  if (channel.icon && !/\.(?:svg|ico|webp|avif)$/i.test(new URL(channel.icon).pathname)) head.push(`<image>${element('url', channel.icon)}${plain('title', channel.title)}${element('link', channel.homeUrl)}</image>`);
  if (channel.websubHub) head.push(`<atom:link href="${escapeAttr(channel.websubHub)}" rel="hub"/>`);
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"' +
    ' xmlns:dc="http://purl.org/dc/elements/1.1/"' +
    (items.some((item) => item.image && !item.image.type) ? ' xmlns:media="http://search.yahoo.com/mrss/"' : '') +
    '>\n' +
    '  <channel>\n' +
    head.map((line) => `    ${line}\n`).join('') +
    items.map((item) => renderRssItem(item, channel)).join('') +
    '  </channel>\n' +
    '</rss>\n'
  );
}
