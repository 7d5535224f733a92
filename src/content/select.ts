// Which loaded articles are public at a given instant.
import type { Article } from './article.js';

/** Orders articles newest first, ties by slug, so every list and feed is in one deterministic order. */
export function newestFirst(a: Article, b: Article): number {
  return b.date.getTime() - a.date.getTime() || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);
}

/** Articles that are not drafts and dated at or before `now`, newest first (ties by slug). */
export function selectPublished(articles: readonly Article[], now: Date): Article[] {
  return articles
    .filter((article) => !article.draft && article.date.getTime() <= now.getTime())
    .sort(newestFirst);
}

/**
 * Gives articles that share an instant distinct ones (all of a day's date-only files say midnight): in the
 * order of their time, then of their file path, each that is not later than the one before it gets one second
 * more. Newest first then keeps the order the desk gave: of two files of a day, the later file is the newer.
 */
export function distinctTimes(articles: readonly Article[]): Article[] {
  const ordered = [...articles].sort((a, b) => a.date.getTime() - b.date.getTime() || (a.sourcePath < b.sourcePath ? -1 : 1));
  const spread = new Map<Article, Article>();
  let last = -Infinity;
  for (const article of ordered) {
    const time = Math.max(article.date.getTime(), last + 1000);
    spread.set(article, time === article.date.getTime() ? article : { ...article, date: new Date(time) });
    last = time;
  }
  return articles.map((article) => spread.get(article) ?? article);
}
