// The runtime dependencies are exactly the packages Gazette's code imports: nothing installed for nothing.
import { readdir, readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The npm packages imported (statically, dynamically or through `require`) by the modules under src/. */
async function importedBySrc(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const file of (await readdir(join(root, 'src'), { recursive: true })).filter((name) => name.endsWith('.ts'))) {
    const source = await readFile(join(root, 'src', file), 'utf8');
    const imports = source.matchAll(/^(?:import|export)(?! type)[^';]*?from '([^'.][^']*)'|\b(?:import|require)\('([^'.][^']*)'\)/gm);
    for (const match of imports) {
      const specifier = match[1] ?? match[2] ?? '';
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');
      if (!specifier.startsWith('node:') && !builtinModules.includes(name)) names.add(name);
    }
  }
  return names;
}

describe('package.json', () => {
  it('lists as dependencies exactly the packages src/ imports', async () => {
    const { dependencies } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(dependencies).sort()).toEqual([...(await importedBySrc())].sort());
  });
});
