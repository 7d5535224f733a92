// Atom 1.0 (RFC 4287). Titles and summaries are `type="text"`, so markup-looking text stays text.
import { rfc3339 } from './dates.js';
import { otherLanguage } from '../content/article.js';
import type { FeedAuthor, FeedChannel, FeedItem } from './item.js';
import { escapeAttr, escapeText } from './xml.js';

function element(name: string, text: string, type?: 'text' | 'html'): string {
  return `<${name}${type ? ` type="${type}"` : ''}>${escapeText(text)}</${name}>`;
}

function link(rel: string, href: string, type?: string): string {
  return `<link rel="${rel}"${type ? ` type="${escapeAttr(type)}"` : ''} href="${escapeAttr(href)}"/>`;
}

function author(a: FeedAuthor): string {
  return `<author>${element('name', a.name)}${a.email ? element('email', a.email) : ''}</author>`;
}

/** An enclosure link; `type` and `length` are optional in Atom, so an image of unknown type is kept. */
function enclosure(image: NonNullable<FeedItem['image']>): string {
  const type = image.type === null ? '' : ` type="${escapeAttr(image.type)}"`;
  const length = image.length === null ? '' : ` length="${image.length}"`;
  return `<link rel="enclosure"${type}${length} href="${escapeAttr(image.url)}"/>`;
}

/** Renders one `<entry>`, with its own `xml:lang` when its article is in another language than the feed. */
function renderAtomEntry(item: FeedItem, channel: FeedChannel): string {
  const lines = [
    element('id', item.id),
    element('title', item.title, 'text'),
    link('alternate', item.url, 'text/html'),
    element('published', rfc3339(item.published)),
    element('updated', rfc3339(item.updated ?? item.published)),
    author(item.author),
    ...item.categories.map((category) => `<category term="${escapeAttr(category)}"/>`),
  ];
  if (item.summary) lines.push(element('summary', item.summary, 'text'));
  // An entry with nothing to show has no <content> (RFC 4287 §4.1.1: its alternate link stands for it), never a blank one.
  if (item.contentHtml.trim() !== '') lines.push(element('content', item.contentHtml, 'html'));
  if (item.image) lines.push(enclosure(item.image));
  const lang = otherLanguage(item, channel.language);
  return `  <entry${lang === null ? '' : ` xml:lang="${escapeAttr(lang)}"`}>\n${lines.map((line) => `    ${line}\n`).join('')}  </entry>\n`;
}

/**
 * Renders a whole Atom document, with `xml:lang` on the feed element. Atom requires a feed `<updated>`: a
 * feed without items says when it was built (never 1970), or, with no build time either, nothing.
 */
export function renderAtom(channel: FeedChannel, items: readonly FeedItem[]): string {
  const head = [
    element('id', channel.homeUrl),
    element('title', channel.title, 'text'),
  ];
  if (channel.description) head.push(element('subtitle', channel.description, 'text'));
  const updated = channel.updated ?? channel.builtAt;
  if (updated) head.push(element('updated', rfc3339(updated)));
  head.push(
    link('alternate', channel.homeUrl, 'text/html'),
    link('self', channel.selfUrls.atom, 'application/atom+xml'),
  );
  if (channel.websubHub) head.push(link('hub', channel.websubHub));
  head.push(author(channel.author), element('generator', 'Gazette'));
  if (channel.icon) head.push(element('icon', channel.icon));
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeAttr(channel.language)}">\n` +
    head.map((line) => `  ${line}\n`).join('') +
    items.map((item) => renderAtomEntry(item, channel)).join('') +
    '</feed>\n'
  );
}
