// Each reader's copy of a digest holds only the articles of their sections (SPEC "Readers choose"), yet the
// digest is rendered once: its article blocks (and the "N new stories" line for each possible N) are marked
// regions of the one rendered HTML and text, and a copy keeps the regions it needs. A copy is made once per
// combination of sections and cached; per reader only `personalize` runs.
// Light on purpose, like personalize.ts: the delivery stage loads it without MJML.
import { foldTurkishI, shorten } from '../content/text.js';
import { escapeHtml, neutralizeTokens, type RenderedEmail } from './personalize.js';

/** One article of a stored digest: what choosing it for a copy needs. */
export interface DigestBlock {
  slug: string;
  /** The key of the article's section (`world`), null when it has none (then only readers of all sections get it). */
  section: string | null;
  /** The subject of a copy that this article leads. */
  subject: string;
  /** The headline and summary as the digest prints them, for the inbox preview line of a copy. */
  title: string;
  summary: string;
}

/**
 * A digest as rendered once and stored: HTML and text with the marked regions, the copy placeholders and
 * the reader placeholders, and its blocks (none for a digest stored before readers chose sections: then the
 * HTML and text are the one copy everyone gets).
 */
export interface MarkedDigest extends RenderedEmail {
  blocks: readonly DigestBlock[];
}

/** The tokens filled once per copy, before the reader placeholders. */
export const copyPlaceholders = {
  subject: '%%GZ_SUBJECT%%',
  preheader: '%%GZ_PREHEADER%%',
} as const;

/** The region key of the article at `index` and of the "N new stories" line for `count`. */
export const regionKey = {
  article: (index: number): string => `a${index}`,
  count: (count: number): string => `n${count}`,
};

/** How a region is marked in the HTML (comments survive MJML) and in the text part (made from that HTML). */
const htmlMarks = { open: (key: string): string => `<!--GZ:IF ${key}-->`, close: '<!--/GZ:IF-->' };
// Each mark takes the one space the minifier leaves after it, so a copy's markup is exactly what the same
// articles rendered without regions would give.
const htmlRegion = /<!--GZ:IF ([a-z0-9]+)--> ?([\s\S]*?)<!--\/GZ:IF--> ?/g;
const textOpen = (key: string): string => `%%GZ_IF_${key}%%`;
const textClose = '%%GZ_ENDIF%%';
const textRegion = /%%GZ_IF_([a-z0-9]+)%%([\s\S]*?)%%GZ_ENDIF%%/g;

/**
 * Turns the HTML region marks into paragraphs that html-to-text keeps, so the text part carries the same
 * regions. Run on the HTML before making the text part; `markTextRegions` tidies the result.
 */
export function textMarkParagraphs(html: string): string {
  return html.replace(/<!--GZ:IF ([a-z0-9]+)-->/g, (_, key: string) => `<p>${textOpen(key)}</p>`).replaceAll(htmlMarks.close, `<p>${textClose}</p>`);
}

/** The text part with each mark on its own, without the blank lines around it (the copy puts them back). */
export function markTextRegions(text: string): string {
  return text.replace(/\n*(%%GZ_(?:IF_[a-z0-9]+|ENDIF)%%)\n*/g, '$1');
}

/** Text cut at its regions: `key` null is always kept. */
type Segment = { key: string | null; text: string };

function segments(source: string, region: RegExp): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const match of source.matchAll(region)) {
    out.push({ key: null, text: source.slice(last, match.index) }, { key: match[1] ?? '', text: match[2] ?? '' });
    last = match.index + match[0].length;
  }
  out.push({ key: null, text: source.slice(last) });
  return out;
}

/** The inbox preview line of a copy: the other headlines (the first is in the subject), or a lone story's summary. */
function preheaderOf(blocks: readonly Pick<DigestBlock, 'title' | 'summary'>[]): string {
  const [first, ...others] = blocks;
  return shorten(others.length > 0 ? others.map((b) => b.title).join(' · ') : (first?.summary ?? ''), 150);
}

interface Parsed {
  html: Segment[];
  text: Segment[];
  copies: Map<string, RenderedEmail | null>;
}

const parsedDigests = new WeakMap<MarkedDigest, Parsed>();

