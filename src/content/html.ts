// Article bodies as HTML: the Markdown renderer and escaping (the sanitizer is in sanitize.ts).
import MarkdownIt from 'markdown-it';

/** The Markdown renderer of article bodies; raw HTML is allowed here and sanitized afterwards. */
export const markdown = new MarkdownIt({ html: true, linkify: true });

/** Escapes `& < > "` so any text can sit in HTML content or a double-quoted attribute. */
export const escapeHtml: (text: string) => string = markdown.utils.escapeHtml;

/** The heading elements, h1 to h6. */
export const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
