// Readable URLs and ids that never move, end to end: real content folders, real builds, the real server.
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/site/build.js';
import { manifestFile } from '../../src/site/write.js';
import { parseXml, type XmlElement } from '../fixtures/feeds/xml.js';
import { startHarness, type Harness } from '../server/harness.js';

const now = new Date('2026-11-25T00:00:00Z');
const base = 'https://news.example.org';
const seed = await readFile(new URL('../fixtures/seed.txt', import.meta.url), 'utf8');
const siteJson = await readFile(new URL('../fixtures/digest/content/site.json', import.meta.url), 'utf8');
const legacy = new URL('../fixtures/urls/legacy/', import.meta.url);
const seedSlug = 'peace-with-tajikistan-not-possible-under-current-situation-kyrgyzstan';
const seedId = `${base}/articles/000-7e434e7f9160c0f8/`;

let root: string;
let content: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazette-urls-'));
  content = join(root, 'content');
  out = join(root, 'public');
  await mkdir(content, { recursive: true });
  await writeFile(join(content, 'site.json'), siteJson);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const children = (element: XmlElement, local: string): XmlElement[] => element.children.filter((child) => child.local === local);
const child = (element: XmlElement, local: string): XmlElement | undefined => children(element, local)[0];

/** The item ids of the three feeds in `dir` (`''` or `sections/<slug>/`) under `folder`, one list per format. */
async function feedIds(folder: string, dir = ''): Promise<{ rss: string[]; atom: string[]; json: string[] }> {
  const rss = parseXml(await readFile(join(folder, dir, 'feed.xml'), 'utf8'));
  const atom = parseXml(await readFile(join(folder, dir, 'atom.xml'), 'utf8'));
  const json = JSON.parse(await readFile(join(folder, dir, 'feed.json'), 'utf8')) as { items: { id: string; url: string }[] };
  const channel = child(rss, 'channel');
  return {
    rss: channel ? children(channel, 'item').map((item) => child(item, 'guid')?.text ?? '') : [],
    atom: children(atom, 'entry').map((entry) => child(entry, 'id')?.text ?? ''),
    json: json.items.map((item) => item.id),
  };
}

async function build(): Promise<Awaited<ReturnType<typeof buildSite>>> {
  const result = await buildSite({ contentDir: content, outDir: out }, now);
  expect(result.problems).toEqual([]);
  return result;
}

/** Where a redirect page at `dir` (`articles/x/`) sends readers: its meta refresh, canonical and plain link. */
async function redirectOf(dir: string): Promise<{ refresh: string; canonical: string; link: string }> {
  const html = await readFile(join(out, dir, 'index.html'), 'utf8');
  expect(html).not.toContain('<script');
  return {
    refresh: /<meta http-equiv="refresh" content="0; url=([^"]*)">/.exec(html)?.[1] ?? '',
    canonical: /<link rel="canonical" href="([^"]*)">/.exec(html)?.[1] ?? '',
    link: /<a href="([^"]*)">/.exec(html)?.[1] ?? '',
  };
}

