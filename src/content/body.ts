// A Markdown article's body as HTML. Most bodies have no raw HTML: markdown-it's own output, with the few changes the
// sanitizer would make, is then already what the sanitizer returns, and the HTML is not parsed a second time (a
// quarter of a build's parsing). Raw HTML, and any link or attribute this module cannot vouch for, goes through it.
import type MarkdownItClass from 'markdown-it';
import type { Renderer as MarkdownRenderer, Token } from 'markdown-it';
import type { RuleBlock } from 'markdown-it/lib/parser_block.mjs';
import type * as HtmlParser from 'htmlparser2';
import { createRequire } from 'node:module';
import { cellAlignment, sanitizeBody } from './sanitize.js';
import { absoluteUrl } from './url.js';

// markdown-it 14, not 15: the same parser and the same tokens, but 15's build turns every class field into a helper
// call, a sixth of each article's parsing. Its CommonJS bundle loads in a third of the time of its ES modules (files
// of their own), which a rebuild's parse thread waits for.
const require = createRequire(import.meta.url);
const MarkdownIt = require('markdown-it') as typeof MarkdownItClass;

type Attributes = NonNullable<Token['attrs']>;

/** The Markdown renderer of article bodies; raw HTML is allowed here and sanitized afterwards. */
export const markdown = new MarkdownIt({ html: true, linkify: true });

// linkify-it's pretest, run on every paragraph, is one regular expression of three alternatives (a scheme, a fuzzy
// host, `@`) tried at every position of the text: 6% of parsing an article. The alternatives one after the other give
// the same answer in a quarter of the time, a scheme tried only where the text has the `:` or `//` that each has.
const { schema_test: schemeTest, host_fuzzy_test: fuzzyHostTest } = markdown.linkify.re;
if (!schemeTest || !fuzzyHostTest) throw new Error('linkify-it has no schema_test or host_fuzzy_test');
markdown.linkify.pretest = (text) =>
  text.includes('@') || ((text.includes(':') || text.includes('//')) && schemeTest.test(text)) || fuzzyHostTest.test(text);

// A line that starts with <script>, <style>, <textarea> or <pre> opens an HTML block that CommonMark ends only at the
// closing tag, or at the end of the article when there is none; so does one that starts with <!-- (the sanitizer then
// drops it all): a line naming the tag in prose ("<style> sheets are…") made the rest of the article raw HTML, its
// Markdown unread. Such a line opens a block only when the next tag of its name after it closes it (as
// escapeUnclosedTags pairs them), or a --> follows it; else it is a paragraph. The tags are indexed once per source.
const blockRules = (markdown.block.ruler as unknown as { __rules__: { name: string; fn: RuleBlock; alt: string[] }[] }).__rules__;
const htmlBlock = blockRules.find((rule) => rule.name === 'html_block');
if (!htmlBlock) throw new Error('markdown-it has no html_block rule');
const htmlBlockRule = htmlBlock.fn;

/** Where the block-opening tags of one source are, by name (sorted, and whether each is a closing one), and its `-->`. */
interface TagIndex {
  src: string;
  tags: Map<string, { at: number[]; closing: boolean[] }>;
  commentEnds: number[];
}
let tagIndex: TagIndex | null = null;

function indexTags(src: string): TagIndex {
  if (tagIndex?.src === src) return tagIndex;
  const tags = new Map<string, { at: number[]; closing: boolean[] }>();
  const commentEnds: number[] = [];
  for (const match of src.matchAll(/<(\/?)(script|style|textarea|pre)(?=[\s/>]|$)|-->/gi)) {
    const [, slash, name] = match;
    if (name === undefined) commentEnds.push(match.index);
    else {
      const key = name.toLowerCase();
      const list = tags.get(key) ?? { at: [], closing: [] };
      list.at.push(match.index);
      list.closing.push(slash === '/');
      tags.set(key, list);
    }
  }
  tagIndex = { src, tags, commentEnds };
  return tagIndex;
}

/** The index of the first of the sorted `positions` after `start`, or their length. */
function firstAfter(positions: readonly number[], start: number): number {
  let low = 0;
  let high = positions.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((positions[middle] ?? 0) > start) high = middle;
    else low = middle + 1;
  }
  return low;
}

markdown.block.ruler.at(
  'html_block',
  (state, startLine, endLine, silent) => {
    const start = (state.bMarks[startLine] ?? 0) + (state.tShift[startLine] ?? 0);
    if (state.src.charCodeAt(start) === 0x3c) {
      const line = state.src.slice(start, state.eMarks[startLine]);
      const opening = /^<(script|style|textarea|pre)(?=[\s>]|$)/i.exec(line)?.[1];
      if (opening !== undefined) {
        const named = indexTags(state.src).tags.get(opening.toLowerCase());
        if (!named?.closing[firstAfter(named.at, start)]) return false;
      } else if (line.startsWith('<!--')) {
        const { commentEnds } = indexTags(state.src);
        if (firstAfter(commentEnds, start + 3) === commentEnds.length) return false;
      }
    }
    return htmlBlockRule(state, startLine, endLine, silent);
  },
  { alt: htmlBlock.alt },
);

