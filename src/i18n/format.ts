// Writing a message: ICU MessageFormat (plural, select, `#`) through intl-messageformat, whose plural rules are
// the runtime's own Intl.PluralRules (Arabic's zero/one/two/few/many/other included).
import type Handlebars from 'handlebars';
import { handlebarsRuntime } from '../handlebars.js';
import { IntlMessageFormat } from 'intl-messageformat';
import type { Locale } from './catalogue.js';
import { fallbackLanguage } from './catalogue.js';

/** Values a message is filled with: text, numbers (plural, `#`, or shown in the language's digits), and in HTML the link targets of `<tag>…</tag>`. */
export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * A message compiled for one language, the names of its `<tag>`s and of its plain values (`{number}`, not a plural's
 * or a select's), and, once written, its text and HTML without values.
 */
interface Compiled {
  format: IntlMessageFormat;
  language: string;
  tags: string[];
  plain: ReadonlySet<string>;
  /** Names a plural, select, number or date chooses by or formats: their values go in as they are. */
  chosen: ReadonlySet<string>;
  text?: string;
  html?: string;
}

/**
 * The shape of a parsed message's elements that valueNames reads (intl-messageformat's AST: 0 text, 1 a plain value, 6
 * a plural, 8 a `<tag>` with its children; the others a select, number, date or time).
 */
interface Element {
  type: number;
  value?: unknown;
  options?: Record<string, { value: Element[] }>;
  children?: Element[];
}

/** The names a message shows as plain values (`{number}`), those a plural chooses by, and those it uses otherwise. */
function valueNames(elements: readonly Element[]): { plain: Set<string>; plural: Set<string>; other: Set<string> } {
  const names = { plain: new Set<string>(), plural: new Set<string>(), other: new Set<string>() };
  const visit = (list: readonly Element[]): void => {
    for (const element of list) {
      if (typeof element.value === 'string' && element.type !== 0 && element.type !== 8) {
        (element.type === 1 ? names.plain : element.type === 6 ? names.plural : names.other).add(element.value);
      }
      for (const option of Object.values(element.options ?? {})) visit(option.value);
      visit(element.children ?? []);
    }
  };
  visit(elements);
  return names;
}

let groupOff: Element | undefined;

/**
 * The message with its plain values named in `numbers` written as numbers (`{count, number, ::group-off}`): a value a
 * plural chooses by is a number, which a plain `{count}` beside it would write in Latin digits.
 */
function withNumbers(elements: readonly Element[], numbers: ReadonlySet<string>): Element[] {
  groupOff ??= (new IntlMessageFormat('{n, number, ::group-off}', fallbackLanguage).getAst() as unknown as Element[])[0];
  return elements.map((element) => {
    if (element.type === 1 && typeof element.value === 'string' && numbers.has(element.value)) return { ...groupOff, value: element.value } as Element;
    if (element.children) return { ...element, children: withNumbers(element.children, numbers) };
    if (!element.options) return element;
    const options = Object.fromEntries(Object.entries(element.options).map(([key, option]) => [key, { ...option, value: withNumbers(option.value, numbers) }]));
    return { ...element, options };
  });
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/**
 * A number as `language` writes its digits (Arabic-Indic for `ar-EG`, Persian for `fa`, as its dates and a plural's
 * `#`), never grouped: the numbers shown plain are issues and pages, names rather than quantities.
 */
export function formatNumber(language: string, value: number): string {
  let format = numberFormats.get(language);
  if (!format) numberFormats.set(language, (format = new Intl.NumberFormat(language, { useGrouping: false })));
  return format.format(value);
}

/**
 * Compiled messages by language and text, not by Locale object: each batch of pages a worker thread renders brings its
 * own copy of the config, and compiling the same messages again for each cost a build of 10,000 pages about 0.2 s.
 */
const compiled = new Map<string, Compiled>();
/** Per Locale object, its compiled messages by key (the language check once per key). */
const byKey = new WeakMap<Locale, Map<string, Compiled>>();

function compiledOf(locale: Locale, key: string): Compiled {
  let keys = byKey.get(locale);
  if (!keys) {
    keys = new Map();
    byKey.set(locale, keys);
  }
  let entry = keys.get(key);
  if (!entry) {
    const message = locale.messages[key];
    if (message === undefined) throw new Error(`no message "${key}" in the catalogue (templates/locales/${fallbackLanguage}.json)`);
    // A key shown in English takes English plural rules; a tag the runtime does not know, too.
    const known = !locale.english.includes(key) && Intl.PluralRules.supportedLocalesOf(locale.tag).length > 0;
    const language = known ? locale.tag : fallbackLanguage;
    const id = `${language}\0${message}`;
    entry = compiled.get(id);
    if (!entry) {
      const parsed = new IntlMessageFormat(message, language);
      const elements = parsed.getAst() as unknown as Element[];
      const { plain, plural, other } = valueNames(elements);
      // A value a plural chooses by is a number: shown plain beside it, it is written as one. A select's may be text.
      const both = new Set([...plain].filter((name) => plural.has(name)));
      const chosen = new Set([...plural, ...other]);
      for (const name of chosen) plain.delete(name);
      const format = both.size === 0 ? parsed : new IntlMessageFormat(withNumbers(elements, both) as unknown as ReturnType<IntlMessageFormat['getAst']>, language);
      entry = { format, language, plain, chosen, tags: [...message.matchAll(/<([a-zA-Z][\w-]*)>/g)].map((m) => m[1] as string) };
      compiled.set(id, entry);
    }
    keys.set(key, entry);
  }
  return entry;
}

/** Per right-to-left Locale, the keys it shows in English (a catalogue without them). */
const englishKeys = new WeakMap<Locale, ReadonlySet<string>>();

/**
 * The message in Unicode isolates (LRI…PDI) when a right-to-left page shows it in English: left bare, its words
 * and punctuation took the page's direction (".new stories in this issue 2"). Isolates, not a `<span dir>`, as
 * messages are written into attributes too.
 */
function inEnglishIsolate(locale: Locale, key: string, message: string): string {
  if (locale.dir !== 'rtl' || locale.english.length === 0) return message;
  let keys = englishKeys.get(locale);
  if (!keys) {
    keys = new Set(locale.english);
    englishKeys.set(locale, keys);
  }
  return keys.has(key) ? `\u2066${message}\u2069` : message;
}

const hasValues = (params: MessageParams): boolean => {
  for (const _ in params) return true;
  return false;
};

/**
 * A message as plain text (subjects, page titles, notices, JSON answers); `<tag>…</tag>` keeps only its text. In a
 * right-to-left language each text value is wrapped in Unicode isolates (FSI…PDI), the plain-text `<bdi>`, and so
 * is a message shown in English, unless `isolate` is false (a subject line made only of values, which a mail
 * client's first-strong rule must see).
 */
export function t(locale: Locale, key: string, params: MessageParams = {}, isolate = true): string {
  const text = messageText(locale, key, params, isolate);
  return isolate ? inEnglishIsolate(locale, key, text) : text;
}

function messageText(locale: Locale, key: string, params: MessageParams, isolate: boolean): string {
  const message = compiledOf(locale, key);
  const fixed = !hasValues(params);
  if (fixed && message.text !== undefined) return message.text;
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'number') values[name] = message.plain.has(name) ? formatNumber(message.language, value) : value;
    // A value a select chooses by goes in as it is: isolated, it would match none of its cases.
    else values[name] = isolate && locale.dir === 'rtl' && !message.chosen.has(name) ? `\u2068${value}\u2069` : value;
  }
  for (const tag of message.tags) values[tag] = (chunks: unknown[]) => chunks.join('');
  const out = message.format.format(values);
  const text = Array.isArray(out) ? out.join('') : String(out);
  if (fixed) message.text = text;
  return text;
}

