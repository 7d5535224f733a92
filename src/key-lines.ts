// Key paths of YAML texts, JSON included (every JSON text is YAML): where a key is written (its line, for problems that
// name one), which keys are written twice, and the value a key path reaches in the parsed data.
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

/** The value at `keys` in parsed data (own properties only: `constructor` is no key of `{}`), or undefined. */
export function valueAt(data: unknown, keys: readonly PropertyKey[]): unknown {
  let value = data;
  for (const key of keys) value = value !== null && typeof value === 'object' && Object.hasOwn(value, key) ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** `text` as a YAML document, with the line counter of its offsets; a lone CR ends a line, as in JSON. */
function parseLines(text: string): { document: Yaml.Document; counter: Yaml.LineCounter } {
  const { LineCounter, parseDocument } = yamlLibrary();
  const counter = new LineCounter();
  // Warnings go into nothing: yaml writes them to the process (a key that is a list), under the error the caller reports.
  return { document: parseDocument(text.replace(/\r\n?/g, '\n'), { lineCounter: counter, logLevel: 'error' }), counter };
}

/** A key written more than once in one object: its path, and the line of each time, in the order of the text. */
export interface RepeatedKey {
  keys: PropertyKey[];
  lines: number[];
}

/**
 * The keys written more than once in one object of a YAML (or JSON) text, nested objects and lists looked into: of a
 * key written twice, only the last value, the one JSON.parse keeps.
 */
export function repeatedKeys(text: string): RepeatedKey[] {
  const { isMap, isNode, isScalar, isSeq } = yamlLibrary();
  const { document, counter } = parseLines(text);
  const repeated: RepeatedKey[] = [];
  const walk = (node: unknown, keys: PropertyKey[]): void => {
    if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...keys, i]));
    if (!isMap(node)) return;
    const written = new Map<unknown, { lines: number[]; last: unknown }>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      const entry = written.get(key) ?? { lines: [], last: undefined };
      const offset = isNode(pair.key) ? pair.key.range?.[0] : undefined;
      if (offset !== undefined) entry.lines.push(counter.linePos(offset).line);
      written.set(key, { ...entry, last: pair.value });
    }
    for (const [key, { lines, last }] of written) {
      if (lines.length > 1) repeated.push({ keys: [...keys, key as PropertyKey], lines });
      walk(last, [...keys, key as PropertyKey]);
    }
  };
  walk(document.contents, []);
  return repeated.sort((a, b) => (a.lines[0] ?? 0) - (b.lines[0] ?? 0));
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
  const { isMap, isNode, isScalar, isSeq } = yamlLibrary();
  const { document, counter } = parseLines(text);
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
