// Markdown articles (`.md`): YAML front matter between `---` lines, then a Markdown body.
import type { Token } from 'markdown-it';
import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type * as Zod from 'zod';
import { parseArticleDate } from './dates.js';
import { MAX_BODY_TOKENS, MAX_OPEN_TAGS, overOpenTags, parseMarkdownBody, renderMarkdownBody } from './body.js';
import { absoluteUrl } from './url.js';
import { locateKeys, valueAt, yamlLibrary } from '../key-lines.js';
import {
  articleKeys,
  failure,
  folderLanguage,
  prepareText,
  type ArticleContent,
  type Failure,
  type ParseOptions,
  type ParseResult,
} from './parsing.js';
import { deriveSummary, deriveTitle, sectionSlug, seen, shortenSlug, slugify, SLUG_MAX, SLUG_MAX_BYTES, titleText } from './text.js';
import { isLanguageTag as isTag, languageTagMessage } from '../i18n/tags.js';

const OPENING = /^---[ \t]*$/;
const CLOSING = /^(?:---|\.\.\.)[ \t]*$/;

// The rules on values beyond their types, shared by the schema and the quick check below.
// A section names its page and feeds, a slug its URL: either needs a letter or digit.
const hasWord = (text: string | null | undefined): boolean => !text || slugify(text) !== '';
// An image is an http(s) URL or a site-relative path; any other scheme (javascript:, data:) is refused.
const isImageUrl = (url: string | null | undefined): boolean => url == null || /^https?:\/\//i.test(url) || !/^[a-z][a-z\d+.-]*:/i.test(url);
const isLanguageTag = (tag: string | null | undefined): boolean => tag == null || isTag(tag);
const slugFits = (slug: string | null | undefined): boolean => !slug || shortenSlug(slugify(slug)) === slugify(slug);
// A section's folder need only fit the file system: sections of 80 to 120 characters built before, and must go on doing so.
const sectionFits = (section: string | null | undefined): boolean => !section || Buffer.byteLength(sectionSlug(section)) <= SLUG_MAX_BYTES;

/** The schema of an article's front matter, made with zod (given: it is loaded only for front matter the quick check refuses). */
export function frontMatterSchema({ z }: typeof Zod) {
  const textField = (expected: string) =>
    z.string({ error: (issue) => (issue.input === undefined ? 'is missing' : `expected ${expected}`) }).trim();
  const optionalText = (expected: string) => textField(expected).nullish();
  return z.strictObject(
    {
      title: optionalText('text'),
      date: textField('a date'),
      summary: optionalText('text'),
      section: optionalText('text')
        .refine(hasWord, { error: 'has no letter or digit to name its page and feeds' })
        .refine(sectionFits, { error: `is too long to name its page and feeds: over ${SLUG_MAX_BYTES} bytes in its URL` }),
      tags: z.array(textField('text'), { error: 'expected a list' }).nullish(),
      author: optionalText('text'),
      image: optionalText('a URL or a path').refine(isImageUrl, { error: 'expected an http(s) URL or a path such as /images/photo.jpg' }),
      imageAlt: optionalText('text'),
      draft: z.boolean({ error: 'expected true or false' }).nullish(),
      updated: optionalText('a date'),
      lang: optionalText('a language tag').refine(isLanguageTag, { error: (issue) => languageTagMessage(issue.input, '"ar" or "pt-BR"') }),
      slug: optionalText('text')
        .refine(hasWord, { error: 'has no letter or digit' })
        .refine(slugFits, { error: `is longer than ${SLUG_MAX} characters` }),
    },
    { error: 'unknown key' },
  );
}

type FrontMatter = Zod.z.output<ReturnType<typeof frontMatterSchema>>;

const HINTS = {
  title: 'write title: The headline',
  date: 'write date: YYYY-MM-DD, or YYYY-MM-DDTHH:MM with an optional offset such as +02:00',
  summary: 'write summary: one or two sentences',
  section: 'write section: WORLD',
  tags: 'write tags: [news, politics]',
  author: 'write author: A. Writer',
  image: 'write image: https://… or a path such as /images/photo.jpg',
  imageAlt: 'write imageAlt: what the image shows',
  draft: 'write draft: true or draft: false, without quotes',
  updated: 'write updated: YYYY-MM-DD or YYYY-MM-DDTHH:MM, the time of the last correction',
  lang: 'write lang: ar (the article\'s language, if not the site\'s)',
  slug: 'write slug: election-results (the article URL becomes articles/election-results/)',
} satisfies Record<keyof FrontMatter, string>;
const KNOWN_KEYS = `the keys are ${Object.keys(HINTS).join(', ')}`;

