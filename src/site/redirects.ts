// Old URLs still lead to their article: every URL an article has had is remembered (by its id, in the
// manifest), and each one that is no longer its page becomes a redirect (a small page, and a 301 from `serve`).
import type { Article } from '../content/article.js';
import { legacySlugify, slugify } from '../content/text.js';
import { articleDir, sectionDir, type Section } from './layout.js';

/**
 * Every slug each article has had, by article id: oldest first, the current one last. An article whose only URL
 * ever was its id's folder has no entry: that folder is always known.
 */
export type UrlHistory = ReadonlyMap<string, readonly string[]>;

/**
 * Whether a slug read back from the manifest (a file anyone can edit) is one: only real slugs become folder names.
 * A slug made before `İ` became `i` (see slugify) is one too: its folder redirects to the article.
 */
function isSlug(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && slugify(value, true) === value;
}

/**
 * The history after a build of `articles`: each one's current slug moved to the end of its list. Ids that are not
 * published now (a draft again, a file taken away for a while) keep their list, so their redirects come back with them.
 */
export function updateHistory(previous: ReadonlyMap<string, unknown>, articles: readonly Article[]): UrlHistory {
  const next = new Map<string, string[]>();
  for (const article of articles) {
    const old = previous.get(article.id);
    if (old === undefined && article.slug === article.id) continue;
    // The current slug is dropped before it is checked: most articles have had no other.
    const kept = Array.isArray(old) && old.length > 0 ? old.filter((slug: unknown): slug is string => slug !== article.slug && isSlug(slug)) : [];
    next.set(article.id, kept.length === 0 ? [article.slug] : [...kept, article.slug]);
  }
  for (const [id, old] of previous) {
    if (!next.has(id) && Array.isArray(old)) next.set(id, old.filter(isSlug));
  }
  return next;
}

/** Where an old folder leads: the current folder, the title of what is there and the articles it depends on. */
export interface Redirect {
  to: string;
  title: string;
  articles: readonly Article[];
  /** The slug of the section whose old folder this is (its feeds are copied there: see planSite). */
  section?: string;
}

const byKey = <T>([a]: [string, T], [b]: [string, T]): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The old folders that lead to a current page. For an article: its id's folder (its URL under the file-name rule,
 * which is also its feed id), the slug it had before `İ` became `i` and every slug in its history; for a section: the folders its spellings had under the
 * ASCII rule of Gazette before readable URLs (`sections/economie/` for `Économie`) and before its i's were folded
 * (`sections/dış-haberler/` for `Dış Haberler`, now `sections/diş-haberler/`). A folder a current page owns is never a
 * redirect; a folder two articles once had goes to the first of them in `articles` (newest first: the newer one).
 * Keys are folders (`articles/<slug>/`).
 */
export function planRedirects(history: UrlHistory, articles: readonly Article[], sections: readonly Section[]): Map<string, Redirect> {
  // Built only when an article has a folder other than its page's to claim (most never do).
  let articleSlugs: Set<string> | undefined;
  const sectionSlugs = new Set(sections.map((section) => section.slug));
  const redirects = new Map<string, Redirect>();
  const claim = (slug: string, article: Article): void => {
    if (slug === article.slug) return;
    articleSlugs ??= new Set(articles.map((each) => each.slug));
    if (articleSlugs.has(slug) || redirects.has(articleDir(slug))) return;
    redirects.set(articleDir(slug), { to: articleDir(article.slug), title: article.title, articles: [article] });
  };
  for (const article of articles) {
    claim(article.id, article);
    // Known without the manifest: a site built from a clean checkout keeps the URLs its `İ` headlines had.
    if (article.formerSlug !== undefined) claim(article.formerSlug, article);
    for (const slug of history.get(article.id) ?? []) claim(slug, article);
  }
  for (const section of sections) {
    // Each spelling of the section in its articles named a folder of its own before its i's were folded (`Dış` and `DIŞ`).
    for (const spelling of new Set(section.articles.map((article) => article.section ?? section.label))) {
      for (const old of [legacySlugify(spelling), slugify(spelling, true)]) {
        if (old === '' || sectionSlugs.has(old) || redirects.has(sectionDir(old))) continue;
        redirects.set(sectionDir(old), { to: sectionDir(section.slug), title: section.label, articles: [], section: section.slug });
      }
    }
  }
  return new Map([...redirects].sort(byKey));
}
