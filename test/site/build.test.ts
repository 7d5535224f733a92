// `gazette build` end to end: a real content folder, the loader, the CLI's exit status and summary.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deserialize, serialize } from 'node:v8';
import type { Article } from '../../src/content/article.js';
import { articleCacheDir, buildSite, statsOnAnotherThread } from '../../src/site/build.js';
import { buildLockDir, buildLockOwnerFile, buildLockTakeoverFile, lockOutDir, type LockFolder } from '../../src/site/lock.js';
import { holderId } from '../../src/processes.js';
import { manifestFile, pendingFile } from '../../src/site/write.js';
import { siteInput } from '../fixtures/feeds/factory.js';
import { run } from '../cli/run.js';
import { formatProblem } from '../../src/errors.js';

let root: string;
let content: string;
let out: string;

const siteJson = { ...siteInput, timezone: 'Europe/Paris' };

/** What a build does to a lock its holder has not renewed for 10 s: removes it and makes its own (a folder with another inode). */
function takeOver(lock: string): void {
  renameSync(lock, `${lock}.taken`);
  mkdirSync(lock);
  rmdirSync(`${lock}.taken`);
}

function markdown(front: Record<string, string>, body: string): string {
  return `---\n${Object.entries(front).map(([k, v]) => `${k}: ${v}`).join('\n')}\n---\n${body}\n`;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gazette-build-'));
  content = join(root, 'content');
  out = join(root, 'public');
  await mkdir(join(content, 'local'), { recursive: true });
  await writeFile(join(content, 'site.json'), JSON.stringify(siteJson));
  await copyFile(new URL('../fixtures/seed.txt', import.meta.url), join(content, 'kyrgyzstan.txt'));
  await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes', date: '2026-11-23T21:30', section: 'Local', image: 'images/chamber.jpg', imageAlt: 'The chamber' }, 'The council **approved** it.'));
  await writeFile(join(content, 'local', 'draft.md'), markdown({ title: 'Not yet', date: '2026-11-20', draft: 'true' }, 'Draft.'));
  await writeFile(join(content, 'local', 'future.md'), markdown({ title: 'Tomorrow', date: '2026-12-01' }, 'Later.'));
  await writeFile(join(content, 'broken.txt'), 'no date here\n');
  await mkdir(join(content, 'images'));
  await writeFile(join(content, 'images', 'chamber.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3]));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('buildSite', () => {
  it('builds the published articles only, and returns the content problems', async () => {
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.published.map((a) => a.slug)).toEqual(['budget', 'kyrgyzstan']);
    expect(result.problems.map((p) => p.path)).toEqual([expect.stringContaining('broken.txt')]);
    expect(result.sections).toBe(2);
    const feed = JSON.parse(await readFile(join(out, 'feed.json'), 'utf8')) as { items: { id: string; image?: string; date_published: string }[] };
    expect(feed.items.map((i) => i.id)).toEqual(['https://news.example.org/articles/budget/', 'https://news.example.org/articles/kyrgyzstan/']);
    expect(feed.items[0]?.image).toBe('https://news.example.org/images/chamber.jpg');
    // 21:30 in Paris (UTC+1 in November) is 20:30 UTC.
    expect(feed.items[0]?.date_published).toBe('2026-11-23T20:30:00Z');
    await expect(stat(join(out, 'articles/draft'))).rejects.toThrow();
    await expect(stat(join(out, 'articles/future'))).rejects.toThrow();
    const form = await readFile(join(out, 'subscribe/index.html'), 'utf8');
    expect(form).toContain('<form class="subscribe-form" method="post" action="/subscribe">');
    expect(form).toContain('<link rel="stylesheet" href="../assets/site.css">');
  });

  it('shows no correction dated later than the build, and warns of it at its updated line, until its time comes', async () => {
    await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes', date: '2026-11-23T21:30', updated: '2027-11-23T21:30', section: 'Local' }, 'The council **approved** it.'));
    const early = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(early.warnings.map(formatProblem)).toEqual([
      expect.stringMatching(/^local\/budget\.md:4: updated is 2027-11-23T20:30:00\.000Z, later than this build \(2026-11-25T00:00:00\.000Z\): no correction date is shown/),
    ]);
    for (const file of ['feed.json', 'atom.xml', 'feed.xml', 'sitemap.xml', 'articles/budget/index.html']) expect(await readFile(join(out, file), 'utf8'), file).not.toContain('2027');
    const late = await buildSite({ contentDir: content, outDir: out }, new Date('2027-12-01T00:00:00Z'));
    expect(late.warnings).toEqual([]);
    expect(await readFile(join(out, 'feed.json'), 'utf8')).toContain('"date_modified": "2027-11-23T20:30:00Z"');
  });

  it('warns of a languages folder that holds no article, at its line of site.json, naming folders that do', async () => {
    await mkdir(join(content, 'arabic'));
    await writeFile(join(content, 'arabic', 'wire.txt'), 'date 2026-11-20 WORLD\nالعنوان\n\nنص الخبر.\n');
    await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteJson, languages: { 'arabic/': 'ar', 'arabik/': 'ar' } }, null, 2));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.warnings.map(formatProblem)).toEqual([
      `${join(content, 'site.json')}:${JSON.stringify({ ...siteJson, languages: { 'arabic/': 'ar', 'arabik/': 'ar' } }, null, 2).split('\n').findIndex((line) => line.includes('"arabik/"')) + 1}: languages: no article is in the folder "arabik/", so "ar" is no article's language — name a folder of the content folder, such as "arabic/", "local/"`,
    ]);
  });

  it('warns of a title cut to 300 characters at its line, and of none written with an ellipsis of its own', async () => {
    const long = `${'Council weighs the harbour budget again '.repeat(10)}at last`;
    await writeFile(join(content, 'local', 'long.md'), markdown({ title: long, date: '2026-11-23', section: 'Local' }, 'Text.'));
    const own = `${'A headline that trails off '.repeat(6)}…`;
    await writeFile(join(content, 'local', 'own.md'), markdown({ title: own, date: '2026-11-22', section: 'Local' }, 'Text.'));
    // Escaped quotes and a folded line are not in the file as the title reads, and are no cut either.
    const quoted = `Minister says \\"no\\" ${'to the harbour budget again '.repeat(5)}…`;
    await writeFile(join(content, 'local', 'quoted.md'), `---\ntitle: "${quoted}"\ndate: 2026-11-21\nsection: Local\n---\nText.\n`);
    await writeFile(join(content, 'local', 'folded.md'), `---\ntitle: >-\n  ${'A folded headline '.repeat(5)}\n  ${'on two lines '.repeat(4)}…\ndate: 2026-11-20\nsection: Local\n---\nText.\n`);
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.warnings.map(formatProblem)).toEqual([
      expect.stringMatching(/^local\/long\.md:2: the title is longer than 300 characters: feeds, pages and mail show it cut at a word, ending "harbour budget again Council weighs the…" — write a title of 300 characters or fewer, and the rest in the summary or the body$/),
    ]);
    expect(result.published.find((a) => a.slug === 'own')?.title).toBe(own);
  });

  it('warns of a section spelled like a larger one but for its accents, at the line that names it, and builds both', async () => {
    await writeFile(join(content, 'local', 'tax.md'), markdown({ title: 'Tax', date: '2026-11-22', section: 'Économie' }, 'Tax.'));
    await writeFile(join(content, 'local', 'rates.md'), markdown({ title: 'Rates', date: '2026-11-21', section: 'Économie' }, 'Rates.'));
    await writeFile(join(content, 'wire.txt'), 'date 2026-11-20 ECONOMIE\nMarkets calm\n\nMarkets were calm.\n');
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.sectionWarnings.map(formatProblem)).toEqual([
      'wire.txt:1: the section "ECONOMIE" (1 article) and "Économie" (2 articles) differ only in accents or in letters wire copy spells otherwise (ß as SS, Ø as OE, Ł as L): they are two sections, each with its own page, feeds and readers — if they are one section, write "Économie" in this file and the others of "ECONOMIE"',
    ]);
    await writeFile(join(content, 'wire.txt'), 'date 2026-11-20 ÉCONOMIE\nMarkets calm\n\nMarkets were calm.\n');
    await writeFile(join(content, 'local', 'rates.md'), markdown({ title: 'Rates', date: '2026-11-21', section: 'ECONOMIE' }, 'Rates.'));
    const again = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(again.sectionWarnings.map(formatProblem)).toEqual([expect.stringMatching(/^local\/rates\.md:4: the section "ECONOMIE" \(1 article\) and "Économie" \(2 articles\)/)]);
    await stat(join(out, 'sections/economie/index.html'));
    await stat(join(out, 'sections/économie/index.html'));
  });

  it('finds the line of a quoted section key, and the first line of wire text whatever the case of its extension', async () => {
    await writeFile(join(content, 'local', 'tax.md'), '---\ntitle: Tax\ndate: 2026-11-22\n"section": Économie\n---\nsection: not the key\n');
    await writeFile(join(content, 'local', 'rates.md'), markdown({ title: 'Rates', date: '2026-11-21', section: 'Économie' }, 'Rates.'));
    await writeFile(join(content, 'WIRE.TXT'), 'date 2026-11-20 ECONOMIE\nMarkets calm\n\nMarkets were calm.\n');
    await writeFile(join(content, 'local', 'gdp.md'), markdown({ title: 'GDP', date: '2026-11-19', section: 'ECONOMIE' }, 'GDP.'));
    await writeFile(join(content, 'local', 'jobs.md'), markdown({ title: 'Jobs', date: '2026-11-18', section: 'Économie' }, 'Jobs.'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.sectionWarnings.map((warning) => `${warning.path}:${warning.line}`)).toEqual(['WIRE.TXT:1']);
    await writeFile(join(content, 'WIRE.TXT'), 'date 2026-11-20 Économie\nMarkets calm\n\nMarkets were calm.\n');
    await writeFile(join(content, 'local', 'rates.md'), markdown({ title: 'Rates', date: '2026-11-23', section: 'ECONOMIE' }, 'Rates.'));
    await writeFile(join(content, 'local', 'gdp.md'), markdown({ title: 'GDP', date: '2026-11-24', section: 'ECONOMIE' }, 'GDP.'));
    await writeFile(join(content, 'local', 'jobs.md'), markdown({ title: 'Jobs', date: '2026-11-18', section: 'ECONOMIE' }, 'Jobs.'));
    const again = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(again.sectionWarnings.map((warning) => `${warning.path}:${warning.line}`)).toEqual(['local/tax.md:4']);
  });

  it('warns of a label merged into another section, as only letters and digits make a key (C# beside C++)', async () => {
    await writeFile(join(content, 'local', 'cpp.md'), markdown({ title: 'C++ 26', date: '2026-11-22', section: 'C++' }, 'New standard.'));
    await writeFile(join(content, 'local', 'csharp.md'), markdown({ title: 'C# 14', date: '2026-11-21', section: 'C#' }, 'New release.'));
    await writeFile(join(content, 'local', 'cpp-old.md'), markdown({ title: 'C++ 23', date: '2026-11-20', section: 'c++' }, 'Old standard.'));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.sectionWarnings.map(formatProblem)).toEqual([
      'local/csharp.md:4: the section "C#" (1 article) has the key of "C++" (2 articles), as only letters and digits make a key: they are one section, sections/c/, shown as "C++" — if they are two sections, give this one other letters or digits; if one, write "C++" here',
    ]);
  });

  it('warns once of images whose text alternative is the headline, and once of raw <img> without alt, at the first file\'s line, naming the others', async () => {
    const image = { section: 'Local', image: 'images/chamber.jpg' };
    for (const [name, day] of [['a', 24], ['b', 23], ['c', 22], ['d', 21], ['e', 20]] as const) {
      const text = markdown({ title: `Item ${name}`, date: `2026-11-${day}`, ...image }, 'Text.');
      // Lines are counted as the parser reads them: without a byte-order mark, CRLF as one line end.
      await writeFile(join(content, 'local', `${name}.md`), name === 'a' ? `\uFEFF${text.replaceAll('\n', '\r\n')}` : text);
    }
    await writeFile(join(content, 'local', 'decor.md'), markdown({ title: 'Decor', date: '2026-11-19', ...image, imageAlt: '""' }, 'Text.'));
    // Tags shown as code are no images; an alt= inside another attribute is no alt.
    const rawBody = [
      'Text with `<img src="images/chamber.jpg">` in code.',
      '',
      '```html\n<img src="images/chamber.jpg">\n```',
      '',
      '<img src="images/chamber.jpg" alt="">',
      '',
      '<img src="https://cdn.example.org/p.jpg?alt=media" data-alt="x">',
    ].join('\n');
    await writeFile(join(content, 'local', 'raw.md'), markdown({ title: 'Raw', date: '2026-11-18' }, rawBody));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.warnings.map(formatProblem)).toEqual([
      'local/a.md:5: the image\'s text alternative is the headline (no imageAlt, or one that repeats it): a reader who cannot see it hears the headline twice and learns nothing of what it shows (so do 4 other articles: local/b.md, local/c.md, local/d.md and 1 more) — write imageAlt: what the image shows (imageAlt: "" for an image that only decorates)',
      'local/raw.md:13: <img src="https://cdn.example.org/p.jpg?alt=media"> in the body has no alt: a screen reader reads out its file name instead — add alt="what it shows" to the <img> (alt="" for an image that only decorates)',
    ]);
    // Written as the headline, the text alternative is as empty; described, or marked as decoration, it is not.
    await writeFile(join(content, 'local', 'a.md'), markdown({ title: 'Item a', date: '2026-11-24', ...image, imageAlt: 'Item a' }, 'Text.'));
    for (const name of ['b', 'c', 'd', 'e']) {
      await writeFile(join(content, 'local', `${name}.md`), markdown({ title: `Item ${name}`, date: '2026-11-20', ...image, imageAlt: 'The chamber, empty' }, 'Text.'));
    }
    await rm(join(content, 'local', 'raw.md'));
    const again = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(again.warnings.map(formatProblem)).toEqual([expect.stringMatching(/^local\/a\.md:5: the image's text alternative is the headline \(no imageAlt, or one that repeats it\): [^(]*— write imageAlt/)]);
  });

  it('parses a first build of many files on threads started while the config loads, with a problem for each bad file', async () => {
    await mkdir(join(content, 'wire'));
    for (let i = 0; i < 6000; i++) writeFileSync(join(content, 'wire', `item-${i}.md`), markdown({ title: `Item ${i}`, date: '2026-11-22T08:00' }, `Body of item ${i}.`));
    const result = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    expect(result.articles).toBe(6002);
    expect(result.problems.map((p) => p.path)).toEqual([expect.stringContaining('broken.txt')]);
    expect(await readFile(join(out, 'articles/item-5999/index.html'), 'utf8')).toContain('<p>Body of item 5999.</p>');
  });

  it('waits for another build into the same folder, writing nothing until that one has finished, and says so once', async () => {
    const { release } = await lockOutDir(out);
    let settled = false;
    const notices: string[] = [];
    const build = buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'), { onWait: (notice) => notices.push(notice) }).finally(
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    expect(notices).toEqual([`another Gazette build is writing into ${out}: waiting for it to finish (a lock whose build was stopped, or runs on another machine, goes stale after 10 s)`]);
    await expect(stat(join(out, 'index.html'))).rejects.toThrow(/ENOENT/);
    await release();
    expect((await build).articles).toBe(2);
    await expect(stat(join(out, buildLockDir))).rejects.toThrow(/ENOENT/);
  });

  it('keeps a live article\'s URL when a new file dated earlier asks for it, build after build and after a config change', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    await buildSite({ contentDir: content, outDir: out }, at);
    await writeFile(join(content, 'backdated.md'), markdown({ title: 'An old story', date: '2019-01-01', slug: 'budget' }, 'From the archive.'));
    for (const change of ['none', 'none', 'site.json']) {
      // A new site.json makes a new cache key: nothing the cache knew may decide.
      if (change === 'site.json') await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteJson, title: 'Another title' }));
      const result = await buildSite({ contentDir: content, outDir: out }, at);
      expect(result.published.map((a) => a.sourcePath), change).toContain('local/budget.md');
      expect(result.problems.map((p) => `${p.path}: ${p.message}`)).toContain(
        'backdated.md: the URL articles/budget/ is already the URL of local/budget.md, which came first and keeps it',
      );
      expect(await readFile(join(out, 'articles/budget/index.html'), 'utf8')).toContain('Budget passes');
    }
  });

  it('keeps each article of a day named in another script under its id, build after build, as files come and go', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    const story = (title: string): string => markdown({ title, date: '2026-11-24' }, `${title}.`);
    const ids = async (): Promise<string[][]> => {
      const result = await buildSite({ contentDir: content, outDir: out }, at);
      expect(result.problems.map((p) => p.path)).toEqual(['broken.txt']);
      const day = result.published.filter((a) => a.sourcePath.includes('2026-11-24'));
      return day.map((a) => [a.sourcePath, a.id]).sort(([a = ''], [b = '']) => (a < b ? -1 : 1));
    };
    await writeFile(join(content, '2026-11-24-спорт.md'), story('Спорт'));
    expect(await ids()).toEqual([['2026-11-24-спорт.md', '2026-11-24']]);
    // Sorted before спорт, a new file once took its id 2026-11-24 (feed readers showed спорт's id on another story).
    await writeFile(join(content, '2026-11-24-выборы.md'), story('Выборы'));
    expect(await ids()).toEqual([['2026-11-24-выборы.md', '2026-11-24-выборы'], ['2026-11-24-спорт.md', '2026-11-24']]);
    expect(await readFile(join(out, 'articles/2026-11-24-выборы/index.html'), 'utf8')).toContain('Выборы');
    // With спорт deleted, its id stays its own: a new file of that day would else be the story the digest already carried.
    await rm(join(content, '2026-11-24-спорт.md'));
    await writeFile(join(content, '2026-11-24-أخبار.md'), story('أخبار'));
    expect(await ids()).toEqual([['2026-11-24-выборы.md', '2026-11-24-выборы'], ['2026-11-24-أخبار.md', '2026-11-24-أخبار']]);
    const manifest = JSON.parse(await readFile(join(out, manifestFile), 'utf8')) as { articles: Record<string, { path?: string; hash?: string }> };
    expect(manifest.articles['2026-11-24']).toEqual({ path: '2026-11-24-спорт.md', slugs: ['2026-11-24-спорт'] });
    // Back, even in another folder, спорт is the article it was.
    await writeFile(join(content, 'local', '2026-11-24-спорт.md'), story('Спорт'));
    expect(await ids()).toEqual([['2026-11-24-выборы.md', '2026-11-24-выборы'], ['2026-11-24-أخبار.md', '2026-11-24-أخبار'], ['local/2026-11-24-спорт.md', '2026-11-24']]);
    // A mistyped date in a correction keeps the last published version under its own letters' id.
    await writeFile(join(content, '2026-11-24-выборы.md'), markdown({ title: 'Выборы', date: '2026-13-45' }, 'Corrected.'));
    const corrected = await buildSite({ contentDir: content, outDir: out }, at);
    expect(corrected.problems.map((p) => `${p.path}: ${p.message}`)).toContainEqual(expect.stringMatching(/^2026-11-24-выборы\.md: .*\(the version the last build published stays until this is fixed\)$/));
    expect(corrected.published.map((a) => a.id)).toContain('2026-11-24-выборы');
  });

  it('keeps the id of a file renamed with an accent (the fold is the same), and its feeds follow an id that changes', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    const feedIds = async (): Promise<Record<string, string>> => {
      const feed = JSON.parse(await readFile(join(out, 'feed.json'), 'utf8')) as { items: { id: string; title: string }[] };
      return Object.fromEntries(feed.items.map((item) => [item.title, decodeURIComponent(item.id.replace('https://news.example.org/articles/', ''))]));
    };
    await writeFile(join(content, '2026-11-24-cafe-opening.md'), markdown({ title: 'Cafe opens', date: '2026-11-24' }, 'Open.'));
    await buildSite({ contentDir: content, outDir: out }, at);
    await rm(join(content, '2026-11-24-cafe-opening.md'));
    await writeFile(join(content, '2026-11-24-café-opening.md'), markdown({ title: 'Cafe opens', date: '2026-11-24' }, 'Open.'));
    await buildSite({ contentDir: content, outDir: out }, at);
    expect((await feedIds())['Cafe opens']).toBe('2026-11-24-cafe-opening/');
    // выборы holds the folded id, спорт (dated earlier) its own; without the manifest the earlier one takes the fold.
    await writeFile(join(content, '2026-11-25-выборы.md'), markdown({ title: 'Выборы', date: '2026-11-24T12:00' }, 'Выборы.'));
    await buildSite({ contentDir: content, outDir: out }, at);
    await writeFile(join(content, '2026-11-25-спорт.md'), markdown({ title: 'Спорт', date: '2026-11-24T06:00' }, 'Спорт.'));
    await buildSite({ contentDir: content, outDir: out }, at);
    expect(await feedIds()).toMatchObject({ Выборы: '2026-11-25/', Спорт: '2026-11-25-спорт/' });
    // A manifest that lost its records (the files' keys kept) tells nothing of ids: the pages of the two are rendered again.
    const manifest = JSON.parse(await readFile(join(out, manifestFile), 'utf8')) as { articles: unknown };
    await writeFile(join(out, manifestFile), JSON.stringify({ ...manifest, articles: null }));
    const rebuilt = await buildSite({ contentDir: content, outDir: out }, at);
    const ids = Object.fromEntries(rebuilt.published.map((a) => [a.title, `${a.id}/`]));
    expect(ids).toMatchObject({ Выборы: '2026-11-25-выборы/', Спорт: '2026-11-25/' });
    expect(await feedIds()).toMatchObject({ Выборы: ids['Выборы'], Спорт: ids['Спорт'] });
  });

  it('keeps a live article against newcomers after an upgrade from a manifest that records no files', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    const withoutFiles = async (): Promise<void> => {
      const manifest = JSON.parse(await readFile(join(out, manifestFile), 'utf8')) as { articles: Record<string, { path?: string }> };
      for (const record of Object.values(manifest.articles)) delete record.path;
      await writeFile(join(out, manifestFile), JSON.stringify(manifest));
    };
    await mkdir(join(content, 'news'));
    await writeFile(join(content, 'news', 'harbour.md'), markdown({ title: 'Live', date: '2026-11-20' }, 'Live.'));
    await buildSite({ contentDir: content, outDir: out }, at);
    await withoutFiles();
    // A file of its name elsewhere, sorting first: the live one matches the record by URL and bytes, the newcomer by URL only.
    await mkdir(join(content, 'aa'));
    await writeFile(join(content, 'aa', 'harbour.md'), markdown({ title: 'Newcomer', date: '2026-11-24' }, 'New.'));
    const first = await buildSite({ contentDir: content, outDir: out }, at);
    expect(first.published.find((a) => a.id === 'harbour')?.title).toBe('Live');
    expect(first.problems.map((p) => p.path)).toContain('aa/harbour.md');
    await rm(join(content, 'aa'), { recursive: true });
    await buildSite({ contentDir: content, outDir: out }, at);
    await withoutFiles();
    // The live article's URL and bytes change in the upgrade build, and a file dated earlier asks for its id's folder.
    await writeFile(join(content, 'news', 'harbour.md'), markdown({ title: 'Live', date: '2026-11-20', slug: 'harbour-reopens' }, 'Reopened.'));
    await writeFile(join(content, 'other.md'), markdown({ title: 'Other', date: '2026-11-10', slug: 'harbour' }, 'Other.'));
    const second = await buildSite({ contentDir: content, outDir: out }, at);
    expect(second.published.find((a) => a.id === 'harbour')).toMatchObject({ title: 'Live', slug: 'harbour-reopens' });
    expect(second.problems.map((p) => p.path)).toContain('other.md');
  });

  it('keeps the folded id with the article an earlier Gazette published under it, when a name that folds alike comes', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    await writeFile(join(content, '2026-11-24-спорт.md'), markdown({ title: 'Спорт', date: '2026-11-24' }, 'Спорт.'));
    await buildSite({ contentDir: content, outDir: out }, at);
    // What a Gazette before this release wrote: no file in the records.
    const manifest = JSON.parse(await readFile(join(out, manifestFile), 'utf8')) as { articles: Record<string, { path?: string }> };
    for (const record of Object.values(manifest.articles)) delete record.path;
    await writeFile(join(out, manifestFile), JSON.stringify(manifest));
    await writeFile(join(content, '2026-11-24-выборы.md'), markdown({ title: 'Выборы', date: '2026-11-24' }, 'Выборы.'));
    const result = await buildSite({ contentDir: content, outDir: out }, at);
    expect(result.published.filter((a) => a.sourcePath.startsWith('2026')).map((a) => [a.sourcePath, a.id])).toEqual(
      expect.arrayContaining([['2026-11-24-спорт.md', '2026-11-24'], ['2026-11-24-выборы.md', '2026-11-24-выборы']]),
    );
  });

  it('says nothing of waiting when no other build holds the folder', async () => {
    const notices: string[] = [];
    await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'), { onWait: (notice) => notices.push(notice) });
    await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'), { onWait: (notice) => notices.push(notice) });
    expect(notices).toEqual([]);
  });

  it('tells the user of `gazette build` on stderr that it waits for another build', async () => {
    await rm(join(content, 'broken.txt'));
    const { release } = await lockOutDir(out);
    const build = run(['build', '--content', content, '--out', out]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await release();
    const { code, stderr } = await build;
    expect(code).toBe(0);
    expect(stderr).toContain(`gazette: another Gazette build is writing into ${out}: waiting for it to finish`);
  });

  it('gives up with a BusyError (exit 75) when the other build does not finish in time', async () => {
    const { release } = await lockOutDir(out);
    try {
      await expect(lockOutDir(out, 0)).rejects.toMatchObject({ code: 'E_BUSY', exitCode: 75, message: expect.stringContaining('another Gazette build is writing into') });
    } finally {
      await release();
    }
  });

  it.each([
    ['a file', async (lock: string) => writeFile(lock, 'not a lock')],
    ['a folder with something in it', async (lock: string) => mkdir(join(lock, '.DS_Store'), { recursive: true })],
  ])('replaces %s standing where the lock goes', async (_, damage) => {
    await mkdir(out, { recursive: true });
    await damage(join(out, buildLockDir));
    expect((await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'))).articles).toBe(2);
    await expect(stat(join(out, buildLockDir))).rejects.toThrow(/ENOENT/);
  });

  it('stops waiting for another build when told to stop, having built nothing', async () => {
    const { release } = await lockOutDir(out);
    try {
      const stop = new AbortController();
      const build = buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'), { signal: stop.signal });
      await new Promise((resolve) => setTimeout(resolve, 300));
      stop.abort();
      await expect(build).rejects.toMatchObject({ code: 'E_BUSY', message: expect.stringContaining('nothing was built') });
      await expect(stat(join(out, 'index.html'))).rejects.toThrow(/ENOENT/);
    } finally {
      await release();
    }
  });

  it('leaves alone a lock another build took over from it, and says to build again', async () => {
    const held = await lockOutDir(out);
    const lock = join(out, buildLockDir);
    takeOver(lock);
    expect(await held.lost()).toBe(true);
    await expect(held.release()).rejects.toMatchObject({ code: 'E_BUSY', message: expect.stringContaining('taken over by another build') });
    expect((await stat(lock)).isDirectory()).toBe(true);
  });

  it('tells its caller and aborts its signal at once when proper-lockfile finds its lock taken over (its renewal, every 5 s)', async () => {
    const heard: (LockFolder | null)[] = [];
    const held = await lockOutDir(out, undefined, { onLock: (folder) => heard.push(folder) });
    takeOver(join(out, buildLockDir));
    await new Promise((resolve) => setTimeout(resolve, 5500));
    expect(heard).toEqual([expect.objectContaining({ path: join(out, buildLockDir) }), null]);
    expect(held.signal.aborted).toBe(true);
    await expect(held.release()).rejects.toMatchObject({ code: 'E_BUSY' });
  }, 15_000);

  describe('a lock left by a build of this machine', () => {
    /** A process that takes the build lock of `out` and holds it until it is killed; resolved once it holds it. */
    async function holdLock(): Promise<ChildProcess> {
      const script = join(root, 'hold.mts');
      await writeFile(script, `import { lockOutDir } from ${JSON.stringify(new URL('../../src/site/lock.ts', import.meta.url).href)};\nawait lockOutDir(${JSON.stringify(out)});\nconsole.log('held');\nsetInterval(() => {}, 1000);\n`);
      // cwd: the project, where `--import tsx` resolves.
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: new URL('../..', import.meta.url), stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('held') && resolve());
        child.on('exit', (code) => reject(new Error(`the holder exited ${code}`)));
      });
      return child;
    }

    it('is taken at once, not after 10 s, when its build was killed', async () => {
      const holder = await holdLock();
      const owner = JSON.parse(await readFile(join(out, buildLockOwnerFile), 'utf8')) as { holder: string };
      expect(owner.holder).toContain(`:${holder.pid}:`);
      holder.kill('SIGKILL');
      await once(holder, 'exit');
      const notices: string[] = [];
      const held = await lockOutDir(out, 60_000, { onWait: (notice) => notices.push(notice) });
      expect(notices).toEqual([]);
      // As with a stale lock, the pending list stays for the next build: the killed one may have kept it for a stopped one.
      expect(held.tookOver).toBe(true);
      await held.release();
      await expect(stat(join(out, buildLockOwnerFile))).rejects.toThrow(/ENOENT/);
      await expect(stat(join(out, buildLockDir))).rejects.toThrow(/ENOENT/);
    }, 30_000);

    it('is left to the build that is taking it over, unless that one died doing so or took over 10 s', async () => {
      const holder = await holdLock();
      holder.kill('SIGKILL');
      await once(holder, 'exit');
      // Another build, alive, holds the takeover guard: it is removing this lock and making its own.
      const guard = join(out, buildLockTakeoverFile);
      await writeFile(guard, holderId());
      await expect(lockOutDir(out, 0)).rejects.toMatchObject({ code: 'E_BUSY' });
      expect(existsSync(join(out, buildLockDir))).toBe(true);
      // The one that holds it died doing so: the guard is taken at once.
      const dead = `${holderId().split(':').slice(0, -2).join(':')}:${holder.pid}:beef`;
      await writeFile(guard, dead);
      const held = await lockOutDir(out, 0);
      expect(existsSync(guard)).toBe(false);
      await held.release();
      // A live holder's guard left over 10 s ago (its build stopped): taken too, by the stale lock's taker.
      const stale = join(out, buildLockDir);
      await mkdir(stale);
      await utimes(stale, new Date(Date.now() - 20_000), new Date(Date.now() - 20_000));
      await writeFile(guard, holderId());
      await utimes(guard, new Date(Date.now() - 20_000), new Date(Date.now() - 20_000));
      await (await lockOutDir(out, 0)).release();
      expect(existsSync(guard)).toBe(false);
    }, 30_000);

    it('is waited for while its build lives, or when its owner file names another folder', async () => {
      const holder = await holdLock();
      try {
        await expect(lockOutDir(out, 0)).rejects.toMatchObject({ code: 'E_BUSY' });
      } finally {
        holder.kill('SIGKILL');
        await once(holder, 'exit');
      }
      // The folder made again after the owner file was written (another build's): the file vouches for nothing.
      rmdirSync(join(out, buildLockDir));
      mkdirSync(join(out, buildLockDir));
      await expect(lockOutDir(out, 0)).rejects.toMatchObject({ code: 'E_BUSY' });
    }, 30_000);
  });

  it('leaves the list of files being written for the next build when it took over a stale lock: its holder may resume', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    await buildSite({ contentDir: content, outDir: out }, at);
    const lock = join(out, buildLockDir);
    await mkdir(lock);
    await utimes(lock, new Date(Date.now() - 20_000), new Date(Date.now() - 20_000));
    await writeFile(join(out, pendingFile), JSON.stringify(['articles/budget/index.html']));
    await buildSite({ contentDir: content, outDir: out }, at);
    expect(JSON.parse(await readFile(join(out, pendingFile), 'utf8'))).toContain('articles/budget/index.html');
    await buildSite({ contentDir: content, outDir: out }, at);
    await expect(stat(join(out, pendingFile))).rejects.toThrow(/ENOENT/);
  });

  it('leaves the manifest to the build that took its lock over, and lists the files it wrote for the next build', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    await buildSite({ contentDir: content, outDir: out }, at);
    const manifest = await readFile(join(out, manifestFile), 'utf8');
    await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes at last', date: '2026-11-23T21:30', section: 'Local' }, 'Approved.'));
    let other: Promise<boolean> | undefined;
    const onLock = (folder: LockFolder | null): void => {
      if (folder === null || other) return;
      // Another build finds this one's lock stale (this one stopped for over 10 s) and holds it for a while.
      takeOver(folder.path);
      other = new Promise((resolve) => setTimeout(() => resolve(existsSync(folder.path) && (rmdirSync(folder.path), true)), 300));
    };
    await expect(buildSite({ contentDir: content, outDir: out }, at, { onLock })).rejects.toMatchObject({ code: 'E_BUSY', message: expect.stringContaining('took over') });
    expect(await other).toBe(true);
    expect(await readFile(join(out, manifestFile), 'utf8')).toBe(manifest);
    expect(JSON.parse(await readFile(join(out, pendingFile), 'utf8'))).toContain('articles/budget/index.html');
    await expect(stat(join(out, buildLockDir))).rejects.toThrow(/ENOENT/);
  });

  it('fails at once, not after the wait, when the lock cannot be made for another reason', async () => {
    // A folder whose path leaves no room for the lock's name (Linux: 4,095 characters at most): ENAMETOOLONG, as root too.
    let dir = root;
    while (dir.length + 201 < 4070) dir = join(dir, 'd'.repeat(200));
    dir = join(dir, 'e'.repeat(4085 - dir.length - 1));
    await expect(lockOutDir(dir)).rejects.toMatchObject({ code: 'ENAMETOOLONG' });
  });

  it('leaves the folder as one build would when two start together, the content edited in between', async () => {
    const at = new Date('2026-11-25T00:00:00Z');
    await buildSite({ contentDir: content, outDir: out }, at);
    const first = buildSite({ contentDir: content, outDir: out }, at);
    await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes at last', date: '2026-11-23T21:30', section: 'Local' }, 'Approved.'));
    const second = buildSite({ contentDir: content, outDir: out }, at);
    await Promise.all([first, second]);
    expect((await buildSite({ contentDir: content, outDir: out }, at)).written).toEqual([]);
    expect(await readFile(join(out, 'articles/budget/index.html'), 'utf8')).toContain('Budget passes at last');
  });

  it('ends the parse threads started ahead when site.json is invalid', async () => {
    const threads = async (): Promise<string | undefined> => /^Threads:\s*(\d+)/m.exec(await readFile('/proc/self/status', 'utf8'))?.[1];
    await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-25T00:00:00Z'));
    const before = await threads();
    for (let i = 0; i < 6000; i++) writeFileSync(join(content, `item-${i}.md`), markdown({ title: `Item ${i}`, date: '2026-11-22' }, 'Body.'));
    await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteJson, baseUrl: 'not a url' }));
    await expect(buildSite({ contentDir: content, outDir: join(root, 'fresh') }, new Date('2026-11-25T00:00:00Z'))).rejects.toThrow(/baseUrl/);
    expect(await threads()).toBe(before);
  });

  it('publishes content/images as images/, and removes an image deleted from content', async () => {
    const now = new Date('2026-11-25T00:00:00Z');
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 1, 2, 3]);
    await mkdir(join(content, 'images', 'maps'), { recursive: true });
    await writeFile(join(content, 'images', 'chamber.jpg'), jpeg);
    await writeFile(join(content, 'images', 'maps', 'batken.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(content, 'images', '.DS_Store'), 'x');
    await writeFile(join(content, 'images', 'notes.txt'), 'not an image');

    const first = await buildSite({ contentDir: content, outDir: out }, now);
    expect(first.problems.map((p) => p.path)).not.toContainEqual(expect.stringContaining('notes.txt'));
    expect(first.written).toEqual(expect.arrayContaining(['images/chamber.jpg', 'images/maps/batken.svg']));
    expect(await readFile(join(out, 'images', 'chamber.jpg'))).toEqual(jpeg);
    await expect(stat(join(out, 'images', '.DS_Store'))).rejects.toThrow();
    await expect(stat(join(out, 'images', 'notes.txt'))).rejects.toThrow();

    expect((await buildSite({ contentDir: content, outDir: out }, now)).written).toEqual([]);
    // A script added to the SVG: it is taken off the site and reported, at every build until it is fixed.
    await writeFile(join(content, 'images', 'maps', 'batken.svg'), '<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(document.cookie)</script>\n</svg>');
    for (const build of [1, 2]) {
      const scripted = await buildSite({ contentDir: content, outDir: out }, now);
      expect(scripted.problems.map((p) => `${p.path}:${p.line ?? ''}`), `build ${build}`).toContain('images/maps/batken.svg:2');
      await expect(stat(join(out, 'images', 'maps', 'batken.svg'))).rejects.toThrow();
      expect(await readFile(join(out, 'images', 'chamber.jpg'))).toEqual(jpeg);
    }
    await writeFile(join(content, 'images', 'maps', 'batken.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    expect((await buildSite({ contentDir: content, outDir: out }, now)).written).toEqual(['images/maps/batken.svg']);
    await rm(join(content, 'images', 'maps'), { recursive: true });
    const third = await buildSite({ contentDir: content, outDir: out }, now);
    expect(third.removed).toEqual(['images/maps/batken.svg']);
    await expect(stat(join(out, 'images', 'maps'))).rejects.toThrow();
  });
});

