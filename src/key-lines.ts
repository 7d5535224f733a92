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

/**
 * The keys of `text` located (see LocatedKeys); a text `yaml` cannot read locates what it could make of it. Of a key
 * written twice, the last is the one located, as JSON.parse keeps the last value; a lone CR ends a line, as in JSON.
 */
export function locateKeys(text: string): LocatedKeys {
  const { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument } = yamlLibrary();
  const counter = new LineCounter();
  const document = parseDocument(text.replace(/\r\n?/g, '\n'), { lineCounter: counter });
  const nodeAt = (keys: readonly PropertyKey[]): unknown => {
    let node: unknown = document.contents;
    for (const key of keys) {
      if (isMap(node)) node = node.items.findLast((pair) => (isScalar(pair.key) ? pair.key.value : pair.key) === key)?.value;
      else if (isSeq(node) && typeof key === 'number') node = node.items[key];
      else return undefined;
    }
    return node;
  };
  const lineOf = (...key: readonly PropertyKey[]): number | undefined => {
    const node = nodeAt(key);
    const offset = isNode(node) ? node.range?.[0] : undefined;
    return offset === undefined ? undefined : counter.linePos(offset).line;
  };
  return { document, lineOf };
}
