// Making the next digest: select, render once, store whole (SPEC "Digest rules").
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import type { DigestRecord, Store } from '../store/index.js';
import { renderDigest } from './render.js';
import { selectDigestArticles } from './select.js';

/** What the next digest depends on: the article ids earlier digests saw (the store's "slugs"), and its number (printed in it). */
export async function readDigestHistory(
  store: Pick<Store, 'seenSlugs' | 'nextDigestNumber'>,
): Promise<{ seen: Set<string>; number: number }> {
  return { seen: await store.seenSlugs(), number: await store.nextDigestNumber() };
}

/**
 * Makes the next digest from the published articles (newest first) that no digest carried or passed over,
 * and stores it with its passed-over slugs in one store call. Returns null, storing nothing, when nothing is new.
 */
export async function makeDigest(
  store: Store,
  published: readonly Article[],
  config: SiteConfig,
  now: Date,
): Promise<DigestRecord | null> {
  const { seen, number } = await readDigestHistory(store);
  const { carried, passedOver } = selectDigestArticles(published, seen, config.newsletter.maxArticles);
  if (carried.length === 0) return null;
  const rendered = await renderDigest({ number, date: now, articles: carried, config });
  return store.createDigest({
    number,
    createdAt: now,
    ...rendered,
    // The store's "slug" columns hold article ids: they never move when a headline, and so a URL, changes.
    carried: carried.map((article) => article.id),
    passedOver: passedOver.map((article) => article.id),
  });
}
