// A hash of Gazette's own code: pages depend on how the loader parses and how the renderers write, so a new Gazette,
// even of the same version, builds everything again.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
    hash.update(name).update('\0').update(readFileSync(join(root, name))).update('\0');
    files[name] = stamp(root, name);
  }
  return { hash: hash.digest('hex'), files };
}

/** The hash recorded in `root` while the same modules are there with the same stamps; null when there is none or anything differs. */
function recordedHash(root: string): string | null {
  let recorded: Partial<CodeHash>;
  try {
    recorded = JSON.parse(readFileSync(join(root, codeHashFile), 'utf8')) as Partial<CodeHash>;
  } catch {
    return null;
  }
  const { hash, files } = recorded;
  if (typeof hash !== 'string' || !files || typeof files !== 'object') return null;
  const names = codeFiles(root);
  return names.length === Object.keys(files).length && names.every((name) => files[name] === stamp(root, name)) ? hash : null;
}

/**
 * The hash of the modules in `root`: the one `npm run build` recorded while every module is as it was then (reading the
 * 150 modules tsc emitted cost a rebuild 60–80 ms; the bundle's hundred, 16 ms), else hashed from their bytes (running
 * from source, or modules built since).
 */
export function readCodeHash(root: string): string {
  return recordedHash(root) ?? computeCodeHash(root).hash;
}

/** The folder of Gazette's own modules: `dist/` bundled, `src/` from source. */
const gazetteRoot = fileURLToPath(new URL('.', import.meta.url));

let gazetteCode: string | undefined;

/** The hash of Gazette's own modules (`readCodeHash` of `gazetteRoot`), read once per process. */
export function gazetteCodeHash(): string {
  gazetteCode ??= readCodeHash(gazetteRoot);
  return gazetteCode;
}