describe('readable article URLs', () => {
  it('gives the seed (a scrape id as file name) its headline as URL, keeps its feed id and redirects the old URL', async () => {
    await writeFile(join(content, '000_7e434e7f9160c0f8.txt'), seed);
    const result = await build();
    expect(result.published.map((a) => a.slug)).toEqual([seedSlug]);
    expect(await readFile(join(out, 'articles', seedSlug, 'index.html'), 'utf8')).toContain(`<link rel="canonical" href="${base}/articles/${seedSlug}/">`);
    const feed = JSON.parse(await readFile(join(out, 'feed.json'), 'utf8')) as { items: { id: string; url: string }[] };
    expect(feed.items).toEqual([expect.objectContaining({ id: seedId, url: `${base}/articles/${seedSlug}/` })]);
    expect(await redirectOf('articles/000-7e434e7f9160c0f8/')).toEqual({
      refresh: `../../articles/${seedSlug}/`,
      canonical: `${base}/articles/${seedSlug}/`,
      link: `../../articles/${seedSlug}/`,
    });
  });

  it('keeps the feed id when a headline is edited, and leaves a redirect at every URL the article had', async () => {
    await writeFile(join(content, '000_7e434e7f9160c0f8.txt'), seed);
    await build();
    await writeFile(join(content, '000_7e434e7f9160c0f8.txt'), seed.replace('Peace with Tajikistan', 'Peace with Dushanbe'));
    const edited = await build();
    const newSlug = 'peace-with-dushanbe-not-possible-under-current-situation-kyrgyzstan';
    expect(edited.published.map((a) => a.slug)).toEqual([newSlug]);
    expect(edited.removed).toEqual([]);
    expect(await feedIds(out)).toEqual({ rss: [seedId], atom: [seedId], json: [seedId] });
    expect((await redirectOf(`articles/${seedSlug}/`)).canonical).toBe(`${base}/articles/${newSlug}/`);
    expect((await redirectOf('articles/000-7e434e7f9160c0f8/')).canonical).toBe(`${base}/articles/${newSlug}/`);
    // The manifest's record by id holds the URL history beside the file's hash and when it changed (issue 13's `updated`), and the file that holds the id.
    const manifest = JSON.parse(await readFile(join(out, manifestFile), 'utf8')) as { articles: Record<string, { slugs: string[] }> };
    const changed = edited.published[0]?.updated?.toISOString();
    expect(changed).toBeDefined();
    expect(manifest.articles).toEqual({ '000-7e434e7f9160c0f8': { hash: edited.published[0]?.hash, changed, path: '000_7e434e7f9160c0f8.txt', slugs: [seedSlug, newSlug] } });

    // A second edit: both older URLs still lead to the article.
    await writeFile(join(content, '000_7e434e7f9160c0f8.txt'), seed.replace('Peace with Tajikistan', 'No peace'));
    await build();
    const third = 'no-peace-not-possible-under-current-situation-kyrgyzstan';
    for (const old of [seedSlug, newSlug, '000-7e434e7f9160c0f8']) {
      expect((await redirectOf(`articles/${old}/`)).canonical).toBe(`${base}/articles/${third}/`);
    }
    expect(JSON.parse(await readFile(join(out, '.gazette-redirects.json'), 'utf8'))).toEqual({
      'articles/000-7e434e7f9160c0f8/': `articles/${third}/`,
      [`articles/${newSlug}/`]: `articles/${third}/`,
      [`articles/${seedSlug}/`]: `articles/${third}/`,
    });
  });

  it('keeps the URL of a file name with words when its headline changes', async () => {
    await writeFile(join(content, 'kyrgyz-talks.txt'), seed);
    await build();
    await writeFile(join(content, 'kyrgyz-talks.txt'), seed.replace('Peace with', 'No peace with'));
    const result = await build();
    expect(result.published.map((a) => a.slug)).toEqual(['kyrgyz-talks']);
    expect(JSON.parse(await readFile(join(out, '.gazette-redirects.json'), 'utf8'))).toEqual({});
    expect((await readdir(join(out, 'articles'))).sort()).toEqual(['kyrgyz-talks']);
  });

  it('gives sections in Arabic, Cyrillic and Japanese their page, feeds and navigation link', async () => {
    const sections = { 'الأخبار': 'arabic', 'Спорт': 'sport', '経済': 'keizai' };
    for (const [section, name] of Object.entries(sections)) {
      await writeFile(join(content, `${name}.md`), `---\ntitle: Story ${name}\ndate: 2026-11-20\nsection: ${section}\n---\nBody.\n`);
    }
    const result = await build();
    expect(result.sections).toBe(3);
    const home = await readFile(join(out, 'index.html'), 'utf8');
    for (const section of Object.keys(sections)) {
      const slug = section.toLowerCase();
      expect(await readFile(join(out, 'sections', slug, 'index.html'), 'utf8')).toContain(`href="${base}/sections/${encodeURIComponent(slug)}/"`);
      expect((await feedIds(out, `sections/${slug}/`)).json).toHaveLength(1);
      expect(home).toContain(`href="sections/${slug}/"`);
    }
  });
});

