// The three feed formats from one item list.
import { renderAtom } from './atom.js';
import type { FeedChannel, FeedItem } from './item.js';
import { renderJsonFeed } from './json.js';
import { renderRss } from './rss.js';

/** The three documents of one feed. */
export interface RenderedFeeds {
  rss: string;
  atom: string;
  json: string;
}

/** Renders RSS 2.0, Atom 1.0 and JSON Feed 1.1 from the same items (pure: same input, same bytes). */
export function renderFeeds(items: readonly FeedItem[], channel: FeedChannel): RenderedFeeds {
  return { rss: renderRss(channel, items), atom: renderAtom(channel, items), json: renderJsonFeed(channel, items) };
}