/** The file's front matter YAML and Markdown body, or why they cannot be told apart. */
function splitFrontMatter(source: string, path: string): { ok: true; yaml: string; body: string } | Failure {
  const hint = 'start the file with a "---" line, then "title: …" and "date: YYYY-MM-DD", then a "---" line';
  const lineAt = (start: number): { text: string; next: number } => {
    const end = source.indexOf('\n', start);
    return end === -1 ? { text: source.slice(start), next: source.length + 1 } : { text: source.slice(start, end), next: end + 1 };
  };
  const opening = lineAt(0);
  if (!OPENING.test(opening.text)) return failure(path, 1, 'no front matter', hint);
  // Line by line up to the closing one, without splitting the body into lines only to join them again.
  for (let start = opening.next; start <= source.length; ) {
    const line = lineAt(start);
    if (CLOSING.test(line.text)) return { ok: true, yaml: source.slice(opening.next, start - 1), body: source.slice(line.next) };
    start = line.next;
  }
  return failure(path, 1, 'the front matter is not closed', hint);
}

const require = createRequire(import.meta.url);

let schema: ReturnType<typeof frontMatterSchema> | undefined;

/** The front matter schema, with zod loaded on the first use (a front matter problem, or a form the quick check leaves to it). */
function loadFrontMatterSchema(): ReturnType<typeof frontMatterSchema> {
  schema ??= frontMatterSchema(require('zod') as typeof Zod);
  return schema;
}

/**
 * Front matter that passes the schema, as the schema gives it (strings trimmed), checked by hand: zod cost each parse
 * thread 50–80 ms to load and as much again to check 5,000 files. Null for anything else, which the schema then judges.
 */
export function checkFrontMatter(value: unknown): FrontMatter | null {
  const data = value ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) return null;
  const checked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(data)) {
    if (!Object.hasOwn(HINTS, key)) return null;
    if (field == null) checked[key] = field;
    else if (key === 'draft') {
      if (typeof field !== 'boolean') return null;
      checked[key] = field;
    } else if (key === 'tags') {
      if (!Array.isArray(field) || !field.every((tag) => typeof tag === 'string')) return null;
      checked[key] = field.map((tag: string) => tag.trim());
    } else if (typeof field === 'string') checked[key] = field.trim();
    else return null;
  }
  const front = checked as FrontMatter;
  const rules = hasWord(front.section) && sectionFits(front.section) && isImageUrl(front.image) && isLanguageTag(front.lang) && hasWord(front.slug) && slugFits(front.slug);
  return typeof front.date === 'string' && rules ? front : null;
}

/** Front matter as js-yaml reads it when it passes the schema, else null (then `yaml` says what and where). */
function quickFrontMatter(yaml: string): FrontMatter | null {
  let value: unknown;
  try {
    value = loadYaml(yaml, { schema: CORE_SCHEMA });
  } catch {
    return null;
  }
  const checked = checkFrontMatter(value);
  if (checked) return checked;
  const result = loadFrontMatterSchema().safeParse(value ?? {});
  return result.success ? result.data : null;
}

/**
 * Reads and validates the front matter YAML (which starts on file line 2); a problem names the file
 * line, and `lineOf` finds the line of a key for later checks.
 */