// markdown-it's first rule rewrites every newline, a regular expression's match each, to turn `\r\n` and `\r` into
// `\n`; NUL becomes U+FFFD. Sources without either are left as they are.
markdown.core.ruler.at('normalize', (state) => {
  if (state.src.includes('\r')) state.src = state.src.replace(/\r\n?/g, '\n');
  if (state.src.includes('\0')) state.src = state.src.replaceAll('\0', '\uFFFD');
});

// markdown-it's inline `text` rule steps over the characters that cannot start any other rule one at a time, a
// function call each: a tenth of rendering a body. One sticky pattern of the same characters (those not among its
// terminators) finds where the run ends, and the run, as there, stops at posMax.
const textRun = /[^\n!#$%&*+\-:<=>@[\\\]^_`{}~]+/y;
markdown.inline.ruler.at('text', (state, silent) => {
  textRun.lastIndex = state.pos;
  const end = textRun.test(state.src) ? Math.min(textRun.lastIndex, state.posMax) : state.pos;
  if (end <= state.pos) return false;
  if (!silent) state.pending += state.src.slice(state.pos, end);
  state.pos = end;
  return true;
});

// markdown-it's block state finds the lines of the source by looking at every character of it; past each line's
// indentation, `indexOf` finds its end as well, many characters at a time. The state is made as there (for an empty
// source), then given the source and its lines: a line's start, end, indentation in characters and in columns (a tab
// to the next multiple of 4), and, as there, no line for spaces and tabs after the last newline.
const BlockState = markdown.block.State;
markdown.block.State = function lineIndexedState(src: string, md: MarkdownItClass, env: unknown, tokens: Token[]) {
  const state = new BlockState('', md, env, tokens);
  state.src = src;
  const lines = { bMarks: [] as number[], eMarks: [] as number[], tShift: [] as number[], sCount: [] as number[], bsCount: [] as number[] };
  const push = (start: number, end: number, indent: number, columns: number): void => {
    lines.bMarks.push(start);
    lines.eMarks.push(end);
    lines.tShift.push(indent);
    lines.sCount.push(columns);
    lines.bsCount.push(0);
  };
  for (let start = 0; start < src.length; ) {
    let pos = start;
    let columns = 0;
    for (let ch = src.charCodeAt(pos); ch === 0x20 || ch === 0x09; ch = src.charCodeAt(++pos)) columns += ch === 0x09 ? 4 - (columns % 4) : 1;
    if (pos === src.length) break;
    const newline = src.indexOf('\n', pos);
    const end = newline === -1 ? src.length : newline;
    push(start, end, pos - start, columns);
    start = end + 1;
  }
  push(src.length, src.length, 0, 0);
  Object.assign(state, lines, { lineMax: lines.bMarks.length - 1 });
  // A body's blocks are counted as they are made (see spend): blocks are never merged afterwards.
  if (isBudget(env)) {
    const pushBlock = state.push;
    state.push = function countedPush(type, tag, nesting) {
      spend(env, 1);
      return pushBlock.call(this, type, tag, nesting);
    };
  }
  return state;
} as unknown as typeof BlockState;

const textEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
/** Escapes text as the sanitizer writes text (`"` stays: only attribute values escape it). */
const escapeText = (text: string): string => (/[&<>]/.test(text) ? text.replace(/[&<>]/g, (c) => textEntities[c] ?? c) : text);

const Renderer = markdown.renderer.constructor as new () => MarkdownRenderer;
const plain = new Renderer();
plain.rules.text = (tokens, idx) => escapeText(tokens[idx]?.content ?? '');
plain.rules.code_inline = (tokens, idx) => `<code>${escapeText(tokens[idx]?.content ?? '')}</code>`;
// Without a language class: the sanitizer drops `class`.
plain.rules.code_block = (tokens, idx) => `<pre><code>${escapeText(tokens[idx]?.content ?? '')}</code></pre>\n`;
plain.rules.fence = plain.rules.code_block;
// The sanitizer writes void elements as `<br />`.
const plainOptions = { ...markdown.options, xhtmlOut: true };

/** What the sanitizer's URL check lets through and its transform makes of a link or image URL; null for anything else. */
function safeUrl(value: string, baseUrl: string | undefined): string | null {
  if (!/^[\x21-\x7e]+$/.test(value)) return null;
  if (value.startsWith('#') || /^mailto:/i.test(value)) return value;
  if (baseUrl !== undefined) return absoluteUrl(value, baseUrl);
  return /^https?:\/\//i.test(value) || !/^(?:[a-z][a-z\d.+-]*:|[/\\]{2})/i.test(value) ? value : null;
}

/** A token's attributes as the sanitizer leaves them, or null when it would do more than this knows. */
function safeAttributes(token: Token, baseUrl: string | undefined): Attributes | null {
  const kept: Attributes = [];
  for (const [name, raw] of token.attrs ?? []) {
    const value = String(raw);
    if ((token.type === 'th_open' || token.type === 'td_open') && name === 'style') {
      const align = cellAlignment(value);
      if (align === null) return null;
      kept.push(['class', align]);
      continue;
    }
    const url = name === 'href' ? token.type === 'link_open' : name === 'src' && token.type === 'image';
    if (url) {
      const safe = safeUrl(value, baseUrl);
      if (safe === null) return null;
      kept.push([name, safe]);
    } else if (
      (name === 'title' && (token.type === 'link_open' || token.type === 'image') && value !== '') ||
      (name === 'alt' && token.type === 'image') ||
      (name === 'start' && token.type === 'ordered_list_open' && value !== '')
    ) {
      kept.push([name, value]);
    } else return null;
  }
  return kept;
}

/**
 * The body's HTML rendered without the sanitizer, byte for byte what the sanitizer would return, or null when the
 * tokens hold raw HTML or an attribute or URL the sanitizer would change in ways not reproduced here. Changes only
 * the attributes of tokens, and only when it renders.
 */
export function renderPlainMarkdown(tokens: readonly Token[], baseUrl: string | undefined): string | null {
  const changes: [Token, Attributes][] = [];
  const pending = [...tokens];
  for (let token = pending.pop(); token !== undefined; token = pending.pop()) {
    if (token.type === 'html_block' || token.type === 'html_inline') return null;
    if (token.attrs) {
      const attributes = safeAttributes(token, baseUrl);
      if (attributes === null) return null;
      changes.push([token, attributes]);
    }
    // One by one: spread into push, ~100,000 inline tokens (an article under 1 MiB) overflowed the stack.
    if (token.children) for (const child of token.children) pending.push(child);
  }
  for (const [token, attributes] of changes) token.attrs = attributes.length > 0 ? attributes : null;
  return plain.render(tokens as Token[], plainOptions, {});
}

// Tags whose content the parser reads as raw text (script, style, title, textarea, xmp), that the sanitizer drops
// (option) or that runs on to the end (pre): opened and never closed, each takes the rest of the article with it.
const SWALLOWING = /^<(\/?)(script|style|title|textarea|xmp|option|pre)(?=[\s/>]|$)/i;

/**
 * `tags` (the pieces of one HTML block, each from a `<`, or one paragraph's tags) with the `<` of each swallowing
 * opening tag that no closing tag of its name follows written as `&lt;`: as HTML pairs them, the first closing tag
 * ends the element, and one that never comes leaves the tag a word of prose ("added a <script> tag"). One pass, from
 * the last tag.
 */
function escapeUnclosed(tags: readonly string[]): string[] {
  const escaped = [...tags];
  const closedAfter = new Set<string>();
  for (let i = tags.length - 1; i >= 0; i--) {
    const tag = tags[i] ?? '';
    const [, slash, name = ''] = SWALLOWING.exec(tag) ?? [];
    if (slash === '/') closedAfter.add(name.toLowerCase());
    else if (slash === '' && !closedAfter.has(name.toLowerCase())) escaped[i] = `&lt;${tag.slice(1)}`;
  }
  return escaped;
}

/**
 * Keeps as text the swallowing tags no closing tag follows within their own HTML block or paragraph: a tag named in
 * prose can then never pair with an element elsewhere (an embed further on), and a real element is removed whole.
 */
function escapeUnclosedTags(tokens: readonly Token[]): void {
  for (const token of tokens) {
    if (token.type === 'html_block') token.content = escapeUnclosed(token.content.split(/(?=<)/)).join('');
    else if (token.type === 'inline') {
      const raw = (token.children ?? []).filter((child) => child.type === 'html_inline');
      const escaped = escapeUnclosed(raw.map((child) => child.content));
      for (const [i, child] of raw.entries()) child.content = escaped[i] ?? child.content;
    }
  }
}

/** The body's HTML: Markdown with only the allow-listed tags, attributes and URL schemes, links and images absolute under `baseUrl`. */
export function renderMarkdownBody(tokens: Token[], baseUrl: string | undefined): string {
  const plain = renderPlainMarkdown(tokens, baseUrl);
  if (plain !== null) return plain;
  escapeUnclosedTags(tokens);
  return sanitizeBody(markdown.renderer.render(tokens, markdown.options, {}), baseUrl);
}

/** Most tags a body's raw HTML may leave open at once: sanitize-html's parser slows with the square of it (20,000 took 0.3 s, 340,000 over a minute). */
export const MAX_OPEN_TAGS = 5000;

/** Most Markdown tokens, blocks and their inline parts, a body may make: 1.5 million (a MiB of `#` lines) took over 1 GB to render, 480,000 330 MB. */
export const MAX_BODY_TOKENS = 600_000;

/** The parse's environment: how many tokens it has made so far (see spend). */
interface TokenBudget {
  bodyTokens: number;
}

const isBudget = (env: unknown): env is TokenBudget => typeof (env as Partial<TokenBudget> | null)?.bodyTokens === 'number';

/** Thrown from the parser once a body has made more than MAX_BODY_TOKENS tokens. */
const overBudget = new Error('too many tokens');

/**
 * Counts `count` tokens against the parse's budget, throwing overBudget past it: a body over the limit is stopped while
 * it is parsed (counted once parsed, a MiB of list items had made 1.5 million tokens first, and the build peaked at
 * 510 MB). The count never passes the tokens the parse keeps, so a body it stops is over the limit.
 */
function spend(budget: TokenBudget, count: number): void {
  budget.bodyTokens += count;
  if (budget.bodyTokens > MAX_BODY_TOKENS) throw overBudget;
}

/** The tokens of one inline run as text_join leaves them: a run of text and text_special tokens becomes one. */
function joinedCount(tokens: readonly Token[]): number {
  let count = 0;
  let inText = false;
  for (const token of tokens) {
    const text = token.type === 'text' || token.type === 'text_special';
    if (!text || !inText) count++;
    inText = text;
  }
  return count;
}

// A body's inline parts are counted once each block's are parsed, after their own merges (`a_` makes a text token per
// `_` until fragments_join joins them): counted as they were made, a valid body of 400,000 of them was refused.
// Only the outermost parse: an image parses its alt text as inline parts of its own, which the body does not keep.
const parseInline = markdown.inline.parse.bind(markdown.inline);
let inlineDepth = 0;
markdown.inline.parse = (source, md, env, tokens): void => {
  inlineDepth++;
  try {
    parseInline(source, md, env, tokens);
  } finally {
    inlineDepth--;
  }
  if (inlineDepth === 0 && isBudget(env)) spend(env, joinedCount(tokens));
};

/**
 * The tokens of a Markdown body, or, when it makes more than MAX_BODY_TOKENS, how many (null: the parse was stopped
 * there, so more than that).
 */
export function parseMarkdownBody(body: string): { ok: true; tokens: Token[] } | { ok: false; count: number | null } {
  let tokens: Token[];
  try {
    tokens = markdown.parse(body, { bodyTokens: 0 } satisfies TokenBudget);
  } catch (error) {
    if (error === overBudget) return { ok: false, count: null };
    throw error;
  }
  // Tokens the core rules make after the parse (linkify's links) are not counted as they are made.
  const count = tokenCount(tokens);
  return count > MAX_BODY_TOKENS ? { ok: false, count } : { ok: true, tokens };
}

/** Thrown from the parser's callback to stop it once too many elements are open. */
const tooDeep = new Error('too many elements open');

/**
 * The line of the body (from 0) where its raw HTML first has more than MAX_OPEN_TAGS elements open at once, or null.
 * The raw HTML is read by the sanitizer's own parser (htmlparser2), as it will be, stopped once past the limit: a
 * guess at which elements it keeps open missed SVG's foreign content and quoted `<`. What Markdown makes is closed and
 * nests at most 100 deep, and code is text: only raw HTML counts.
 */
export function overOpenTags(tokens: readonly Token[]): number | null {
  const pieces: { html: string; line: number }[] = [];
  for (const token of tokens) {
    const line = token.map?.[0] ?? 0;
    if (token.type === 'html_block') pieces.push({ html: token.content, line });
    else if (token.type === 'inline') for (const child of token.children ?? []) if (child.type === 'html_inline') pieces.push({ html: child.content, line });
  }
  if (pieces.length === 0) return null;
  let open = 0;
  const { Parser } = require('htmlparser2') as typeof HtmlParser;
  const parser = new Parser(
    {
      onopentagname: () => {
        if (++open > MAX_OPEN_TAGS) throw tooDeep;
      },
      onclosetag: () => void open--,
    },
    { decodeEntities: true },
  );
  for (const { html, line } of pieces) {
    try {
      parser.write(html);
    } catch (error) {
      if (error === tooDeep) return line;
      throw error;
    }
  }
  return null;
}

/** How many tokens markdown-it made of a body: its blocks and their inline parts. */
function tokenCount(tokens: readonly Token[]): number {
  let count = tokens.length;
  for (const token of tokens) count += token.children?.length ?? 0;
  return count;
}
