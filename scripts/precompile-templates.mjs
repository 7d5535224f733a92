// The second step of `npm run build`, after tsc: compiles the site templates ahead of time into
// dist/site/templates.precompiled.js (see src/site/templates.ts), so no build compiles them again.
import { writeFile } from 'node:fs/promises';
import { URL } from 'node:url';

const { precompiledFile, renderPrecompiledTemplates } = await import('../dist/site/templates.js');
await writeFile(new URL(`../dist/site/${precompiledFile}`, import.meta.url), await renderPrecompiledTemplates());
