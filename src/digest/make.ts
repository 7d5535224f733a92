// Making the next digest of an edition: select, render once, store whole (SPEC "Digest rules", "Readers choose").
import { defaultEditionId, editionsOf, hasEditions, type Edition } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import type { DigestRecord, Store } from '../store/index.js';
import type { RenderHtml } from './email.js';
import { renderDigest } from './render.js';
import { selectDigestArticles } from './select.js';

/**
 * What an edition's next digest depends on: the article ids its earlier digests saw (the store's "slugs"), and its
 * issue number (printed in it). On a site that took up editions, what the one newsletter sent before counts as seen
 * by every edition: its readers had those articles (adding a daily and a weekly sent them all again).
 */
export async function readDigestHistory(
  store: Pick<Store, 'seenSlugs' | 'seenSlugsBefore' | 'nextIssueNumber'>,
  config: Pick<SiteConfig, 'title' | 'newsletter'>,
  edition: string,
): Promise<{ seen: Set<string>; number: number }> {
  const seen = await store.seenSlugs(edition);
  // Only what it sent before this edition's first issue: an edition that kept the id "newsletter" and was renamed
  // later made issues of its own meanwhile, which are no other edition's history.
  if (hasEditions(config) && !editionsOf(config).some((e) => e.id === defaultEditionId)) {
    for (const id of await store.seenSlugsBefore(defaultEditionId, edition)) seen.add(id);
  }
  return { seen, number: await store.nextIssueNumber(edition) };
}

/**
 * Makes the edition's next digest (by default the first edition's) from the published articles (newest first)
 * that none of its digests carried or passed over, and stores it with its passed-over slugs in one store call.
 * Returns null, storing nothing, when nothing is new. `renderHtml` renders the MJML (see renderDigest).
 */
export async function makeDigest(
  store: Store,
  published: readonly Article[],
  config: SiteConfig,
  now: Date,
  edition: Edition = editionsOf(config)[0] as Edition,
  renderHtml?: RenderHtml,
): Promise<DigestRecord | null> {
  const { seen, number: issue } = await readDigestHistory(store, config, edition.id);
  const { carried, passedOver } = selectDigestArticles(published, seen, edition.maxArticles);
  if (carried.length === 0) return null;
  const rendered = await renderDigest({ number: issue, date: now, articles: carried, config, edition }, renderHtml);
  return store.createDigest({
    number: await store.nextDigestNumber(),
    edition: edition.id,
    issue,
    defaultEdition: edition.id === editionsOf(config)[0]?.id,
    createdAt: now,
    ...rendered,
    // The store's "slug" columns hold article ids: they never move when a headline, and so a URL, changes.
    carried: carried.map((article) => article.id),
    passedOver: passedOver.map((article) => article.id),
  });
}
