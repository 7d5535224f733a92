// Loads the page templates of `templates/site/` into their own Handlebars instance.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { registerMessageHelpers } from '../i18n/index.js';

/** Compiled page templates and the stylesheet; `hash` changes whenever any of them does. */
export interface SiteTemplates {
  index: Handlebars.TemplateDelegate;
  article: Handlebars.TemplateDelegate;
  section: Handlebars.TemplateDelegate;
  /** The sign-up form; the server renders it too, with the error of a refused address. */
  subscribe: Handlebars.TemplateDelegate;
  /** The page left at an article's old URL: meta refresh, canonical link and a plain link (no script). */
  redirect: Handlebars.TemplateDelegate;
  css: string;
  hash: string;
}

/** `templates/site/` of this installation (the same relative path from `src/` and from `dist/`). */
export const defaultTemplatesDir = fileURLToPath(new URL('../../templates/site/', import.meta.url));

const files = ['layout.hbs', 'list.hbs', 'index.hbs', 'article.hbs', 'section.hbs', 'subscribe.hbs', 'site.css', 'redirect.hbs', 'choices.hbs'] as const;

/**
 * Reads and compiles the site templates; `{{x}}` escapes, only `{{{article.html}}}` is raw (already sanitized).
 * Words come from the catalogue through `{{t "key"}}`, in the view's `locale`.
 */
export async function loadSiteTemplates(dir: string = defaultTemplatesDir): Promise<SiteTemplates> {
  const [layout = '', list = '', index = '', article = '', section = '', subscribe = '', css = '', redirect = '', choices = ''] = await Promise.all(
    files.map((name) => readFile(join(dir, name), 'utf8')),
  );
  const hash = createHash('sha256');
  for (const text of [layout, list, index, article, section, subscribe, css, redirect, choices]) hash.update(text).update('\0');
  const hbs = Handlebars.create();
  registerMessageHelpers(hbs);
  const compile = (source: string): Handlebars.TemplateDelegate => hbs.compile(source, { strict: true });
  // Compiled, not as strings: Handlebars would recompile a string partial on every render.
  hbs.registerPartial({ layout: compile(layout), list: compile(list), choices: compile(choices) });
  return {
    index: compile(index),
    article: compile(article),
    section: compile(section),
    subscribe: compile(subscribe),
    redirect: compile(redirect),
    css,
    hash: hash.digest('hex'),
  };
}
