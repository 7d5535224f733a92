// Article bodies as HTML: the Markdown renderer, the sanitizer's allow-list, escaping.
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { absoluteUrl } from './url.js';

/** The Markdown renderer of article bodies; raw HTML is allowed here and sanitized afterwards. */
export const markdown = new MarkdownIt({ html: true, linkify: true });

/** Escapes `& < > "` so any text can sit in HTML content or a double-quoted attribute. */
export const escapeHtml: (text: string) => string = markdown.utils.escapeHtml;

/** The heading elements, h1 to h6. */
export const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

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

/**
 * Keeps only the allow-listed tags, attributes and URL schemes of `html`; with `baseUrl`, relative links and
 * images become absolute, so the body reads the same in a feed reader, a mail client and the site.
 */
export function sanitizeBody(html: string, baseUrl?: string): string {
  if (baseUrl === undefined) return sanitizeHtml(html, ALLOWED);
  return sanitizeHtml(html, { ...ALLOWED, transformTags: { a: absolutize('href', baseUrl), img: absolutize('src', baseUrl) } });
}
