// A hash of Gazette's own code: pages depend on how the loader parses and how the renderers write, so a new Gazette,
// even of the same version, builds everything again.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { syncOps, writeFileAtomic } from './files.js';

/** The file `npm run build` writes beside the compiled modules (see `computeCodeHash`). */
export const codeHashFile = 'code-hash.json';

/** The modules' hash, and each module's size and modification time when it was made. */
export interface CodeHash {
  hash: string;
  files: Record<string, string>;
}

function codeFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.(?:js|ts)$/.test(name))
    .sort();
}

function stamp(root: string, name: string): string {
  const stats = statSync(join(root, name));
  return `${stats.size}:${stats.mtimeMs}`;
}

/** Hashes the bytes of every module, and stamps each with its size and time, which vouch for the hash later without reading. */
export function computeCodeHash(root: string): CodeHash {
  const hash = createHash('sha256');
  const files: Record<string, string> = {};
  for (const name of codeFiles(root)) {
    // Stamped before it is read: a module rewritten in between then fails its stamp next time, instead of a new
    // stamp vouching for the old bytes' hash.
    files[name] = stamp(root, name);
    hash.update(name).update('\0').update(readFileSync(join(root, name))).update('\0');
  }
  return { hash: hash.digest('hex'), files };
}

/** What `root` holds of a recorded hash: none (no file: running from source), or the record as read (null when damaged). */
function readRecord(root: string): Partial<CodeHash> | null | undefined {
  let text: string;
  try {
    text = readFileSync(join(root, codeHashFile), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as Partial<CodeHash>;
  } catch {
    return null;
  }
}

/** Whether the same modules are in `root` with the stamps recorded. */
function stampsMatch(root: string, files: Record<string, string>): boolean {
  const names = codeFiles(root);
  return names.length === Object.keys(files).length && names.every((name) => files[name] === stamp(root, name));
}

/**
 * The hash of the modules in `root`: the one recorded while every module is as it was then (reading the 150 modules tsc
 * emitted cost a rebuild 60–80 ms; the bundle's hundred, 16 ms), else hashed from their bytes. Where a record stands
 * but no longer matches, it is written again: an installed package's modules carry the time npm unpacked them, not the
 * time they were built, so the first run records that and the later ones skip the hashing. Running from source (no
 * record), nothing is written.
 */
export function readCodeHash(root: string): string {
  const recorded = readRecord(root);
  const { hash, files } = recorded ?? {};
  if (typeof hash === 'string' && files && typeof files === 'object' && stampsMatch(root, files)) return hash;
  const computed = computeCodeHash(root);
  // Best effort: a package installed read-only is hashed at every run, as before.
  if (recorded !== undefined) void writeFileAtomic(join(root, codeHashFile), `${JSON.stringify(computed)}\n`, undefined, syncOps).catch(() => undefined);
  return computed.hash;
}

/** The folder of Gazette's own modules: `dist/` bundled, `src/` from source. */
const gazetteRoot = fileURLToPath(new URL('.', import.meta.url));

let gazetteCode: string | undefined;

/** The hash of Gazette's own modules (`readCodeHash` of `gazetteRoot`), read once per process. */
export function gazetteCodeHash(): string {
  gazetteCode ??= readCodeHash(gazetteRoot);
  return gazetteCode;
}