describe('the article cache', () => {
  const now = new Date('2026-11-25T00:00:00Z');
  const cacheDir = (): string => join(out, articleCacheDir);
  const cacheFiles = async (): Promise<string[]> =>
    (await readdir(cacheDir())).filter((name) => name.startsWith('articles-')).sort().map((name) => join(cacheDir(), name));
  /**
   * Rewrites the cached title of `slug`, so a build that shows it has reused the cache instead of parsing; with
   * `hash`, also the hash of the bytes it was parsed from, so only a build that did not read the file reuses it.
   */
  async function tamperWithCachedTitle(slug: string, title: string, hash?: string): Promise<void> {
    for (const file of await cacheFiles()) {
      const data = deserialize(await readFile(file)) as { articles: Map<string, Article> };
      for (const article of data.articles.values()) if (article.slug === slug) Object.assign(article, { title }, hash === undefined ? {} : { hash });
      await writeFile(file, serialize(data));
    }
  }
  /** Builds with the clock a minute ahead: the content files, written by the test just now, are old enough to vouch for their bytes by their times. */
  async function buildLater(): Promise<Article[]> {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000);
    try {
      return (await buildSite({ contentDir: content, outDir: out }, now)).published;
    } finally {
      vi.useRealTimers();
    }
  }
  const page = (slug: string): Promise<string> => readFile(join(out, 'articles', slug, 'index.html'), 'utf8');
  /** Pads the manifest (JSON takes trailing spaces) to a large site's size: the next rebuild reads its stats on another thread. */
  async function asLargeSite(): Promise<void> {
    await writeFile(join(out, manifestFile), `${await readFile(join(out, manifestFile), 'utf8')}${' '.repeat(800_000)}`);
  }

  it("reads a large site's stats on another thread, which parses the changed file, and reuses the rest", async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    await asLargeSite();
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title');
    await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes at last', date: '2026-11-23T21:30', section: 'Local' }, 'Approved.'));
    expect(statsOnAnotherThread((await stat(join(out, manifestFile))).size, 2)).toBe(true);
    const second = await buildSite({ contentDir: content, outDir: out }, now);
    expect(second.published.map((a) => a.title)).toEqual(['Budget passes at last', 'Cached title']);
    expect(await page('budget')).toContain('Budget passes at last');
  });

  it('keeps the parsed articles beside the manifest and parses again only the files whose bytes changed', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title');
    await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes at last', date: '2026-11-23T21:30', section: 'Local' }, 'Approved.'));
    const second = await buildSite({ contentDir: content, outDir: out }, now);
    expect(second.published.map((a) => a.title)).toEqual(['Budget passes at last', 'Cached title']);
    expect(second.problems.map((p) => p.path)).toEqual([expect.stringContaining('broken.txt')]);
  });

  it('keeps the times of a tie, as a fresh build does, when a draft of the same day arrives', async () => {
    await writeFile(join(content, 'b-story.md'), markdown({ title: 'B story', date: '2026-11-20', section: 'World' }, 'B.'));
    await writeFile(join(content, 'c-story.md'), markdown({ title: 'C story', date: '2026-11-20', section: 'Local' }, 'C.'));
    await buildSite({ contentDir: content, outDir: out }, now);
    // Ties are broken in path order, drafts left out: the draft, first by path, takes no second from the other two.
    await writeFile(join(content, 'a-draft.md'), markdown({ title: 'A draft', date: '2026-11-20', draft: 'true' }, 'A.'));
    expect((await buildSite({ contentDir: content, outDir: out }, now)).written).toEqual([]);
    const fresh = join(root, 'fresh');
    await buildSite({ contentDir: content, outDir: fresh }, now);
    const files = async (dir: string): Promise<Map<string, string>> => {
      const found = await readdir(dir, { recursive: true, withFileTypes: true });
      const paths = found.filter((entry) => entry.isFile() && !entry.parentPath.includes(articleCacheDir) && entry.name !== '.gazette-manifest.json');
      return new Map(await Promise.all(paths.map(async (entry) => [join(entry.parentPath, entry.name).slice(dir.length), await readFile(join(entry.parentPath, entry.name), 'utf8')] as const)));
    };
    const built = await files(out);
    expect(built.get('/articles/c-story/index.html')).toContain('2026-11-19T23:00:01Z');
    expect(built).toEqual(await files(fresh));
  });

  it('gives the same articles and bytes as parsing afresh: ids, headline URLs, languages, correction dates', async () => {
    const wordless = markdown({ title: 'Talks resume in Bishkek', date: '2026-11-22T10:00', lang: 'ru' }, 'Talks.');
    await writeFile(join(content, 'local', '2026-11-22.md'), wordless);
    await buildSite({ contentDir: content, outDir: out }, now);
    await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes', date: '2026-11-23T21:30', section: 'Local' }, 'Corrected.'));
    const corrected = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-26T00:00:00Z'));
    const cached = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-27T00:00:00Z'));
    const atom = await readFile(join(out, 'atom.xml'), 'utf8');
    expect(cached.written).toEqual([]);
    expect(cached.published).toEqual(corrected.published);
    const talks = cached.published.find((a) => a.id === '2026-11-22');
    expect(talks).toMatchObject({ slug: 'talks-resume-in-bishkek', lang: 'ru' });
    expect(cached.published.find((a) => a.id === 'budget')?.updated).toEqual(new Date('2026-11-26T00:00:00Z'));

    await rm(cacheDir(), { recursive: true });
    const fresh = await buildSite({ contentDir: content, outDir: out }, new Date('2026-11-27T00:00:00Z'));
    expect(fresh.published).toEqual(cached.published);
    expect(fresh.written).toEqual([]);
    expect(await readFile(join(out, 'atom.xml'), 'utf8')).toBe(atom);
  });

  it('reuses an article without reading its file while the file keeps its inode, size and times', async () => {
    await buildLater();
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title', 'not the hash of the file');
    expect((await buildLater()).map((a) => a.title)).toContain('Cached title');
  });

  it('reads a file again when it was rewritten with the same size and modification time', async () => {
    const file = join(content, 'kyrgyzstan.txt');
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000);
    await utimes(file, mtime, mtime);
    await buildLater();
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title', 'not the hash of the file');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace('Kyrgyzstan', 'Kyrgyzstam'));
    await utimes(file, mtime, mtime);
    const titles = (await buildLater()).map((a) => a.title);
    expect(titles).not.toContain('Cached title');
    expect(await page('kyrgyzstan')).toContain('Kyrgyzstam');
  });

  it('copies an image again that was rewritten with the same size and modification time', async () => {
    const file = join(content, 'images', 'chamber.jpg');
    const mtime = new Date(Math.floor(Date.now() / 1000) * 1000 - 10_000);
    await utimes(file, mtime, mtime);
    await buildLater();
    const replaced = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 9, 9, 9, 9]);
    await writeFile(file, replaced);
    await utimes(file, mtime, mtime);
    await buildLater();
    expect(await readFile(join(out, 'images', 'chamber.jpg'))).toEqual(replaced);
  });

  it('reads a file again whose times are too recent to vouch for its bytes (written during or just before the last build)', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title', 'not the hash of the file');
    expect((await buildLater()).map((a) => a.title)).not.toContain('Cached title');
  });

  it('is not used after site.json changes', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title');
    await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteJson, title: 'Example News Today' }));
    await buildSite({ contentDir: content, outDir: out }, now);
    expect(await page('kyrgyzstan')).not.toContain('Cached title');
  });

  it('keeps the bodies apart from the articles, and parses again the articles of a shard whose bodies do not fit them', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    const before = await page('kyrgyzstan');
    const shards = await Promise.all((await cacheFiles()).map(async (file) => ({ file, data: deserialize(await readFile(file)) as { articles: Map<string, Article>; bodies: string; ends: number[] } })));
    const shard = shards.find(({ data }) => [...data.articles.values()].some((article) => article.slug === 'kyrgyzstan'));
    if (!shard) throw new Error('no shard holds kyrgyzstan');
    expect([...shard.data.articles.values()].map((article) => article.html)).toEqual(shard.data.ends.map(() => ''));
    expect(shard.data.bodies).toContain('Kyrgyzstan');
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title');
    expect(await buildLater()).toContainEqual(expect.objectContaining({ title: 'Cached title', html: expect.stringContaining('Kyrgyzstan') }));
    const tampered = deserialize(await readFile(shard.file)) as { ends: number[]; bodies: string };
    tampered.ends = tampered.ends.map(() => tampered.bodies.length + 1);
    await writeFile(shard.file, serialize(tampered));
    expect((await buildLater()).map((a) => a.title)).not.toContain('Cached title');
    expect(await page('kyrgyzstan')).toBe(before);
  });

  it('is rebuilt silently when it is damaged or deleted, with the same pages', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    const before = await page('kyrgyzstan');
    for (const file of await cacheFiles()) await writeFile(file, 'damaged');
    await rm(join(out, 'articles'), { recursive: true });
    const { code, stderr } = await run(['build', '--content', content, '--out', out]);
    expect({ code, stderr: stderr.replace(/^.*broken\.txt.*\n/m, '') }).toEqual({ code: 2, stderr: '' });
    expect(await page('kyrgyzstan')).toBe(before);
    await rm(cacheDir(), { recursive: true });
    await rm(join(out, 'articles'), { recursive: true });
    await buildSite({ contentDir: content, outDir: out }, now);
    expect(await page('kyrgyzstan')).toBe(before);
    const sizes = await Promise.all((await cacheFiles()).map(async (file) => (await stat(file)).size));
    expect(sizes.reduce((a, b) => a + b)).toBeGreaterThan(1000);
  });

  it.skipIf(process.platform !== 'linux')('ends the parse thread it started when a rebuild fails before parsing (a bad site.json)', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    await asLargeSite();
    const threads = async (): Promise<number> => (await readdir('/proc/self/task')).length;
    const before = await threads();
    await writeFile(join(content, 'site.json'), '{ "title": ');
    for (let i = 0; i < 3; i++) await expect(buildSite({ contentDir: content, outDir: out }, now)).rejects.toThrow(/not valid JSON/);
    expect(await threads()).toBeLessThanOrEqual(before);
  });

  it('replaces a file standing where its folder goes', async () => {
    await mkdir(out, { recursive: true });
    await writeFile(cacheDir(), 'not a folder');
    await buildSite({ contentDir: content, outDir: out }, now);
    expect(await cacheFiles()).toHaveLength(16);
  });

  it('replaces a folder standing where a shard goes, and is then used again', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    const [first = '', second = ''] = await cacheFiles();
    await rm(first);
    await mkdir(join(first, 'inside'), { recursive: true });
    await writeFile(second, 'damaged');
    const { code, stderr } = await run(['build', '--content', content, '--out', out]);
    expect({ code, stderr: stderr.replace(/^.*broken\.txt.*\n/m, '') }).toEqual({ code: 2, stderr: '' });
    expect((await stat(first)).isFile()).toBe(true);
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title');
    expect((await buildSite({ contentDir: content, outDir: out }, now)).published.map((a) => a.title)).toContain('Cached title');
  });

  it('writes again only the shard of an edited article', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    const read = async (): Promise<string[]> => Promise.all((await cacheFiles()).map((file) => readFile(file, 'base64')));
    const before = await read();
    await writeFile(join(content, 'local', 'budget.md'), markdown({ title: 'Budget passes', date: '2026-11-23T21:30', section: 'Local' }, 'Corrected.'));
    await buildSite({ contentDir: content, outDir: out }, now);
    const after = await read();
    expect(after).toHaveLength(16);
    expect(after.filter((bytes, i) => bytes !== before[i])).toHaveLength(1);
  });

  it('keeps the last published version of an article an edit made invalid, reporting the file at every build until it is fixed', async () => {
    const budget = join(content, 'local', 'budget.md');
    const good = await readFile(budget, 'utf8');
    await buildSite({ contentDir: content, outDir: out }, now);
    // A correction with a mistyped date: before, the story left the site, its feeds and the sitemap until it was fixed.
    await writeFile(budget, good.replace('date: 2026-11-23T21:30', 'date: 2026-11-32T21:30').replace('**approved**', '**rejected**'));
    for (let build = 0; build < 2; build++) {
      const result = await buildSite({ contentDir: content, outDir: out }, now);
      expect(result.published.map((a) => a.slug)).toEqual(['budget', 'kyrgyzstan']);
      expect(result.problems.map(formatProblem).filter((p) => p.startsWith('local/budget.md'))).toEqual([
        expect.stringMatching(/^local\/budget\.md:\d+: .* \(the version the last build published stays until this is fixed\) — /),
      ]);
      expect(await readFile(join(out, 'articles', 'budget', 'index.html'), 'utf8')).toContain('<strong>approved</strong>');
    }
    await writeFile(budget, good.replace('**approved**', '**rejected**'));
    const fixed = await buildSite({ contentDir: content, outDir: out }, now);
    expect(fixed.problems.map((p) => p.path)).not.toContain('local/budget.md');
    expect(await readFile(join(out, 'articles', 'budget', 'index.html'), 'utf8')).toContain('<strong>rejected</strong>');
    // A file that was never valid publishes nothing.
    expect(fixed.published.map((a) => a.sourcePath)).not.toContain('broken.txt');
    // Nor does a version never published (dated later, a draft), once its time comes: it is not kept.
    await writeFile(join(content, 'local', 'future.md'), markdown({ title: 'Tomorrow', date: '2026-13-01' }, 'Later.'));
    await writeFile(join(content, 'local', 'draft.md'), markdown({ title: 'Not yet', date: '2026-11-20', draft: 'maybe' }, 'Draft.'));
    await buildSite({ contentDir: content, outDir: out }, now);
    const later = await buildSite({ contentDir: content, outDir: out }, new Date('2026-12-02T00:00:00Z'));
    expect(later.published.map((a) => a.slug)).toEqual(['budget', 'kyrgyzstan']);
    expect(later.problems.map(formatProblem).filter((p) => /future|draft/.test(p) && p.includes('stays until'))).toEqual([]);
  });

  it('forgets a deleted article: its shard is written again without it, the others are kept', async () => {
    await buildSite({ contentDir: content, outDir: out }, now);
    const cached = async (): Promise<string[]> => {
      const paths = await Promise.all((await cacheFiles()).map(async (file) => [...(deserialize(await readFile(file)) as { articles: Map<string, Article> }).articles.keys()]));
      return paths.flat().sort();
    };
    expect(await cached()).toEqual(['kyrgyzstan.txt', 'local/budget.md', 'local/draft.md', 'local/future.md']);
    await rm(join(content, 'local', 'draft.md'));
    await buildSite({ contentDir: content, outDir: out }, now);
    expect(await cached()).toEqual(['kyrgyzstan.txt', 'local/budget.md', 'local/future.md']);
    await tamperWithCachedTitle('kyrgyzstan', 'Cached title');
    expect((await buildSite({ contentDir: content, outDir: out }, now)).published.map((a) => a.title)).toContain('Cached title');
  });
});

