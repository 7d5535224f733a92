// The one render path of every email: a Handlebars template (auto-escaping) makes MJML, MJML (strict)
// makes responsive HTML, html-to-text makes the plain-text part from that same HTML.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Handlebars from 'handlebars';
import { compile as compileHtmlToText, type FormatCallback } from 'html-to-text';
import { registerMessageHelpers } from '../i18n/index.js';
import { templatesDirOf } from '../paths.js';

/** Where the email templates live: `templates/email/` at the package root (see templatesDirOf). */
const emailTemplateDir = templatesDirOf('email');

/** The templates in `templates/email/`; partials (in `partials/`) are shared through `{{> name}}`. */
export type EmailTemplate = 'digest' | 'confirm' | 'archive';

/** Renders an email template with its view to HTML: `renderEmailHtml` here, or on a thread (render-thread.ts). */
export type RenderHtml = (name: EmailTemplate, view: object) => Promise<string>;

// Partials are Handlebars partials rather than `mj-include`s: an included file would bypass Handlebars, and
// with it the escaping of every value.
async function loadTemplates(): Promise<Map<string, Handlebars.TemplateDelegate>> {
  const handlebars = Handlebars.create();
  registerMessageHelpers(handlebars);
  const partialDir = join(emailTemplateDir, 'partials');
  for (const file of (await readdir(partialDir)).filter((f) => f.endsWith('.mjml'))) {
    handlebars.registerPartial(basename(file, '.mjml'), await readFile(join(partialDir, file), 'utf8'));
  }
  const templates = new Map<string, Handlebars.TemplateDelegate>();
  for (const file of (await readdir(emailTemplateDir)).filter((f) => f.endsWith('.mjml'))) {
    // strict: a misspelt field in a template throws instead of rendering as nothing.
    templates.set(basename(file, '.mjml'), handlebars.compile(await readFile(join(emailTemplateDir, file), 'utf8'), { strict: true }));
  }
  return templates;
}

let templates: Promise<Map<string, Handlebars.TemplateDelegate>> | undefined;

/** Fills a template with its view: the MJML source of an email. Templates are compiled once per process. */
export async function renderEmailMjml(name: EmailTemplate, view: object): Promise<string> {
  templates ??= loadTemplates();
  const template = (await templates).get(name);
  if (!template) throw new Error(`missing email template ${join(emailTemplateDir, `${name}.mjml`)}`);
  return template(view);
}

// htmlnano options (MJML's types list only some of them). cssnano 8 needs Node 22: without minifyCss: false,
// every render warns and skips CSS minification anyway. collapseBooleanAttributes would also turn alt=""
// into a bare `alt`, which some checkers read as missing. The templates have no SVG: minifySvg would only load
// svgo (about 18 MB resident) to find none.
const minifyOptions = { minifyCss: false, collapseBooleanAttributes: false, minifySvg: false };

/**
 * Renders a template with its view to HTML; invalid MJML throws (strict validation). MJML (about 60 MB with its
 * dependencies) is loaded on the first render, so a server that renders no mail and a `send` never load it.
 */
export async function renderEmailHtml(name: EmailTemplate, view: object): Promise<string> {
  const { default: mjml2html } = await import('mjml');
  const { html } = await mjml2html(await renderEmailMjml(name, view), {
    validationLevel: 'strict',
    minify: true,
    minifyOptions,
    // Keeps the `<!--GZ:MAIL-->` markers that the web version cuts at (conditional comments stay either way).
    keepComments: true,
    // No web fonts: a system font stack loads nothing from a third party.
    fonts: {},
  });
  return readablePreheader(html);
}

/**
 * MJML writes the hidden preheader in white, which spam filters read as text hidden on a light background
 * (SpamAssassin's HTML_FONT_LOW_CONTRAST). It is hidden by display:none already, so it gets the body's text colour.
 */
function readablePreheader(html: string): string {
  return html.replace(/(<div style="display:none;[^"]*?color:)#ffffff;/, '$1#1f2328;');
}

/** A node of the HTML as html-to-text walks it. */
interface Node {
  name?: string;
  attribs?: Record<string, string>;
  parent?: Node | null;
}

/**
 * The direction a node reads in within the text part: its own `dir`, else its nearest ancestor's, else left to right,
 * as a plain-text client starts; `<html dir>` does not count, as no text part carries it.
 */
function directionOf(node: Node | null | undefined): string {
  for (let at = node; at && at.name !== 'html'; at = at.parent) if (at.attribs?.dir === 'rtl' || at.attribs?.dir === 'ltr') return at.attribs.dir;
  return 'ltr';
}

/** A link's URL in the text part (`<https://…>`, or a reader's own link still a placeholder). */
const bracketedUrl = /<(?:https?:\/\/[^\s>]*|%%GZ_[A-Z_]+%%)>/g;