/** HTML, already escaped; the parts that are values carry it. */
interface Html {
  html: string;
}

function isHtml(part: unknown): part is Html {
  return typeof part === 'object' && part !== null && 'html' in part;
}

function toHtml(parts: readonly unknown[]): string {
  return parts.map((part) => (isHtml(part) ? part.html : handlebarsRuntime.escapeExpression(String(part)))).join('');
}

/**
 * A message as HTML: its text and every value escaped; `<name>…</name>` in the message becomes a link to the
 * param `name`. In a right-to-left language each text value is isolated in `<bdi>`, so a Latin name or an
 * address next to punctuation keeps its reading order.
 */
export function tHtml(locale: Locale, key: string, params: MessageParams = {}): string {
  return inEnglishIsolate(locale, key, messageHtml(locale, key, params));
}

function messageHtml(locale: Locale, key: string, params: MessageParams): string {
  const message = compiledOf(locale, key);
  const fixed = !hasValues(params);
  if (fixed && message.html !== undefined) return message.html;
  const values: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'number') values[name] = message.plain.has(name) ? ({ html: formatNumber(message.language, value) } satisfies Html) : value;
    // A value a select chooses by goes in as it is (toHtml escapes it where it is shown).
    else if (message.chosen.has(name)) values[name] = value;
    else {
      const escaped = handlebarsRuntime.escapeExpression(value);
      values[name] = { html: locale.dir === 'rtl' ? `<bdi>${escaped}</bdi>` : escaped } satisfies Html;
    }
  }
  for (const tag of message.tags) {
    const href = params[tag];
    if (typeof href !== 'string') throw new Error(`message "${key}" links <${tag}>, but no ${tag}= URL was given`);
    const escapedHref = handlebarsRuntime.escapeExpression(href);
    values[tag] = (chunks: unknown[]): Html => {
      const inner = toHtml(chunks);
      // A link that shows its own URL (a fallback for a button): the text part prints it in angle brackets (see email.ts).
      const own = inner === escapedHref || inner === `<bdi>${escapedHref}</bdi>`;
      return { html: `<a href="${escapedHref}"${own ? ' class="gz-url"' : ''}>${inner}</a>` };
    };
  }
  const out = message.format.format(values);
  const html = toHtml(Array.isArray(out) ? out : [out]);
  if (fixed) message.html = html;
  return html;
}

function localeOf(options: Handlebars.HelperOptions, helper: string): Locale {
  const locale = (options.data as { root?: { locale?: Locale } } | undefined)?.root?.locale;
  if (!locale) throw new Error(`{{${helper}}} needs a \`locale\` in the view it renders`);
  return locale;
}

/**
 * Registers the helpers of the view's locale (its root's `locale`) on a Handlebars instance:
 * `{{t "key" name=value count=n}}`, the message as escaped HTML, and `{{bdi value}}`, a value set among the
 * page's words (a section, an address), isolated in `<bdi>` on a right-to-left page and merely escaped otherwise.
 */
export function registerMessageHelpers(hbs: typeof Handlebars): void {
  hbs.registerHelper('t', function (key: unknown, options: Handlebars.HelperOptions) {
    const locale = localeOf(options, 't');
    if (typeof key !== 'string') throw new Error('{{t}} takes the message key as a string: {{t "site.readMore"}}');
    return new hbs.SafeString(tHtml(locale, key, options.hash as MessageParams));
  });
  hbs.registerHelper('bdi', function (value: unknown, options: Handlebars.HelperOptions) {
    const text = hbs.escapeExpression(String(value));
    return new hbs.SafeString(localeOf(options, 'bdi').dir === 'rtl' ? `<bdi>${text}</bdi>` : text);
  });
}
