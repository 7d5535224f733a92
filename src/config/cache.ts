// The resolved site config of the last build, kept in its cache folder: a build whose site.json and catalogues are
// the bytes they were (under the same Gazette) takes it as it is, without validating them again, which loads zod and
// the schema's libraries (60–80 ms of a rebuild).
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { gazetteCodeHash } from '../code-hash.js';
import { clearingTheWay, writeFileAtomic } from '../files.js';
import { builtInLocalesDir, catalogueNames, siteLocalesDir } from '../i18n/catalogue.js';
import type { SiteConfig } from './schema.js';

/** The file of the kept config in a cache folder. */
export const configCacheFile = 'site-config.v8';

/** What the file holds. */
interface Kept {
  version: 1;
  key: string;
  config: SiteConfig;
}

/** A config as a build gets it, and how to keep it for the next one. */
export interface CachedConfig {
  config: SiteConfig;
  /** Writes the config into the cache folder, unless it was read from there or its files changed meanwhile; failing to is no error. */
  save(): Promise<void>;
}

/** The catalogue files of a folder, each name and its bytes; none when there is no folder. */
async function catalogueBytes(dir: string): Promise<Buffer[]> {
  const names = await catalogueNames(dir);
  return (await Promise.all(names.map(async (name) => [Buffer.from(`${name}\0`), await readFile(join(dir, name)), Buffer.from('\0')]))).flat();
}

/** A hash of everything the resolved config is made from: Gazette's code, site.json and every catalogue, built in or the site's. */
async function keyOf(contentDir: string): Promise<string> {
  const hash = createHash('sha256').update(`${gazetteCodeHash()}\0`);
  hash.update(await readFile(join(contentDir, 'site.json')));
  for (const dir of [builtInLocalesDir, join(contentDir, siteLocalesDir)]) {
    hash.update(`\0${dir === builtInLocalesDir ? 'built-in' : 'site'}\0`);
    for (const bytes of await catalogueBytes(dir)) hash.update(bytes);
  }
  return hash.digest('hex');
}

/**
 * The site config of `contentDir` as `loadSiteConfig` gives it: read from `cacheDir` when it was kept there under the
 * same inputs, else loaded (a bad site.json throws as there). A missing, damaged or stale kept config is no config.
 */
export async function loadSiteConfigCached(contentDir: string, cacheDir: string): Promise<CachedConfig> {
  const file = join(cacheDir, configCacheFile);
  let key: string | undefined;
  try {
    key = await keyOf(contentDir);
    const kept = deserialize(await readFile(file)) as Partial<Kept>;
    if (kept.version === 1 && kept.key === key && kept.config && typeof kept.config === 'object') {
      return { config: kept.config, save: () => Promise.resolve() };
    }
  } catch {
    // No site.json (reported below as loadSiteConfig words it), an unreadable catalogue folder, or nothing kept yet.
  }
  const { loadSiteConfig } = await import('./load.js');
  const config = await loadSiteConfig(contentDir);
  const made = key;
  return {
    config,
    save: async () => {
      // Kept only under the key of the bytes it was made from: a site.json saved during the build is read again next time.
      if (made === undefined || made !== (await keyOf(contentDir).catch(() => undefined))) return;
      await mkdir(cacheDir, { recursive: true })
        .then(() => clearingTheWay(file, () => writeFileAtomic(file, serialize({ version: 1, key: made, config } satisfies Kept))))
        .catch(() => undefined);
    },
  };
}
