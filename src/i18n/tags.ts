// Language tags as Gazette reads them: a module of its own, so the parsers check a `lang:` without loading the catalogues.

/**
 * Whether `tag` is a BCP 47 language tag as site.json and front matter take it: `en`, `ar`, `pt-BR`, `zh-Hant-TW`,
 * the forms Gazette always took (an article's `lang: zh-min-nan` or `en-GB-oed`, which Intl does not read), and
 * extensions as Intl reads them (`ar-u-nu-arab`, Arabic with Arabic-Indic digits).
 */
export function isLanguageTag(tag: string): boolean {
  return /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/.test(tag) || isIntlTag(tag);
}

/**
 * Whether Intl reads `tag` (the site's `language`, whose dates, digits and plural rules Intl writes): `ar-u-nu-arab`
 * yes, `en-GB-oed` or `de-DE-DE` not.
 */
export function isIntlTag(tag: string): boolean {
  if (!/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/.test(tag)) return false;
  try {
    Intl.getCanonicalLocales(tag);
    return true;
  } catch {
    return false;
  }
}

/** What is wrong with `value`, which is no language tag, and the tag it looks like: `ar_SA` is `ar-SA`, `en ` is `en`. */
export function languageTagMessage(value: unknown, example: string): string {
  const text = typeof value === 'string' ? value : '';
  const joined = text.trim().replaceAll('_', '-');
  const why = text.includes('_') ? `a tag's parts are joined with "-"` : 'without spaces';
  const like = joined !== text && isLanguageTag(joined) ? ` (did you mean "${joined}"? ${why})` : '';
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
