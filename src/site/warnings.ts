// What a build reports for the desk to mend without leaving anything out: section labels it seldom means as written,
// and images a reader who cannot see them learns nothing of. Each at the line of the file that writes it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Article } from '../content/article.js';
import type { Problem } from '../errors.js';
import { sectionDir, sectionsMerged, sectionsSpelledAlike, type Section } from './layout.js';

const articleCount = (count: number): string => (count === 1 ? '1 article' : `${count.toLocaleString('en')} articles`);

/** A Markdown file's front matter line of `key`. The Markdown reader loads only then: a build's own thread does not otherwise. */
async function frontMatterLineOf(text: string, key: string): Promise<number | undefined> {
  const { frontMatterLine } = await import('../content/markdown.js');
  return frontMatterLine(text, key);
}

/** A warning about the file `path` (under `contentDir`), at the line `lineOf` finds in its text (none when it is unreadable). */
async function warningAt(contentDir: string, path: string, lineOf: (text: string) => Promise<number | undefined>, message: string, hint: string): Promise<Problem> {
  const text = await readFile(join(contentDir, path), 'utf8').catch(() => null);
  const line = text === null ? undefined : await lineOf(text);
  return { path, ...(line === undefined ? {} : { line }), message, hint };
}

/** A warning about the section label of `article`, at the line that writes it: a wire text's first, a Markdown file's `section` key. */
function sectionWarning(contentDir: string, article: Article | undefined, message: string, hint: string): Promise<Problem> {
  const path = article?.sourcePath ?? '';
  return warningAt(contentDir, path, async (text) => (/\.txt$/i.test(path) ? 1 : frontMatterLineOf(text, 'section')), message, hint);
}

/**
 * A warning for each section spelled like a larger one but for its accents (see sectionsSpelledAlike), and for each
 * label merged into a section of another (see sectionsMerged), at the line of its newest article that writes it.
 */
export async function sectionSpellingWarnings(contentDir: string, sections: readonly Section[]): Promise<Problem[]> {
  const split = sectionsSpelledAlike(sections).flatMap(({ larger, others }) =>
    others.map((section) =>
      sectionWarning(
        contentDir,
        section.articles[0],
        `the section "${section.label}" (${articleCount(section.articles.length)}) and "${larger.label}" (${articleCount(larger.articles.length)}) differ only in accents or in letters wire copy spells otherwise (ß as SS, Ø as OE, Ł as L): they are two sections, each with its own page, feeds and readers`,
        `if they are one section, write "${larger.label}" in this file and the others of "${section.label}"`,
      ),
    ),
  );
  const merged = sectionsMerged(sections).flatMap(({ section, shown, others }) =>
    others.map((use) =>
      sectionWarning(
        contentDir,
        use.articles[0],
        `the section "${use.label}" (${articleCount(use.articles.length)}) has the key of "${shown.label}" (${articleCount(shown.articles.length)}), as only letters and digits make a key: they are one section, ${sectionDir(section.slug)}, shown as "${shown.label}"`,
        `if they are two sections, give this one other letters or digits; if one, write "${shown.label}" here`,
      ),
    ),
  );
  return Promise.all([...split, ...merged]);
}

/** A raw `<img>` with no `alt` at all (Markdown's `![…](…)` always writes one). */
const imageWithoutAlt = /<img\b(?![^>]*\balt\s*=)[^>]*>/i;

/** 1-based line of the first match of `pattern` in `text`, or undefined. */
function lineOfMatch(text: string, pattern: RegExp): number | undefined {
  const index = text.search(pattern);
  return index === -1 ? undefined : text.slice(0, index).split('\n').length;
}

/** " (so do N other articles: a, b, c and K more)" of the other files, or nothing. */
function others(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  const named = paths.slice(0, 3).join(', ');
  const more = paths.length > 3 ? ` and ${(paths.length - 3).toLocaleString('en')} more` : '';
  const count = paths.length === 1 ? 'so does 1 other article' : `so do ${paths.length.toLocaleString('en')} other articles`;
  return ` (${count}: ${named}${more})`;
}

/**
 * One warning for the articles whose image has the headline for its text alternative (no `imageAlt`: a reader who
 * cannot see the image hears the headline again, and learns nothing of what it shows), and one for the bodies with a
 * raw `<img>` without `alt` (a screen reader reads out its file name). Each at the first file, naming the others.
 */
export async function imageTextAlternativeWarnings(contentDir: string, articles: readonly Article[]): Promise<Problem[]> {
  const headlineAlt = articles.filter((a) => a.image !== null && a.image.url !== null && a.image.alt === a.title).map((a) => a.sourcePath);
  // A substring test first: most bodies have no image, and this runs over every article of every build.
  const noAlt = articles.filter((a) => a.html.includes('<img') && imageWithoutAlt.test(a.html)).map((a) => a.sourcePath);
  const warnings: Promise<Problem>[] = [];
  const [first, ...rest] = headlineAlt;
  if (first !== undefined) {
    warnings.push(
      warningAt(
        contentDir,
        first,
        (text) => frontMatterLineOf(text, 'image'),
        `the image's text alternative is the headline (no imageAlt, or one that repeats it): a reader who cannot see it hears the headline twice and learns nothing of what it shows${others(rest)}`,
        'write imageAlt: what the image shows (imageAlt: "" for an image that only decorates)',
      ),
    );
  }
  const [firstRaw, ...restRaw] = noAlt;
  if (firstRaw !== undefined) {
    warnings.push(
      warningAt(
        contentDir,
        firstRaw,
        async (text) => lineOfMatch(text, imageWithoutAlt),
        `an <img> in the body has no alt: a screen reader reads out its file name instead${others(restRaw)}`,
        'add alt="what it shows" to the <img> (alt="" for an image that only decorates)',
      ),
    );
  }
  return Promise.all(warnings);
}
