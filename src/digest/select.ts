// Which articles the next digest carries (SPEC "Digest rules"): pure, so the store only records the answer.
import type { Article } from '../content/article.js';

/** The articles a digest carries and those it records as passed over. */
export interface DigestSelection {
  carried: Article[];
  passedOver: Article[];
}

/**
 * Picks the articles no earlier digest carried or passed over: the newest `maxArticles` are carried, the
 * rest passed over, so an imported archive never trickles out as a series of old digests.
 * `published` is newest first; `seen` holds the article ids of every earlier digest (the slugs of digests made
 * before readable URLs are those ids: the file-name slug).
 */
export function selectDigestArticles(
  published: readonly Article[],
  seen: ReadonlySet<string>,
  maxArticles: number,
): DigestSelection {
  const unseen = published.filter((article) => !seen.has(article.id));
  return { carried: unseen.slice(0, maxArticles), passedOver: unseen.slice(maxArticles) };
}
