// JSON Feed 1.1 (https://jsonfeed.org/version/1.1).
import { rfc3339 } from './dates.js';
import { otherLanguage } from '../content/article.js';
import { declaredLanguage } from '../i18n/index.js';
import type { FeedChannel, FeedItem } from './item.js';

/** The JSON Feed 1.1 object of one item; `language` only when its article's is not the feed's. */
function jsonFeedItem(item: FeedItem, channel: FeedChannel): Record<string, unknown> {
  const lang = otherLanguage(item, channel.language);
  return {
    id: item.id,
    url: item.url,
    title: item.title,
    content_html: item.contentHtml,
    ...(item.summary ? { summary: item.summary } : {}),
    ...(item.image ? { image: item.image.url } : {}),
    date_published: rfc3339(item.published),
    ...(item.updated ? { date_modified: rfc3339(item.updated) } : {}),
    ...(lang === null ? {} : { language: declaredLanguage(lang) }),
    authors: [{ name: item.author.name }],
    ...(item.categories.length > 0 ? { tags: item.categories } : {}),
  };
}

/** Renders a whole JSON Feed 1.1 document. */
export function renderJsonFeed(channel: FeedChannel, items: readonly FeedItem[]): string {
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: channel.title,
    home_page_url: channel.homeUrl,
    feed_url: channel.selfUrls.json,
    ...(channel.description ? { description: channel.description } : {}),
    language: channel.language,
    ...(channel.icon ? { icon: channel.icon, favicon: channel.icon } : {}),
    authors: [{ name: channel.author.name }],
    ...(channel.websubHub ? { hubs: [{ type: 'WebSub', url: channel.websubHub }] } : {}),
    items: items.map((item) => jsonFeedItem(item, channel)),
  };
  return `${JSON.stringify(feed, null, 2)}\n`;
}
