// Reads and validates `content/site.json`.
import { readFile } from 'node:fs/promises';
import { decodeUtf8 } from '../content/encoding.js';
import { join } from 'node:path';
import { InputError, quoteValue, type Problem } from '../errors.js';
import { loadSiteCatalogues, resolveLocale, type CatalogueFiles } from '../i18n/catalogue.js';
import type * as z from 'zod';
import { locateKeys, repeatedKeys, valueAt, type LocatedKeys, type RepeatedKey } from '../key-lines.js';
import { closestName } from '../suggest.js';
import { describeJsonMistake, lineOf } from './json-errors.js';
import { siteConfigSchema, type SiteConfig } from './schema.js';

/** Where site.json's settings are explained. */
const README = 'README "Site config"';

/** A required setting as a desk would write it, by its key path (an edition's index written `*`): what a missing one's hint shows. */
const requiredExamples: Readonly<Record<string, string>> = {
  title: '"title": "Example News"',
  baseUrl: '"baseUrl": "https://news.example.org"',
  author: '"author": { "name": "The news desk" }',
  'author.name': '"name": "The news desk"',
  newsletter: '"newsletter": { "from": "Example News <news@example.org>", "postalAddress": "1 Example Street, Example City" }',
  'newsletter.from': '"from": "Example News <news@example.org>"',
  'newsletter.postalAddress': '"postalAddress": "1 Example Street, Example City"',
  'newsletter.editions.*.id': '"id": "daily"',
  'newsletter.editions.*.name': '"name": "Daily briefing"',
  'newsletter.editions.*.schedule': '"schedule": "0 7 * * *"',
};

/** What zod's `expected` of a value of the wrong type means to someone writing JSON. */
const expectedValues: Readonly<Record<string, string>> = {
  string: 'text in quotes',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object { … }',
  record: 'an object { … }',
  array: 'a list [ … ]',
};

/** The part of a zod schema's definition that says which settings an object has, through defaults, nullables and lists. */
interface SchemaDef {
  _zod: { def: { type: string; format?: string; shape?: Record<string, SchemaDef>; innerType?: SchemaDef; element?: SchemaDef; in?: SchemaDef } };
}

/** The schema's definition of the value at `keys` in site.json (through defaults, nullables and pipes), or undefined. */
function definitionAt(keys: readonly PropertyKey[]): SchemaDef['_zod']['def'] | undefined {
  let schema: SchemaDef | undefined = siteConfigSchema as unknown as SchemaDef;
  const settle = (): void => {
    for (let def = schema?._zod.def; def && (def.innerType ?? def.in); def = schema?._zod.def) schema = def.innerType ?? def.in;
  };
  settle();
  for (const key of keys) {
    const def: SchemaDef['_zod']['def'] | undefined = schema?._zod.def;
    schema = typeof key === 'number' ? def?.element : def?.shape && Object.hasOwn(def.shape, key) ? def.shape[String(key)] : undefined;
    settle();
  }
  return schema?._zod.def;
}

/** The settings (keys) of the object at `keys` in site.json, as the schema declares them; none where no object is. */
function settingsAt(keys: readonly PropertyKey[]): string[] {
  return Object.keys(definitionAt(keys)?.shape ?? {});
}

/** A key path as problems write it: `newsletter.editions.1.id`. */
function keyPath(keys: readonly PropertyKey[]): string {
  return keys.map(String).join('.');
}

/** The object at `keys` as a problem names it: `"feeds"`, `"newsletter.editions.1"`. */
function objectName(keys: readonly PropertyKey[]): string {
  return `"${keyPath(keys)}"`;
}

