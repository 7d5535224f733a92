// writeSite on real folders: the SPEC layout, identical bytes on rebuild, incremental rewrites, safe cleanup.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Article } from '../../src/content/article.js';
import { manifestFile, pendingFile, writeSite } from '../../src/site/write.js';
import { startWorker, workerModule } from '../../src/threads.js';
import { makeArticle, makeArticles, makeSiteConfig } from '../fixtures/feeds/factory.js';
import { parseXml } from '../fixtures/feeds/xml.js';

let out: string;
const config = makeSiteConfig();

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'gazette-site-'));
});

afterEach(async () => {
  await rm(out, { recursive: true, force: true });
});

/** Every file under `dir` with its bytes (the manifest aside). */
async function snapshot(dir = out): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name).slice(dir.length + 1).split('\\').join('/');
    if (path !== manifestFile) files.set(path, await readFile(join(dir, path), 'utf8'));
  }
  return files;
}

/** A page thread started as a build starts one ahead (see startPageThreads), and a promise of its exit. */
function startPageThread(): { thread: Worker; exited: Promise<unknown> } {
  const thread = startWorker(workerModule('page-worker', new URL('../../src/site/write.ts', import.meta.url).href));
  return { thread, exited: once(thread, 'exit') };
}

/**
 * Builds `articles` on this thread alone, then puts a folder where the page `path` goes, so a rebuild that renders that
 * page stops there (EISDIR) once the other files are written. The bytes built, and the folder's full path.
 */
async function buildAndBlock(articles: readonly Article[], path: string): Promise<{ expected: Map<string, string>; blocked: string }> {
  await writeSite(articles, config, out, { pageWorkers: 0 });
  const expected = await snapshot();
  const blocked = join(out, path);
  await rm(blocked);
  await mkdir(blocked);
  return { expected, blocked };
}

function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([path, text]) => before.get(path) !== text).map(([path]) => path).sort();
}