/** The indices of the blocks a reader of `sections` gets (empty `sections`: all of them). */
function parsedOf(digest: MarkedDigest): Parsed {
  let parsed = parsedDigests.get(digest);
  if (!parsed) {
    parsed = { html: segments(digest.html, htmlRegion), text: segments(digest.text, textRegion), copies: new Map() };
    parsedDigests.set(digest, parsed);
  }
  return parsed;
}

function blocksFor(blocks: readonly DigestBlock[], sections: readonly string[]): number[] {
  const picked: number[] = [];
  blocks.forEach((block, i) => {
    // Folded: a digest stored before section keys folded their i's (see sectionSlug) keeps its blocks' keys as they were.
    if (sections.length === 0 || (block.section !== null && sections.includes(foldTurkishI(block.section)))) picked.push(i);
  });
  return picked;
}

/** A copy's subject and preview line: those of its lead article and the others. */
interface Heading {
  subject: string;
  preheader: string;
}

function headingOf(digest: MarkedDigest, chosen: readonly DigestBlock[]): Heading {
  return { subject: chosen[0]?.subject ?? digest.subject, preheader: preheaderOf(chosen) };
}

function assemble(digest: MarkedDigest, parsed: Parsed, picked: readonly number[], heading?: Heading): RenderedEmail {
  const keys = new Set(picked.map(regionKey.article));
  keys.add(regionKey.count(picked.length));
  const chosen = picked.map((i) => digest.blocks[i] as DigestBlock);
  const { subject, preheader } = heading ?? headingOf(digest, chosen);
  const html = parsed.html
    .filter((s) => s.key === null || keys.has(s.key))
    .map((s) => s.text)
    .join('')
    // The subject holds a headline as written (it is the mail's Subject too): in the HTML its `%%` are broken like
    // any content's. Replacer functions, as a `$'` in a headline is a replacement pattern in a string.
    .replaceAll(copyPlaceholders.subject, () => escapeHtml(neutralizeTokens(subject)))
    .replaceAll(copyPlaceholders.preheader, () => escapeHtml(preheader));
  const text = parsed.text
    .filter((s) => s.key === null || keys.has(s.key))
    .map((s) => s.text)
    .filter((t) => t !== '')
    .join('\n\n');
  return { subject, html, text };
}

/**
 * The copy of a digest for a reader of `sections` (keys; empty: all), with the reader placeholders still in
 * it for `personalize`; null when none of the digest's articles is in their sections. Copies are cached per
 * digest object and combination of sections, so the same copy object comes back for the same sections.
 */
export function copyFor(digest: MarkedDigest, sections: readonly string[]): RenderedEmail | null {
  const parsed = parsedOf(digest);
  const cacheKey = sections.join(',');
  let copy = parsed.copies.get(cacheKey);
  if (copy === undefined) {
    if (digest.blocks.length === 0) copy = { subject: digest.subject, html: digest.html, text: digest.text };
    else {
      const picked = blocksFor(digest.blocks, sections);
      copy = picked.length === 0 ? null : assemble(digest, parsed, picked);
    }
    parsed.copies.set(cacheKey, copy);
  }
  return copy;
}

/** The copy with every article: what readers of all sections get, and what the web version shows. */
export function fullCopy(digest: MarkedDigest): RenderedEmail {
  return copyFor(digest, []) as RenderedEmail;
}

/**
 * The largest copy a reader can get, for the size budget: every article, under the longest subject and preview
 * line (by `size`, of the text as a copy writes it: neutralized and escaped) that any copy has. A copy's lead article gives it its subject, written twice in its HTML, so a
 * copy of one section can outgrow the copy of all.
 */
export function largestCopy(digest: MarkedDigest, size: (text: string) => number): RenderedEmail {
  if (digest.blocks.length === 0) return fullCopy(digest);
  const written = (text: string): number => size(escapeHtml(neutralizeTokens(text)));
  const longest = (texts: readonly string[]): string => texts.reduce((a, b) => (written(b) > written(a) ? b : a));
  const all = digest.blocks.map((_, i) => i);
  const heading = {
    subject: longest(digest.blocks.map((b) => b.subject)),
    // A lone story's preview line is its summary; a longer copy's, the other headlines: each at most 150 characters.
    preheader: longest([preheaderOf(digest.blocks), ...digest.blocks.flatMap((b) => [preheaderOf([b]), preheaderOf([b, b])])]),
  };
  return assemble(digest, parsedOf(digest), all, heading);
}
