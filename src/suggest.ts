// "Did you mean": the name a user most likely meant when they typed one that is not known (a flag, a site.json key).
import { createRequire } from 'node:module';
import type * as Levenshtein from 'fastest-levenshtein';

const require = createRequire(import.meta.url);

/**
 * The name of `names` closest to `typed` when it is close enough to be a slip: the same but for case, or one edit
 * away (two for names of five letters or more, so a swap such as `titel` finds `title`); undefined when none is.
 */
export function closestName(typed: string, names: readonly string[]): string | undefined {
  // Loaded here, not with the module: only a mistake asks, and `gazette --version` loads no command library.
  const { distance } = require('fastest-levenshtein') as typeof Levenshtein;
  const lower = typed.toLowerCase();
  const most = lower.length >= 5 ? 2 : 1;
  let best: { name: string; edits: number } | undefined;
  for (const name of names) {
    const edits = distance(lower, name.toLowerCase());
    if (edits <= most && (best === undefined || edits < best.edits)) best = { name, edits };
  }
  return best?.name;
}