function readFrontMatter(
  yaml: string,
  path: string,
): { ok: true; data: FrontMatter; lineOf: (key: string) => number } | Failure {
  // js-yaml reads valid front matter several times faster than `yaml`, whose document model (kept for its line
  // numbers) is built only when something is wrong or a later check needs a key's line.
  const quick = quickFrontMatter(yaml);
  if (quick) return { ok: true, data: quick, lineOf: (key) => locateFrontMatter(yaml).lineOf(key) };
  const { document, lineOf } = locateFrontMatter(yaml);
  const [error] = document.errors;
  if (error) {
    const line = (error.linePos?.[0].line ?? 0) + 1;
    // The parser runs out of stack on lists or maps nested thousands deep, and says only that: no quoting mends it.
    if (error.message.startsWith('Maximum call stack size exceeded')) {
      return failure(path, line, 'the front matter nests lists or maps too deeply to read', 'front matter needs no nesting: write one "key: value" per line, e.g. tags: [politics, economy]');
    }
    if (error.code === 'DUPLICATE_KEY') {
      return failure(path, line, 'the front matter gives this key a second time', 'keep one line for each key: remove the line whose value you do not mean');
    }
    const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    const hint = 'fix the YAML; quote a value that contains ": " or starts with a special character';
    return failure(path, line, `the front matter is not valid YAML (${message})`, hint);
  }
  if (document.contents !== null && !yamlLibrary().isMap(document.contents)) {
    const hint = 'write one "key: value" per line, e.g. title: The headline';
    return failure(path, 2, 'the front matter is not "key: value" lines', hint);
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    // yaml refuses to expand aliases past a limit (a "billion laughs" file): the file's fault; anything else is a bug here.
    if (!(error instanceof ReferenceError)) throw error;
    const hint = 'write the values out instead of repeating them with aliases (&name, *name)';
    return failure(path, 2, `the front matter expands its aliases too often to be read (${error.message})`, hint);
  }
  const result = loadFrontMatterSchema().safeParse(value ?? {});
  if (result.success) return { ok: true, data: result.data, lineOf };
  const located = result.error.issues.map((issue) => {
    const key = issue.code === 'unrecognized_keys' ? issue.keys.slice(0, 1) : issue.path;
    return { key, message: issue.message, line: lineOf(...key) };
  });
  const first = located.reduce((a, b) => (b.line < a.line ? b : a));
  const name = String(first.key[0]);
  // `title: 2024` or `author: true` is text to the desk and a number or a boolean to YAML: the fix is quotes (not for a
  // date or a language tag, which quotes do not make right).
  const found = valueAt(value, first.key);
  const unquoted = (typeof found === 'number' || typeof found === 'boolean') && /^expected (?:text|a URL)/.test(first.message);
  const hint = unquoted
    ? `put the value in quotes: unquoted, YAML reads it as ${typeof found === 'number' ? 'a number' : 'true or false'}, not text`
    : Object.hasOwn(HINTS, name) ? HINTS[name as keyof typeof HINTS] : KNOWN_KEYS;
  return failure(path, first.line, `front matter "${first.key.join('.')}": ${first.message}`, hint);
}

/** The front matter as `yaml`'s document, and the file line of a key in it (line 1 when it has none). */
function locateFrontMatter(yaml: string): { document: Yaml.Document; lineOf: (...key: readonly PropertyKey[]) => number } {
  const { document, lineOf } = locateKeys(yaml);
  // The front matter starts on file line 2, after its `---`.
  const fileLineOf = (...key: readonly PropertyKey[]): number => {
    const line = key.length > 0 ? lineOf(...key) : undefined;
    return line === undefined ? 1 : line + 1;
  };
  return { document, lineOf: fileLineOf };
}

/** The file line of the front matter key `key` of a Markdown article's text, or undefined when it has none. */
export function frontMatterLine(text: string, key: string): number | undefined {
  const split = splitFrontMatter(text, '');
  if (!split.ok) return undefined;
  const { document, lineOf } = locateFrontMatter(split.yaml);
  return document.has(key) ? lineOf(key) : undefined;
}

/** The value of `key` in the front matter of a Markdown file's `text` (as YAML gives it), or undefined. */
export function frontMatterValue(text: string, key: string): unknown {
  const split = splitFrontMatter(text, '');
  if (!split.ok) return undefined;
  return locateFrontMatter(split.yaml).document.toJS()?.[key] as unknown;
}

/** Plain text of the first visible block of type `open` (tight list items hide their paragraphs). */
function firstInlineText(tokens: readonly Token[], open: string): string | undefined {
  const index = tokens.findIndex((token) => token.type === open && !token.hidden);
  const inline = index === -1 ? undefined : tokens[index + 1];
  // A raw <q> gives its quotation marks, as a browser draws them (see plain-text.ts): else a quote reads as the writer's words.
  const quoteMark = (html: string): string => (/^<q[\s>]/i.test(html) ? '“' : /^<\/q\s*>/i.test(html) ? '”' : '');
  const textOf = (child: Token): string =>
    child.type === 'text' || child.type === 'code_inline'
      ? child.content
      : child.type.endsWith('break')
        ? ' '
        : child.type === 'html_inline'
          ? quoteMark(child.content)
          : '';
  return inline?.children?.map(textOf).join('');
}

