import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatProblem, InputError } from '../../src/errors.js';
import { listArticleFiles, loadArticles, type Holder, type Holders } from '../../src/content/load.js';
import { startParseThread } from '../../src/content/parse-pool.js';
import { MAX_ARTICLE_BYTES } from '../../src/content/parsing.js';
import { statFingerprint } from '../../src/content/read.js';

const seed = await readFile(new URL('../fixtures/seed.txt', import.meta.url));
const options = { timezone: 'UTC' };
const markdown = (title: string, date = '2026-11-22'): string => `---\ntitle: ${title}\ndate: ${date}\n---\nBody of ${title}.\n`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-content-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

describe('loadArticles', () => {
  it('loads .txt and .md files at any depth, sorted by path, and skips everything else', async () => {
    await write({
      'site.json': '{}',
      'readers.sample.csv': 'email\na@example.org\n',
      'world/000_7e434e7f9160c0f8.txt': seed,
      '2026/11/harbour.md': markdown('Harbour'),
      'a-first.md': markdown('First'),
      '.draft.md': markdown('Hidden'),
      '.git/HEAD.txt': 'not content',
      'world/.wip.md': markdown('Hidden'),
      'v1.2/.notes/old.md': markdown('Hidden'),
      'v1.2/c.md': markdown('Versioned'),
      'notes/readme.rtf': 'not content',
      'images/photo.jpg': new Uint8Array([0xff, 0xd8, 0]),
    });
    const { articles, problems } = await loadArticles(dir, options);
    expect(problems).toEqual([]);
    expect(articles.map((article) => article.sourcePath)).toEqual(['2026/11/harbour.md', 'a-first.md', 'v1.2/c.md', 'world/000_7e434e7f9160c0f8.txt']);
    expect(articles.map((article) => article.slug)).toEqual(['harbour', 'a-first', 'versioned', 'peace-with-tajikistan-not-possible-under-current-situation-kyrgyzstan']);
    expect(articles.map((article) => article.id)).toEqual(['harbour', 'a-first', 'c', '000-7e434e7f9160c0f8']);
  });

  it('reports each invalid file and still loads the others', async () => {
    await write({
      'good.txt': seed,
      'fine.md': markdown('Fine'),
      'empty.txt': '',
      'binary.txt': new Uint8Array([0x64, 0x61, 0x74, 0x65, 0x00, 0x0a]),
      'latin1.txt': Buffer.from('date 2022-10-19\nCaf\xe9\n', 'latin1'),
      'nodate.txt': 'Peace talks fail\n\nText.\n',
      'impossible.txt': 'date 2022-02-30 WORLD\nTitle\n',
      'broken.md': '---\ntitle: [unclosed\ndate: 2026-11-22\n---\n',
      'notitle.txt': 'date 2022-10-19 WORLD\n',
      'typed.md': '---\ntitle: T\ndate: 2026-11-22\ntags: 5\n---\n',
      'huge.txt': new Uint8Array(MAX_ARTICLE_BYTES + 1).fill(0x61),
      'saved.markdown': markdown('Saved'),
      'notes.pdf': 'not an article, and never meant as one',
    });
    const { articles, problems, warnings } = await loadArticles(dir, options);
    expect(articles.map((article) => article.sourcePath)).toEqual(['fine.md', 'good.txt']);
    // Not read, and perhaps meant: a warning, not an error (a README.markdown is no article).
    expect(warnings.map(formatProblem)).toEqual(['saved.markdown: a Markdown file not ending in .md: articles are .md and .txt files, so nothing is published from it — rename it to .md']);
    expect(problems.map(formatProblem)).toEqual([
      'binary.txt:1: the file contains NUL bytes: it is binary, or UTF-16 text — save it as UTF-8 text, or move it out of the content folder',
      'broken.md:3: the front matter is not valid YAML (Flow sequence in block collection must be sufficiently indented and end with a ]) — fix the YAML; quote a value that contains ": " or starts with a special character',
      'empty.txt: the file is empty — write the article in it, or delete the file',
      'huge.txt: the file is 1,048,577 bytes, over the 1 MiB limit for an article — an article is at most 1 MiB of text: split it, or move data files out of the content folder',
      'impossible.txt:1: impossible date "2022-02-30" — use a real calendar date and time (February 2022 has days 01 to 28)',
      'latin1.txt:2: the file is not valid UTF-8 — save it as UTF-8, e.g. iconv -f WINDOWS-1252 -t UTF-8',
      'nodate.txt:1: the first line is not "date YYYY-MM-DD" — start the file with a line such as "date 2026-11-24 WORLD"',
      'notitle.txt:1: no title: the file has no line of text after the date — write the title on line 2, the standfirst on line 3, then a blank line and the article',
      'typed.md:4: front matter "tags": expected a list — write tags: [news, politics]',
    ]);
  });

  it('reports a link (to an article, or to a folder) and a pipe named like an article, following none, and loads the rest', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'gazette-elsewhere-'));
    try {
      await writeFile(join(elsewhere, 'shared.md'), markdown('Shared'));
      await write({ 'fine.md': markdown('Fine') });
      await symlink(join(elsewhere, 'shared.md'), join(dir, 'shared.md'));
      await symlink(elsewhere, join(dir, 'wire'));
      await symlink('/etc/passwd', join(dir, 'notes'));
      await symlink(join(dir, 'loop'), join(dir, 'loop'));
      expect(spawnSync('mkfifo', [join(dir, 'pipe.md')]).status).toBe(0);
      const { articles, problems } = await loadArticles(dir, options);
      expect(articles.map((article) => article.sourcePath)).toEqual(['fine.md']);
      expect(problems.map(formatProblem).sort()).toEqual([
        'loop: a symbolic link: Gazette does not follow links, so nothing is published from it — put the file or folder itself in the content folder',
        'pipe.md: not a regular file (a pipe, socket or device): nothing is published from it — replace it with the article file, or move it out of the content folder',
        'shared.md: a symbolic link: Gazette does not follow links, so nothing is published from it — put the file or folder itself in the content folder',
        'wire: a symbolic link: Gazette does not follow links, so nothing is published from it — put the file or folder itself in the content folder',
      ]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it('keeps a shared URL for the article that came first, and reports the other naming it', async () => {
    await write({
      '2025/Story.txt': seed,
      '2026/story.md': markdown('Story'),
      'other.md': markdown('Other'),
    });
    const { articles, problems } = await loadArticles(dir, options);
    // The wire story is dated 2022: it came first.
    expect(articles.map((article) => article.sourcePath)).toEqual(['2025/Story.txt', 'other.md']);
    // Both ids are "story", from the file names: a slug: would only trade this error for the id's.
    const hint = "rename this file: its id, made from the file name, is the other's too, so a new headline or slug: would not do (a name with words is the URL)";
    expect(problems.map(formatProblem)).toEqual([`2026/story.md: the URL articles/story/ is already the URL of 2025/Story.txt, which came first and keeps it — ${hint}`]);
    // As the hint says, a rename alone mends it.
    await rm(join(dir, '2026/story.md'));
    await write({ '2026/story-told.md': markdown('Story') });
    expect((await loadArticles(dir, options)).problems).toEqual([]);
  });

  it('says so when two file names differ only in how an accent is encoded (NFC and NFD)', async () => {
    await write({ 'caf\u00e9.md': markdown('Café', '2026-11-21'), 'cafe\u0301.md': markdown('Café', '2026-11-22') });
    const { articles, problems } = await loadArticles(dir, options);
    expect(articles.map((article) => article.sourcePath)).toEqual(['caf\u00e9.md']);
    expect(problems.map(formatProblem)[0]).toContain('(the two file names differ only in how their accents are encoded, NFC and NFD: keep one file)');
  });

  it('reports the later of two scrape files whose headlines give one URL, and keeps the first by path when they share a date', async () => {
    await write({ '000_aaaa1111.txt': seed, '001_bbbb2222.txt': seed, 'other.md': markdown('Other') });
    const { articles, problems } = await loadArticles(dir, options);
    expect(articles.map((article) => article.sourcePath)).toEqual(['000_aaaa1111.txt', 'other.md']);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      '001_bbbb2222.txt: the URL articles/peace-with-tajikistan-not-possible-under-current-situation-kyrgyzstan/ is already the URL of 000_aaaa1111.txt, which came first and keeps it',
    ]);
  });

  it('gives one URL of three files to the earliest, a published article before a draft, and reports the others', async () => {
    const front = (date: string, draft = false): string => `---\ntitle: T\ndate: ${date}\nslug: harbour\ndraft: ${draft}\n---\nBody.\n`;
    await write({ 'a.md': front('2026-11-24'), 'b.md': front('2026-11-20'), 'c.md': front('2026-11-01', true), 'other.md': markdown('Other') });
    const { articles, problems } = await loadArticles(dir, options);
    expect(articles.map((article) => article.sourcePath)).toEqual(['b.md', 'other.md']);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'a.md: the URL articles/harbour/ is already the URL of b.md, which came first and keeps it',
      'c.md: the URL articles/harbour/ is already the URL of b.md, which came first and keeps it',
    ]);
  });

  it('lets an İ headline keep the URL it had when its new one (its İ now i) is another article\'s, whatever their dates', async () => {
    await write({
      'izmir-belediyesi.md': '---\ntitle: Council news\ndate: 2026-11-24\n---\nBody.\n',
      '000_7e434e7f.md': '---\ntitle: İzmir Belediyesi\ndate: 2026-11-20\n---\nBody.\n',
    });
    const { articles, problems } = await loadArticles(dir, options);
    expect(problems).toEqual([]);
    expect(articles.map((article) => [article.sourcePath, article.slug, article.formerSlug])).toEqual([
      ['000_7e434e7f.md', 'i\u0307zmir-belediyesi', undefined],
      ['izmir-belediyesi.md', 'izmir-belediyesi', undefined],
    ]);
  });

  it('reports a slug: in front matter that takes the URL of an earlier article, which stays', async () => {
    await write({ 'harbour.md': markdown('Harbour'), 'bridge.md': '---\ntitle: Bridge\ndate: 2026-11-23\nslug: Harbour\n---\nBody.\n' });
    const { articles, problems } = await loadArticles(dir, options);
    expect(articles.map((article) => article.sourcePath)).toEqual(['harbour.md']);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual(['bridge.md: the URL articles/harbour/ is already the URL of harbour.md, which came first and keeps it']);
  });

  it('refuses a URL that is the address of an earlier article\'s id, and an id whose address is an earlier article\'s URL', async () => {
    await write({
      'election.md': '---\ntitle: Election results\ndate: 2026-11-20\nslug: election-2026\n---\nThe first.\n',
      'follow-up.md': '---\ntitle: Follow-up\ndate: 2026-11-24\nslug: election\n---\nTakes the first one\'s id address.\n',
      'budget.md': '---\ntitle: Budget\ndate: 2026-11-20\n---\nThe first.\n',
      'later/budget.md': '---\ntitle: Budget again\ndate: 2026-11-25\nslug: budget-2026\n---\nAnother id "budget".\n',
    });
    const { articles, problems } = await loadArticles(dir, options);
    expect(articles.map((article) => article.sourcePath)).toEqual(['budget.md', 'election.md']);
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'follow-up.md: the URL articles/election/ is already the address of the id of election.md (made from its file name), which came first and keeps it',
      'later/budget.md: the id "budget" (made from the file name) would lead articles/budget/ here, but that is already the URL of budget.md, which came first and keeps it',
    ]);
  });

  it('gives articles of one day named in another script their own ids, the first keeping the one the ASCII fold made', async () => {
    await write({
      '2026-11-24-выборы.md': markdown('Выборы', '2026-11-24'),
      '2026-11-24-спорт.md': markdown('Спорт', '2026-11-24'),
      '2026-11-24-أخبار.md': markdown('أخبار', '2026-11-24'),
    });
    const { articles, problems } = await loadArticles(dir, options);
    expect(problems).toEqual([]);
    // The fold makes 2026-11-24 of all three: before, two of them were left out with "rename this file".
    expect(articles.map((article) => [article.sourcePath, article.id])).toEqual([
      ['2026-11-24-выборы.md', '2026-11-24'],
      ['2026-11-24-спорт.md', '2026-11-24-спорт'],
      ['2026-11-24-أخبار.md', '2026-11-24-أخبار'],
    ]);
  });

  it('keeps each id with the file the last build recorded, or a file of its name moved, and never gives it another name', async () => {
    await write({ '2026-11-24-выборы.md': markdown('Выборы', '2026-11-24'), '2026-11-24-спорт.md': markdown('Спорт', '2026-11-24') });
    const load = async (recorded: Record<string, Partial<Holder>>): Promise<{ ids: string[][]; problems: string[] }> => {
      const holders = Object.entries(recorded).map(([id, holder]): Holder => ({ id, slug: id, path: null, hash: null, ...holder }));
      const heldBy = (): Holders => ({ folders: new Map(holders.map((holder) => [holder.slug, holder])), ids: new Map(holders.map((holder) => [holder.id, holder])) });
      const { articles, problems } = await loadArticles(dir, options, { heldBy });
      return { ids: articles.map((article) => [article.sourcePath, article.id]), problems: problems.map((p) => `${p.path}: ${p.message}`) };
    };
    const ids = async (recorded: Record<string, Partial<Holder>>): Promise<string[][]> => {
      const { ids, problems } = await load(recorded);
      expect(problems).toEqual([]);
      return ids;
    };
    const sportHolds = [
      ['2026-11-24-выборы.md', '2026-11-24-выборы'],
      ['2026-11-24-спорт.md', '2026-11-24'],
    ];
    // спорт published alone first, under the folded id: выборы, new, sorts first yet takes its own letters' id.
    expect(await ids({ '2026-11-24': { path: '2026-11-24-спорт.md', slug: '2026-11-24-спорт' } })).toEqual(sportHolds);
    // A manifest of a Gazette before files were recorded: the article is known by its URL (or its bytes).
    expect(await ids({ '2026-11-24': { slug: '2026-11-24-спорт' } })).toEqual(sportHolds);
    // An earlier Gazette's record that names neither is a deleted article's: neither takes its id.
    expect(await ids({ '2026-11-24': { slug: '2026-11-24-арбуз', hash: 'of another text' } })).toEqual([
      ['2026-11-24-выборы.md', '2026-11-24-выборы'],
      ['2026-11-24-спорт.md', '2026-11-24-спорт'],
    ]);
    // When nothing is recorded, the first file (the earlier date, then the path) keeps the folded id.
    expect(await ids({})).toEqual([
      ['2026-11-24-выборы.md', '2026-11-24'],
      ['2026-11-24-спорт.md', '2026-11-24-спорт'],
    ]);
    // Moved to another folder, спорт is the article it was: its id goes with it.
    expect(await ids({ '2026-11-24': { path: 'news/2026-11-24-спорт.md' } })).toEqual(sportHolds);
    // A file of its name in another folder beside it is another file, which its id does not go to.
    await write({ 'more/2026-11-24-спорт.md': markdown('Спорт, ещё', '2026-11-20') });
    expect(await load({ '2026-11-24': { path: '2026-11-24-спорт.md', slug: '2026-11-24-спорт' } })).toEqual({
      ids: sportHolds,
      problems: [
        'more/2026-11-24-спорт.md: the URL articles/2026-11-24-спорт/ is already the URL of 2026-11-24-спорт.md, which came first and keeps it',
        'more/2026-11-24-спорт.md: the id "2026-11-24" (made from the file name) would lead articles/2026-11-24/ here, but that is already the address of the id of 2026-11-24-спорт.md (made from its file name), which came first and keeps it',
      ],
    });
    await rm(join(dir, 'more'), { recursive: true });
    // Deleted, спорт keeps its id: another name never takes it (the digest carried it; feed readers read it).
    await rm(join(dir, '2026-11-24-спорт.md'));
    expect(await ids({ '2026-11-24': { path: '2026-11-24-спорт.md' } })).toEqual([['2026-11-24-выборы.md', '2026-11-24-выборы']]);
    // Nor does it take it back when выборы, which had its own, is the only one left.
    expect(await ids({ '2026-11-24-выборы': { path: '2026-11-24-выборы.md' } })).toEqual([['2026-11-24-выборы.md', '2026-11-24-выборы']]);
  });

  it('gives a folded id nothing holds to the file whose name is that fold, and no article another one\'s id', async () => {
    // The ASCII file has no other id: before, the earlier Cyrillic one took 2026-11-24 and the ASCII one was left out.
    await write({ '2026-11-24.md': markdown('Weather', '2026-11-24'), '2026-11-24-выборы.md': markdown('Выборы', '2026-11-20') });
    expect((await loadArticles(dir, options)).articles.map((article) => [article.sourcePath, article.id])).toEqual([
      ['2026-11-24-выборы.md', '2026-11-24-выборы'],
      ['2026-11-24.md', '2026-11-24'],
    ]);
    // m² folds to m2's id and its own letters make m's: it keeps neither, and is reported; m2 and m keep theirs.
    await rm(dir, { recursive: true });
    await write({ '2026-11-24-m2.md': markdown('M2', '2026-11-20'), '2026-11-24-m².md': markdown('M squared', '2026-11-21'), '2026-11-24-m.md': markdown('M', '2026-11-22') });
    const { articles, problems } = await loadArticles(dir, options);
    expect(articles.map((article) => [article.sourcePath, article.id])).toEqual([
      ['2026-11-24-m.md', '2026-11-24-m'],
      ['2026-11-24-m2.md', '2026-11-24-m2'],
    ]);
    expect(problems.map((p) => p.path)).toEqual(['2026-11-24-m².md']);
  });

  it('gives the same result on every run', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`d${i % 3}/article-${(i * 7) % 40}.md`] = markdown(`Story ${i}`);
    await write(files);
    const first = await loadArticles(dir, options);
    const second = await loadArticles(dir, options);
    expect(first.articles).toHaveLength(40);
    expect(second).toEqual(first);
  });

  it('throws an InputError when the content folder does not exist', async () => {
    const missing = join(dir, 'missing');
    await expect(loadArticles(missing, options)).rejects.toThrow(InputError);
    await expect(loadArticles(missing, options)).rejects.toThrow(
      `${missing}: cannot read the content folder (ENOENT) — create it, or pass --content DIR (env GAZETTE_CONTENT)`,
    );
  });

  it('loads the sample articles shipped in content/ without problems', async () => {
    const contentDir = new URL('../../content/', import.meta.url).pathname;
    const { articles, problems } = await loadArticles(contentDir, options);
    expect(problems).toEqual([]);
    expect(articles.length).toBeGreaterThanOrEqual(4);
    const samples = articles.filter((article) => article.sourcePath.endsWith('.md'));
    expect(samples.every((article) => article.tags.length > 0 && article.html.includes('<a href="https://'))).toBe(true);
    expect(samples.some((article) => article.html.includes('<img ') || article.image !== null)).toBe(true);
  });

  it('gives articles of one day distinct times in file order, so the later file is the newer one', async () => {
    await write({ 'b-second.md': markdown('Second'), 'a-first.md': markdown('First'), 'c-timed.md': markdown('Timed', '2026-11-22T00:00:01Z') });
    const { articles } = await loadArticles(dir, options);
    const times = Object.fromEntries(articles.map((a) => [a.slug, a.date.toISOString()]));
    expect(times).toEqual({
      'a-first': '2026-11-22T00:00:00.000Z',
      'b-second': '2026-11-22T00:00:01.000Z',
      'c-timed': '2026-11-22T00:00:02.000Z',
    });
  });
});

describe('listArticleFiles', () => {
  it('reads ahead the fingerprints of many files, on a parse thread or here, the same as reading them one by one', async () => {
    await write(Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`s${i % 7}/a-${i}.md`, markdown(`A ${i}`)])));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 60_000); // the files just written are old enough to vouch for their bytes
    const thread = startParseThread();
    try {
      const ahead = await listArticleFiles(dir, thread);
      expect(ahead.paths).toHaveLength(1200);
      expect(ahead.fingerprints).toEqual(ahead.paths.map((path) => statFingerprint(join(dir, path), Date.now())));
      expect(ahead.fingerprints?.every((fingerprint) => fingerprint !== null)).toBe(true);
      expect((await listArticleFiles(dir, true)).fingerprints).toEqual(ahead.fingerprints);
      expect((await listArticleFiles(dir)).fingerprints).toBeUndefined();
      // The same thread then parses.
      const { articles } = await loadArticles(dir, options, { parseThreads: [thread] });
      expect(articles).toHaveLength(1200);
    } finally {
      vi.useRealTimers();
      await thread.terminate();
    }
  });
});
