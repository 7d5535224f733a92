// The second step of `npm run build`, after tsc: compiles the site templates ahead of time into
// dist/site/templates.precompiled.js (see src/site/templates.ts), so no build compiles them again, and then records
// the hash of the compiled modules (see src/code-hash.ts), so no build reads them all to hash them again.
import { writeFile } from 'node:fs/promises';
import { URL } from 'node:url';

const { precompiledFile, renderPrecompiledTemplates } = await import('../dist/site/templates.js');
await writeFile(new URL(`../dist/site/${precompiledFile}`, import.meta.url), await renderPrecompiledTemplates());
const { codeHashFile, computeCodeHash, gazetteRoot } = await import('../dist/code-hash.js');
await writeFile(new URL(`../dist/${codeHashFile}`, import.meta.url), `${JSON.stringify(computeCodeHash(gazetteRoot))}\n`);