/** A value found where another was expected, as a problem quotes it. */
function found(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'an object';
  // JSON.parse reads 1e999 as Infinity, which JSON.stringify would write as null.
  const text = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

/** The problems of one zod issue: its words made a desk's (what is missing, what was found, what was meant), at its key's line. */
function problemsOf(issue: z.core.$ZodIssue, data: unknown, path: string, lineOf: (keys: readonly PropertyKey[]) => number | undefined): Problem[] {
  const at = (keys: readonly PropertyKey[], message: string, hint?: string, named = keyPath(keys)): Problem => {
    const line = lineOf(keys);
    return { path, ...(line === undefined ? {} : { line }), message: named ? `${named}: ${message}` : message, ...(hint === undefined ? {} : { hint }) };
  };
  const keys = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const settings = settingsAt(keys);
    const owner = keys.length === 0 ? 'site.json' : objectName(keys);
    return issue.keys.map((key) => {
      const meant = closestName(key, settings);
      const hint = meant === undefined ? `the settings of ${owner} are ${settings.join(', ')} (${README})` : `did you mean "${meant}"? (${README})`;
      // The desk's own key, quoted: it may be long, or hold spaces, a colon or control characters.
      return at([...keys, key], `${quoteValue(key, 60)} is not a setting of ${owner}`, hint, '');
    });
  }
  const value = valueAt(data, keys);
  if (issue.code === 'invalid_type' && value === undefined && keys.length > 0) {
    const example = requiredExamples[keys.map((key) => (typeof key === 'number' ? '*' : String(key))).join('.')];
    const where = keys.length === 1 ? '' : ` to ${objectName(keys.slice(0, -1))}`;
    return [at(keys, 'missing', `add ${example ?? `"${String(keys.at(-1))}"`}${where} (${README})`)];
  }
  // What follows rewords zod's own messages; a schema's own (`expected the postal address …`) stays as it is.
  if (!/^(?:Invalid input|Too small|Too big)\b/.test(issue.message)) return [at(keys, issue.message)];
  if (issue.code === 'invalid_type') {
    const expected = issue.expected === 'number' && definitionAt(keys)?.format === 'safeint' ? 'int' : issue.expected;
    const hint = keys.length === 0 ? `site.json holds one JSON object: { "title": …, "baseUrl": …, "author": …, "newsletter": … } (${README})` : undefined;
    return [at(keys, `expected ${expectedValues[expected] ?? expected}, found ${found(value)}`, hint)];
  }
  if ((issue.code === 'too_small' || issue.code === 'too_big') && issue.origin === 'number') {
    const bound = issue.code === 'too_small' ? `${issue.inclusive === false ? 'more than' : 'at least'} ${issue.minimum}` : `${issue.inclusive === false ? 'less than' : 'at most'} ${issue.maximum}`;
    return [at(keys, `expected ${bound}, found ${found(value)}`)];
  }
  if (issue.code === 'too_small' && issue.origin === 'string' && issue.minimum === 1) return [at(keys, 'expected text, found an empty string')];
  return [at(keys, issue.message)];
}

/**
 * Validates parsed site.json data; every problem is reported at once as `file:line: key.path: message — hint`.
 * `catalogues` are the site's own message catalogues (see loadSiteCatalogues), laid over the built-in ones; `locate`
 * finds the line of a key in the text the data was parsed from (asked for only when there are problems).
 */
export function parseSiteConfig(data: unknown, path = 'site.json', catalogues: CatalogueFiles = {}, locate?: () => LocatedKeys): SiteConfig {
  const result = siteConfigSchema.safeParse(data);
  if (!result.success) {
    // One bound a key: zod reports `z.int()`'s own (2^53) beside the schema's, which comes last and is the one to heed.
    const issues = result.error.issues.filter(
      (issue, i, all) => (issue.code !== 'too_big' && issue.code !== 'too_small') || !all.slice(i + 1).some((later) => later.code === issue.code && keyPath(later.path) === keyPath(issue.path)),
    );
    const located = locate?.();
    // A key that is not there (a missing setting) is shown at the object that lacks it.
    const lineOf = (keys: readonly PropertyKey[]): number | undefined => {
      for (let n = keys.length; located && n >= 0; n--) {
        const line = located.lineOf(...keys.slice(0, n));
        if (line !== undefined) return line;
      }
      return undefined;
    };
    const problems = issues.flatMap((issue) => problemsOf(issue, data, path, lineOf));
    // Top to bottom, as the desk reads the file (a problem without a line last).
    const order = (problem: Problem): number => problem.line ?? Number.MAX_SAFE_INTEGER;
    throw new InputError('E_CONFIG', problems.sort((a, b) => order(a) - order(b)), { cause: result.error });
  }
  const config = result.data;
  const locale = resolveLocale(config.language, catalogues, path);
  return {
    ...config,
    newsletter: { ...config.newsletter, timezone: config.newsletter.timezone ?? config.timezone },
    locale,
    warnings: locale.warnings,
  };
}

