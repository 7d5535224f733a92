// WebSub pings for the feeds no hub has acknowledged yet, against a real hub on 127.0.0.1 and real builds.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readUnannounced, recordChangedFeeds, unannouncedFile } from '../../src/feeds/websub.js';
import { announceFeeds } from '../../src/jobs/announce.js';
import { buildSite } from '../../src/site/build.js';
import { writeSite } from '../../src/site/write.js';
import { makeArticles, makeSiteConfig, siteInput } from '../fixtures/feeds/factory.js';
import { startHub, type Hub } from '../fixtures/hub.js';

const now = new Date('2026-11-25T00:00:00Z');
let root: string;
let content: string;
let out: string;
let hub: Hub;
let status = 202;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazette-announce-'));
  content = join(root, 'content');
  out = join(root, 'public');
  hub = await startHub(() => status);
  status = 202;
  await mkdir(content);
  await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteInput, feeds: { websubHub: hub.url } }));
  await copyFile(new URL('../fixtures/seed.txt', import.meta.url), join(content, 'kyrgyzstan.txt'));
});

afterEach(async () => {
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

const pinged = (): string[] => hub.received.map((ping) => ping.body.get('hub.url') ?? '').sort();

describe('announceFeeds', () => {
  it('pings the hub for the feeds a build changed at the next run that pings, again after a failed ping, and not once it took them', async () => {
    const built = await buildSite({ contentDir: content, outDir: out }, now);
    expect(built.changedFeeds.length).toBeGreaterThan(0);
    expect([...((await readUnannounced(out))?.keys() ?? [])].sort()).toEqual([...built.changedFeeds].sort());

    status = 503;
    const failed = await announceFeeds(out, hub.url);
    expect(failed.map((ping) => [ping.ok, ping.status])).toEqual(built.changedFeeds.map(() => [false, 503]));
    expect((await readUnannounced(out))?.size).toBe(built.changedFeeds.length);

    status = 202;
    hub.received.length = 0;
    expect((await announceFeeds(out, hub.url)).every((ping) => ping.ok)).toBe(true);
    expect(pinged()).toEqual([...built.changedFeeds].sort());
    expect(existsSync(join(out, unannouncedFile))).toBe(false);

    // A build that changes no feed leaves nothing to announce.
    hub.received.length = 0;
    await buildSite({ contentDir: content, outDir: out }, now);
    expect(await announceFeeds(out, hub.url)).toEqual([]);
    expect(hub.received).toEqual([]);
  });

  it('forgets a feed the hub refused for good (a 4xx), which asking again would not change, and keeps one it asked to wait for', async () => {
    const built = await buildSite({ contentDir: content, outDir: out }, now);
    status = 429;
    expect((await announceFeeds(out, hub.url)).map((ping) => ping.status)).toEqual(built.changedFeeds.map(() => 429));
    expect((await readUnannounced(out))?.size).toBe(built.changedFeeds.length);
    status = 400;
    expect((await announceFeeds(out, hub.url)).map((ping) => [ping.ok, ping.status])).toEqual(built.changedFeeds.map(() => [false, 400]));
    expect(existsSync(join(out, unannouncedFile))).toBe(false);
    hub.received.length = 0;
    expect(await announceFeeds(out, hub.url)).toEqual([]);
    expect(hub.received).toEqual([]);
  });

  it('announces every feed again after its record was damaged, as the next build mends it, whatever that build changed', async () => {
    const built = await buildSite({ contentDir: content, outDir: out }, now);
    await writeFile(join(out, unannouncedFile), '{"https://news.example.org/feed.xml": 17');
    expect(await readUnannounced(out)).toBeNull();
    expect(await announceFeeds(out, hub.url)).toEqual([]);
    const again = await buildSite({ contentDir: content, outDir: out }, now);
    expect(again.changedFeeds).toEqual([]);
    hub.received.length = 0;
    expect((await announceFeeds(out, hub.url)).every((ping) => ping.ok)).toBe(true);
    expect(pinged()).toEqual([...built.changedFeeds].sort());
    expect(existsSync(join(out, unannouncedFile))).toBe(false);
  });

  it('keeps a feed that a build changed again while its ping was out: the hub may have fetched it before', async () => {
    await mkdir(out);
    const feeds = ['https://news.example.org/feed.xml', 'https://news.example.org/atom.xml'];
    await recordChangedFeeds(out, feeds, 1, new Set(feeds));
    const changingAgain: typeof fetch = async (url, init) => {
      const body = new URLSearchParams(String(init?.body));
      if (body.get('hub.url') === 'https://news.example.org/feed.xml') await recordChangedFeeds(out, ['https://news.example.org/feed.xml'], 2, new Set(feeds));
      return fetch(url, init);
    };
    expect((await announceFeeds(out, hub.url, {}, changingAgain)).every((ping) => ping.ok)).toBe(true);
    expect(await readUnannounced(out)).toEqual(new Map([['https://news.example.org/feed.xml', 2]]));
    expect(JSON.parse(await readFile(join(out, unannouncedFile), 'utf8'))).toEqual({ 'https://news.example.org/feed.xml': 2 });
  });

  it('records the feeds of a build that stopped before its manifest, which the next build writes again to the same bytes', async () => {
    const config = makeSiteConfig({ feeds: { websubHub: hub.url } });
    const articles = makeArticles(3);
    await writeSite(articles.slice(1), config, out, { now });
    await rm(join(out, unannouncedFile));
    const stopped = writeSite(articles, config, out, { now, beforeManifest: () => Promise.reject(new Error('stopped')) });
    await expect(stopped).rejects.toThrow('stopped');
    expect(existsSync(join(out, unannouncedFile))).toBe(false);
    const again = await writeSite(articles, config, out, { now });
    expect(again.changedFeeds).toEqual([]);
    expect([...((await readUnannounced(out))?.keys() ?? [])]).toContain('https://news.example.org/feed.xml');
  });

  it('forgets a feed the site no longer has, such as an emptied section\'s', async () => {
    await mkdir(out);
    await recordChangedFeeds(out, ['https://news.example.org/sections/gone/feed.xml'], 1, new Set(['https://news.example.org/sections/gone/feed.xml']));
    const built = await buildSite({ contentDir: content, outDir: out }, now);
    expect([...((await readUnannounced(out))?.keys() ?? [])].sort()).toEqual([...built.changedFeeds].sort());
  });

  it('records nothing when no hub is set', async () => {
    await writeFile(join(content, 'site.json'), JSON.stringify(siteInput));
    await buildSite({ contentDir: content, outDir: out }, now);
    expect(existsSync(join(out, unannouncedFile))).toBe(false);
  });
});
