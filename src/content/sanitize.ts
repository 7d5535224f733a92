// The sanitizer's allow-list for raw HTML in article bodies. sanitize-html (and the CSS parser it brings) loads on the
// first body that needs it: most have no raw HTML (see body.ts), and a rebuild that parses one such file need not load it.
import { createRequire } from 'node:module';
import type sanitizeHtml from 'sanitize-html';
import { HEADINGS } from './html.js';
import { absoluteUrl } from './url.js';

// A strict allow-list: structure and inline emphasis only; links and images with http(s)/mailto or
// relative URLs. Everything else (script, style, iframe, on* attributes, javascript: URLs) is dropped.
const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: [
    ...HEADINGS,
    ...['p', 'br', 'hr', 'blockquote', 'pre', 'code', 'ul', 'ol', 'li', 'a', 'img', 'figure', 'figcaption'],
    ...['strong', 'em', 'b', 'i', 's', 'del', 'sub', 'sup', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  ],
  allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt', 'title'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href', 'src'],
  allowProtocolRelative: false,
};

/** Makes one URL attribute absolute under `baseUrl`; fragments, mailto and unusable URLs are left to the allow-list. */
function absolutize(attribute: string, baseUrl: string): sanitizeHtml.Transformer {
  return (tagName, attribs) => {
    const value = attribs[attribute];
    const absolute = value && !value.startsWith('#') && !/^mailto:/i.test(value) ? absoluteUrl(value, baseUrl) : null;
    return { tagName, attribs: absolute === null ? attribs : { ...attribs, [attribute]: absolute } };
  };
}

// Opening and closing tags whose content the parser reads as raw text (script, style, title, textarea, xmp) or the
// sanitizer drops (option): opened and never closed, each would take the rest of the article with it.
const SWALLOWING = /<(\/?)(script|style|title|textarea|xmp|option)(?=[\s/>]|$)/gi;

/**
 * `html` with the `<` of each swallowing opening tag that its next tag of the same name does not close written as
 * `&lt;`, so a tag named in prose ("a <script> tag on the checkout page") stays text instead of removing what follows
 * it, up to the end or to a real element further on; a closed element is left to the sanitizer, which removes it
 * whole. One pass over the tags, from the last.
 */
function escapeUnclosedTags(html: string): string {
  const tags = [...html.matchAll(SWALLOWING)];
  const next = new Map<string, 'open' | 'close'>();
  const unclosed: number[] = [];
  for (let i = tags.length - 1; i >= 0; i--) {
    const tag = tags[i] as RegExpExecArray;
    const name = (tag[2] ?? '').toLowerCase();
    const closing = tag[1] === '/';
    if (!closing && next.get(name) !== 'close') unclosed.push(tag.index);
    next.set(name, closing ? 'close' : 'open');
  }
  if (unclosed.length === 0) return html;
  let escaped = '';
  let from = 0;
  for (const at of unclosed.reverse()) {
    escaped += `${html.slice(from, at)}&lt;`;
    from = at + 1;
  }
  return escaped + html.slice(from);
}

const require = createRequire(import.meta.url);
let sanitizer: typeof sanitizeHtml | undefined;

/**
 * Keeps only the allow-listed tags, attributes and URL schemes of `html`; with `baseUrl`, relative links and
 * images become absolute, so the body reads the same in a feed reader, a mail client and the site.
 */
export function sanitizeBody(html: string, baseUrl?: string): string {
  sanitizer ??= require('sanitize-html') as typeof sanitizeHtml;
  const kept = escapeUnclosedTags(html);
  if (baseUrl === undefined) return sanitizer(kept, ALLOWED);
  return sanitizer(kept, { ...ALLOWED, transformTags: { a: absolutize('href', baseUrl), img: absolutize('src', baseUrl) } });
}
