import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configCacheFile, loadSiteConfigCached } from '../../src/config/cache.js';
import { loadSiteConfig } from '../../src/config/load.js';
import { InputError } from '../../src/errors.js';
import { siteInput } from '../fixtures/feeds/factory.js';

const siteJson = { ...siteInput, language: 'fr', timezone: 'Europe/Paris' };

let content: string;
let cacheDir: string;
beforeEach(async () => {
  const root = await mkdtemp(join(tmpdir(), 'gazette-config-cache-'));
  content = join(root, 'content');
  cacheDir = join(root, 'public', '.gazette-cache');
  await mkdir(content);
  await writeFile(join(content, 'site.json'), JSON.stringify(siteJson));
});
afterEach(() => rm(join(content, '..'), { recursive: true, force: true }));

/** Loads and keeps the config, as a build does. */
async function build(): Promise<Awaited<ReturnType<typeof loadSiteConfigCached>>['config']> {
  const { config, save } = await loadSiteConfigCached(content, cacheDir);
  await save();
  return config;
}

/** Rewrites the kept config's title, to see whether the next load reads it. */
async function tamperKeptTitle(title: string): Promise<void> {
  const file = join(cacheDir, configCacheFile);
  const kept = deserialize(await readFile(file)) as { config: { title: string } };
  kept.config.title = title;
  await writeFile(file, serialize(kept));
}

describe('loadSiteConfigCached', () => {
  it('gives the config loadSiteConfig gives, kept or not', async () => {
    const fresh = await loadSiteConfig(content);
    expect(await build()).toEqual(fresh);
    expect(await build()).toEqual(fresh);
  });

  it('reads the kept config while site.json and the catalogues are the same bytes', async () => {
    await build();
    await tamperKeptTitle('Kept title');
    expect((await build()).title).toBe('Kept title');
  });

  it('loads again when site.json or a site catalogue changes, or a catalogue is added', async () => {
    await build();
    await tamperKeptTitle('Kept title');
    await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteJson, title: 'Nouvelles' }));
    expect((await build()).title).toBe('Nouvelles');

    await tamperKeptTitle('Kept title');
    await mkdir(join(content, 'templates', 'locales'), { recursive: true });
    await writeFile(join(content, 'templates', 'locales', 'fr.json'), JSON.stringify({ 'site.subscribeByEmail': "S'abonner" }));
    const withCatalogue = await build();
    expect(withCatalogue.title).toBe('Nouvelles');
    expect(withCatalogue.locale.messages['site.subscribeByEmail']).toBe("S'abonner");

    await tamperKeptTitle('Kept title');
    await writeFile(join(content, 'templates', 'locales', 'fr.json'), JSON.stringify({ 'site.subscribeByEmail': 'Abonnez-vous' }));
    expect((await build()).locale.messages['site.subscribeByEmail']).toBe('Abonnez-vous');
  });

  it('reports a bad site.json though a config was kept, and keeps nothing for it', async () => {
    await build();
    await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteJson, baseUrl: 'not a url' }));
    await expect(build()).rejects.toThrow(InputError);
    await expect(build()).rejects.toThrow(/baseUrl/);
  });

  it('loads again, silently, when the kept file is damaged', async () => {
    await build();
    await writeFile(join(cacheDir, configCacheFile), 'damaged');
    expect((await build()).title).toBe('Example News');
    await tamperKeptTitle('Kept title');
    expect((await build()).title).toBe('Kept title');
  });

  it('keeps the config again when a folder stands where its file goes', async () => {
    await mkdir(join(cacheDir, configCacheFile, 'inside'), { recursive: true });
    expect((await build()).title).toBe('Example News');
    await tamperKeptTitle('Kept title');
    expect((await build()).title).toBe('Kept title');
  });
});
