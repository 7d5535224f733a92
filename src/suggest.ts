// "Did you mean": the name a user most likely meant when they typed one that is not known (a flag, a site.json key).
import { createRequire } from 'node:module';
import type * as Levenshtein from 'fastest-levenshtein';

const require = createRequire(import.meta.url);

/**
 * The name of `names` closest to `typed` when it is close enough to be a slip: the same but for case, or one edit
 * away (two for names of five letters or more; letters swapped count as one, so `hepl` finds `help`; a short name
 * must keep its first letter, so `date` does not find `rate`); else the one name `typed` begins (`desc` finds `description`);
 * undefined when none is.
 */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  // Loaded here, not with the module: only a mistake asks, and `gazette --version` loads no command library.
  const { distance } = require('fastest-levenshtein') as typeof Levenshtein;
  const lower = typed.toLowerCase();
  const most = lower.length >= 5 ? 2 : 1;
  const sorted = (word: string): string => [...word].sort().join('');
  let best: { name: string; edits: number } | undefined;
  for (const name of names) {
    const known = name.toLowerCase();
    // The same letters in another order is one slip (`hepl`), however many edits Levenshtein counts for it.
    const edits = Math.min(distance(lower, known), lower.length === known.length && sorted(lower) === sorted(known) ? 1 : Infinity);
    if (edits === 0 || (edits <= most && (lower.length >= 5 || known[0] === lower[0]))) {
      if (best === undefined || edits < best.edits) best = { name, edits };
    }
  }
  if (best !== undefined) return best.name;
  const begun = lower.length >= 3 ? names.filter((name) => name.toLowerCase().startsWith(lower)) : [];
  return begun.length === 1 ? begun[0] : undefined;
}
