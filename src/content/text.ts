// Pure text helpers shared by the content loaders and by later stages (section slugs, summaries).

/** Longest derived title, in characters. */
export const TITLE_MAX = 120;
/** Longest derived summary, in characters. */
export const SUMMARY_MAX = 280;
/** Longest title an editor may give (front matter, a wire head line); longer ones are cut at a word. */
export const GIVEN_TITLE_MAX = 300;

// Characters XML 1.0 forbids (C0 controls except tab/LF/CR, U+FFFE, U+FFFF, unpaired surrogates).
const XML_ILLEGAL =
  // With the u flag a surrogate range matches only lone surrogates: pairs are one code point.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/gu;

// Made on first use: the word segmenter takes ~18 ms to make, and the pages, which load this module, never segment.
let wordSegmenter: Intl.Segmenter | undefined;
let sentenceSegmenter: Intl.Segmenter | undefined;
const words = (): Intl.Segmenter => (wordSegmenter ??= new Intl.Segmenter('und', { granularity: 'word' }));
const sentences = (): Intl.Segmenter => (sentenceSegmenter ??= new Intl.Segmenter('und', { granularity: 'sentence' }));

/** Longest slug made from a headline (and longest `slug:` accepted), in characters. */
export const SLUG_MAX = 80;
/** Longest slug in UTF-8 bytes: a slug is a folder name, and file systems stop at 255 bytes. */
export const SLUG_MAX_BYTES = 240;

/** `İ` lowercased outside Turkish: `i` and a combining dot above. */
const dottedI = 'i\u0307';

/** `value` lower-cased between two NFC normalizations (lowercasing `İ` outside Turkish makes `i` and a combining dot). */
function lowerNfc(value: string): string {
  return value.normalize('NFC').toLowerCase().normalize('NFC');
}

/**
 * The slug rule of articles and headlines (and of sections, whose key then folds its i's: see sectionSlug): NFC,
 * lowercase, the letters, combining marks and digits of every script kept, every other run of characters one `-`; ''
 * when nothing is left. URLs carry it percent-encoded (as browsers send it). `İ` is `i`: lowercased outside Turkish
 * it is `i` and a combining dot above, which Gazette kept in slugs before this release (`keepDottedI`: the folders it
 * made then, for their redirects).
 */
export function slugify(value: string, keepDottedI = false): string {
  // ASCII (most file names and many headlines) needs neither normalization nor Unicode classes: same result, faster.
  // eslint-disable-next-line no-control-regex -- the whole ASCII range is the point
  if (/^[\u0000-\u007f]*$/.test(value)) return value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const lower = lowerNfc(value);
  return (keepDottedI ? lower : lower.replaceAll(dottedI, 'i')).replace(/[^\p{L}\p{M}\p{Nd}]+/gu, '-').replace(/^-+|-+$/g, '');
}

/**
 * Lower-case text with Turkish's four i's as one letter: `ı` and `i̇` (`İ` lowercased) are `i`. `DIŞ` lowercases
 * to `diş` and `Dış` to `dış`: folded, the two spellings of one section name are one.
 */
export function foldTurkishI(lower: string): string {
  // `ı` first: a `ı` with a combining dot above (`ı̇`) becomes `i̇`, which the second step then folds too.
  return lower.replaceAll('ı', 'i').replaceAll(dottedI, 'i');
}

/**
 * A section label as readers tell labels apart: case, Turkish i's and what no reader sees folded, as the key folds
 * them, and spaces, dashes, quotes, sentence punctuation and emoji left out (`Asia–Pacific` is `Asia-Pacific`,
 * `Editors’ Picks` is `Editors' Picks`, `⚽ Football` is `Football`). Two labels of one key that differ here differ in
 * what they say (`C++` and `C#` are both `c`).
 */
