import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseEncoding, missingSiteWarning, movedTo, safeSegments } from '../../src/server/static.js';
import { launchChromium, skipWithoutChromium } from '../fixtures/chromium.js';
import { longHtml, outsideMarker, rawRequest, startHarness, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

describe('serving --out', () => {
  it('warns of a folder no build has written, and of none that has its home page', () => {
    expect(missingSiteWarning(h.outDir, '')).toBeNull();
    expect(missingSiteWarning(join(h.outDir, 'nothing-here'), ' (soon)')).toMatchObject({
      path: join(h.outDir, 'nothing-here'),
      message: 'no site here yet (no index.html): every page answers 404 until a build writes one (soon)',
    });
  });

  it('serves each file with its type: feeds by name (also under sections/), pages as UTF-8 HTML', async () => {
    const types: [string, string][] = [
      ['/feed.xml', 'application/rss+xml; charset=utf-8'],
      ['/atom.xml', 'application/atom+xml; charset=utf-8'],
      ['/feed.json', 'application/feed+json'],
      ['/sections/world/feed.xml', 'application/rss+xml; charset=utf-8'],
      ['/', 'text/html; charset=utf-8'],
      ['/articles/first/', 'text/html; charset=utf-8'],
    ];
    for (const [path, type] of types) {
      const res = await fetch(h.url + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('names the WebSub hub and the feed itself in Link headers when feeds.websubHub is set, and only on feeds', async () => {
    const hubbed = await startHarness({ websubHub: 'https://hub.example.net/' });
    try {
      for (const [path, self] of [
        ['/feed.json', 'https://news.example.org/feed.json'],
        ['/sections/world/feed.xml', 'https://news.example.org/sections/world/feed.xml'],
      ]) {
        const res = await fetch(hubbed.url + path, { method: path === '/feed.json' ? 'HEAD' : 'GET' });
        expect(res.headers.get('link'), path).toBe(`<https://hub.example.net/>; rel="hub", <${self}>; rel="self"`);
      }
      expect((await fetch(`${hubbed.url}/articles/first/`)).headers.get('link')).toBeNull();
    } finally {
      await hubbed.stop();
    }
    expect((await fetch(`${h.url}/feed.json`)).headers.get('link')).toBeNull();
  });

  it('gives a strong ETag and Last-Modified, and answers 304 to If-None-Match and If-Modified-Since', async () => {
    const first = await fetch(`${h.url}/feed.xml`);
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(new Date(lastModified).getTime()).not.toBeNaN();

    const byTag = await fetch(`${h.url}/feed.xml`, { headers: { 'If-None-Match': etag } });
    expect(byTag.status).toBe(304);
    expect(byTag.headers.get('etag')).toBe(etag);
    expect(await byTag.text()).toBe('');
    expect((await fetch(`${h.url}/feed.xml`, { headers: { 'If-None-Match': `"other", W/${etag}` } })).status).toBe(304);
    expect((await fetch(`${h.url}/feed.xml`, { headers: { 'If-Modified-Since': lastModified } })).status).toBe(304);
    expect((await fetch(`${h.url}/feed.xml`, { headers: { 'If-None-Match': '"other"' } })).status).toBe(200);
    expect((await fetch(`${h.url}/feed.xml`, { headers: { 'If-Modified-Since': 'Thu, 01 Jan 2015 00:00:00 GMT' } })).status).toBe(200);
  });

  it('answers 412 when If-Match names another copy or the file changed after If-Unmodified-Since, and ignores dates that are none', async () => {
    const first = await fetch(`${h.url}/feed.xml`);
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    const status = async (headers: Record<string, string>): Promise<number> => (await fetch(`${h.url}/feed.xml`, { headers })).status;
    expect(await status({ 'If-Match': '"other"' })).toBe(412);
    // Strong comparison: a weak tag never matches.
    expect(await status({ 'If-Match': `W/${etag}` })).toBe(412);
    expect(await status({ 'If-Match': `"other", ${etag}` })).toBe(200);
    expect(await status({ 'If-Match': '*' })).toBe(200);
    expect(await status({ 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).toBe(412);
    expect(await status({ 'If-Unmodified-Since': lastModified })).toBe(200);
    // If-Match decides alone: If-Unmodified-Since is not looked at then.
    expect(await status({ 'If-Match': etag, 'If-Unmodified-Since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).toBe(200);
    for (const notADate of ['2099', '1 2 3000', 'Dec 31 2099', 'Thu, 31 Feb 2099 00:00:00 GMT']) {
      expect(await status({ 'If-Modified-Since': notADate })).toBe(200);
      expect(await status({ 'If-Unmodified-Since': notADate })).toBe(200);
    }
  });

  it('answers 404 for a file asked for as a folder, whose page would load none of its links', async () => {
    for (const path of ['/index.html/', '/feed.xml/', '/articles/first/index.html/']) expect((await fetch(`${h.url}${path}`)).status).toBe(404);
    expect((await fetch(`${h.url}/articles/first/`)).status).toBe(200);
  });

  it('changes the ETag when the bytes change, and then serves the new bytes', async () => {
    const path = join(h.outDir, 'atom.xml');
    const before = (await fetch(`${h.url}/atom.xml`)).headers.get('etag') ?? '';
    await writeFile(path, '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Changed</title></feed>');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    const after = await fetch(`${h.url}/atom.xml`, { headers: { 'If-None-Match': before } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(before);
    expect(await after.text()).toContain('Changed');
  });

  it('compresses with gzip or br, each a representation with its own strong ETag', async () => {
    const identity = await rawRequest(h.url, '/', { headers: {} });
    const gzip = await rawRequest(h.url, '/', { headers: { 'Accept-Encoding': 'gzip' } });
    const br = await rawRequest(h.url, '/', { headers: { 'Accept-Encoding': 'gzip;q=0.5, br' } });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.body.toString()).toBe(longHtml);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body).toString()).toBe(longHtml);
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(longHtml);
    for (const res of [identity, gzip, br]) expect(res.headers.vary).toBe('Accept-Encoding');

    const tags = [identity, gzip, br].map((r) => String(r.headers.etag));
    expect(new Set(tags).size).toBe(3);
    for (const tag of tags) expect(tag).toMatch(/^"/);
    expect(tags[1]).toBe(`${tags[0]?.slice(0, -1)}-gzip"`);
    // The same request with its tag revalidates; another representation's tag does not.
    expect((await rawRequest(h.url, '/', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': tags[1] ?? '' } })).status).toBe(304);
    expect((await rawRequest(h.url, '/', { headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': tags[0] ?? '' } })).status).toBe(200);
    // A small file is not worth compressing.
    expect((await rawRequest(h.url, '/feed.json', { headers: { 'Accept-Encoding': 'gzip' } })).headers['content-encoding']).toBeUndefined();
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await rawRequest(h.url, '/feed.xml', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
    expect(res.body.length).toBe(0);
  });

  it('serves index.html for a folder and redirects a folder without its slash', async () => {
    const res = await fetch(`${h.url}/articles/first`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/articles/first/');
    expect(await (await fetch(`${h.url}/articles/first/`)).text()).toContain('<title>First</title>');
  });

  it('never leaves the folder: plain and percent-encoded dot segments, encoded slashes and backslashes, NUL', async () => {
    const attempts = [
      '/../secret.txt',
      '/articles/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/articles/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%2e%2e%5csecret.txt',
      '/..\\secret.txt',
      '/%252e%252e/secret.txt',
      '/index.html%00.txt',
      '/%00',
      '//secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
    ];
    for (const path of attempts) {
      const res = await rawRequest(h.url, path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body.toString(), path).not.toContain(outsideMarker);
    }
  });

  it('never serves dotfiles such as the build manifest, plain or encoded', async () => {
    for (const path of ['/.gazette-manifest.json', '/%2egazette-manifest.json', '/articles/../.gazette-manifest.json']) {
      const res = await rawRequest(h.url, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString()).not.toContain(outsideMarker);
    }
  });

  it('does not follow a symlink out of the folder, nor to a hidden file, also as a folder\'s index.html', async () => {
    await symlink(join(h.dir, 'secret.txt'), join(h.outDir, 'linked.txt'));
    await mkdir(join(h.outDir, 'leak'));
    await symlink(join(h.dir, 'secret.txt'), join(h.outDir, 'leak', 'index.html'));
    await writeFile(join(h.outDir, '.gazette-manifest.json'), outsideMarker);
    await mkdir(join(h.outDir, 'manifest'));
    await symlink(join(h.outDir, '.gazette-manifest.json'), join(h.outDir, 'manifest', 'index.html'));
    await symlink(join(h.outDir, '.gazette-manifest.json'), join(h.outDir, 'manifest.json'));
    for (const path of ['/linked.txt', '/leak/', '/manifest/', '/manifest.json']) {
      const res = await rawRequest(h.url, path);
      expect(res.status, path).toBe(404);
      expect(res.body.toString(), path).not.toContain(outsideMarker);
    }
  });

  it.skipIf(skipWithoutChromium)("applies the digest archive's inline styles (the mail's HTML) and no other page's", async () => {
    const html = '<!doctype html><html><head><style>#styled{color:rgb(1, 2, 3)}</style></head><body><div id="hidden" style="display:none">Preview line</div><p id="styled">Text</p></body></html>';
    for (const dir of ['digests/1', 'articles/inline']) {
      await mkdir(join(h.outDir, dir), { recursive: true });
      await writeFile(join(h.outDir, dir, 'index.html'), html);
    }
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const seen = async (path: string): Promise<[string, string]> => {
        await page.goto(`${h.url}${path}`);
        return page.evaluate<[string, string]>("[getComputedStyle(document.getElementById('hidden')).display, getComputedStyle(document.getElementById('styled')).color]");
      };
      expect(await seen('/digests/1/')).toEqual(['none', 'rgb(1, 2, 3)']);
      expect(await seen('/articles/inline/')).toEqual(['block', 'rgb(0, 0, 0)']);
    } finally {
      await browser.close();
    }
  });

  it('answers 404 with a page for what is not there', async () => {
    const res = await fetch(`${h.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8$/i);
    expect(await res.text()).toContain('Not found');
  });
});

describe('safeSegments', () => {
  it('decodes each segment and refuses any that could escape or hide', () => {
    expect(safeSegments('/sections/world%20news/feed.xml')).toEqual(['sections', 'world news', 'feed.xml']);
    expect(safeSegments('/')).toEqual([]);
    for (const path of ['/..', '/a/../b', '/%2e%2e', '/a%2fb', '/a%5cb', '/a%00', '/.env', '/a//b', '/%E0%A4%A']) {
      expect(safeSegments(path), path).toBeNull();
    }
  });
});

describe('movedTo', () => {
  const map = new Map([['sections/economie/', 'sections/économie/'], ['articles/old/', 'articles/new/']]);

  it('keeps the rest of a path under an old folder, a folder as a folder, and takes its index.html as the folder', () => {
    const redirects = { map, deepest: 2 };
    expect(movedTo(redirects, ['sections', 'economie', 'feed.xml'], false)).toBe('sections/économie/feed.xml');
    expect(movedTo(redirects, ['sections', 'economie', 'page', '2'], true)).toBe('sections/économie/page/2/');
    expect(movedTo(redirects, ['articles', 'old', 'index.html'], false)).toBe('articles/new/');
    expect(movedTo(redirects, ['articles', 'other'], true)).toBeUndefined();
  });

  it('looks no deeper than the deepest old folder, however deep the path: 8,000 segments, each depth joined, held the server over a second', () => {
    const asked: string[] = [];
    const counting = { get: (key: string) => (asked.push(key), map.get(key)) } as unknown as ReadonlyMap<string, string>;
    expect(movedTo({ map: counting, deepest: 2 }, Array.from({ length: 8000 }, () => 'a'), true)).toBeUndefined();
    expect(asked).toEqual(['a/a/', 'a/']);
  });
});

describe('chooseEncoding', () => {
  it('picks the preferred of br and gzip, honouring q values and q=0', () => {
    expect(chooseEncoding(undefined)).toBeNull();
    expect(chooseEncoding('gzip, deflate')).toBe('gzip');
    expect(chooseEncoding('gzip, deflate, br')).toBe('br');
    expect(chooseEncoding('br;q=0.2, gzip')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0')).toBeNull();
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('identity')).toBeNull();
  });
});
