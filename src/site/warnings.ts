// What a build reports for the desk to mend without leaving anything out: section labels it seldom means as written,
// and images a reader who cannot see them learns nothing of. Each at the line of the file that writes it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Article } from '../content/article.js';
import { correctedLater, isPublished } from '../content/select.js';
import { cleanLine, GIVEN_TITLE_MAX, normalizeText, TITLE_MAX } from '../content/text.js';
import { absoluteUrl } from '../content/url.js';
import type { Problem } from '../errors.js';
import { locateKeys } from '../key-lines.js';
import { sectionDir, sectionsMerged, sectionsSpelledAlike, type Section } from './layout.js';

const articleCount = (count: number): string => (count === 1 ? '1 article' : `${count.toLocaleString('en')} articles`);

/** A Markdown file's front matter line of `key`. The Markdown reader loads only then: a build's own thread does not otherwise. */
async function frontMatterLineOf(text: string, key: string): Promise<number | undefined> {
  const { frontMatterLine } = await import('../content/markdown.js');
  return frontMatterLine(text, key);
}

/**
 * A warning about the file `path` (under `contentDir`), at the line `lineOf` finds in its text as the parsers read it
 * (no byte-order mark, LF line ends), or at none when the file is unreadable.
 */
async function warningAt(contentDir: string, path: string, lineOf: (text: string) => Promise<number | undefined>, message: string, hint: string): Promise<Problem> {
  const text = await readFile(join(contentDir, path), 'utf8').catch(() => null);
  const line = text === null ? undefined : await lineOf(normalizeText(text));
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

/** An `<img>` without an `alt` attribute: its `src` ('' without one) and where its tag starts. */
interface ImageWithoutAlt {
  src: string;
  index: number;
}

/**
 * The `<img>` tags of `html` without an `alt` attribute (Markdown's `![…](…)` always writes one), read by the
 * sanitizer's own parser: an `alt=` inside another attribute (`?alt=media`, `data-alt`) is no alt.
 */
async function imagesWithoutAlt(html: string): Promise<ImageWithoutAlt[]> {
  const { Parser } = await import('htmlparser2');
  const found: ImageWithoutAlt[] = [];
  const parser = new Parser(
    {
      onopentag: (name, attribs) => {
        if (name === 'img' && attribs.alt === undefined) found.push({ src: attribs.src ?? '', index: parser.startIndex });
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  return found;
}

/**
 * The line of the file `text` that writes the `<img>` without alt whose (absolute) `src` the body has: a tag that
 * Markdown shows as code, or another image, names another source or has its alt.
 */
async function lineOfImage(text: string, src: string, baseUrl: string): Promise<number | undefined> {
  const written = (await imagesWithoutAlt(text)).find((image) => (absoluteUrl(image.src, baseUrl) ?? image.src) === src);
  return written === undefined ? undefined : text.slice(0, written.index).split('\n').length;
}

/** `<img src="…">` of `src`, as a warning quotes it: escaped, and cut when long. */
function imageTag(src: string): string {
  return `<img src=${JSON.stringify(src.length > 100 ? `${src.slice(0, 99)}…` : src)}>`;
}

/**
 * A warning for each published article whose `updated` is later than the build (`now`): its correction date is not
 * shown until then (see selectPublished). At its `updated` line.
 */
export function laterCorrectionWarnings(contentDir: string, articles: readonly Article[], now: Date): Promise<Problem[]> {
  const later = articles.filter((article) => isPublished(article, now) && correctedLater(article, now));
  return Promise.all(
    later.map((article) =>
      warningAt(
        contentDir,
        article.sourcePath,
        (text) => frontMatterLineOf(text, 'updated'),
        `updated is ${article.updated?.toISOString() ?? ''}, later than this build (${now.toISOString()}): no correction date is shown until then, in the feeds, the sitemap or the page`,
        'write when the article was corrected (a date alone is midnight in the site timezone), or leave updated out',
      ),
    ),
  );
}

/** The title a file gives, as written: a wire text's second line, a Markdown file's `title:`; undefined without one. */
async function givenTitle(text: string, path: string): Promise<string | undefined> {
  if (/\.txt$/i.test(path)) return text.split('\n')[1];
  const { frontMatterValue } = await import('../content/markdown.js');
  const value = frontMatterValue(text, 'title');
  return typeof value === 'string' ? value : undefined;
}

/**
 * A warning for each published article whose title was cut to GIVEN_TITLE_MAX characters (at a word, with "…"): feeds,
 * pages and mail show less than the desk wrote. At its title line. A derived title is shorter (TITLE_MAX); the title as
 * the file gives it says whether it was cut.
 */
export async function longTitleWarnings(contentDir: string, articles: readonly Article[]): Promise<Problem[]> {
  const cut = articles.filter((article) => article.title.length > TITLE_MAX + 1 && article.title.endsWith('…'));
  const warnings = await Promise.all(
    cut.map(async (article) => {
      const text = await readFile(join(contentDir, article.sourcePath), 'utf8').catch(() => null);
      const given = text === null ? undefined : await givenTitle(normalizeText(text), article.sourcePath);
      if (given === undefined || cleanLine(given).length <= GIVEN_TITLE_MAX) return null;
      return warningAt(
        contentDir,
        article.sourcePath,
        async (lines) => (/\.txt$/i.test(article.sourcePath) ? undefined : frontMatterLineOf(lines, 'title')),
        `the title is longer than ${GIVEN_TITLE_MAX} characters: feeds, pages and mail show it cut at a word, ending "${article.title.slice(-40)}"`,
        `write a title of ${GIVEN_TITLE_MAX} characters or fewer, and the rest in the summary or the body`,
      );
    }),
  );
  return warnings.filter((warning) => warning !== null);
}

/**
 * A warning for each folder of the site's `languages` that holds no article (`arabik/` for `arabic/`): its language
 * applies to nothing, and the folder it was meant for has the site's. At its line of site.json.
 */
export async function languageFolderWarnings(contentDir: string, languages: Readonly<Record<string, string>>, articles: readonly Article[]): Promise<Problem[]> {
  const unused = Object.keys(languages).filter((folder) => !articles.some((article) => article.sourcePath.startsWith(folder)));
  if (unused.length === 0) return [];
  const path = join(contentDir, 'site.json');
  const text = await readFile(path, 'utf8').catch(() => '');
  const located = locateKeys(text);
  const folders = [...new Set(articles.map((article) => article.sourcePath.split('/').slice(0, -1).join('/')).filter((folder) => folder !== ''))].sort().slice(0, 5);
  return unused.map((folder) => {
    const line = located.lineOf('languages', folder);
    return {
      path,
      ...(line === undefined ? {} : { line }),
      message: `languages: no article is in the folder "${folder}", so "${languages[folder] ?? ''}" is no article's language`,
      hint: folders.length > 0 ? `name a folder of the content folder, such as ${folders.map((f) => `"${f}/"`).join(', ')}` : 'name a folder of the content folder that holds articles',
    };
  });
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
export async function imageTextAlternativeWarnings(contentDir: string, articles: readonly Article[], baseUrl: string): Promise<Problem[]> {
  const headlineAlt = articles.filter((a) => a.image !== null && a.image.url !== null && a.image.alt === a.title).map((a) => a.sourcePath);
  // A substring test first: most bodies have no image, and this runs over every article of every build.
  const withImages = articles.filter((a) => a.html.includes('<img'));
  const noAlt: { path: string; src: string }[] = [];
  for (const article of withImages) {
    const [image] = await imagesWithoutAlt(article.html);
    if (image !== undefined) noAlt.push({ path: article.sourcePath, src: image.src });
  }
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
        firstRaw.path,
        (text) => lineOfImage(text, firstRaw.src, baseUrl),
        `${imageTag(firstRaw.src)} in the body has no alt: a screen reader reads out its file name instead${others(restRaw.map(({ path }) => path))}`,
        'add alt="what it shows" to the <img> (alt="" for an image that only decorates)',
      ),
    );
  }
  return Promise.all(warnings);
}
