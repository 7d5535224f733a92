// What readers can choose, read from the content folder: the editions of site.json and the sections of the
// published articles.
import { join } from 'node:path';
import { editionsOf } from '../config/editions.js';
import { loadSiteConfig } from '../config/load.js';
import type { SiteConfig } from '../config/schema.js';
import { loadArticles, parseOptionsOf, selectPublished } from '../content/index.js';
import type { Problem } from '../errors.js';
import type { Store } from '../store/types.js';
import { knownSections, unknownEditionsWarning, type KnownChoices } from './choices.js';

/** Loads the sections and editions readers can choose from `contentDir`. */
export async function loadKnownChoices(contentDir: string, now: Date): Promise<KnownChoices> {
  const config = await loadSiteConfig(contentDir);
  const { articles } = await loadArticles(contentDir, parseOptionsOf(config));
  return { sections: knownSections(selectPublished(articles, now)), editions: editionsOf(config) };
}

/** Reads the choices of `contentDir` at most once a minute (the server's forms), so new sections show up soon. */
export function knownChoicesLoader(contentDir: string, ttlMs = 60_000): () => Promise<KnownChoices> {
  let cached: { at: number; choices: Promise<KnownChoices> } | null = null;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) {
      const choices = loadKnownChoices(contentDir, new Date(now));
      // A failed read is not kept: the next request tries again.
      choices.catch(() => {
        if (cached?.choices === choices) cached = null;
      });
      cached = { at: now, choices };
    }
    return cached.choices;
  };
}

/** The warning about readers who chose editions the `site.json` of `contentDir` no longer names (see unknownEditionsWarning), or null. */
export async function readUnknownEditions(store: Pick<Store, 'countByEditions'>, config: SiteConfig, contentDir: string): Promise<Problem | null> {
  return unknownEditionsWarning(await store.countByEditions(), editionsOf(config), join(contentDir, 'site.json'));
}
