// Loads the page templates of `templates/site/` into their own Handlebars instance.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

/** Compiled page templates and the stylesheet; `hash` changes whenever any of them does. */
export interface SiteTemplates {
  index: Handlebars.TemplateDelegate;
  article: Handlebars.TemplateDelegate;
  section: Handlebars.TemplateDelegate;
  /** The sign-up form; the server renders it too, with the error of a refused address. */
  subscribe: Handlebars.TemplateDelegate;
  css: string;
  hash: string;
}

/** `templates/site/` of this installation (the same relative path from `src/` and from `dist/`). */
export const defaultTemplatesDir = fileURLToPath(new URL('../../templates/site/', import.meta.url));

const files = ['layout.hbs', 'list.hbs', 'index.hbs', 'article.hbs', 'section.hbs', 'subscribe.hbs', 'site.css', 'choices.hbs'] as const;

/** Reads and compiles the site templates; `{{x}}` escapes, only `{{{article.html}}}` is raw (already sanitized). */
export async function loadSiteTemplates(dir: string = defaultTemplatesDir): Promise<SiteTemplates> {
  const [layout = '', list = '', index = '', article = '', section = '', subscribe = '', css = '', choices = ''] = await Promise.all(
    files.map((name) => readFile(join(dir, name), 'utf8')),
  );
  const hash = createHash('sha256');
  for (const text of [layout, list, index, article, section, subscribe, css, choices]) hash.update(text).update('\0');
  const hbs = Handlebars.create();
  const compile = (source: string): Handlebars.TemplateDelegate => hbs.compile(source, { strict: true });
  // Compiled, not as strings: Handlebars would recompile a string partial on every render.
  hbs.registerPartial({ layout: compile(layout), list: compile(list), choices: compile(choices) });
  return {
    index: compile(index),
    article: compile(article),
    section: compile(section),
    subscribe: compile(subscribe),
    css,
    hash: hash.digest('hex'),
  };
}