export function sectionLabelFold(label: string): string {
  return foldTurkishI(lowerNfc(label.replace(UNSEEN, ''))).replace(/[\s\p{Pd}\p{Pi}\p{Pf}'"`.,:;!?¡¿…·\p{So}\p{Sk}\p{Cf}\uFE0F]+/gu, '');
}

/**
 * The key of a section: the name of its folder `sections/<key>/` and of the readers' choice of it. The slug of the
 * label without what no reader sees, with the Turkish i's folded, so that `DIŞ HABERLER` and `Dış Haberler` (wire copy
 * and the desk's own) are one section, and `Wor\u200Bld` is `World`'s.
 */
export function sectionSlug(label: string): string {
  return foldTurkishI(slugify(label.replace(UNSEEN, '')));
}

/**
 * The slug rule of Gazette before readable URLs (ASCII only, accents folded). Article ids are made with it,
 * so every feed id a site published before keeps its value; nothing else may use it.
 */
export function legacySlugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// C1 controls and DEL (invisible, read as "…" by some parsers) and the bidi embeddings, overrides and isolates
// (U+202A–U+202E, U+2066–U+2069), which reorder the text around them in readers that honour them. The bidi
// marks (LRM, RLM, ALM) stay: they only give a neutral character a direction.
const INVISIBLE_CHARS = '\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
const INVISIBLE = new RegExp(`[${INVISIBLE_CHARS}]`, 'g');
/**
 * What no reader sees in a label: INVISIBLE's, and soft hyphen, zero-width space, LRM, RLM, word joiner, BOM. A
 * section pasted with one is the section it looks like, not a second one beside it; ZWNJ and ZWJ are not among them:
 * they spell words (Persian) and emoji.
 */
const UNSEEN = new RegExp(`[${INVISIBLE_CHARS}\\u00AD\\u200B\\u200E\\u200F\\u2060\\uFEFF]`, 'g');
const LINE_SEPARATORS = /[\u2028\u2029]/g;
// What cleanBlock changes (XML_ILLEGAL, INVISIBLE, LINE_SEPARATORS), and for cleanLine also whitespace other than
// single inner spaces: text without any of it is returned as it is.
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const BLOCK_WORK = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069\uFFFE\uFFFF]|[\uD800-\uDFFF]/u;
const LINE_WORK = new RegExp(`${BLOCK_WORK.source}|[^\\S ]|  |^ | $`, 'u');

/**
 * Text for a one-line field (a title, a summary, a category, a name): no control, C1 or bidi-override
 * characters, line and paragraph separators and every other run of whitespace one space, trimmed.
 */
export function cleanLine(text: string): string {
  // Nearly every field has nothing to clean: one test rather than four passes (pages clean ~100,000 fields a build).
  if (!LINE_WORK.test(text)) return text;
  return collapseSpace(stripControlChars(text).replace(INVISIBLE, '').replace(LINE_SEPARATORS, ' '));
}

/** HTML or multi-line text without C1 controls, DEL and bidi overrides; separators become newlines. */
export function cleanBlock(text: string): string {
  if (!BLOCK_WORK.test(text)) return text;
  return stripControlChars(text).replace(INVISIBLE, '').replace(LINE_SEPARATORS, '\n');
}

/** An editor's title on one line (front matter may fold it over several), cut to GIVEN_TITLE_MAX; '' when a reader would see nothing of it. */
export function titleText(text: string): string {
  return seen(shorten(cleanLine(text), GIVEN_TITLE_MAX));
}

/** `title`, or '' when it is only zero-width and other format, space or control characters: no text a reader can see, as good as none. */
export function seen(title: string): string {
  return /[^\p{Cf}\p{Z}\p{Cc}]/u.test(title) ? title : '';
}

/** Fits a slug into SLUG_MAX characters (and SLUG_MAX_BYTES), cut at a word boundary: a `-` or, in scripts without spaces, between words. */
export function shortenSlug(slug: string, max: number = SLUG_MAX): string {
  const fits = (text: string): boolean => Array.from(text).length <= max && Buffer.byteLength(text) <= SLUG_MAX_BYTES;
  if (fits(slug)) return slug;
  let kept = '';
  for (const { segment } of words().segment(slug)) {
    if (!fits(kept + segment)) break;
    kept += segment;
  }
  kept = kept.replace(/-+$/, '');
  if (kept !== '') return kept;
  // One word longer than the limit: cut it by character.
  const chars = Array.from(slug);
  while (!fits(chars.join(''))) chars.pop();
  return chars.join('').replace(/-+$/, '');
}

/** Removes the characters XML cannot carry, so no later stage can emit them. */
export function stripControlChars(text: string): string {
  return text.replace(XML_ILLEGAL, '');
}

/** Strips a byte-order mark, turns CRLF and CR into LF and removes XML-illegal characters. */
export function normalizeText(text: string): string {
  return stripControlChars(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
}

/** One line, as a mail header or a one-line field needs: control characters (CR, LF above all) and line separators become spaces. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}

/** Collapses every run of whitespace to one space and trims. */
export function collapseSpace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts `text` to at most `max` characters at a word boundary, ending with `…`; never splits a character. */
export function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  let kept = '';
  for (const { segment } of words().segment(text)) {
    if (kept.length + segment.length > max - 1) break;
    kept += segment;
  }
  // A first word longer than the limit (a URL, unsegmented script) is cut by code point instead.
  const head = kept.replace(/[\s\p{P}]+$/u, '') || Array.from(text).slice(0, max - 1).join('');
  return `${head}…`;
}

/** A summary from running text: whitespace collapsed, cut at a word boundary to SUMMARY_MAX. */
export function deriveSummary(text: string): string {
  return shorten(collapseSpace(text), SUMMARY_MAX);
}

/** A title from running text: its first sentence without the final full stop, cut to TITLE_MAX; '' when a reader would see nothing of it. */
export function deriveTitle(text: string): string {
  const [first] = sentences().segment(collapseSpace(text));
  return seen(shorten((first?.segment ?? '').trim().replace(/[.。]$/, ''), TITLE_MAX));
}
