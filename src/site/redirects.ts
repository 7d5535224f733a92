// Old URLs still lead to their article: every URL an article has had is remembered (by its id, in the
// manifest), and each one that is no longer its page becomes a redirect (a small page, and a 301 from `serve`).
import type { Article } from '../content/article.js';
import { legacySlugify, slugify } from '../content/text.js';
import { articleDir, sectionDir, type Section } from './layout.js';

/** Every slug each article has had, by article id: oldest first, the current one last. */
export type UrlHistory = Record<string, string[]>;

/**
 * The history after a build of `articles`: each one's current slug moved to the end of its list. Ids that are not
 * published now (a draft again, a file taken away for a while) keep their list, so their redirects come back with them.
 */
export function updateHistory(previous: Readonly<UrlHistory>, articles: readonly Article[]): UrlHistory {
  const next: UrlHistory = {};
  for (const [id, slugs] of Object.entries(previous)) {
    // The manifest is a file anyone can edit: only real slugs become folder names.
    if (Array.isArray(slugs)) next[id] = slugs.filter((slug): slug is string => typeof slug === 'string' && slug !== '' && slugify(slug) === slug);
  }
  for (const article of articles) next[article.id] = [...(next[article.id] ?? []).filter((slug) => slug !== article.slug), article.slug];
  return Object.fromEntries(Object.entries(next).sort(byKey));
}

/** Where an old folder leads: the current folder, the title of what is there and the articles it depends on. */
export interface Redirect {
  to: string;
  title: string;
  articles: readonly Article[];
}

const byKey = <T>([a]: [string, T], [b]: [string, T]): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The old folders that lead to a current page. For an article: its id's folder (its URL under the file-name rule,
 * which is also its feed id) and every slug in its history; for a section: its folder under the ASCII rule of
 * Gazette before readable URLs (`sections/economie/` for `Économie`). A folder a current page owns is never a
 * redirect; a folder two articles once had goes to the one whose id sorts first. Keys are folders (`articles/<slug>/`).
 */
export function planRedirects(history: Readonly<UrlHistory>, articles: readonly Article[], sections: readonly Section[]): Map<string, Redirect> {
  const current = new Set([...articles.map((article) => articleDir(article.slug)), ...sections.map((section) => sectionDir(section.slug))]);
  const redirects = new Map<string, Redirect>();
  const add = (from: string, redirect: Redirect): void => {
    if (!current.has(from) && !redirects.has(from)) redirects.set(from, redirect);
  };
  for (const article of [...articles].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const redirect = { to: articleDir(article.slug), title: article.title, articles: [article] };
    for (const slug of [article.id, ...(history[article.id] ?? [])]) add(articleDir(slug), redirect);
  }
  for (const section of sections) {
    const legacy = legacySlugify(section.label);
    if (legacy !== '') add(sectionDir(legacy), { to: sectionDir(section.slug), title: section.label, articles: [] });
  }
  return new Map([...redirects].sort(byKey));
}
