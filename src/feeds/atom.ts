// Atom 1.0 (RFC 4287). Titles and summaries are `type="text"`, so markup-looking text stays text.
import { rfc3339 } from './dates.js';
import { itemLanguage, type FeedAuthor, type FeedChannel, type FeedItem } from './item.js';
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

/** Renders one `<entry>`, with its own `xml:lang` when its article is in another language than the feed. */
function renderAtomEntry(item: FeedItem, channel: FeedChannel): string {
  const date = rfc3339(item.published);
  const lines = [
    element('id', item.id),
    element('title', item.title, 'text'),
    link('alternate', item.url, 'text/html'),
    element('published', date),
    element('updated', date),
    author(item.author),
    ...item.categories.map((category) => `<category term="${escapeAttr(category)}"/>`),
  ];
  if (item.summary) lines.push(element('summary', item.summary, 'text'));
  lines.push(element('content', item.contentHtml, 'html'));
  if (item.image) lines.push(link('enclosure', item.image.url, item.image.type));
  const lang = itemLanguage(item, channel);
  return `  <entry${lang === null ? '' : ` xml:lang="${escapeAttr(lang)}"`}>\n${lines.map((line) => `    ${line}\n`).join('')}  </entry>\n`;
}

/** Renders a whole Atom document, with `xml:lang` on the feed element. */
export function renderAtom(channel: FeedChannel, items: readonly FeedItem[]): string {
  const head = [
    element('id', channel.homeUrl),
    element('title', channel.title, 'text'),
  ];
  if (channel.description) head.push(element('subtitle', channel.description, 'text'));
  head.push(
    element('updated', rfc3339(channel.updated)),
    link('alternate', channel.homeUrl, 'text/html'),
    link('self', channel.selfUrls.atom, 'application/atom+xml'),
  );
  if (channel.websubHub) head.push(link('hub', channel.websubHub));
  head.push(author(channel.author), element('generator', 'Gazette'));
  return (
    '<?xml version="1.0" encoding="utf-8"?>\n' +
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeAttr(channel.language)}">\n` +
    head.map((line) => `  ${line}\n`).join('') +
    items.map((item) => renderAtomEntry(item, channel)).join('') +
    '</feed>\n'
  );
}
