// RSS 2.0 with the content, Dublin Core and Atom namespaces bound on the root element.
import { rfc822 } from './dates.js';
import { itemLanguage, type FeedChannel, type FeedItem } from './item.js';
import { escapeAttr, escapeText } from './xml.js';

function element(name: string, text: string): string {
  return `<${name}>${escapeText(text)}</${name}>`;
}

/**
 * Renders one `<item>`; name-only authors become `dc:creator`, since RSS `<author>` must be an email, and an
 * article in another language than the channel's says so in `dc:language` (RSS has no item language of its own).
 */
function renderRssItem(item: FeedItem, channel: FeedChannel): string {
  const lines = [
    element('title', item.title),
    element('link', item.url),
    `<guid isPermaLink="true">${escapeText(item.id)}</guid>`,
    element('pubDate', rfc822(item.published)),
  ];
  // <description> holds HTML: the plain-text summary is HTML-escaped, then XML-escaped.
  if (item.summary) lines.push(element('description', escapeText(item.summary)));
  lines.push(element('content:encoded', item.contentHtml));
  lines.push(
    item.author.email
      ? element('author', `${item.author.email} (${item.author.name})`)
      : element('dc:creator', item.author.name),
  );
  const lang = itemLanguage(item, channel);
  if (lang !== null) lines.push(element('dc:language', lang));
  for (const category of item.categories) lines.push(element('category', category));
  // Length 0 is what the RSS Best Practices Profile asks for when the size is unknown.
  if (item.image) {
    lines.push(`<enclosure url="${escapeAttr(item.image.url)}" length="0" type="${escapeAttr(item.image.type)}"/>`);
  }
  return `    <item>\n${lines.map((line) => `      ${line}\n`).join('')}    </item>\n`;
}

/** Renders a whole RSS 2.0 document. */
export function renderRss(channel: FeedChannel, items: readonly FeedItem[]): string {
  const head = [
    element('title', channel.title),
    element('link', channel.homeUrl),
    element('description', channel.description),
    element('language', channel.language),
    element('lastBuildDate', rfc822(channel.updated)),
    element('generator', 'Gazette'),
    `<atom:link href="${escapeAttr(channel.selfUrls.rss)}" rel="self" type="application/rss+xml"/>`,
  ];
  if (channel.websubHub) head.push(`<atom:link href="${escapeAttr(channel.websubHub)}" rel="hub"/>`);
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/"' +
    ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n' +
    '  <channel>\n' +
    head.map((line) => `    ${line}\n`).join('') +
    items.map((item) => renderRssItem(item, channel)).join('') +
    '  </channel>\n' +
    '</rss>\n'
  );
}