describe('a site built by Gazette before readable URLs', () => {
  it('keeps every feed id (site and section feeds, all three formats) when the new Gazette rebuilds it', async () => {
    await cp(new URL('content/', legacy), content, { recursive: true });
    await cp(new URL('public/', legacy), out, { recursive: true });
    const before = { site: await feedIds(out), world: await feedIds(out, 'sections/world/'), business: await feedIds(out, 'sections/business/') };
    expect(before.site.json).toHaveLength(5);

    const result = await build();
    expect(await feedIds(out)).toEqual(before.site);
    expect(await feedIds(out, 'sections/world/')).toEqual(before.world);
    expect(await feedIds(out, 'sections/business/')).toEqual(before.business);
    // Names without words moved to their headlines; each old URL now redirects there.
    expect(result.published.map((a) => a.slug).sort()).toEqual([
      '2026-11-21-harbour-bridge',
      'café-de-flore-reopens',
      'morning-briefing',
      seedSlug,
      'talks-resume-between-the-two-capitals',
    ]);
    expect((await redirectOf('articles/000-7e434e7f9160c0f8/')).canonical).toBe(`${base}/articles/${seedSlug}/`);
    expect((await redirectOf('articles/12345/')).canonical).toBe(`${base}/articles/talks-resume-between-the-two-capitals/`);
    expect((await redirectOf('articles/2026-11-19/')).canonical).toBe(`${base}/articles/morning-briefing/`);
    expect((await redirectOf('articles/cafe-de-flore-reopens/')).canonical).toBe(`${base}/articles/caf%C3%A9-de-flore-reopens/`);
    expect(result.removed).toEqual([]);
  });
});

