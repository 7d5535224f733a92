// Language tags as Gazette reads them: a module of its own, so the parsers check a `lang:` without loading the catalogues.

/**
 * Whether `tag` is a BCP 47 language tag as site.json and front matter take it, and as Intl reads it: `en`, `ar`,
 * `pt-BR`, `zh-Hant-TW`, `ar-u-nu-arab` (Arabic with Arabic-Indic digits).
 */
export function isLanguageTag(tag: string): boolean {
  if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/.test(tag)) return false;
  try {
    Intl.getCanonicalLocales(tag);
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with `value`, which is no language tag, and the tag it looks like: `ar_SA` is `ar-SA`. */
export function languageTagMessage(value: unknown, example: string): string {
  const joined = typeof value === 'string' ? value.trim().replaceAll('_', '-') : '';
  const like = joined !== value && isLanguageTag(joined) ? ` (did you mean "${joined}"? a tag's parts are joined with "-")` : '';
  return `expected a language tag such as ${example}${like}`;
}

/**
 * `tag` without its extensions (`ar-u-nu-arab` → `ar`): RSS readers and validators know languages and regions (RFC
 * 1766), not BCP 47's extensions.
 */
export function withoutExtensions(tag: string): string {
  const parts = tag.split('-');
  const singleton = parts.findIndex((part, i) => i > 0 && part.length === 1);
  return singleton === -1 ? tag : parts.slice(0, singleton).join('-');
}