describe('statsOnAnotherThread', () => {
  it("reads a large site's fingerprints on another thread, and a small site's on this one, which starts no thread to wait for", () => {
    expect(statsOnAnotherThread(10_000 * 290, 2)).toBe(true);
    expect(statsOnAnotherThread(1_000 * 290, 2)).toBe(false);
    expect(statsOnAnotherThread(0, 2)).toBe(false);
    expect(statsOnAnotherThread(10_000 * 290, 1)).toBe(false);
  });
});

describe('gazette build', () => {
  it('prints each problem and a summary, builds the valid articles and exits 2', async () => {
    const { code, stdout, stderr } = await run(['build', '--content', content, '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/broken\.txt(:\d+)?: .+ — .+/);
    expect(stdout).toMatch(/^\d+ articles?, \d+ sections? → .+\/public\/ \(\d+ files written, 0 unchanged\)\n$/);
    const page = await readFile(join(out, 'articles/kyrgyzstan/index.html'), 'utf8');
    expect(page).toContain('Peace with Tajikistan not possible under current situation: Kyrgyzstan');
  });

  it('exits 0 with clean content, and a second run writes nothing', async () => {
    await rm(join(content, 'broken.txt'));
    expect((await run(['build', '--content', content, '--out', out])).code).toBe(0);
    const second = await run(['build', '--content', content, '--out', out]);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/\(0 files written, \d+ unchanged\)/);
  });

  it('warns of a manifest it cannot read, once, builds all the same and exits 0', async () => {
    await rm(join(content, 'broken.txt'));
    expect((await run(['build', '--content', content, '--out', out])).code).toBe(0);
    await writeFile(join(out, manifestFile), '{"version":1, "files": {');
    const damaged = await run(['build', '--content', content, '--out', out]);
    expect(damaged.code).toBe(0);
    expect(damaged.stderr).toBe(
      `warning: ${join(out, manifestFile)}: the last build's record of this folder cannot be read (damaged, edited, or written by another version of Gazette): every file is rendered again, no file an earlier build wrote is removed, the URLs articles had before and their corrections' dates are forgotten, and an id that two file names make may go to the other file — leave this file to Gazette (this build writes a new one); to start afresh, build into an empty folder\n`,
    );
    expect(await run(['build', '--content', content, '--out', out])).toMatchObject({ code: 0, stderr: '' });
  });

  it('prints a warning for a section spelled like another but for its accents, and exits 0', async () => {
    await rm(join(content, 'broken.txt'));
    await writeFile(join(content, 'wire.txt'), 'date 2026-11-20 LOCAL\nMarkets calm\n\nMarkets were calm.\n');
    await writeFile(join(content, 'local', 'harbour.md'), markdown({ title: 'Harbour', date: '2026-11-21', section: 'Locál' }, 'Harbour.'));
    const { code, stderr } = await run(['build', '--content', content, '--out', out]);
    expect(code).toBe(0);
    expect(stderr).toBe('warning: local/harbour.md:4: the section "Locál" (1 article) and "Local" (2 articles) differ only in accents or in letters wire copy spells otherwise (ß as SS, Ø as OE, Ł as L): they are two sections, each with its own page, feeds and readers — if they are one section, write "Local" in this file and the others of "Locál"\n');
  });

  it('exits 2 and writes nothing when site.json is invalid', async () => {
    await writeFile(join(content, 'site.json'), JSON.stringify({ ...siteJson, baseUrl: 'not a url' }));
    const { code, stderr } = await run(['build', '--content', content, '--out', out]);
    expect(code).toBe(2);
    expect(stderr).toContain('baseUrl');
    await expect(stat(out)).rejects.toThrow();
  });
});
