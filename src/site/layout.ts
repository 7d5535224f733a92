// Where everything goes in `--out` (SPEC "Output layout") and the URLs it is served at.
import type { Article } from '../content/article.js';
import { newestFirst } from '../content/select.js';
import { sectionLabelFold, sectionSlug } from '../content/text.js';

/** File names of the three feed formats, the same at the root and in each section folder. */
export const feedFiles = { rss: 'feed.xml', atom: 'atom.xml', json: 'feed.json' } as const;

/** MIME types the feeds are announced and served with. */
export const feedTypes = { rss: 'application/rss+xml', atom: 'application/atom+xml', json: 'application/feed+json' } as const;

/** The feed format names. */
export type FeedFormat = keyof typeof feedFiles;

/** The folder of the digest archive (the mail's "View in your browser"), which `publish` writes. */
export const archiveDir = 'digests/';

/** The archive's index page, under the output folder. */
export const archiveIndexPath = `${archiveDir}index.html`;

/** Folders another stage writes into (the digest archive): a build removes nothing there, and writes only the archive's page before there is one (see writeEmptyArchive). */
export const foreignDirs = [archiveDir] as const;

/** The stylesheet every page links to. */
export const stylesheetPath = 'assets/site.css';

/** The folder of the article pages' folders. */
const articlesDir = 'articles/';

/** The folder of an article's page; the slug must be one safe path segment. */
export function articleDir(slug: string): string {
  if (slug === '' || slug === '.' || slug === '..' || /[/\\\0]/.test(slug)) {
    throw new Error(`article slug ${JSON.stringify(slug)} cannot be a folder name`);
  }
  return `${articlesDir}${slug}/`;
}

/** The feed id of an article: the URL its page had under the file-name rule, which never moves (README "URLs and ids"). */
export function articleIdUrl(baseUrl: string, article: Pick<Article, 'id'>): string {
  return urlOf(baseUrl, articleDir(article.id));
}

/** The folder of a section's page and feeds. */
export function sectionDir(sectionSlug: string): string {
  if (sectionSlug === '') throw new Error('a section slug cannot be empty');
  return `sections/${sectionSlug}/`;
}

/**
 * The redirects `build` writes and `serve` answers with 301 (a dotfile: never served itself). JSON: folder paths
 * under the site root, decoded, old → current, e.g. `{ "articles/000-7e434e7f9160c0f8/": "articles/peace-with-…/" }`.
 */
export const redirectsFile = '.gazette-redirects.json';

/** Articles per page of the home page and section pages; older ones are on `page/2/`, `page/3/`, … */
export const listPageSize = 50;

/** The folder of page `number` (from 1) of the article list whose first page is in `dir`. */
export function listPageDir(dir: string, number: number): string {
  return number === 1 ? dir : `${dir}page/${number}/`;
}

/** The relative path from a page in `dir` back to the site root (`''`, `../../`, …). */
export function rootOf(dir: string): string {
  return '../'.repeat(dir.split('/').filter(Boolean).length);
}

