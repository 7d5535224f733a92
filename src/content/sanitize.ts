// The sanitizer's allow-list for raw HTML in article bodies. sanitize-html (and the CSS parser it brings) loads on the
// first body that needs it: most have no raw HTML (see body.ts), and a rebuild that parses one such file need not load it.
import { createRequire } from 'node:module';
import type sanitizeHtml from 'sanitize-html';
import { isLanguageTag } from '../i18n/tags.js';
import { HEADINGS } from './html.js';
import { absoluteUrl, hasScheme } from './url.js';

/** The classes of a table cell's alignment (see cellAlignment). */
const alignmentClasses = ['align-left', 'align-center', 'align-right'];

/**
 * The class of a table cell's `style` when it only aligns its text (`text-align:right`, as markdown-it writes a column's
 * alignment), else null: the sanitizer keeps no style, and the fast renderer (body.ts) must give the same.
 */
export function cellAlignment(style: string): string | null {
  const align = /^\s*text-align\s*:\s*(left|center|right)\s*;?\s*$/i.exec(style)?.[1];
  return align === undefined ? null : `align-${align.toLowerCase()}`;
}

// A strict allow-list: structure and inline emphasis only; links with http(s)/mailto/tel, images with http(s), or
// relative URLs. Everything else (script, style, iframe, on* attributes, javascript: URLs) is dropped.
const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: [
    ...HEADINGS,
    ...['p', 'br', 'hr', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'dl', 'dt', 'dd', 'a', 'img', 'figure', 'figcaption'],
    ...['strong', 'em', 'b', 'i', 's', 'del', 'sub', 'sup', 'span', 'bdi', 'q', 'abbr', 'cite'],
    ...['table', 'caption', 'thead', 'tbody', 'tr', 'th', 'td'],
  ],
  // `id` on any kept tag: the targets of an article's own `#fragment` links (a live blog's updates, a table of
  // contents); the page's own ids (see pageIds) are taken. `lang` and `dir` on
  // any: a quote in another language or script is read in its own voice and direction. A table's header cells keep
  // what ties them to their cells, so a screen reader reads a table as it is drawn.
  allowedAttributes: {
    '*': ['id', 'lang', 'dir'],
    a: ['href', 'title', 'id', 'lang', 'dir'],
    img: ['src', 'alt', 'title', 'id', 'lang', 'dir'],
    ol: ['start', 'id', 'lang', 'dir'],
    abbr: ['title', 'id', 'lang', 'dir'],
    th: ['scope', 'colspan', 'rowspan', 'headers', 'class', 'id', 'lang', 'dir'],
    td: ['colspan', 'rowspan', 'headers', 'class', 'id', 'lang', 'dir'],
  },
  // A column's alignment (Markdown's `|---:|`), as a class the stylesheet aligns by: a style attribute would meet the
  // site's policy of no inline styles.
  allowedClasses: { th: alignmentClasses, td: alignmentClasses },
  allowedSchemes: ['http', 'https', 'mailto'],
  // A link may call a number too (a hotline, a newsroom's tip line): `tel:` dials, it loads nothing.
  allowedSchemesByTag: { a: ['http', 'https', 'mailto', 'tel'] },
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
};

type Attributes = Record<string, string>;
const keptTags = new Set(ALLOWED.allowedTags || []);

/**
 * Makes one URL attribute absolute under `baseUrl`; fragments and mailto are left to the allow-list. A web address no
 * parser reads (`http://[bad`, a relative path that cannot resolve) is dropped: every link a feed carries is absolute.
 */
function absolutize(attribute: string, baseUrl: string | undefined): (attribs: Attributes) => Attributes {
  return (attribs) => {
    const value = attribs[attribute];
    if (baseUrl === undefined || !value || value.startsWith('#') || /^mailto:/i.test(value)) return attribs;
    const absolute = absoluteUrl(value, baseUrl);
    if (absolute !== null) return { ...attribs, [attribute]: absolute };
    // Another scheme (javascript:, tel:) is the allow-list's to drop; a web address that does not parse is dropped here.
    const trimmed = value.trim();
    if (hasScheme(trimmed) && !/^https?:/i.test(trimmed)) return attribs;
    const { [attribute]: _dropped, ...rest } = attribs;
    return rest;
  };
}

