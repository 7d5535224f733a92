// The message catalogues: one JSON file per language in `templates/locales/` (built in, shipped with the
// package) and in `<content>/templates/locales/` (the site's own: adds a language or overrides words).
// A catalogue is flat: `"key": "ICU message"`; English is complete and fills in every key a language lacks.
import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';
import { otherLanguage, type Article } from '../content/article.js';
import { InputError, type Problem } from '../errors.js';
import { templatesDirOf } from '../paths.js';

/** `templates/locales/` of this installation (see templatesDirOf). */
export const builtInLocalesDir = templatesDirOf('locales');

/** Where a site keeps its own catalogues, relative to the content folder. */
export const siteLocalesDir = join('templates', 'locales');

/** The language every key exists in, and the one a missing key falls back to. */
export const fallbackLanguage = 'en';

/** Primary language subtags written right to left. */
const rtlLanguages = new Set(['ar', 'arc', 'ckb', 'dv', 'fa', 'he', 'ks', 'ps', 'sd', 'ug', 'ur', 'yi']);
/** Right-to-left scripts (ISO 15924), which a tag's script subtag names: `pa-Arab` is Punjabi in Arabic script. */
const rtlScripts = new Set(['adlm', 'arab', 'hebr', 'mand', 'mend', 'nkoo', 'rohg', 'samr', 'syrc', 'thaa', 'yezi']);

/** A catalogue file as read: where it is (for messages) and its messages. */
export interface CatalogueFile {
  path: string;
  messages: Record<string, string>;
}

/** Catalogue files by lower-case language tag (`pt-br`), as found in one folder. */
export type CatalogueFiles = Record<string, CatalogueFile>;

/** The words of one site: its language's messages with English under them, and how to write them. */
export interface Locale {
  /** The site's language tag as configured (`ar`, `pt-BR`): `lang` attributes, dates and plural rules. */
  tag: string;
  dir: 'ltr' | 'rtl';
  /** Every key: the language's own message, or the English one. */
  messages: Record<string, string>;
  /** Keys the language has no message for, shown in English (written with English plural rules). */
  english: string[];
  /** What `build` reports once: missing or unknown keys of the site's catalogues. */
  warnings: Problem[];
}

/**
 * `rtl` for a right-to-left language tag (`ar`, `he-IL`, `fa`, `ur`, `pa-Arab`), else `ltr` (`ur-Latn` too): a script
 * subtag, when there is one, decides.
 */
export function directionOf(tag: string): 'ltr' | 'rtl' {
  const script = tag.split('-').slice(1).find((subtag) => /^[A-Za-z]{4}$/.test(subtag));
  if (script !== undefined) return rtlScripts.has(script.toLowerCase()) ? 'rtl' : 'ltr';
  return rtlLanguages.has(primarySubtag(tag)) ? 'rtl' : 'ltr';
}

// Letters of the right-to-left scripts of rtlScripts, and letters of any other script.
const rtlLetterSource =
  '(?=\\p{L})[\\p{Script=Adlam}\\p{Script=Arabic}\\p{Script=Hebrew}\\p{Script=Mandaic}\\p{Script=Mende_Kikakui}\\p{Script=Nko}\\p{Script=Hanifi_Rohingya}\\p{Script=Samaritan}\\p{Script=Syriac}\\p{Script=Thaana}\\p{Script=Yezidi}]';
const rtlLetter = new RegExp(rtlLetterSource, 'gu');
const anyRtlLetter = new RegExp(rtlLetterSource, 'u');
const letter = /\p{L}/gu;

/**
 * The direction most of the letters of `text` read in, or null when it has none (or as many of each). Unlike `dir="auto"`,
 * which takes the first letter's, an Arabic headline that starts with `Apple` is right to left.
 */
export function textDirection(text: string): 'ltr' | 'rtl' | null {
  // Most text has no right-to-left letter: one test, not two arrays of every letter (3 µs a list item on 10,000 pages).
  if (!anyRtlLetter.test(text)) return /\p{L}/u.test(text) ? 'ltr' : null;
  const rtl = text.match(rtlLetter)?.length ?? 0;
  const ltr = (text.match(letter)?.length ?? 0) - rtl;
  return rtl > ltr ? 'rtl' : ltr > rtl ? 'ltr' : null;
}

/**
 * An article's own language when it is not the site's (`locale`): its page, list entry, digest block and feed items
 * say so; else null. An article that names no language but whose headline and summary read the other way than the
 * site's is of an unknown language (tag `''`) in that direction: an English wire story on an Arabic site reads left to
 * right.
 */
export function articleLanguage(article: Pick<Article, 'lang' | 'title' | 'summary'>, locale: Pick<Locale, 'tag' | 'dir'>): { tag: string; dir: 'ltr' | 'rtl' } | null {
  const tag = otherLanguage(article, locale.tag);
  if (tag !== null) return { tag, dir: directionOf(tag) };
  if (article.lang !== null) return null;
  const dir = textDirection(`${article.title} ${article.summary}`);
  return dir === null || dir === locale.dir ? null : { tag: '', dir };
}

/**
 * A language as a feed, a sitemap or a mail names it: `und`, BCP 47's undetermined, for one not known (articleLanguage's
 * `''`, which a page writes as `lang=""` but MJML, RSS and Google News cannot).
 */
export function declaredLanguage(tag: string): string {
  return tag === '' ? 'und' : tag;
}

function primarySubtag(tag: string): string {
  return tag.split('-')[0]?.toLowerCase() ?? '';
}

/**
 * Validates one catalogue file's text: a JSON object of ICU messages; every problem names the file. `checkMessages`
 * false skips parsing each message (Gazette's own catalogues: their tests parse them, and every process read them).
 */
