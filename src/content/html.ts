// HTML escaping, and the heading elements the parsers treat alike (the Markdown renderer is in body.ts).

const escapes: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/**
 * Escapes `& < > "` so any text can sit in HTML content or a double-quoted attribute, as markdown-it's own escapeHtml
 * does: pages and feeds use it without loading markdown-it (80 ms of a rebuild that parses nothing).
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => escapes[char] ?? char);
}

/** The heading elements, h1 to h6. */
export const HEADINGS = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];