/** Values of the attributes with a closed set, or a pattern, that a browser reads; any other value is dropped. */
const attributeValues: Record<string, (value: string) => boolean> = {
  lang: (value) => value === '' || isLanguageTag(value),
  dir: (value) => /^(ltr|rtl|auto)$/i.test(value),
  scope: (value) => /^(row|col|rowgroup|colgroup)$/i.test(value),
  // HTML's own bounds: colspan 1–1000, rowspan 0–65534.
  colspan: (value) => /^[1-9]\d{0,3}$/.test(value) && Number(value) <= 1000,
  rowspan: (value) => /^(0|[1-9]\d{0,4})$/.test(value) && Number(value) <= 65534,
};

/** `attribs` without a value a browser would not read (see attributeValues). */
function knownValues(attribs: Attributes): Attributes {
  const kept: Attributes = {};
  for (const [name, value] of Object.entries(attribs)) if (attributeValues[name]?.(value) ?? true) kept[name] = value;
  return kept;
}

/** The ids of the page around a body (the skip link's target, `main`): a body's own would make them two. */
const pageIds = ['main'];

/** What bodyIds keeps of a body's ids as the sanitizer walks it: the tags' attributes, and the tables opened and closed. */
interface BodyIds {
  attributes: (tagName: string, attribs: Attributes) => Attributes;
  opened: (tagName: string) => void;
  closed: (tagName: string) => void;
}

/**
 * Keeps an id that HTML allows and that the body has not used yet (an old `<a name>` becomes the id it stands for,
 * as `name` is obsolete on links); any other is dropped, so every id left is a valid, unique target. A cell's
 * `headers` keeps only the header cells of its own table named before it, each once: another id (the page's `main`, a
 * paragraph, another table's header) would have a screen reader read that as the cell's header.
 */
function bodyIds(): BodyIds {
  const seen = new Set<string>(pageIds);
  // The header cells of each table open around the walk, innermost last.
  const tables: Set<string>[] = [];
  return {
    attributes: (tagName, attribs) => {
      const { id: given, ...rest } = attribs;
      const headerCells = tables.at(-1);
      if (rest.headers !== undefined) {
        const named = new Set(rest.headers.split(/[\t\n\f\r ]+/).filter((token) => headerCells?.has(token)));
        if (named.size > 0) rest.headers = [...named].join(' ');
        else delete rest.headers;
      }
      const id = given || (tagName === 'a' ? attribs.name : undefined);
      // A tag the allow-list drops takes no id with it.
      if (id === undefined || id === '' || /[\t\n\f\r ]/.test(id) || seen.has(id) || !keptTags.has(tagName)) return rest;
      seen.add(id);
      if (tagName === 'th') headerCells?.add(id);
      return { ...rest, id };
    },
    opened: (tagName) => {
      if (tagName === 'table') tables.push(new Set());
    },
    closed: (tagName) => {
      if (tagName === 'table') tables.pop();
    },
  };
}

/** A table cell with the class of the alignment its style gives (see cellAlignment) in place of its own class and style. */
function alignedCell(tagName: string, attribs: Attributes): { tagName: string; attribs: Attributes } {
  const { style, class: _class, ...rest } = attribs;
  const align = style === undefined ? null : cellAlignment(style);
  return { tagName, attribs: align === null ? rest : { ...rest, class: align } };
}

const require = createRequire(import.meta.url);
let sanitizer: typeof sanitizeHtml | undefined;

/**
 * Keeps only the allow-listed tags, attributes and URL schemes of `html`; with `baseUrl`, relative links and
 * images become absolute, so the body reads the same in a feed reader, a mail client and the site.
 */
export function sanitizeBody(html: string, baseUrl?: string): string {
  sanitizer ??= require('sanitize-html') as typeof sanitizeHtml;
  const ids = bodyIds();
  const link = absolutize('href', baseUrl);
  const image = absolutize('src', baseUrl);
  // sanitize-html runs a tag's own transform, then the one of '*'.
  const transformTags: Record<string, sanitizeHtml.Transformer> = {
    a: (tagName, attribs) => ({ tagName, attribs: link(attribs) }),
    img: (tagName, attribs) => ({ tagName, attribs: image(attribs) }),
    th: alignedCell,
    td: alignedCell,
    '*': (tagName, attribs) => ({ tagName, attribs: knownValues(ids.attributes(tagName, attribs)) }),
  };
  return sanitizer(html, { ...ALLOWED, transformTags, onOpenTag: ids.opened, onCloseTag: ids.closed });
}
