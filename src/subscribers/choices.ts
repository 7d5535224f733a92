// A reader's choices (SPEC "Readers choose"): sections and editions named as a person would name them,
// resolved to the keys the store keeps. Pure: the callers say where a name came from (flag, form, CSV line).
import { editionsReceived, type Edition } from '../config/editions.js';
import type { Problem } from '../errors.js';
import type { Article } from '../content/article.js';
import { cleanLine, foldTurkishI, sectionSlug, slugify } from '../content/text.js';
import { groupSections, sortArticles } from '../site/layout.js';

/** A section readers can choose: its key (the slug of `sections/<key>/`) and its label as the site prints it. */
export interface SectionChoice {
  key: string;
  label: string;
}

/** The outcome of resolving names: the keys, or what is wrong (naming the known ones). */
export type Resolved = { ok: true; keys: string[] } | { ok: false; message: string };

// The words of this module, together so that the message catalogues can take them over.
const words = {
  unknownSection: (name: string, known: string) => `unknown section "${name}" — the sections are: ${known}`,
  unknownEdition: (name: string, known: string) => `unknown edition "${name}" — the editions are: ${known}`,
  none: '(none yet)',
};

/** The sections of the published articles, by key; the label is the newest article's spelling. */
export function knownSections(published: readonly Article[]): SectionChoice[] {
  // The label as the site's pages print it: without the controls and bidi overrides it may have been written with.
  return groupSections(sortArticles(published)).map((s) => ({ key: s.slug, label: cleanLine(s.label) }));
}

/**
 * Section keys readers may have kept that name a section now keyed otherwise, old key → the key now: a label with a
 * character no reader sees (`Wo\u200Brld`) had a key of its own (`wo-rld`) before such characters stopped counting.
 * A key a section of `articles` has now is left alone: pass every article loaded, drafts and those dated later too,
 * so a section whose articles are all held back keeps its readers.
 */
export function formerSectionKeys(articles: readonly Article[]): Map<string, string> {
  const labels = new Set(articles.flatMap((article) => (article.section === null ? [] : [article.section])));
  const current = new Set([...labels].map(sectionSlug));
  const renames = new Map<string, string>();
  for (const label of labels) {
    const former = foldTurkishI(slugify(label));
    if (former !== '' && !current.has(former)) renames.set(former, sectionSlug(label));
  }
  return renames;
}