describe('serve at an old URL', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('answers 301 to the current URL, whichever form of the old one is asked, and follows a later edit', async () => {
    const dir = join(h.dir, 'content');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'site.json'), siteJson);
    await writeFile(join(dir, '000_7e434e7f9160c0f8.txt'), seed);
    await buildSite({ contentDir: dir, outDir: h.outDir }, now);
    for (const path of ['/articles/000-7e434e7f9160c0f8/', '/articles/000-7e434e7f9160c0f8', '/articles/000-7e434e7f9160c0f8/index.html']) {
      const res = await fetch(`${h.url}${path}?utm=x`, { redirect: 'manual' });
      expect(res.status, path).toBe(301);
      expect(res.headers.get('location'), path).toBe(`/articles/${seedSlug}/?utm=x`);
    }
    expect((await fetch(`${h.url}/articles/${seedSlug}/`)).status).toBe(200);

    await writeFile(join(dir, '000_7e434e7f9160c0f8.txt'), seed.replace('Peace with', 'Talks with'));
    await buildSite({ contentDir: dir, outDir: h.outDir }, now);
    const moved = await fetch(`${h.url}/articles/${seedSlug}/`, { redirect: 'manual' });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/articles/talks-with-tajikistan-not-possible-under-current-situation-kyrgyzstan/');
    const followed = await fetch(`${h.url}/articles/000-7e434e7f9160c0f8/`);
    expect(followed.status).toBe(200);
    expect(await followed.text()).toContain('<h1');
  });

  it('moves a section whose folder was ASCII-folded before (Économie was economie): page, feeds and all', async () => {
    const dir = join(h.dir, 'content3');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'site.json'), siteJson);
    await writeFile(join(dir, 'budget.md'), '---\ntitle: Budget\ndate: 2026-11-20\nsection: Économie\n---\nBody.\n');
    await buildSite({ contentDir: dir, outDir: h.outDir }, now);
    const html = await readFile(join(h.outDir, 'sections/economie/index.html'), 'utf8');
    expect(html).toContain(`<link rel="canonical" href="${base}/sections/%C3%A9conomie/">`);
    for (const [path, location] of [
      ['/sections/economie/', '/sections/%C3%A9conomie/'],
      ['/sections/economie/feed.xml', '/sections/%C3%A9conomie/feed.xml'],
      ['/sections/economie/atom.xml', '/sections/%C3%A9conomie/atom.xml'],
    ]) {
      const res = await fetch(`${h.url}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBe(301);
      expect(res.headers.get('location'), path).toBe(location);
    }
    expect((await fetch(`${h.url}/sections/%C3%A9conomie/feed.xml`)).status).toBe(200);
    expect((await fetch(`${h.url}/sections/economie/missing.xml`, { redirect: 'manual' })).status).toBe(301);
  });

  it('builds one section of a Turkish name in capitals and in title case, and moves the folder each had before', async () => {
    const dir = join(h.dir, 'content4');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'site.json'), siteJson);
    await writeFile(join(dir, 'wire.md'), '---\ntitle: Ankara talks\ndate: 2026-11-20\nsection: DIŞ HABERLER\n---\nBody.\n');
    await writeFile(join(dir, 'desk.md'), '---\ntitle: Border reopens\ndate: 2026-11-19\nsection: Dış Haberler\n---\nBody.\n');
    const built = await buildSite({ contentDir: dir, outDir: h.outDir }, now);
    expect(built.sections).toBe(1);
    const page = await fetch(`${h.url}/sections/di%C5%9F-haberler/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Ankara talks');
    expect(html).toContain('Border reopens');
    const moved = await fetch(`${h.url}/sections/d%C4%B1%C5%9F-haberler/feed.xml`, { redirect: 'manual' });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/sections/di%C5%9F-haberler/feed.xml');
    // A static host serves files, and feed readers follow no meta refresh: the old folder's feeds are the new ones' bytes.
    for (const feed of ['feed.xml', 'atom.xml', 'feed.json']) {
      const copy = await readFile(join(h.outDir, 'sections/dış-haberler', feed), 'utf8');
      expect(copy, feed).toBe(await readFile(join(h.outDir, 'sections/diş-haberler', feed), 'utf8'));
    }
    expect(await readFile(join(h.outDir, 'sections/dış-haberler/feed.xml'), 'utf8')).toContain(`${base}/sections/di%C5%9F-haberler/feed.xml`);
  });

  it("moves an old section folder's later pages too: a page for a static host, one 301 keeping the slash from serve", async () => {
    const dir = join(h.dir, 'content5');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'site.json'), siteJson);
    for (let i = 10; i < 61; i++) await writeFile(join(dir, `story-${i}.md`), `---\ntitle: Story ${i}\ndate: 2026-10-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:00Z\nsection: Dış Haberler\n---\nBody.\n`);
    expect((await buildSite({ contentDir: dir, outDir: h.outDir }, now)).problems).toEqual([]);
    const page = await readFile(join(h.outDir, 'sections/dış-haberler/page/2/index.html'), 'utf8');
    expect(page).toContain('<link rel="canonical" href="https://news.example.org/sections/di%C5%9F-haberler/page/2/">');
    const moved = await fetch(`${h.url}/sections/d%C4%B1%C5%9F-haberler/page/2/`, { redirect: 'manual' });
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/sections/di%C5%9F-haberler/page/2/');
    expect((await fetch(`${h.url}${moved.headers.get('location')}`)).status).toBe(200);
  });

  it('links an İ article at the URL it keeps once another article takes its new one, on every page that lists it', async () => {
    const dir = join(h.dir, 'content6');
    const out = join(h.dir, 'out6');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'site.json'), siteJson);
    await writeFile(join(dir, '000_7e434e7f.md'), '---\ntitle: İzmir Belediyesi\ndate: 2026-11-20\nsection: Yerel\n---\nBody.\n');
    await buildSite({ contentDir: dir, outDir: out }, now);
    expect(await readFile(join(out, 'sections/yerel/index.html'), 'utf8')).toContain('href="../../articles/izmir-belediyesi/"');
    // Its bytes unchanged, its URL moves back to the one the dotted i gave: the section page must say so.
    // Without a section, so the section page's navigation, and with it its key, stays as it was.
    await writeFile(join(dir, 'izmir-belediyesi.md'), '---\ntitle: Council news\ndate: 2026-11-24\n---\nBody.\n');
    expect((await buildSite({ contentDir: dir, outDir: out }, now)).problems).toEqual([]);
    expect(await readFile(join(out, 'sections/yerel/index.html'), 'utf8')).toContain('href="../../articles/i\u0307zmir-belediyesi/"');
  });

  it('answers 301 with a percent-encoded Location for a URL in another script', async () => {
    const dir = join(h.dir, 'content2');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'site.json'), siteJson);
    await writeFile(join(dir, '42.txt'), 'date 2026-11-20\nМатч года\n\nТекст.\n');
    await buildSite({ contentDir: dir, outDir: h.outDir }, now);
    const res = await fetch(`${h.url}/articles/42/`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`/articles/${encodeURIComponent('матч-года')}/`);
    expect((await fetch(`${h.url}/articles/${encodeURIComponent('матч-года')}/`)).status).toBe(200);
  });
});
