// Reads and validates `content/site.json`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import { loadSiteCatalogues, resolveLocale, type CatalogueFiles } from '../i18n/catalogue.js';
import { siteConfigSchema, type SiteConfig } from './schema.js';

/**
 * Validates parsed site.json data; every problem is reported at once as `file: key.path: message`. `catalogues`
 * are the site's own message catalogues (see loadSiteCatalogues), laid over the built-in ones.
 */
export function parseSiteConfig(data: unknown, path = 'site.json', catalogues: CatalogueFiles = {}): SiteConfig {
  const result = siteConfigSchema.safeParse(data);
  if (!result.success) {
    const keysOf = (issue: { path: readonly PropertyKey[] }): string => issue.path.map(String).join('.');
    // One bound a key: zod reports `z.int()`'s own (2^53) beside the schema's, which comes last and is the one to heed.
    const issues = result.error.issues.filter(
      (issue, i, all) => (issue.code !== 'too_big' && issue.code !== 'too_small') || !all.slice(i + 1).some((later) => later.code === issue.code && keysOf(later) === keysOf(issue)),
    );
    const problems: Problem[] = issues.map((issue) => {
      const keys = keysOf(issue);
      if (keys === '' && issue.code === 'invalid_type') {
        return { path, message: issue.message, hint: 'site.json holds one JSON object: { "title": …, "baseUrl": …, "author": …, "newsletter": … } (README "Site config")' };
      }
      return { path, message: keys ? `${keys}: ${issue.message}` : issue.message };
    });
    throw new InputError('E_CONFIG', problems, { cause: result.error });
  }
  const config = result.data;
  return {
    ...config,
    newsletter: { ...config.newsletter, timezone: config.newsletter.timezone ?? config.timezone },
    locale: resolveLocale(config.language, catalogues, path),
  };
}

/** Parses the text of site.json; a syntax error names its line. */
export function parseSiteConfigText(text: string, path = 'site.json', catalogues: CatalogueFiles = {}): SiteConfig {
  let data: unknown;
  try {
    // Editors on Windows save UTF-8 with a byte-order mark; JSON.parse refuses it.
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message)?.[1];
    const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
    throw new InputError(
      'E_CONFIG',
      [{ path, ...(line === undefined ? {} : { line }), message: `not valid JSON (${message})`, hint: 'fix the syntax; a JSON validator shows where' }],
      { cause: error },
    );
  }
  return parseSiteConfig(data, path, catalogues);
}

/** Loads `site.json` from the content folder, with the site's catalogues in `templates/locales/`. */
export async function loadSiteConfig(contentDir: string): Promise<SiteConfig> {
  const path = join(contentDir, 'site.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(
      'E_CONFIG',
      [{ path, message: 'cannot read the site config', hint: `create ${path} (see README "Site config") or pass --content DIR` }],
      { cause: error },
    );
  }
  return parseSiteConfigText(text, path, await loadSiteCatalogues(contentDir));
}