/**
 * Parses a Markdown article: YAML front matter (title, date, summary, section, tags, author, image,
 * imageAlt, draft, updated, lang, slug) and a Markdown body, whose raw HTML is sanitized. A missing title comes from the first
 * heading or paragraph, a missing summary from the first paragraph.
 */
export function parseMarkdownArticle(source: string, path: string, options: ParseOptions): ParseResult<ArticleContent> {
  const prepared = prepareText(source, path);
  if (!prepared.ok) return prepared;
  const parts = splitFrontMatter(prepared.text, path);
  if (!parts.ok) return parts;
  const front = readFrontMatter(parts.yaml, path);
  if (!front.ok) return front;
  const data = front.data;
  const date = parseArticleDate(data.date, options.timezone);
  if (!date.ok) return failure(path, front.lineOf('date'), date.message, date.hint);
  const updated = data.updated ? parseArticleDate(data.updated, options.timezone) : null;
  if (updated && !updated.ok) return failure(path, front.lineOf('updated'), updated.message, updated.hint);
  if (updated && updated.date < date.date) {
    return failure(path, front.lineOf('updated'), `updated "${data.updated}" is before date "${data.date}"`, HINTS.updated);
  }

  // The file's line of the body's line `at` (from 0; its first by default), for its problems.
  const bodyLine = (at = 0): number => prepared.text.slice(0, prepared.text.length - parts.body.length).split('\n').length + at;
  const parsed = parseMarkdownBody(parts.body);
  if (!parsed.ok) {
    const hint = 'split it into several articles, or move the data into a file of its own';
    const limit = MAX_BODY_TOKENS.toLocaleString('en');
    const what =
      parsed.count === null
        ? `the body makes more than ${limit} Markdown blocks and parts, the most an article may have`
        : `the body makes ${parsed.count.toLocaleString('en')} Markdown blocks and parts, over the ${limit} an article may have`;
    return failure(path, bodyLine(), what, hint);
  }
  const { tokens } = parsed;
  const deep = overOpenTags(tokens);
  if (deep !== null) {
    const hint = 'close the tags the HTML opens, or write the body in Markdown';
    return failure(path, bodyLine(deep), `the body's HTML has more than ${MAX_OPEN_TAGS.toLocaleString('en')} tags open at once here`, hint);
  }
  const html = renderMarkdownBody(tokens, options.baseUrl);
  const firstParagraph = firstInlineText(tokens, 'paragraph_open');
  // A heading a reader cannot see (only zero-width characters) gives way to the paragraph.
  const title = (data.title && titleText(data.title)) || deriveTitle(firstInlineText(tokens, 'heading_open') ?? '') || deriveTitle(firstParagraph ?? '');
  if (title === '') {
    return failure(path, 1, 'no title in the front matter and no heading or paragraph to take one from', HINTS.title);
  }
  const { id, slug, formerSlug } = articleKeys(path, title, data.slug || null);
  // Property by property, no spreads: a literal with spreads in it took a fifth of this function's time.
  const article: ArticleContent = {
    id,
    slug,
    title,
    summary: data.summary || deriveSummary(firstParagraph ?? ''),
    date: date.date,
    section: data.section || null,
    // As a title: one a reader cannot see (a zero-width space) is none, not an empty byline or an invisible category.
    tags: [...new Set(data.tags ?? [])].filter((tag) => seen(tag) !== ''),
    author: seen(data.author ?? '') || null,
    source: null,
    lang: data.lang || folderLanguage(path, options.languages),
    image: data.image
      ? { url: options.baseUrl === undefined ? data.image : absoluteUrl(data.image, options.baseUrl), alt: data.imageAlt ?? title, caption: null, credit: null }
      : null,
    html,
    related: [],
    draft: data.draft ?? false,
    sourcePath: path,
  };
  if (updated && updated.date > date.date) article.updated = updated.date;
  if (formerSlug !== undefined) article.formerSlug = formerSlug;
  return { ok: true, article };
}
