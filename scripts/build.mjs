// `npm run build`: bundles Gazette into dist/ (run with tsx, which lets it use the TypeScript sources' own functions),
// precompiles the site templates there, and records the hash of the bundle. `scripts/build.mjs FOLDER` bundles into
// another folder of the package instead (the bundle's test does, leaving dist/ to whatever runs from it).
//
// Why a bundle: a process loading its modules one file at a time spent much of its start finding and reading them,
// and every thread of a build loads its own (on 2 cores, two parse threads and a page thread). The packages the sources load
// lazily (`createRequire`, for the few files or commands that need them) stay in node_modules: bundled too, they
// made a full build of 10,000 articles 2% slower, not faster.
import { rm, writeFile } from 'node:fs/promises';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';
import { codeHashFile, computeCodeHash } from '../src/code-hash.ts';
import { precompiledFile, renderPrecompiledTemplates } from '../src/site/templates.ts';

const root = new URL('../', import.meta.url);
const outName = process.argv[2] ?? 'dist';
// One level below the package, as src/ is: the bundle finds templates/ and node_modules/ from there.
if (!/^[\w.-]+$/.test(outName)) throw new Error(`scripts/build.mjs: ${outName} is not a folder name of the package's root`);
const dist = new URL(`${outName}/`, root);

// Every module of dist/ sits in that one folder: a worker module is found beside the module that starts it
// (workerModule), the precompiled templates beside templates.ts's code, and templates/ one level up (src/paths.ts).
const entryPoints = {
  bin: 'src/cli/bin.ts',
  'parse-worker': 'src/content/parse-worker.ts',
  'page-worker': 'src/site/page-worker.ts',
  'run-worker': 'src/jobs/run-worker.ts',
  'render-worker': 'src/digest/render-worker.ts',
};

// Also left in node_modules: native code (better-sqlite3; pg's optional pg-native), packages that start threads or
// processes from their own files by path (pino's transports, node-cron's background tasks, mjml's juice and undici,
// which render-worker.ts finds through mjml's own require), and Handlebars, which src/handlebars.ts loads lazily:
// bundled where other modules import it, a process would hold two copies.
const external = ['better-sqlite3', 'pg', 'pino', 'node-cron', 'mjml', 'handlebars'];

await rm(dist, { recursive: true, force: true });
await build({
  absWorkingDir: fileURLToPath(root),
  entryPoints,
  outdir: outName,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // The `require` a bundled CommonJS package calls for Node's own modules and the external packages.
  banner: { js: "import { createRequire as __gazetteCreateRequire } from 'node:module'; const require = __gazetteCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
await writeFile(new URL(precompiledFile, dist), await renderPrecompiledTemplates());
await writeFile(new URL(codeHashFile, dist), `${JSON.stringify(computeCodeHash(fileURLToPath(dist)))}\n`);