function parseCatalogue(text: string, path: string, checkMessages = true): { file: CatalogueFile; problems: Problem[] } {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { file: { path, messages: {} }, problems: [{ path, message: `not valid JSON (${reason})`, hint: 'fix the syntax; a JSON validator shows where' }] };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { file: { path, messages: {} }, problems: [{ path, message: 'expected a JSON object of "key": "message" pairs' }] };
  }
  const messages: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (typeof value !== 'string') {
      problems.push({ path, message: `"${key}": expected a string`, hint: 'write the message in double quotes' });
      continue;
    }
    try {
      if (checkMessages) new IntlMessageFormat(value, fallbackLanguage);
      messages[key] = value;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const hint = 'write {name} for a value, {count, plural, one {# item} other {# items}} for a plural, \'{\' for a literal brace';
      problems.push({ path, message: `"${key}": not a valid message (${reason})`, hint });
    }
  }
  return { file: { path, messages }, problems };
}

function failOn(problems: readonly Problem[]): void {
  if (problems.length > 0) throw new InputError('E_CONFIG', problems);
}

let builtIn: CatalogueFiles | undefined;

/** The catalogues shipped with Gazette, read once per process. */
export function builtInCatalogues(): CatalogueFiles {
  if (builtIn) return builtIn;
  const files: CatalogueFiles = {};
  for (const name of readdirSync(builtInLocalesDir).filter((n) => n.endsWith('.json')).sort()) {
    const path = join(builtInLocalesDir, name);
    const { file, problems } = parseCatalogue(readFileSync(path, 'utf8'), path, false);
    failOn(problems);
    files[name.slice(0, -'.json'.length).toLowerCase()] = file;
  }
  builtIn = files;
  return files;
}

/** The built-in language tags, for messages (`en, tr, ar, de, fr, es`). */
export function builtInLanguages(): string[] {
  const tags = Object.keys(builtInCatalogues());
  return [fallbackLanguage, ...tags.filter((t) => t !== fallbackLanguage)];
}

/** The names of the catalogue files (`*.json`) in `dir`, sorted; none when there is no such folder. */
export async function catalogueNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Reads a site's catalogues from `<contentDir>/templates/locales/*.json`; no such folder is no catalogue.
 * An invalid file throws InputError naming it.
 */
export async function loadSiteCatalogues(contentDir: string): Promise<CatalogueFiles> {
  const dir = join(contentDir, siteLocalesDir);
  const names = await catalogueNames(dir);
  const files: CatalogueFiles = {};
  const problems: Problem[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const parsed = parseCatalogue(await readFile(path, 'utf8'), path);
    problems.push(...parsed.problems);
    files[name.slice(0, -'.json'.length).toLowerCase()] = parsed.file;
  }
  failOn(problems);
  return files;
}

/**
 * The locale of a site whose `language` is `tag`. Layers, each over the one before: English (built in, then the
 * site's `en.json`), then the primary language (`pt`), then the full tag (`pt-BR`), built in before the site's.
 * A tag with no catalogue at either level throws InputError naming the built-in languages. `configPath` is the
 * site.json the tag came from.
 */
export function resolveLocale(tag: string, site: CatalogueFiles = {}, configPath = 'site.json'): Locale {
  const builtIns = builtInCatalogues();
  const english = builtIns[fallbackLanguage];
  if (!english) throw new Error(`no ${fallbackLanguage}.json in ${builtInLocalesDir}`);
  const levels = [...new Set([primarySubtag(tag), tag.toLowerCase()])].filter((level) => level !== fallbackLanguage);
  const own = levels.flatMap((level) => [builtIns[level], site[level]].filter((file) => file !== undefined));
  const isEnglish = primarySubtag(tag) === fallbackLanguage;
  if (!isEnglish && own.length === 0) {
    throw new InputError('E_CONFIG', [
      {
        path: configPath,
        message: `language: Gazette has no words for "${tag}" (built in: ${builtInLanguages().join(', ')})`,
        hint: `pick one of those, or translate ${join(builtInLocalesDir, 'en.json')} into <content>/${siteLocalesDir}/${primarySubtag(tag)}.json`,
      },
    ]);
  }
  const base = { ...english.messages, ...site[fallbackLanguage]?.messages };
  const translated: Record<string, string> = {};
  for (const file of own) Object.assign(translated, file.messages);
  const untranslated = isEnglish ? [] : Object.keys(base).filter((key) => !Object.hasOwn(translated, key));
  const warnings: Problem[] = [];
  const siteFiles = [site[fallbackLanguage], ...levels.map((level) => site[level])].filter((file) => file !== undefined);
  for (const file of siteFiles) {
    const unknown = Object.keys(file.messages).filter((key) => !Object.hasOwn(english.messages, key));
    if (unknown.length > 0) {
      warnings.push({ path: file.path, message: `unknown keys, not used: ${unknown.join(', ')}`, hint: `the keys are those of ${join(builtInLocalesDir, 'en.json')}` });
    }
  }
  if (untranslated.length > 0) {
    const where = own.at(-1)?.path ?? configPath;
    warnings.push({
      path: where,
      message: `no "${tag}" words for ${untranslated.length} key${untranslated.length === 1 ? '' : 's'}, English is shown: ${untranslated.join(', ')}`,
      hint: `add them to <content>/${siteLocalesDir}/${primarySubtag(tag)}.json`,
    });
  }
  return { tag, dir: directionOf(tag), messages: { ...base, ...pick(translated, Object.keys(base)) }, english: untranslated, warnings };
}

function pick(messages: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.flatMap((key) => (Object.hasOwn(messages, key) ? [[key, messages[key] as string]] : [])));
}