describe('writeSite', () => {
  it('writes the same bytes when worker threads render the article pages beside this one, and reports the same files written', async () => {
    const articles = makeArticles(300, ['WORLD', 'Business']);
    const inline = await writeSite(articles, config, out, { pageWorkers: 0 });
    const expected = await snapshot();
    for (const pageWorkers of [1, 2]) {
      await rm(out, { recursive: true, force: true });
      const threaded = await writeSite(articles, config, out, { pageWorkers });
      expect(await snapshot()).toEqual(expected);
      expect(threaded.written).toEqual(inline.written);
      expect(threaded.written.filter((path) => path.startsWith('articles/'))).toHaveLength(300);
    }
  });

  it('writes pages on the page threads started ahead, and ends them, also when no page is left to write or the build fails', async () => {
    const articles = makeArticles(300, ['WORLD', 'Business']);
    await writeSite(articles, config, out, { pageWorkers: 0 });
    const expected = await snapshot();
    await rm(out, { recursive: true, force: true });
    const first = startPageThread();
    const written = await writeSite(articles, config, out, { pageWorkers: 1, pageThreads: [first.thread] });
    expect(written.written.filter((path) => path.startsWith('articles/'))).toHaveLength(300);
    expect(await snapshot()).toEqual(expected);
    await first.exited;
    const idle = startPageThread();
    expect((await writeSite(articles, config, out, { pageWorkers: 1, pageThreads: [idle.thread] })).written).toEqual([]);
    await idle.exited;
    const failing = startPageThread();
    await expect(writeSite(articles, config, out, { templatesDir: join(out, 'no-templates'), pageThreads: [failing.thread] })).rejects.toThrow(/ENOENT/);
    await failing.exited;
  });

  it('stops writing pages when another file cannot be written, and settles with that error once its threads have ended', async () => {
    const articles = makeArticles(2000, ['WORLD', 'Business']);
    // A folder where the RSS feed goes: reading it to compare fails while the page threads are at work.
    await mkdir(join(out, 'feed.xml'), { recursive: true });
    const ahead = startPageThread();
    let exited = false;
    void ahead.exited.then(() => (exited = true));
    await expect(writeSite(articles, config, out, { pageWorkers: 1, pageThreads: [ahead.thread] })).rejects.toThrow(/EISDIR/);
    expect(exited).toBe(true);
    const pagesWritten = (await readdir(join(out, 'articles'))).length;
    expect(pagesWritten).toBeLessThan(2000);
  });

  it('mends the half-written files a first build stopped midway left, in threads or not', async () => {
    const articles = makeArticles(300, ['WORLD', 'Business']);
    for (const pageWorkers of [0, 2]) {
      await writeSite(articles, config, out, { pageWorkers });
      const expected = await snapshot();
      // What a first build killed while writing leaves: no manifest, some pages cut short, others missing.
      await rm(join(out, manifestFile));
      await writeFile(join(out, 'articles/article-00007/index.html'), '<!doctype html><html><he');
      await writeFile(join(out, 'feed.xml'), '');
      await rm(join(out, 'articles/article-00008'), { recursive: true });
      await writeSite(articles, config, out, { pageWorkers });
      expect(await snapshot()).toEqual(expected);
      await rm(out, { recursive: true, force: true });
    }
  });

  it('renders again the files a stopped rebuild was rewriting, also once their articles are back as they were', async () => {
    const articles = makeArticles(30);
    // The rebuild stops at the article's page, once the listings and feeds have the new headline.
    const { expected, blocked: page } = await buildAndBlock(articles, 'articles/article-00000/index.html');
    const retitled = articles.map((a, i) => (i === 0 ? makeArticle({ ...a, title: 'A headline taken back' }) : a));
    await expect(writeSite(retitled, config, out, { pageWorkers: 0 })).rejects.toThrow(/EISDIR/);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('A headline taken back');
    await rm(page, { recursive: true });
    await writeSite(articles, config, out, { pageWorkers: 0 });
    expect(await readFile(join(out, 'feed.xml'), 'utf8')).not.toContain('A headline taken back');
    expect(await snapshot()).toEqual(expected);
  });

  it('keeps a stopped rebuild\'s files listed when the next rebuild stops too without them in its plan', async () => {
    const articles = makeArticles(30);
    // Each rebuild stops at a later edited article's page, after the pages before it.
    const { expected, blocked } = await buildAndBlock(articles, 'articles/article-00020/index.html');
    const edit = (i: number, change: Partial<Article>): Article[] => articles.map((a, j) => (j === i || j === 20 ? makeArticle({ ...a, ...change }) : a));
    await expect(writeSite(edit(5, { html: '<p>Edited.</p>' }), config, out, { pageWorkers: 0 })).rejects.toThrow(/EISDIR/);
    expect(await readFile(join(out, 'articles/article-00005/index.html'), 'utf8')).toContain('Edited.');
    // The edited article is taken off (a draft): this plan has no page for it, and the rebuild stops before removals.
    const withoutIt = edit(5, { html: '<p>Edited.</p>' }).filter((_, i) => i !== 5);
    await expect(writeSite(withoutIt, config, out, { pageWorkers: 0 })).rejects.toThrow(/EISDIR/);
    await rm(blocked, { recursive: true });
    await writeSite(articles, config, out, { pageWorkers: 0 });
    expect(await snapshot()).toEqual(expected);
  });

  it('removes the page a stopped rebuild wrote for an article deleted since', async () => {
    const articles = makeArticles(30);
    const { expected, blocked } = await buildAndBlock(articles, 'articles/article-00020/index.html');
    // The rebuild writes the new article's page, then stops: no manifest has ever listed that page.
    const added = makeArticle({ slug: 'taken-down', date: new Date(Date.UTC(2024, 0, 2)) });
    const withIt = [added, ...articles.map((a, i) => (i === 20 ? makeArticle({ ...a, title: 'Edited' }) : a))];
    await expect(writeSite(withIt, config, out, { pageWorkers: 0 })).rejects.toThrow(/EISDIR/);
    expect((await snapshot()).has('articles/taken-down/index.html')).toBe(true);
    await rm(blocked, { recursive: true });
    expect((await writeSite(articles, config, out, { pageWorkers: 0 })).removed).toEqual(['articles/taken-down/index.html']);
    expect(await snapshot()).toEqual(expected);
  });

  it('removes the page a stopped first build wrote for an article deleted since', async () => {
    const articles = makeArticles(30);
    await writeSite(articles, config, out, { pageWorkers: 0 });
    const expected = await snapshot();
    await rm(out, { recursive: true });
    await mkdir(join(out, 'articles/article-00020/index.html'), { recursive: true });
    const added = makeArticle({ slug: 'taken-down', date: new Date(Date.UTC(2024, 0, 2)) });
    await expect(writeSite([added, ...articles], config, out, { pageWorkers: 0 })).rejects.toThrow(/EISDIR/);
    expect((await snapshot()).has('articles/taken-down/index.html')).toBe(true);
    await rm(join(out, 'articles/article-00020/index.html'), { recursive: true });
    await writeSite(articles, config, out, { pageWorkers: 0 });
    expect(await snapshot()).toEqual(expected);
  });

  it('tells beforeManifest the rendered files once the old ones are removed, and writes no manifest when it throws', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    const manifest = await readFile(join(out, manifestFile), 'utf8');
    const gone = 'articles/article-00002/index.html';
    const seen: { rendered: readonly string[]; stillThere: boolean }[] = [];
    const beforeManifest = async (rendered: readonly string[]): Promise<void> => {
      seen.push({ rendered, stillThere: existsSync(join(out, gone)) });
      throw new Error('lock lost');
    };
    await expect(writeSite(articles.slice(0, 2), config, out, { beforeManifest })).rejects.toThrow('lock lost');
    expect(seen).toEqual([{ rendered: expect.arrayContaining(['index.html', 'feed.xml']), stillThere: false }]);
    expect(await readFile(join(out, manifestFile), 'utf8')).toBe(manifest);
  });

  it('writes nothing more once told to stop, tells beforeManifest what it was to render, and writes no manifest', async () => {
    const articles = makeArticles(30);
    await writeSite(articles, config, out, { pageWorkers: 0 });
    const before = await snapshot();
    const manifest = await readFile(join(out, manifestFile), 'utf8');
    const told: (readonly string[])[] = [];
    const taken = new Error('lock taken over');
    const corrected = articles.map((a) => makeArticle({ ...a, title: `${a.title}, corrected` }));
    const options = { pageWorkers: 0, stop: AbortSignal.abort(taken), beforeManifest: async (rendered: readonly string[]) => void told.push(rendered) };
    await expect(writeSite(corrected, config, out, options)).rejects.toBe(taken);
    expect(told).toEqual([expect.arrayContaining(['index.html', 'articles/article-00000/index.html'])]);
    const after = await snapshot();
    after.delete(pendingFile);
    expect(after).toEqual(before);
    expect(await readFile(join(out, manifestFile), 'utf8')).toBe(manifest);
  });

  it('replaces a folder standing where its manifest or its list of files being rewritten goes', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    await mkdir(join(out, pendingFile, 'x'), { recursive: true });
    const edited = articles.map((a, i) => (i === 0 ? makeArticle({ ...a, title: 'New title' }) : a));
    expect((await writeSite(edited, config, out)).written).toContain('feed.xml');
    await rm(join(out, manifestFile));
    await mkdir(join(out, manifestFile, 'x'), { recursive: true });
    // Without a manifest the correction's date is forgotten (README), so some bytes change: what counts is that it builds.
    await writeSite(edited, config, out);
    expect(JSON.parse(await readFile(join(out, manifestFile), 'utf8'))).toMatchObject({ version: 1 });
    await expect(stat(join(out, pendingFile))).rejects.toThrow(/ENOENT/);
  });

  it('builds on when the list of files being rewritten names one too long for the file system (an earlier Gazette wrote it)', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    const tooLong = `articles/${'ⱥ'.repeat(126)}/index.html`;
    await writeFile(join(out, pendingFile), JSON.stringify([tooLong]));
    const result = await writeSite(articles, config, out);
    expect(result.removed).toEqual([]);
    expect(existsSync(join(out, pendingFile))).toBe(false);
  });

  it('renders every file again when the list of files being rewritten is damaged', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    await writeFile(join(out, 'feed.xml'), 'hand-edited');
    await writeFile(join(out, pendingFile), '["feed.x');
    expect((await writeSite(articles, config, out)).written).toEqual(['feed.xml']);
    await expect(stat(join(out, pendingFile))).rejects.toThrow(/ENOENT/);
  });

  it('removes the temporaries killed builds left at the root and beside the files being rewritten, not those of a running one', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    const left = [`articles/article-00001/.index.html.${dead}.0123abcd0.tmp`, `.${manifestFile}.${dead}.0123abcd1.tmp`];
    const running = `.${manifestFile}.${process.ppid}.0123abcd2.tmp`;
    for (const path of [...left, running]) await writeFile(join(out, path), 'half');
    await writeFile(join(out, pendingFile), JSON.stringify(['articles/article-00001/index.html']));
    await writeSite(articles, config, out);
    const files = [...(await snapshot()).keys()];
    expect(files.filter((path) => path.endsWith('.tmp'))).toEqual([running]);
  });

  it('leaves no temporary file behind', async () => {
    const articles = makeArticles(300, ['WORLD', 'Business']);
    await writeSite(articles, config, out, { pageWorkers: 2 });
    await writeSite(articles.map((article) => ({ ...article, title: `${article.title}, corrected` })), config, out, { pageWorkers: 2 });
    expect([...(await snapshot()).keys()].filter((path) => path.endsWith('.tmp'))).toEqual([]);
  });

  it('writes the SPEC output layout', async () => {
    const result = await writeSite(makeArticles(4, ['WORLD', 'Business']), config, out);
    expect([...(await snapshot()).keys()].sort()).toEqual([
      '.gazette-redirects.json',
      'articles/article-00000/index.html',
      'articles/article-00001/index.html',
      'articles/article-00002/index.html',
      'articles/article-00003/index.html',
      'assets/site.css',
      'atom.xml',
      'digests/index.html',
      'feed.json',
      'feed.xml',
      'index.html',
      'robots.txt',
      'sections/business/atom.xml',
      'sections/business/feed.json',
      'sections/business/feed.xml',
      'sections/business/index.html',
      'sections/world/atom.xml',
      'sections/world/feed.json',
      'sections/world/feed.xml',
      'sections/world/index.html',
      'sitemap-news.xml',
      'sitemap.xml',
      'subscribe/index.html',
    ]);
    expect(result).toMatchObject({ unchanged: 0, removed: [], articles: 4, sections: 2 });
    expect(result.written).toHaveLength(23);
  });

  it('builds a site with nothing published yet: a home page and empty, well-formed feeds', async () => {
    const result = await writeSite([], config, out);
    expect([...result.written].sort()).toEqual([
      '.gazette-redirects.json',
      'assets/site.css',
      'atom.xml',
      'digests/index.html',
      'feed.json',
      'feed.xml',
      'index.html',
      'robots.txt',
      'sitemap-news.xml',
      'sitemap.xml',
      'subscribe/index.html',
    ]);
    // parseXml throws on anything malformed.
    expect(parseXml(await readFile(join(out, 'feed.xml'), 'utf8')).local).toBe('rss');
    expect(parseXml(await readFile(join(out, 'atom.xml'), 'utf8')).local).toBe('feed');
    expect(JSON.parse(await readFile(join(out, 'feed.json'), 'utf8'))).toMatchObject({ items: [] });
    expect(await readFile(join(out, 'index.html'), 'utf8')).toContain('Nothing published yet.');
  });

  it('gives byte-identical files on a rebuild and writes nothing, not even the same bytes again', async () => {
    const articles = makeArticles(30);
    await writeSite(articles, config, out);
    const first = await snapshot();
    const mtime = (await stat(join(out, 'feed.xml'))).mtimeMs;
    const again = await writeSite([...articles].reverse(), config, out);
    expect(again).toMatchObject({ written: [], removed: [], changedFeeds: [], unchanged: first.size });
    expect(await snapshot()).toEqual(first);
    expect((await stat(join(out, 'feed.xml'))).mtimeMs).toBe(mtime);
    // A separate output folder built from the same content holds the same bytes.
    const other = await mkdtemp(join(tmpdir(), 'gazette-site-'));
    try {
      await writeSite(articles, config, other);
      const [a, b] = await Promise.all([readFile(join(out, 'atom.xml')), readFile(join(other, 'atom.xml'))]);
      expect(a.equals(b)).toBe(true);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('after touching one of 1,000 articles rewrites exactly the files whose bytes changed', async () => {
    const articles = makeArticles(1000);
    await writeSite(articles, config, out);
    const before = await snapshot();

    // An old article's body: only its page changes (it is in no feed and its listing shows no body), and the
    // sitemap, whose lastmod for that page is now the correction's time (issue 13's `updated`, issue 18's sitemap).
    const old = articles[700] as Article;
    const edited = articles.map((a) => (a === old ? makeArticle({ ...old, html: '<p>Corrected.</p>' }) : a));
    const quiet = await writeSite(edited, config, out);
    expect(quiet.written).toEqual([`articles/${old.slug}/index.html`, 'sitemap.xml']);
    expect(quiet.changedFeeds).toEqual([]);
    expect(changedPaths(before, await snapshot())).toEqual(quiet.written);

    // The newest article's title: its page, the listings and the feeds that carry it, and the sitemaps (its
    // lastmod is the correction's time; the news sitemap shows the title).
    const middle = await snapshot();
    const newest = edited[0] as Article;
    const retitled = edited.map((a) => (a === newest ? makeArticle({ ...newest, title: 'A new headline' }) : a));
    const loud = await writeSite(retitled, config, out);
    expect([...loud.written].sort()).toEqual([
      'articles/article-00000/index.html',
      'atom.xml',
      'feed.json',
      'feed.xml',
      'index.html',
      'sections/world/atom.xml',
      'sections/world/feed.json',
      'sections/world/feed.xml',
      'sections/world/index.html',
      'sitemap-news.xml',
      'sitemap.xml',
    ]);
    expect(changedPaths(middle, await snapshot())).toEqual([...loud.written].sort());
    expect(loud.changedFeeds.sort()).toEqual(
      ['atom.xml', 'feed.json', 'feed.xml', 'sections/world/atom.xml', 'sections/world/feed.json', 'sections/world/feed.xml']
        .map((p) => `https://news.example.org/${p}`)
        .sort(),
    );
    expect(loud.unchanged).toBe(before.size - loud.written.length);
  });

  it.each([
    ['its time moves a second (a tie with another file broken again)', (a: Article) => ({ ...a, date: new Date(a.date.getTime() + 1000) })],
    ['its file is renamed (a new id in the feeds)', (a: Article) => ({ ...a, id: 'renamed', sourcePath: 'renamed.txt' })],
    ['it moves into a folder with a language', (a: Article) => ({ ...a, lang: 'ar', sourcePath: `arabic/${a.sourcePath}` })],
  ])('writes the bytes of a fresh build when %s, though the file bytes are the same', async (_, move) => {
    const articles = makeArticles(4);
    await writeSite(articles, config, out);
    // The same hash: only what the build or the path gives the article changes.
    const moved = articles.map((a, i) => (i === 1 ? move(a) : a));
    await writeSite(moved, config, out);
    const fresh = await mkdtemp(join(tmpdir(), 'gazette-site-'));
    try {
      await writeSite(moved, config, fresh);
      expect(await snapshot()).toEqual(await snapshot(fresh));
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('does not render or read a file whose articles are unchanged (the manifest says it is current)', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    // Only a skipped file keeps bytes Gazette did not write; a rendered one would be compared and rewritten.
    await writeFile(join(out, 'articles/article-00001/index.html'), 'hand-edited');
    await writeFile(join(out, 'feed.xml'), 'hand-edited');
    const edited = articles.map((a, i) => (i === 0 ? makeArticle({ ...a, title: 'New title' }) : a));
    const result = await writeSite(edited, config, out);
    expect(result.written).toContain('feed.xml');
    expect(result.written).not.toContain('articles/article-00001/index.html');
    expect(await readFile(join(out, 'articles/article-00001/index.html'), 'utf8')).toBe('hand-edited');
  });

  it('renders no list page again for a corrected body, and the list pages that show a new headline or summary', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    // Hand-edited bytes stay only in a file that is not rendered: a rendered one is compared and rewritten.
    const lists = ['index.html', 'sections/business/index.html'];
    for (const path of lists) await writeFile(join(out, path), 'hand-edited');
    const old = articles[1] as Article;
    const corrected = articles.map((a) => (a === old ? makeArticle({ ...old, html: '<p>Corrected.</p>' }) : a));
    const quiet = await writeSite(corrected, config, out);
    expect(quiet.written).toContain(`articles/${old.slug}/index.html`);
    for (const path of lists) expect(await readFile(join(out, path), 'utf8')).toBe('hand-edited');
    for (const change of [{ title: 'A new headline' }, { summary: 'A new summary.' }]) {
      for (const path of lists) await writeFile(join(out, path), 'hand-edited');
      const shown = corrected.map((a, i) => (i === 1 ? makeArticle({ ...old, ...change }) : a));
      expect((await writeSite(shown, config, out)).written).toEqual(expect.arrayContaining(lists));
      await writeSite(corrected, config, out);
    }
  });

  it('splits long lists into pages of 50 and removes the pages a shorter list no longer needs', async () => {
    const articles = makeArticles(120, ['World']);
    await writeSite(articles, config, out);
    const files = [...(await snapshot()).keys()].filter((p) => p.endsWith('index.html') && !p.startsWith('articles/')).sort();
    expect(files).toEqual([
      'digests/index.html',
      'index.html',
      'page/2/index.html',
      'page/3/index.html',
      'sections/world/index.html',
      'sections/world/page/2/index.html',
      'sections/world/page/3/index.html',
      'subscribe/index.html',
    ]);
    const page2 = await readFile(join(out, 'page/2/index.html'), 'utf8');
    expect(page2).toContain('<a href="../../" rel="prev">');
    expect(page2).toContain('<a href="../../page/3/" rel="next">');
    expect(page2).toContain('<a href="../../articles/article-00050/">');
    const result = await writeSite(articles.slice(0, 60), config, out);
    expect(result.removed).toEqual(expect.arrayContaining(['page/3/index.html', 'sections/world/page/3/index.html']));
    await expect(stat(join(out, 'page/3'))).rejects.toThrow();
    expect(await readFile(join(out, 'page/2/index.html'), 'utf8')).not.toContain('rel="next"');
  });

  it('renders every page again when the config changes', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    const result = await writeSite(articles, makeSiteConfig({ title: 'Renamed News' }), out);
    expect(result.written.filter((p) => p.startsWith('articles/'))).toHaveLength(3);
    expect(await readFile(join(out, 'articles/article-00001/index.html'), 'utf8')).toContain('Renamed News');
  });

  it('writes a deleted article folder again', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    await rm(join(out, 'articles/article-00002'), { recursive: true });
    expect((await writeSite(articles, config, out)).written).toEqual(['articles/article-00002/index.html']);
  });

  it('writes a deleted list page folder again, of the site or of a section', async () => {
    const articles = makeArticles(120, ['World']);
    await writeSite(articles, config, out);
    await rm(join(out, 'page/2'), { recursive: true });
    await rm(join(out, 'sections/world/page/3'), { recursive: true });
    expect((await writeSite(articles, config, out)).written.sort()).toEqual(['page/2/index.html', 'sections/world/page/3/index.html']);
  });

  it('writes a deleted page again though its folder is still there: an article, a list page, a redirect', async () => {
    const articles = makeArticles(60, ['World']);
    await writeSite(articles, config, out);
    const moved = articles.map((a, i) => (i === 1 ? makeArticle({ ...a, slug: 'a-new-headline', id: a.id }) : a));
    await writeSite(moved, config, out);
    const pages = ['articles/article-00002/index.html', 'page/2/index.html', 'sections/world/page/2/index.html', 'articles/article-00001/index.html'];
    for (const page of pages) await rm(join(out, page));
    expect((await writeSite(moved, config, out)).written.sort()).toEqual([...pages].sort());
  });

  it('writes a deleted feed or stylesheet again though its folder is still there', async () => {
    const articles = makeArticles(3, ['WORLD']);
    await writeSite(articles, config, out);
    await rm(join(out, 'sections/world/feed.xml'));
    await rm(join(out, 'assets/site.css'));
    expect((await writeSite(articles, config, out)).written.sort()).toEqual(['assets/site.css', 'sections/world/feed.xml']);
  });

  it('writes the newsletter archive page every footer links to, saying no issue has been sent yet', async () => {
    const result = await writeSite(makeArticles(3, ['WORLD']), config, out);
    expect(result.written).toContain('digests/index.html');
    const archive = await readFile(join(out, 'digests/index.html'), 'utf8');
    expect(archive).toContain('<h1>Newsletter archive</h1>');
    expect(archive).toContain('No issue of the newsletter has been sent yet.');
    expect(archive).toContain('<a href="../subscribe/">');
    expect(archive).toContain('<link rel="canonical" href="https://news.example.org/digests/">');
    // Every page's footer link leads to a file.
    for (const [path, html] of await snapshot()) {
      if (!path.endsWith('.html') || path.startsWith('digests/')) continue;
      const link = /<a href="([^"]*)digests\/">/.exec(html)?.[1];
      expect(link, path).toBeDefined();
      expect(existsSync(join(out, path, '..', link ?? '', 'digests/index.html')), path).toBe(true);
    }
  });

  it('renders its archive page again as the config changes, and leaves the archive publish wrote as it is', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    const renamed = await writeSite(articles, { ...config, title: 'The Evening Post' }, out);
    expect(renamed.written).toContain('digests/index.html');
    expect(await readFile(join(out, 'digests/index.html'), 'utf8')).toContain('<title>Newsletter archive — The Evening Post</title>');
    const published = '<!doctype html><title>Archive</title><a href="1/">Issue 1</a>';
    await writeFile(join(out, 'digests/index.html'), published);
    const again = await writeSite(articles, { ...config, title: 'The Morning Post' }, out);
    expect(again.written).not.toContain('digests/index.html');
    expect(await readFile(join(out, 'digests/index.html'), 'utf8')).toBe(published);
  });

  it('renders its archive page again only when what it shows changed: the sections, the config', async () => {
    await writeSite(makeArticles(3, ['WORLD']), config, out);
    // A build's page with its marker, but other words: only a build that renders it puts the words back.
    const page = join(out, 'digests/index.html');
    const touched = (await readFile(page, 'utf8')).replace('No issue of the newsletter has been sent yet.', 'Touched.');
    await writeFile(page, touched);
    expect((await writeSite(makeArticles(3, ['WORLD']), config, out)).written).toEqual([]);
    expect(await readFile(page, 'utf8')).toBe(touched);
    const grown = await writeSite(makeArticles(4, ['WORLD', 'Sport']), config, out);
    expect(grown.written).toContain('digests/index.html');
    const archive = await readFile(page, 'utf8');
    expect(archive).toContain('No issue of the newsletter has been sent yet.');
    expect(archive).toContain('href="../sections/sport/"');
  });

  it('renders its archive page again after a build that stopped before its manifest', async () => {
    const articles = makeArticles(3);
    await writeSite(articles, config, out);
    const stopped = writeSite(articles, { ...config, title: 'The Evening Post' }, out, {
      beforeManifest: () => Promise.reject(new Error('lock lost')),
    });
    await expect(stopped).rejects.toThrow('lock lost');
    expect(await readFile(join(out, 'digests/index.html'), 'utf8')).toContain('The Evening Post');
    expect((await writeSite(articles, config, out)).written).toContain('digests/index.html');
    expect(await readFile(join(out, 'digests/index.html'), 'utf8')).not.toContain('The Evening Post');
  });

  it('removes pages and sections that are gone, and never what it did not write', async () => {
    const articles = makeArticles(6, ['WORLD', 'Sport']);
    await writeSite(articles, config, out);
    await mkdir(join(out, 'digests/1'), { recursive: true });
    await writeFile(join(out, 'digests/1/index.html'), 'digest');
    await writeFile(join(out, 'robots.txt'), 'mine');
    await writeFile(join(out, 'articles/article-00001/notes.txt'), 'mine too');

    const remaining = articles.filter((a) => a.section === 'WORLD' && a.slug !== 'article-00002');
    const result = await writeSite(remaining, config, out);
    expect(result.removed.sort()).toEqual([
      'articles/article-00001/index.html',
      'articles/article-00002/index.html',
      'articles/article-00003/index.html',
      'articles/article-00005/index.html',
      'sections/sport/atom.xml',
      'sections/sport/feed.json',
      'sections/sport/feed.xml',
      'sections/sport/index.html',
    ]);
    const files = [...(await snapshot()).keys()];
    expect(files).toEqual(expect.arrayContaining(['digests/1/index.html', 'robots.txt', 'articles/article-00001/notes.txt']));
    expect(files.filter((p) => p.startsWith('articles/')).sort()).toEqual([
      'articles/article-00000/index.html',
      'articles/article-00001/notes.txt',
      'articles/article-00004/index.html',
    ]);
    await expect(stat(join(out, 'sections/sport'))).rejects.toThrow();
    await expect(stat(join(out, 'articles/article-00002'))).rejects.toThrow();
  });

  it('removes nothing without a manifest, and rebuilds from a damaged one', async () => {
    await mkdir(join(out, 'articles/old'), { recursive: true });
    await writeFile(join(out, 'articles/old/index.html'), 'not ours');
    await writeSite(makeArticles(2), config, out);
    expect(await readFile(join(out, 'articles/old/index.html'), 'utf8')).toBe('not ours');

    await writeFile(join(out, manifestFile), '{ broken');
    const result = await writeSite(makeArticles(2), config, out);
    expect(result).toMatchObject({ written: [], removed: [] });
    expect(JSON.parse(await readFile(join(out, manifestFile), 'utf8'))).toMatchObject({ version: 1 });
  });

  it('ignores manifest entries that point outside the output folder', async () => {
    const outside = join(out, '..', `${out.split(/[/\\]/).at(-1) ?? ''}-outside.txt`);
    await writeFile(outside, 'keep');
    try {
      await writeSite(makeArticles(1), config, out);
      const manifest = JSON.parse(await readFile(join(out, manifestFile), 'utf8')) as { files: Record<string, string> };
      manifest.files[`../${outside.split(/[/\\]/).at(-1) ?? ''}`] = '';
      await writeFile(join(out, manifestFile), JSON.stringify(manifest));
      expect((await writeSite(makeArticles(1), config, out)).removed).toEqual([]);
      expect(await readFile(outside, 'utf8')).toBe('keep');
    } finally {
      await rm(outside, { force: true });
    }
  });
});
