// Wire text (`.txt`): a `date` header line, a head of title/standfirst/caption/printed date, then blocks.
import type { ArticleImage, RelatedRef } from './article.js';
import { isIntlTag } from '../i18n/tags.js';
import { loadLuxon, parseArticleDate } from './dates.js';
import { escapeHtml } from './html.js';
import { articleKeys, failure, folderLanguage, prepareText, type ArticleContent, type ParseOptions, type ParseResult } from './parsing.js';
import { collapseSpace, deriveSummary, deriveTitle, sectionSlug, titleText } from './text.js';

/** One block of an article body. */
interface Block {
  kind: 'paragraph' | 'subheading';
  text: string;
}

const HEADER = /^date\s+(\S+)(?:\s+(.*))?$/i;
const READ_MORE = /^read more\s*:\s*(.*\S)$/i;
const SOURCE = /^source\s*:\s*(.*\S)$/i;
// `caption / Credit`, split at the last spaced slash; the credit must be a short label.
const CAPTION = /^(.*\S)\s+\/\s+(.+)$/;
const SENTENCE_PUNCTUATION = /[.,;:!?…"“”«»()。，；：！？،؛؟]/;
const CLOSING_PUNCTUATION = /[.,;:!?…"“”'’»)。！？؟]$/;
const PRINTED_DATE_FORMATS = ['LLLL d, yyyy', 'LLL d, yyyy', 'd LLLL yyyy', 'd LLL yyyy'];

function wordCount(text: string): number {
  return text.split(/\s+/).length;
}

/** A short label such as `WORLD` or `Reuters Archive`: a few words, no sentence punctuation. */
function isLabel(text: string): boolean {
  return text.length <= 40 && wordCount(text) <= 4 && !SENTENCE_PUNCTUATION.test(text);
}

/** A line that only prints a date in English, such as `October 19, 2022`. */
function isEnglishDate(line: string): boolean {
  if (line.length > 20 || !/\d{4}$/.test(line)) return false;
  const { DateTime } = loadLuxon();
  return PRINTED_DATE_FORMATS.some((format) => DateTime.fromFormat(line, format, { locale: 'en' }).isValid);
}

/** A date line as compared: lower case, spaces folded, bidi marks and a final full stop left out. */
const dateLineKey = (line: string): string => line.replace(/[\u061c\u200e\u200f]/g, '').replace(/\s+/g, ' ').replace(/\.$/, '').trim().toLowerCase();

/** The date formats of a language in a time zone: made once, as each costs more than a parse (see printedForms). */
const dateFormats = new Map<string, Intl.DateTimeFormat[]>();

/**
 * The forms a wire text may print `date` in, as `language` writes it in `timeZone`: long, medium and full, in its own
 * digits and calendar, and in Latin digits and the Gregorian calendar where those are not its own.
 */
function printedForms(date: Date, language: string, timeZone: string): Set<string> {
  const key = `${language}\0${timeZone}`;
  let formats = dateFormats.get(key);
  if (!formats) {
    formats = [];
    for (const dateStyle of ['long', 'medium', 'full'] as const) {
      const own = new Intl.DateTimeFormat(language, { dateStyle, timeZone });
      const { numberingSystem, calendar } = own.resolvedOptions();
      formats.push(own);
      if (numberingSystem !== 'latn') formats.push(new Intl.DateTimeFormat(language, { dateStyle, timeZone, numberingSystem: 'latn' }));
      if (calendar !== 'gregory') {
        formats.push(new Intl.DateTimeFormat(language, { dateStyle, timeZone, calendar: 'gregory' }));
        if (numberingSystem !== 'latn') formats.push(new Intl.DateTimeFormat(language, { dateStyle, timeZone, calendar: 'gregory', numberingSystem: 'latn' }));
      }
    }
    dateFormats.set(key, formats);
  }
  return new Set(formats.map((format) => dateLineKey(format.format(date))));
}

/**
 * Whether a line only prints a date: any date in English (`October 19, 2022`), and in an article in another language
 * its own `date` as that `language` writes it in `timeZone` (`19 Ekim 2022`, `26. Februar 2026`, `1 مارس 2026`: long,
 * medium or full, in Latin digits or the language's own, in its calendar or the Gregorian). The forms are made at the
 * first short line with a digit (the formats themselves once): a year need not have four (令和4年 in Japan's own calendar).
 */
function printedDateTest(date: Date, language: string, timeZone: string): (line: string) => boolean {
  // English reads its four forms only; so does a tag Intl cannot read (`zh-min-nan`) or has no dates for.
  if (/^en\b/i.test(language) || !isIntlTag(language) || Intl.DateTimeFormat.supportedLocalesOf(language).length === 0) return isEnglishDate;
  let forms: Set<string> | undefined;
  return (line) => isEnglishDate(line) || (line.length <= 60 && /\p{Nd}/u.test(line) && (forms ??= printedForms(date, language, timeZone)).has(dateLineKey(line)));
}

/** A one-line block of a few words with no closing punctuation. */
function isSubheading(line: string): boolean {
  return line.length <= 100 && wordCount(line) <= 12 && !CLOSING_PUNCTUATION.test(line);
}

/** Groups trimmed lines into blocks of consecutive non-blank lines. */
function splitBlocks(lines: readonly string[]): string[][] {
  const blocks: string[][] = [[]];
  for (const line of lines) {
    if (line === '') blocks.push([]);
    else blocks.at(-1)?.push(line);
  }
  return blocks.filter((block) => block.length > 0);
}

/** The head's lines sorted into the image (caption with credit) and the text lines, printed dates dropped. */
function readHead(lines: readonly string[], isPrintedDate: (line: string) => boolean): { image: ArticleImage | null; texts: string[] } {
  let image: ArticleImage | null = null;
  const texts: string[] = [];
  for (const line of lines) {
    const [, caption, credit] = CAPTION.exec(line) ?? [];
    if (image === null && caption !== undefined && credit !== undefined && isLabel(credit)) {
      image = { url: null, alt: caption, caption, credit };
    } else if (!isPrintedDate(line)) texts.push(line);
  }
  return { image, texts };
}

/** `line` without a trailing ` / credit` (a caption repeated in the body keeps its text, not its credit). */
function withoutCredit(line: string, credit: string | null): string {
  return credit !== null && line.endsWith(` / ${credit}`) ? line.slice(0, -` / ${credit}`.length) : line;
}

/** The body's blocks, related references (`READ MORE:`) and attributions (`SOURCE:`). */
function readBody(
  lines: readonly string[],
  credit: string | null,
  isPrintedDate: (line: string) => boolean,
): { blocks: Block[]; related: RelatedRef[]; sources: string[] } {
  const blocks: Block[] = [];
  const related: RelatedRef[] = [];
  const sources: string[] = [];
  for (const block of splitBlocks(lines)) {
    const texts: string[] = [];
    for (const line of block) {
      const readMore = READ_MORE.exec(line)?.[1];
      const source = SOURCE.exec(line)?.[1];
      if (readMore !== undefined) related.push({ title: readMore, url: null });
      else if (source !== undefined) sources.push(source);
      else if (!isPrintedDate(line)) texts.push(withoutCredit(line, credit));
    }
    const [only] = texts;
    if (texts.length === 1 && only !== undefined && isSubheading(only)) blocks.push({ kind: 'subheading', text: only });
    else if (texts.length > 0) blocks.push({ kind: 'paragraph', text: collapseSpace(texts.join(' ')) });
  }
  return { blocks, related, sources };
}

function renderBlock(block: Block): string {
  const tag = block.kind === 'subheading' ? 'h2' : 'p';
  return `<${tag}>${escapeHtml(block.text)}</${tag}>`;
}

/**
 * Parses wire text. Line 1 is `date YYYY-MM-DD`, then a section label or the start of the text; the
 * head (up to the first blank line) gives title, standfirst, image caption and credit; blank lines
 * separate the body's blocks.
 */
export function parseWireText(text: string, path: string, options: ParseOptions): ParseResult<ArticleContent> {
  const prepared = prepareText(text, path);
  if (!prepared.ok) return prepared;
  const [first = '', ...rest] = prepared.text.split('\n').map((line) => line.trim());
  const header = HEADER.exec(first);
  if (!header?.[1]) {
    // Markdown saved as .txt starts with its front matter: the fix is the name, not the first line.
    const hint = first.trim() === '---' ? 'this is Markdown with front matter: rename the file to .md' : 'start the file with a line such as "date 2026-11-24 WORLD"';
    return failure(path, 1, 'the first line is not "date YYYY-MM-DD"', hint);
  }
  const date = parseArticleDate(header[1], options.timezone);
  if (!date.ok) return failure(path, 1, date.message, date.hint);

  const label = header[2] ?? '';
  const section = label !== '' && isLabel(label) ? label : null;
  if (section !== null && sectionSlug(section) === '') {
    const hint = 'write a section with a letter or a digit, such as "date 2026-11-24 WORLD", or none';
    return failure(path, 1, `the section "${section}" has no letter or digit to name its page and feeds`, hint);
  }
  const blank = rest.indexOf('');
  const headLines = blank === -1 ? rest : rest.slice(0, blank);
  const lang = folderLanguage(path, options.languages);
  const isPrintedDate = printedDateTest(date.date, lang ?? options.language ?? 'en', options.timezone);
  const head = readHead(section === null && label !== '' ? [label, ...headLines] : headLines, isPrintedDate);
  const [headTitle, standfirst, ...extra] = head.texts;
  const body = readBody([...extra.flatMap((line) => [line, '']), ...rest.slice(headLines.length)], head.image?.credit ?? null, isPrintedDate);

  const firstParagraph = body.blocks.find((block) => block.kind === 'paragraph')?.text;
  const title = (headTitle && titleText(headTitle)) || deriveTitle(firstParagraph ?? body.blocks[0]?.text ?? '');
  if (title === '') {
    const hint = 'write the title on line 2, the standfirst on line 3, then a blank line and the article';
    return failure(path, 1, 'no title: the file has no line of text after the date', hint);
  }
  const { id, slug, formerSlug } = articleKeys(path, title, null);
  return {
    ok: true,
    article: {
      id,
      slug,
      ...(formerSlug === undefined ? {} : { formerSlug }),
      title,
      summary: standfirst ?? deriveSummary(firstParagraph ?? ''),
      date: date.date,
      section,
      tags: [],
      author: null,
      source: body.sources.length > 0 ? body.sources.join('; ') : null,
      lang,
      image: head.image,
      html: body.blocks.map(renderBlock).join('\n'),
      related: body.related,
      draft: false,
      sourcePath: path,
    },
  };
}
