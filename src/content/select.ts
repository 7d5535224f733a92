// Which loaded articles are public at a given instant.
import type { Article } from './article.js';

/** Orders articles newest first, ties by id (which never moves), so every list and feed is in one deterministic order. */
export function newestFirst(a: Article, b: Article): number {
  return b.date.getTime() - a.date.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Whether `article` is public at `now`: not a draft, and dated at or before it. */
export function isPublished(article: Article, now: Date): boolean {
  return !article.draft && article.date.getTime() <= now.getTime();
}

/** Whether `article` says it was corrected later than `now` (front matter `updated`): no correction a reader can see yet. */
export function correctedLater(article: Article, now: Date): boolean {
  return article.updated !== undefined && article.updated.getTime() > now.getTime();
}

/**
 * Articles that are not drafts and dated at or before `now`, newest first (ties by id). A correction dated later than
 * `now` (a typo, most often: `2027` for `2026`) is not shown until then: it would date every feed and the sitemap ahead.
 */
export function selectPublished(articles: readonly Article[], now: Date): Article[] {
  return articles
    .filter((article) => isPublished(article, now))
    .map((article) => (correctedLater(article, now) ? withoutUpdated(article) : article))
    .sort(newestFirst);
}

/** `article` without its `updated` date. */
function withoutUpdated(article: Article): Article {
  const { updated: _later, ...rest } = article;
  return rest;
}

/**
 * Gives articles that share an instant distinct ones (all of a day's date-only files say midnight): in the
 * order of their time, then of their file path, each that is not later than the one before it gets one second
 * more. Newest first then keeps the order the desk gave: of two files of a day, the later file is the newer. Drafts
 * keep their times and move none: a file no reader sees must not change the date a published article's feed item
 * gives. (An article dated later than the build moves none either: it comes after every published one.)
 */
export function distinctTimes(articles: readonly Article[]): Article[] {
  const ordered = articles.filter((article) => !article.draft).sort((a, b) => a.date.getTime() - b.date.getTime() || (a.sourcePath < b.sourcePath ? -1 : 1));
  // Only the articles moved are mapped: most have no tie, and a map entry for each was a quarter of the time this takes.
  const moved = new Map<Article, Article>();
  let last = -Infinity;
  for (const article of ordered) {
    const date = article.date.getTime();
    const time = Math.max(date, last + 1000);
    if (time !== date) moved.set(article, { ...article, date: new Date(time) });
    last = time;
  }
  return moved.size === 0 ? [...articles] : articles.map((article) => moved.get(article) ?? article);
}