/** The warning for a key site.json writes more than once, at its first line: JSON.parse keeps the last value and drops the others without a word. */
function repeatedKeyWarning(path: string, { keys, lines }: RepeatedKey): Problem {
  const [first, ...later] = lines;
  const last = later.at(-1);
  const times = lines.length === 2 ? 'twice' : `${lines.length} times`;
  const elsewhere = later.length === 1 ? `line ${last}` : `lines ${later.slice(0, -1).join(', ')} and ${last}`;
  const where = later.every((line) => line === first) ? `${times} on this line: only the last one counts` : `${times}, here and on ${elsewhere}: only the one on line ${last} counts`;
  return {
    path,
    ...(first === undefined ? {} : { line: first }),
    message: `${quoteValue(keyPath(keys), 60)} is written ${where}`,
    hint: 'keep the one you mean and remove the others',
  };
}

/** How many keys the objects of a JSON text write, a key written twice counted twice (in JSON a string before a colon is a key). */
function writtenKeys(text: string): number {
  return text.match(/"(?:[^"\\]|\\.)*"\s*:/g)?.length ?? 0;
}

/** How many keys the objects of a parsed JSON value hold: JSON.parse keeps one of a key written twice. */
function heldKeys(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((count: number, item) => count + heldKeys(item), 0);
  if (value === null || typeof value !== 'object') return 0;
  return Object.values(value).reduce((count: number, item) => count + 1 + heldKeys(item), 0);
}

/** Parses the text of site.json; a syntax error names its line. */
export function parseSiteConfigText(text: string, path = 'site.json', catalogues: CatalogueFiles = {}): SiteConfig {
  let data: unknown;
  // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse refuses it.
  const json = text.replace(/^\uFEFF/, '');
  try {
    data = JSON.parse(json);
  } catch (error) {
    const mistake = describeJsonMistake(json);
    if (mistake !== null) throw new InputError('E_CONFIG', [{ path, line: mistake.line, message: `not valid JSON: ${mistake.message}`, hint: mistake.hint }], { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : lineOf(json, Number(position));
    throw new InputError(
      'E_CONFIG',
      [{ path, ...(line === undefined ? {} : { line }), message: `not valid JSON (${message})`, hint: 'fix the syntax; a JSON validator shows where' }],
      { cause: error },
    );
  }
  const config = parseSiteConfig(data, path, catalogues, () => locateKeys(text));
  // The YAML reader only for a text that writes more keys than its value holds: most configs have no key twice.
  const repeated = writtenKeys(text) > heldKeys(data) ? repeatedKeys(text).map((key) => repeatedKeyWarning(path, key)) : [];
  return repeated.length === 0 ? config : { ...config, warnings: [...repeated, ...config.warnings] };
}

/** Loads `site.json` from the content folder, with the site's catalogues in `templates/locales/`. */
export async function loadSiteConfig(contentDir: string): Promise<SiteConfig> {
  const path = join(contentDir, 'site.json');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new InputError(
      'E_CONFIG',
      [{ path, message: 'cannot read the site config', hint: `create ${path} (see README "Site config") or pass --content DIR` }],
      { cause: error },
    );
  }
  // Read as UTF-8 regardless, a Latin-1 "Café" became "Caf" and U+FFFD on every page and feed.
  const text = decodeUtf8(bytes, path);
  if (!('text' in text)) throw new InputError('E_CONFIG', [text]);
  return parseSiteConfigText(text.text, path, await loadSiteCatalogues(contentDir));
}