/** A path of the characters encodeURIComponent leaves as they are, and `/`. */
const unreserved = /^[\w\-.!~*'()/]*$/;

/** The absolute URL of an output path (a folder ends with `/`), each segment percent-encoded. */
export function urlOf(baseUrl: string, path: string): string {
  // Most paths have nothing to encode (a slug is made of letters, digits and hyphens): they skip the split and join.
  return unreserved.test(path) ? `${baseUrl}/${path}` : `${baseUrl}/${path.split('/').map(encodeURIComponent).join('/')}`;
}

/** A section and its articles, newest first. */
export interface Section {
  slug: string;
  /** The label as the newest article writes it. */
  label: string;
  articles: Article[];
}

/**
 * Latin capitals that no decomposition takes apart, as wire copy writes them without their stroke or as two letters
 * (`LODZ` for `Łódź`, `KOEBENHAVN` for `København`): Ø as OE and Æ as AE, as Danish and Norwegian wire copy writes
 * them, so `OST` (cheese) is not `Øst` (east).
 */
const undecomposed: Readonly<Record<string, string>> = { Ł: 'L', Ø: 'OE', Đ: 'D', Ð: 'D', Ħ: 'H', Ŧ: 'T', Æ: 'AE', Œ: 'OE', Þ: 'TH' };
const undecomposedLetter = /[ŁØĐÐĦŦÆŒÞ]/gu;

/** A label without its Latin, Greek and Cyrillic accents and strokes, upper-cased (German capitals write ß as SS). */
const withoutAccents = (label: string): string =>
  label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(undecomposedLetter, (letter) => undecomposed[letter] ?? letter);

/**
 * Sections whose labels differ only in accents, strokes (`LODZ` and `Łódź`), or in `ß` and `SS` (`ECONOMIE` and
 * `Économie`, `AUSSENPOLITIK` and `Außenpolitik`: wire copy writes capitals without them): for each such group, the one with the most articles (on a
 * tie, the one that writes accents or ß) and the others. Each is a section of its own, with its own page, feeds and
 * readers' choice, which a desk seldom means. Only Latin, Greek and Cyrillic accents count: other scripts' vowel signs
 * tell words apart.
 */
export function sectionsSpelledAlike(sections: readonly Section[]): { larger: Section; others: Section[] }[] {
  const byFold = new Map<string, Section[]>();
  for (const section of sections) {
    const fold = sectionSlug(withoutAccents(section.label));
    byFold.set(fold, [...(byFold.get(fold) ?? []), section]);
  }
  // A spelling with accents or strokes is one that withoutAccents changes (beyond upper case), or that writes ß.
  const accented = (section: Section): number => (/[ßẞ]/.test(section.label) || withoutAccents(section.label) !== section.label.normalize('NFKD').toUpperCase() ? 1 : 0);
  const bySize = (a: Section, b: Section): number => b.articles.length - a.articles.length || accented(b) - accented(a) || (a.slug < b.slug ? -1 : 1);
  return [...byFold.values()].flatMap((group) => {
    const [first, ...others] = group.sort(bySize);
    return first && others.length > 0 ? [{ larger: first, others }] : [];
  });
}

/** The articles of a section that write its label one way (see sectionsMerged). */
export interface LabelUse {
  label: string;
  articles: Article[];
}

/**
 * Sections whose articles write labels that differ in more than case (`C++` and `C#`, `Sport` and `Sport+`): only
 * letters and digits make a key, so they became one section, shown as its newest article writes it. For each, the
 * section, the label shown and the others, each with its articles, newest first.
 */
export function sectionsMerged(sections: readonly Section[]): { section: Section; shown: LabelUse; others: LabelUse[] }[] {
  // Folded once per spelling: most of a site's 10,000 articles write one of a few.
  const folds = new Map<string, string>();
  return sections.flatMap((section) => {
    const byFold = new Map<string, LabelUse>();
    for (const article of section.articles) {
      const label = (article.section ?? '').trim();
      let fold = folds.get(label);
      if (fold === undefined) folds.set(label, (fold = sectionLabelFold(label)));
      const use = byFold.get(fold);
      if (use) use.articles.push(article);
      else byFold.set(fold, { label, articles: [article] });
    }
    const [shown, ...others] = byFold.values();
    return shown && others.length > 0 ? [{ section, shown, others }] : [];
  });
}

/** Newest first; equal dates by slug, so the order never depends on input order. */
export function sortArticles(articles: readonly Article[]): Article[] {
  return [...articles].sort(newestFirst);
}

/** Groups sorted articles by section key (`WORLD` and `World` are one section, and so are `DIŞ` and `Dış`; see sectionSlug), sections by slug; the loader refuses a section without a slug. */
export function groupSections(sorted: readonly Article[]): Section[] {
  const bySlug = new Map<string, Section>();
  const slugs = new Map<string, string>();
  for (const article of sorted) {
    if (article.section === null) continue;
    let slug = slugs.get(article.section);
    if (slug === undefined) {
      slug = sectionSlug(article.section);
      slugs.set(article.section, slug);
    }
    const section = bySlug.get(slug);
    if (section) section.articles.push(article);
    else bySlug.set(slug, { slug, label: article.section.trim(), articles: [article] });
  }
  return [...bySlug.values()].sort((a, b) => (a.slug < b.slug ? -1 : 1));
}