/** Splits a comma-separated list (a flag or a CSV cell): names trimmed, empty ones dropped. */
export function splitNames(value: string): string[] {
  return value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/**
 * Resolves names against choices that each answer to several spellings, in any case. The keys come back
 * once each, in the order of the choices; an unknown name is an error that lists the known ones.
 */
function resolve<T>(
  names: readonly string[],
  choices: readonly T[],
  spellings: (choice: T) => string[],
  keyOf: (choice: T) => string,
  unknown: (name: string, known: string) => string,
  shown: (choice: T) => string,
): Resolved {
  const byName = new Map<string, Set<string>>();
  for (const choice of choices) {
    for (const spelling of spellings(choice).map(foldCase)) byName.set(spelling, (byName.get(spelling) ?? new Set<string>()).add(keyOf(choice)));
  }
  const wanted = new Set<string>();
  for (const name of names) {
    const keys = byName.get(foldCase(name.trim()));
    if (keys === undefined) return { ok: false, message: unknown(name, choices.map(shown).join(', ') || words.none) };
    for (const key of keys) wanted.add(key);
  }
  return { ok: true, keys: choices.map(keyOf).filter((key) => wanted.has(key)) };
}

/**
 * A name in any case, Turkish's too: lowercased, with I, İ, ı and i one letter. `toLowerCase` makes `DIŞ` `diş` and
 * `İÇ` `i̇ç` (a dot above), so a reader's `dış haberler` or `iç haberler` matched no section.
 */
function foldCase(name: string): string {
  return foldTurkishI(name.toLowerCase());
}

/** Resolves section names (label or slug, any case: `WORLD`, `world`) to keys; none means all sections. */
export function resolveSections(names: readonly string[], known: readonly SectionChoice[]): Resolved {
  return resolve(names, known, (s) => [s.key, s.label], (s) => s.key, words.unknownSection, (s) => s.label);
}

/** Resolves edition names (id or name, any case) to ids; none means the default edition. */
export function resolveEditions(names: readonly string[], editions: readonly Edition[]): Resolved {
  return resolve(names, editions, (e) => [e.id, e.name], (e) => e.id, words.unknownEdition, (e) => `${e.id} (${e.name})`);
}

/** The sections and editions a reader can choose from. */
export interface KnownChoices {
  sections: readonly SectionChoice[];
  editions: readonly Edition[];
}

/** Choices as a flag, a form field or a CSV cell gives them: comma-separated names, or a list; left out: unchanged. */
export interface RawChoices {
  sections?: string | readonly string[] | undefined;
  editions?: string | readonly string[] | undefined;
}

/** Resolves both choices at once; the first unknown name is the error, and then nothing is to be saved. */
export function resolveChoices(
  raw: RawChoices,
  known: KnownChoices,
): { ok: true; choices: { sections?: string[]; editions?: string[] } } | { ok: false; message: string } {
  const names = (value: string | readonly string[]): string[] => (typeof value === 'string' ? splitNames(value) : value.flatMap(splitNames));
  const choices: { sections?: string[]; editions?: string[] } = {};
  if (raw.sections !== undefined) {
    const sections = resolveSections(names(raw.sections), known.sections);
    if (!sections.ok) return sections;
    choices.sections = sections.keys;
  }
  if (raw.editions !== undefined) {
    const editions = resolveEditions(names(raw.editions), known.editions);
    if (!editions.ok) return editions;
    choices.editions = editions.keys;
  }
  return { ok: true, choices };
}

/** One checkbox of a choices form. */
export interface ChoiceBox {
  value: string;
  label: string;
  checked: boolean;
}

/**
 * The checkboxes of the sign-up and preferences forms for a reader's choices (empty: all sections, the default
 * edition), or, `asSent`, for the boxes a form sent back (empty: none ticked, shown again as the reader left them).
 * Editions are offered only when there is more than one.
 */
export function choiceBoxes(
  known: KnownChoices,
  chosen: { sections: readonly string[]; editions: readonly string[] },
  asSent = false,
): { editions: ChoiceBox[]; sections: ChoiceBox[]; missing: { editions: boolean; sections: boolean } } {
  const editions = asSent ? chosen.editions : editionsReceived(chosen.editions, known.editions);
  const allSections = chosen.sections.length === 0 && !asSent;
  const boxes = {
    editions: known.editions.length < 2 ? [] : known.editions.map((e) => ({ value: e.id, label: e.name, checked: editions.includes(e.id) })),
    sections: known.sections.map((s) => ({ value: s.key, label: s.label, checked: allSections || chosen.sections.includes(s.key) })),
  };
  // The groups a form sent back with nothing ticked: the form marks them, and its error names them.
  const unticked = (group: ChoiceBox[]): boolean => asSent && group.length > 0 && !group.some((box) => box.checked);
  return { ...boxes, missing: { editions: unticked(boxes.editions), sections: unticked(boxes.sections) } };
}

/**
 * Reads the boxes a form sent back: null when the reader ticked no edition or no section (nothing to send them);
 * every section ticked is stored as none chosen, which also takes in sections added later.
 */
export function choicesFromForm(
  known: KnownChoices,
  form: { sections: readonly string[]; editions: readonly string[] },
): ({ ok: true; choices: { sections: string[]; editions: string[] } } | { ok: false; message: string }) | null {
  const editions = known.editions.length < 2 ? [] : form.editions;
  if ((known.editions.length >= 2 && editions.length === 0) || (known.sections.length > 0 && form.sections.length === 0)) return null;
  const resolved = resolveChoices({ sections: form.sections, editions }, known);
  if (!resolved.ok) return resolved;
  const sections = resolved.choices.sections ?? [];
  return {
    ok: true,
    choices: { sections: sections.length === known.sections.length ? [] : sections, editions: resolved.choices.editions ?? [] },
  };
}

/**
 * A warning when readers chose editions the site no longer has (an edition renamed or removed in site.json): they
 * get nothing of them, and those who chose no other edition get no digest at all. Null when there are none.
 */
export function unknownEditionsWarning(byEditions: readonly { editions: readonly string[]; count: number }[], editions: readonly Edition[], path: string): Problem | null {
  const known = new Set(editions.map((e) => e.id));
  const unknown = new Map<string, number>();
  let orphaned = 0;
  for (const { editions: chosen, count } of byEditions) {
    const gone = chosen.filter((id) => !known.has(id));
    for (const id of gone) unknown.set(id, (unknown.get(id) ?? 0) + count);
    if (gone.length > 0 && gone.length === chosen.length) orphaned += count;
  }
  if (unknown.size === 0) return null;
  const readers = (n: number): string => `${n.toLocaleString('en')} reader${n === 1 ? '' : 's'}`;
  const list = [...unknown].map(([id, n]) => `"${id}" (${readers(n)})`).join(', ');
  return {
    path,
    message: `readers chose editions site.json no longer has: ${list}; ${readers(orphaned)} of them chose no other edition and ${orphaned === 1 ? 'gets' : 'get'} no digest`,
    hint: 'put the edition back under its id, or give those readers another one (subscribers export, edit the editions column, subscribers import)',
  };
}
