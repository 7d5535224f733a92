// The per-reader parts of a digest. A digest is rendered once with placeholder tokens; each reader's copy is
// made by splicing their values in, which costs microseconds instead of an MJML render per reader.
// Only small text helpers are imported: the delivery stage loads this module in every send without pulling in MJML.
import { oneLine } from '../content/text.js';
import { escapeHtml as escapeForDoubleQuotes } from '../content/html.js';

/** The values that differ from one reader to the next. */
export interface Reader {
  name: string | null;
  unsubscribeUrl: string;
  /** The reader's page of sections and editions. */
  preferencesUrl: string;
  webUrl: string;
}

/** A digest (or any email) with per-reader placeholders, as rendered once and stored. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** One reader's copy of a rendered email. */
export interface PersonalizedEmail {
  html: string;
  text: string;
}

/**
 * The placeholder tokens, one per reader field. `%`, capitals and `_` pass through Handlebars, MJML and
 * html-to-text unchanged and contain no space, so html-to-text never wraps inside one; content can never
 * produce one because `neutralizeTokens` breaks every `%%` in it.
 */
export const placeholders = {
  name: '%%GZ_NAME%%',
  unsubscribeUrl: '%%GZ_UNSUBSCRIBE_URL%%',
  preferencesUrl: '%%GZ_PREFERENCES_URL%%',
  webUrl: '%%GZ_WEB_URL%%',
} as const satisfies Record<keyof Reader, string>;

const tokenPattern = /%%GZ_[A-Z_]+%%/g;
const fieldOfToken = new Map<string, keyof Reader>(Object.entries(placeholders).map(([field, token]) => [token, field as keyof Reader]));

/** Makes `%%` in content harmless: a WORD JOINER (invisible, and not whitespace to html-to-text) splits it. */
export function neutralizeTokens(content: string): string {
  return content.replaceAll('%%', '%\u2060%');
}

/** The name in an English greeting when a reader gave none ("Hi there,"); the catalogue has each language's. */
export const anonymousName = 'there';

/** A template cut at its placeholders: `parts[i]` is followed by the value of `fields[i]`. */
interface Spliced {
  parts: string[];
  fields: (keyof Reader)[];
}

function splitAtTokens(template: string): Spliced {
  const parts: string[] = [];
  const fields: (keyof Reader)[] = [];
  let last = 0;
  for (const match of template.matchAll(tokenPattern)) {
    const field = fieldOfToken.get(match[0]);
    if (field === undefined) throw new Error(`unknown placeholder ${match[0]} in a rendered email`);
    parts.push(template.slice(last, match.index));
    fields.push(field);
    last = match.index + match[0].length;
  }
  parts.push(template.slice(last));
  return { parts, fields };
}

function splice({ parts, fields }: Spliced, values: Readonly<Record<keyof Reader, string>>): string {
  let out = parts[0] ?? '';
  for (let i = 0; i < fields.length; i++) out += values[fields[i] as keyof Reader] + (parts[i + 1] ?? '');
  return out;
}

/** Escapes text for HTML content and quoted attribute values, single-quoted ones too. */
export function escapeHtml(value: string): string {
  return escapeForDoubleQuotes(value).replace(/'/g, '&#39;');
}

/**
 * Gazette's markers in a rendered email: around the mail-only parts (the web version cuts at them) and around
 * the regions of a digest (assemble.ts keeps or drops them per copy).
 */
export const gazetteMarkers = /<!--\/?GZ:(?:MAIL|IF(?: [a-z0-9]+)?)-->/g;

/** The HTML a reader is sent: no marker of any kind, as only the web version and the assembly need them. */
export function mailHtml(html: string): string {
  return html.replace(gazetteMarkers, '');
}

const compiled = new WeakMap<RenderedEmail, { html: Spliced; text: Spliced }>();

/**
 * One reader's copy: fills the placeholders in one pass over a split made once per rendered email.
 * Values are HTML-escaped in the HTML part and kept plain (on one line) in the text part; `anonymous` is the
 * name of a reader who gave none, in the email's language.
 */
export function personalize(rendered: RenderedEmail, reader: Reader, anonymous = anonymousName): PersonalizedEmail {
  let split = compiled.get(rendered);
  if (!split) {
    split = { html: splitAtTokens(mailHtml(rendered.html)), text: splitAtTokens(rendered.text) };
    compiled.set(rendered, split);
  }
  const plain = {
    name: oneLine(reader.name ?? '') || anonymous,
    unsubscribeUrl: oneLine(reader.unsubscribeUrl),
    preferencesUrl: oneLine(reader.preferencesUrl),
    webUrl: oneLine(reader.webUrl),
  };
  const escaped = {
    name: escapeHtml(plain.name),
    unsubscribeUrl: escapeHtml(plain.unsubscribeUrl),
    preferencesUrl: escapeHtml(plain.preferencesUrl),
    webUrl: escapeHtml(plain.webUrl),
  };
  return { html: splice(split.html, escaped), text: splice(split.text, plain) };
}
