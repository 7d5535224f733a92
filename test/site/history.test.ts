// What a build remembers and checks across runs (issue 13): the time an article was first built changed, and
// the local image files the feeds describe.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildSite } from '../../src/site/build.js';

let root: string;
let content: string;
let out: string;

const siteJson = {
  title: 'Example News',
  baseUrl: 'https://news.example.org',
  author: { name: 'Example News desk' },
  newsletter: { from: 'Example News <news@example.org>', postalAddress: '1 Example Street' },
};
const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a3c1d3a30000000049454e44ae426082', 'hex');

function story(body: string, front = ''): string {
  return `---\ntitle: Harbour reopens\ndate: 2026-11-20T08:00Z\n${front}---\n${body}\n`;
}

interface JsonFeed {
  items: { id: string; date_modified?: string; image?: string }[];
}

async function feed(): Promise<JsonFeed> {
  return JSON.parse(await readFile(join(out, 'feed.json'), 'utf8')) as JsonFeed;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazette-history-'));
  content = join(root, 'content');
  out = join(root, 'public');
  await mkdir(join(content, 'images'), { recursive: true });
  await writeFile(join(content, 'site.json'), JSON.stringify(siteJson));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('modified dates kept in the manifest', () => {
  it('dates an edited article at the first build that saw it change, and keeps that date in later builds', async () => {
    await writeFile(join(content, 'harbour.md'), story('First version.'));
    await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect((await feed()).items[0]?.date_modified).toBeUndefined();

    await writeFile(join(content, 'harbour.md'), story('Corrected version.'));
    const edited = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-22T12:00:00Z'));
    expect(edited.published[0]?.updated?.toISOString()).toBe('2026-11-22T12:00:00.000Z');
    expect((await feed()).items[0]?.date_modified).toBe('2026-11-22T12:00:00Z');
    const atom = await readFile(join(out, 'atom.xml'), 'utf8');
    expect(atom).toContain('<updated>2026-11-22T12:00:00Z</updated>');

    const later = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-30T00:00:00Z'));
    expect(later.written).toEqual([]);
    expect((await feed()).items[0]?.date_modified).toBe('2026-11-22T12:00:00Z');
  });

  it('lets front matter updated win over the build time', async () => {
    await writeFile(join(content, 'harbour.md'), story('Text.'));
    await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    await writeFile(join(content, 'harbour.md'), story('Text.', 'updated: 2026-11-20T18:00Z\n'));
    await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect((await feed()).items[0]?.date_modified).toBe('2026-11-20T18:00:00Z');
  });
});

describe('local images', () => {
  it('gives the real size and the type read from the file, whatever its name says', async () => {
    await writeFile(join(content, 'images', 'chart.jpg'), png);
    await writeFile(join(content, 'harbour.md'), story('Text.', 'image: /images/chart.jpg\n'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect(result.problems).toEqual([]);
    expect((await feed()).items[0]?.image).toBe('https://news.example.org/images/chart.jpg');
    const rss = await readFile(join(out, 'feed.xml'), 'utf8');
    expect(rss).toContain(`<enclosure url="https://news.example.org/images/chart.jpg" length="${png.length}" type="image/png"/>`);
  });

  it('reports an image file that does not exist at the line that names it, and still publishes the article with it', async () => {
    const body = 'Source: <https://cdn.example.com/images/map%20of%20the%20bay.png>\n\nWith ![a map](/images/map%20of%20the%20bay.png).\n\n<img src="/images/tides&amp;winds.png" alt="Tides">';
    await writeFile(join(content, 'harbour.md'), story(body, 'image: /images/missing.jpg\n'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect(result.problems.map((p) => `${p.path}:${p.line}: ${p.message}`)).toEqual([
      'harbour.md:4: the image https://news.example.org/images/missing.jpg is not a file in images/ of the content folder: readers will see a broken image',
      'harbour.md:8: the image https://news.example.org/images/map%20of%20the%20bay.png is not a file in images/ of the content folder: readers will see a broken image',
      'harbour.md:10: the image https://news.example.org/images/tides&winds.png is not a file in images/ of the content folder: readers will see a broken image',
    ]);
    expect(result.published.map((a) => a.slug)).toEqual(['harbour']);
    expect((await feed()).items[0]?.image).toBe('https://news.example.org/images/missing.jpg');
  });

  it('reports a missing image at every article that shows it, each at its own line, lone CR line ends too', async () => {
    await writeFile(join(content, 'harbour.md'), story('Text.\n\n![a map](/images/map.png)'));
    await writeFile(join(content, 'ferry.md'), story('Text.\n\nMore.\n\n![the map](/images/map.png)').replaceAll('Harbour reopens', 'Ferry').replaceAll('\n', '\r'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect(result.problems.map((p) => `${p.path}:${p.line}`).sort()).toEqual(['ferry.md:9', 'harbour.md:7']);
  });

  it('finds an image whose name has a "%", and says how to write a "#" or "?" in one', async () => {
    await writeFile(join(content, 'images', '100%.png'), png);
    await writeFile(join(content, 'images', 'a#b.png'), png);
    await writeFile(join(content, 'harbour.md'), story('Text.\n\n![a chart](/images/a#b.png)', 'image: /images/100%.png\n'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect((await feed()).items[0]?.image).toBe('https://news.example.org/images/100%25.png');
    expect(result.problems.map((p) => `${p.path}:${p.line ?? ''}: ${p.hint ?? ''}`)).toEqual([
      'harbour.md:8: add images/a to the content folder, or correct the image path (a "?" or "#" ends the path of a URL: write %3F or %23 for one in a file name)',
    ]);
  });

  it('reports an image it does not publish, and reads nothing through a link: a linked images folder, a linked file or folder, another kind of file', async () => {
    const outside = join(root, 'elsewhere');
    await mkdir(join(outside, 'private'), { recursive: true });
    await writeFile(join(outside, 'private', 'secret.png'), png);
    await writeFile(join(outside, 'photo.png'), png);
    await symlink(join(outside, 'photo.png'), join(content, 'images', 'linked.png'));
    await symlink(outside, join(content, 'images', 'sub'));
    await writeFile(join(content, 'images', 'scan.heic'), png);
    const body = 'A ![scan](/images/scan.heic) and ![secret](/images/sub/private/secret.png).';
    await writeFile(join(content, 'harbour.md'), story(body, 'image: /images/linked.png\n'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect(result.problems.map((p) => `${p.path}:${p.line ?? ''}: ${p.message}`)).toEqual([
      'harbour.md:4: the image https://news.example.org/images/linked.png is a symbolic link, under one, or in a hidden folder of images/: Gazette publishes none of these, so readers will see a broken image',
      'harbour.md:6: the image https://news.example.org/images/scan.heic is not of a kind Gazette publishes (AVIF, GIF, ICO, JPEG, PNG, SVG or WebP): readers will see a broken image',
      'harbour.md:6: the image https://news.example.org/images/sub/private/secret.png is a symbolic link, under one, or in a hidden folder of images/: Gazette publishes none of these, so readers will see a broken image',
    ]);
    const rss = await readFile(join(out, 'feed.xml'), 'utf8');
    expect(rss).toContain('<enclosure url="https://news.example.org/images/linked.png" length="0" type="image/png"/>');
    expect(await readdir(join(out, 'images')).catch(() => [])).toEqual([]);

    // The images folder itself a link: nothing of where it leads is published.
    await rm(join(content, 'images'), { recursive: true });
    await symlink(outside, join(content, 'images'));
    await writeFile(join(content, 'harbour.md'), story('Text.', 'image: /images/photo.png\n'));
    const linked = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect(linked.problems.map((p) => `${p.path}:${p.line ?? ''}: ${p.message}`)).toEqual([
      'harbour.md:4: the image https://news.example.org/images/photo.png is a symbolic link, under one, or in a hidden folder of images/: Gazette publishes none of these, so readers will see a broken image',
      'images/:: a symbolic link: Gazette does not follow links, so no image is published from it',
    ]);
    expect(existsSync(join(out, 'images'))).toBe(false);
  });

  it('reports an image of the site outside images/ that names a file of images/, at its line, with the path meant', async () => {
    await writeFile(join(content, 'images', 'harbour.png'), png);
    for (const [written, line] of [['harbour.png', 4], ['/content/images/harbour.png', 4], ['/Images/Harbour.png', 4]] as const) {
      await writeFile(join(content, 'harbour.md'), story('Text and ![a map](https://example.net/harbour.png).', `image: ${written}\n`));
      const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
      expect(result.problems, written).toEqual([
        expect.objectContaining({ path: 'harbour.md', line, message: expect.stringMatching(/^the image https:\/\/news\.example\.org\/\S+ is not in images\//), hint: 'write /images/harbour.png for the file content/images/harbour.png' }),
      ]);
    }
  });

  it('reports an SVG it does not publish at each article that shows it, which would show a broken image', async () => {
    await writeFile(join(content, 'images', 'chart.svg'), '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>');
    await writeFile(join(content, 'harbour.md'), story('Text.', 'image: /images/chart.svg\n'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-21T00:00:00Z'));
    expect(result.problems.map((p) => `${p.path}:${p.line ?? ''}: ${p.message}`)).toEqual([
      'harbour.md:4: the image https://news.example.org/images/chart.svg is not published (see the problem of images/chart.svg): readers will see a broken image',
      expect.stringMatching(/^images\/chart\.svg:1: the SVG image has an event attribute onload=/),
    ]);
  });
});
