// Where a key of a YAML text is written, JSON included (every JSON text is YAML): its line, for problems that name one.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const require = createRequire(import.meta.url);

/**
 * The `yaml` library, loaded on the first use rather than with a module: only a text with a problem, or a later check,
 * needs its document model (most builds none), and every parse thread would load it.
 */
export function yamlLibrary(): typeof Yaml {
  return require('yaml') as typeof Yaml;
}

/** A YAML (or JSON) text's document, and the line (from 1) where the value at a key path is written. */
export interface LocatedKeys {
  document: Yaml.Document;
  /** The line of the value at `key` (the whole document for none), or undefined when the text has no such key. */
  lineOf: (...key: readonly PropertyKey[]) => number | undefined;
}

/** The keys of `text` located (see LocatedKeys); a text `yaml` cannot read locates what it could make of it. */
export function locateKeys(text: string): LocatedKeys {
  const { isNode, LineCounter, parseDocument } = yamlLibrary();
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter });
  const lineOf = (...key: readonly PropertyKey[]): number | undefined => {
    const node: unknown = key.length > 0 ? document.getIn(key, true) : document.contents;
    const offset = isNode(node) ? node.range?.[0] : undefined;
    return offset === undefined ? undefined : counter.linePos(offset).line;
  };
  return { document, lineOf };
}
