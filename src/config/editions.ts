// The newsletter's editions (SPEC "Readers choose"): those of `newsletter.editions`, or the newsletter itself.
import type { SiteConfig } from './schema.js';

/** One edition, every default filled in. */
export interface Edition {
  id: string;
  name: string;
  schedule: string;
  maxArticles: number;
}

/** The id of the one edition of a site without `newsletter.editions`. */
export const defaultEditionId = 'newsletter';

/**
 * The editions, in the order of site.json; never empty. Without `newsletter.editions` there is one,
 * `newsletter`, on the newsletter's schedule. The first edition is the default: readers who never chose
 * an edition (all readers of a list from before editions) get it.
 */
export function editionsOf(config: Pick<SiteConfig, 'title' | 'newsletter'>): Edition[] {
  const { newsletter } = config;
  if (newsletter.editions === null) {
    return [{ id: defaultEditionId, name: config.title, schedule: newsletter.schedule, maxArticles: newsletter.maxArticles }];
  }
  return newsletter.editions.map((e) => ({ ...e, maxArticles: e.maxArticles ?? newsletter.maxArticles }));
}

/** The ids of the editions a reader who chose `chosen` gets: those, or (none chosen) the first edition, the default. */
export function editionsReceived(chosen: readonly string[], editions: readonly Pick<Edition, 'id'>[]): string[] {
  return chosen.length > 0 ? [...chosen] : editions.slice(0, 1).map((e) => e.id);
}

/** True when the site has editions of its own: their archives are `digests/<edition>/<n>/`, not `digests/<n>/`. */
export function hasEditions(config: { newsletter: Pick<SiteConfig['newsletter'], 'editions'> }): boolean {
  return config.newsletter.editions !== null;
}