/**
 * The lines of a block that reads the other way than around it, each started with that direction's mark (RLM or LRM)
 * unless a block within marked it already: a plain-text client takes each line's direction from its first strong
 * letter, so `Apple تطلق …` read left to right. In right-to-left lines a URL is isolated (LRI…PDI), keeping its order.
 * The lines that mark the digest's regions stay as they are.
 */
function markLines(text: string, dir: string): string {
  const mark = dir === 'rtl' ? '\u200f' : '\u200e';
  return text
    .split('\n')
    .map((line) => {
      if (line === '' || /^[\u200e\u200f]/.test(line) || /^%%GZ_(?:IF_[a-z0-9]+|ENDIF)%%$/.test(line)) return line;
      return mark + (dir === 'rtl' ? line.replace(bracketedUrl, '\u2066$&\u2069') : line);
    })
    .join('\n');
}

/** Writes the link's URL in angle brackets, as the text part writes every URL (see bracketedUrl). */
function addBracketedHref(elem: Parameters<FormatCallback>[0], builder: Parameters<FormatCallback>[2]): void {
  builder.addInline(`<${String(elem.attribs?.href ?? '')}>`, { noWordTransform: true });
}

/** The plain-text part of an email, made from its HTML: no preheader, no images, links as `text <url>`. */
export const htmlToText = compileHtmlToText({
  wordwrap: 76,
  formatters: {
    // A block whose `dir` differs from its surroundings' (a right-to-left mail's body, an English story in it): see markLines.
    directionBlock: (elem, walk, builder, formatOptions) => {
      const node = elem as Node;
      const dir = directionOf(node);
      const turns = dir !== directionOf(node.parent);
      builder.openBlock({ leadingLineBreaks: formatOptions.leadingLineBreaks ?? 1 });
      walk(elem.children, builder);
      builder.closeBlock({ trailingLineBreaks: formatOptions.trailingLineBreaks ?? 1, ...(turns ? { blockTransform: (text: string) => markLines(text, dir) } : {}) });
    },
    // A name or address set among the words (the footer's site title and postal address, a kicker): FSI…PDI, as
    // `<bdi>` is in HTML, so `1 Example Street` keeps its order on an Arabic line.
    isolate: (elem, walk, builder) => {
      builder.addInline('\u2068', { noWordTransform: true });
      walk(elem.children, builder);
      builder.addInline('\u2069', { noWordTransform: true });
    },
    // A headline of the headlines-only form, which has no read-more button to print its URL: the URL on the line under it.
    linkUnder: (elem, walk, builder) => {
      walk(elem.children, builder);
      builder.addLineBreak();
      addBracketedHref(elem, builder);
    },
    // A link that shows its own URL: in angle brackets, as the text part's other links, so that a mail client finds it.
    // Not in its <bdi>'s isolates: a client that ends a link at a space took the PDI after the URL into it, and the link
    // failed. A right-to-left line isolates it around the brackets (see markLines), as every other link.
    ownUrl: (elem, _walk, builder) => addBracketedHref(elem, builder),
    // The line's words are the link's `data-gz-text` (the catalogue's, with the language's own colon).
    linkOnOwnLine: (elem, _walk, builder) => {
      if ((elem as { prev?: unknown }).prev) builder.addLineBreak();
      builder.addInline(String(elem.attribs?.['data-gz-text'] ?? ''));
      builder.addLineBreak();
      addBracketedHref(elem, builder);
    },
  },
  selectors: [
    { selector: 'img', format: 'skip' },
    // An article image's whole cell, so that its empty layout table leaves no blank lines.
    { selector: '.gz-image', format: 'skip' },
    // MJML's preheader (mj-preview) is a hidden div; inbox previews only.
    { selector: 'div[style*="display:none"]', format: 'skip' },
    // mj-divider: a rule between stories.
    { selector: 'p[style*="border-top:solid"]', format: 'horizontalLine', options: { length: 24, leadingLineBreaks: 2, trailingLineBreaks: 2 } },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['<', '>'] } },
    // Footer links whose URL is filled in per reader, after wrapping: each on a line of its own.
    { selector: 'a.gz-own-line', format: 'linkOnOwnLine' },
    { selector: 'a.gz-url', format: 'ownUrl' },
    { selector: 'span.gz-separator', format: 'skip' },
    { selector: 'bdi', format: 'isolate' },
    // A headline links to its article; the read-more button under it prints that URL once.
    { selector: 'a.gz-title', format: 'anchor', options: { ignoreHref: true } },
    { selector: 'a.gz-title.gz-listed', format: 'linkUnder' },
    { selector: 'h1', options: { uppercase: false } },
    { selector: 'h2', options: { uppercase: false, leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'div[dir]', format: 'directionBlock', options: { leadingLineBreaks: 1, trailingLineBreaks: 1 } },
    { selector: 'p[dir]', format: 'directionBlock', options: { leadingLineBreaks: 2, trailingLineBreaks: 2 } },
  ],
});
