// Reads and validates `content/site.json`.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import { siteConfigSchema, type SiteConfig } from './schema.js';

/** Validates parsed site.json data; every problem is reported at once as `file: key.path: message`. */
export function parseSiteConfig(data: unknown, path = 'site.json'): SiteConfig {
  const result = siteConfigSchema.safeParse(data);
  if (!result.success) {
    const problems: Problem[] = result.error.issues.map((issue) => {
      const keys = issue.path.map(String).join('.');
      return { path, message: keys ? `${keys}: ${issue.message}` : issue.message };
    });
    throw new InputError('E_CONFIG', problems, { cause: result.error });
  }
  const config = result.data;
  return { ...config, newsletter: { ...config.newsletter, timezone: config.newsletter.timezone ?? config.timezone } };
}

/** Parses the text of site.json; a syntax error names its line. */
export function parseSiteConfigText(text: string, path = 'site.json'): SiteConfig {
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
  return parseSiteConfig(data, path);
}

/** Loads `site.json` from the content folder. */
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
  return parseSiteConfigText(text, path);
}
