// Language tags as Gazette reads them: a module of its own, so the parsers check a `lang:` without loading the catalogues.

/** A BCP 47 language tag as site.json and front matter take it: `en`, `ar`, `pt-BR`, `zh-Hant-TW`. */
export const languageTagPattern = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/;
