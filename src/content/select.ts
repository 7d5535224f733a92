// Which loaded articles are public at a given instant.
import type { Article } from './article.js';

/** Orders articles newest first, ties by id (which never moves), so every list and feed is in one deterministic order. */
export function newestFirst(a: Article, b: Article): number {
  return b.date.getTime() - a.date.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Articles that are not drafts and dated at or before `now`, newest first (ties by id). */
export function selectPublished(articles: readonly Article[], now: Date): Article[] {
  return articles
    .filter((article) => !article.draft && article.date.getTime() <= now.getTime())
    .sort(newestFirst);
}
