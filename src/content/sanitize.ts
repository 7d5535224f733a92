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

const require = createRequire(import.meta.url);
let sanitizer: typeof sanitizeHtml | undefined;

/**
 * Keeps only the allow-listed tags, attributes and URL schemes of `html`; with `baseUrl`, relative links and
 * images become absolute, so the body reads the same in a feed reader, a mail client and the site.
 */
export function sanitizeBody(html: string, baseUrl?: string): string {
  sanitizer ??= require('sanitize-html') as typeof sanitizeHtml;
  if (baseUrl === undefined) return sanitizer(html, ALLOWED);
  return sanitizer(html, { ...ALLOWED, transformTags: { a: absolutize('href', baseUrl), img: absolutize('src', baseUrl) } });
}
