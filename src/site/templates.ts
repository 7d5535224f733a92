// Loads the page templates of `templates/site/` into their own Handlebars instance.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type Handlebars from 'handlebars';
import { handlebarsRuntime, loadHandlebarsCompiler } from '../handlebars.js';
import { registerMessageHelpers } from '../i18n/index.js';
import { templatesDirOf } from '../paths.js';

/** Compiled page templates and the stylesheet; `hash` changes whenever any of them does. */
export interface SiteTemplates {
  index: Handlebars.TemplateDelegate;
  article: Handlebars.TemplateDelegate;
  section: Handlebars.TemplateDelegate;
  /** The sign-up form; the server renders it too, with the error of a refused address. */
  subscribe: Handlebars.TemplateDelegate;
  /** The page left at an article's old URL: meta refresh, canonical link and a plain link (no script). */
  redirect: Handlebars.TemplateDelegate;
  /** The newsletter archive's page until `publish` writes the archive: no issue sent yet. */
  archive: Handlebars.TemplateDelegate;
  css: string;
  hash: string;
}

/** `templates/site/` of this installation (see templatesDirOf). */
export const defaultTemplatesDir = templatesDirOf('site');

const files = ['layout.hbs', 'list.hbs', 'index.hbs', 'article.hbs', 'section.hbs', 'subscribe.hbs', 'site.css', 'redirect.hbs', 'choices.hbs', 'archive.hbs'] as const;

/** The Handlebars templates among `files`. */
const templateFiles = files.filter((name) => name.endsWith('.hbs'));

/** Per template file name, its text's hash and the code Handlebars compiled it to (`npm run build` writes them: see renderPrecompiledTemplates). */
export type PrecompiledTemplates = Partial<Record<string, { hash: string; spec: Parameters<typeof Handlebars.template>[0] }>>;

/** The file the build writes beside this module's compiled code (absent when running from source). */
export const precompiledFile = 'templates.precompiled.js';

// Strict: a missing value is an error, not an empty string. The helpers are named (registerMessageHelpers' and
// Handlebars' own), so the compiled code calls them directly instead of looking each name up at every render (an
// article page renders 8% faster); a template that calls any other helper is refused, naming it.
const compileOptions = { strict: true, knownHelpers: { t: true, bdi: true }, knownHelpersOnly: true } as const;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

let precompiled: Promise<PrecompiledTemplates> | undefined;

/** The shipped templates as `npm run build` compiled them; none when running from source. */
function loadPrecompiled(): Promise<PrecompiledTemplates> {
  precompiled ??= import(new URL(`./${precompiledFile}`, import.meta.url).href).then(
    (module: { default: PrecompiledTemplates }) => module.default,
    () => ({}),
  );
  return precompiled;
}

/**
 * The module `npm run build` writes as `precompiledFile`: each site template of `dir` compiled by Handlebars ahead of
 * time, with the hash of its text. Every thread that renders pages would otherwise compile them again (and load
 * Handlebars' compiler) in every build.
 */
export async function renderPrecompiledTemplates(dir: string = defaultTemplatesDir): Promise<string> {
  const entries = await Promise.all(
    templateFiles.map(async (name) => {
      const text = await readFile(join(dir, name), 'utf8');
      return `  ${JSON.stringify(name)}: { hash: ${JSON.stringify(sha256(text))}, spec: ${loadHandlebarsCompiler().precompile(text, compileOptions)} },`;
    }),
  );
  return `// Made by \`npm run build\` from templates/site/: the templates compiled ahead of time (see src/site/templates.ts).\nexport default {\n${entries.join('\n')}\n};\n`;
}

/**
 * Reads and compiles the site templates; `{{x}}` escapes, only `{{{article.html}}}` is raw (already sanitized).
 * Words come from the catalogue through `{{t "key"}}`, in the view's `locale`. A template whose text is the one
 * `npm run build` precompiled (`precompiledTemplates`) is not compiled again.
 */
export async function loadSiteTemplates(
  dir: string = defaultTemplatesDir,
  precompiledTemplates: Promise<PrecompiledTemplates> = loadPrecompiled(),
): Promise<SiteTemplates> {
  const [texts, ready] = await Promise.all([Promise.all(files.map((name) => readFile(join(dir, name), 'utf8'))), precompiledTemplates]);
  const hash = createHash('sha256');
  for (const text of texts) hash.update(text).update('\0');
  const sources = new Map(files.map((name, i) => [name, texts[i] ?? '']));
  // A template whose text is the one precompiled needs only Handlebars' runtime; one edited since is compiled here.
  const specs = new Map(templateFiles.map((name) => [name, ready[name]?.hash === sha256(sources.get(name) ?? '') ? ready[name]?.spec : undefined]));
  const hbs = ([...specs.values()].every((spec) => spec !== undefined) ? handlebarsRuntime : loadHandlebarsCompiler()).create();
  registerMessageHelpers(hbs);
  const compile = (name: (typeof files)[number]): Handlebars.TemplateDelegate => {
    const spec = specs.get(name);
    return spec === undefined ? hbs.compile(sources.get(name) ?? '', compileOptions) : hbs.template(spec);
  };
  // Compiled, not as strings: Handlebars would recompile a string partial on every render.
  hbs.registerPartial({ layout: compile('layout.hbs'), list: compile('list.hbs'), choices: compile('choices.hbs') });
  return {
    index: compile('index.hbs'),
    article: compile('article.hbs'),
    section: compile('section.hbs'),
    subscribe: compile('subscribe.hbs'),
    redirect: compile('redirect.hbs'),
    archive: compile('archive.hbs'),
    css: sources.get('site.css') ?? '',
    hash: hash.digest('hex'),
  };
}
