// `npm run bench -- build`: Gazette's site build against bare `feed@6`, measured in the same process.
//
// Three comparisons, each on the same 10,000 generated articles (5 paragraphs each, 5 sections):
//  1. Feeds: the newest `feeds.limit` (50) items of the site and of each section, serialised to RSS, Atom and
//     JSON and written to disk — bare `feed@6` (with its defects) vs Gazette's serialisers.
//  2. Full build into an empty folder — baseline: those feed@6 feeds plus every page (home and section list
//     pages, 10,000 article pages) rendered by the same templates and written with plain mkdir + writeFile;
//     Gazette: `writeSite`, which also keeps the manifest, writes atomically and compares bytes. Goal ≤ 1.5×.
//  3. One-article rebuild: one article edited, then a new `writeSite` call that reads its state from disk
//     like a second `gazette build` process. Goal < 10% of the full build.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Feed } from 'feed';
import { parseSiteConfig } from '../src/config/load.js';
import type { Article } from '../src/content/article.js';
import { toFeedItem } from '../src/feeds/item.js';
import { renderFeeds } from '../src/feeds/render.js';
import { articleDir, groupSections, sectionDir, sortArticles, urlOf } from '../src/site/layout.js';
import { planSite } from '../src/site/plan.js';
import { loadSiteTemplates } from '../src/site/templates.js';
import { writeSite } from '../src/site/write.js';
import { createHash } from 'node:crypto';

const COUNT = 10_000;
const RUNS = 3;
const config = parseSiteConfig({
  title: 'Bench News',
  description: 'Ten thousand articles',
  baseUrl: 'https://news.example.org',
  author: { name: 'Bench desk', email: 'desk@example.org' },
  newsletter: { from: 'Bench <bench@example.org>', postalAddress: '1 Bench Street' },
});
const sectionNames = ['WORLD', 'BUSINESS', 'SPORT', 'CULTURE', 'SCIENCE'];
const words = 'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their'.split(' ');

function sentence(seed: number, length: number): string {
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(words[(seed * 31 + i * 17) % words.length] ?? 'word');
  const text = out.join(' ');
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}.`;
}

function makeArticle(i: number, edit = ''): Article {
  const paragraphs = Array.from({ length: 5 }, (_, p) => Array.from({ length: 6 }, (_, s) => sentence(i + p * 7 + s, 18)).join(' '));
  const html = `${paragraphs.map((p, n) => (n === 2 ? `<h2>${sentence(i, 4)}</h2><p>${p}</p>` : `<p>${p}</p>`)).join('\n')}${edit}`;
  const content = {
    slug: `article-${i}`,
    title: `${sentence(i, 9)} ${i}`,
    summary: sentence(i + 3, 30),
    date: new Date(Date.UTC(2024, 0, 1) - i * 3_600_000),
    section: sectionNames[i % sectionNames.length] ?? null,
    tags: i % 3 === 0 ? ['politics', 'economy'] : [],
    author: i % 4 === 0 ? `Reporter ${i % 50}` : null,
    source: 'Reuters',
    image: i % 2 === 0 ? { url: `images/${i}.jpg`, alt: 'A photo', caption: sentence(i, 12), credit: 'Reuters' } : null,
    html,
    text: paragraphs.join('\n\n'),
    related: [{ title: sentence(i + 1, 8), url: null }],
    draft: false,
    sourcePath: `article-${i}.txt`,
  };
  return { ...content, hash: createHash('sha256').update(JSON.stringify(content)).digest('hex') };
}

async function writeBare(outDir: string, path: string, text: string): Promise<void> {
  const file = join(outDir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** The newest-50 item lists of the site and of each section, as every comparison uses them. */
function feedSets(articles: readonly Article[]): { dir: string; articles: Article[] }[] {
  const sorted = sortArticles(articles);
  return [
    { dir: '', articles: sorted.slice(0, config.feeds.limit) },
    ...groupSections(sorted).map((s) => ({ dir: sectionDir(s.slug), articles: s.articles.slice(0, config.feeds.limit) })),
  ];
}

/** Bare feed@6, as its README shows it, for the same items. */
async function bareFeeds(articles: readonly Article[], outDir: string): Promise<void> {
  for (const set of feedSets(articles)) {
    const feed = new Feed({
      title: config.title,
      description: config.description,
      id: urlOf(config.baseUrl, set.dir),
      link: urlOf(config.baseUrl, set.dir),
      language: config.language,
      updated: set.articles[0]?.date ?? new Date(0),
      feedLinks: { rss: urlOf(config.baseUrl, `${set.dir}feed.xml`), atom: urlOf(config.baseUrl, `${set.dir}atom.xml`), json: urlOf(config.baseUrl, `${set.dir}feed.json`) },
      author: { name: config.author.name, ...(config.author.email ? { email: config.author.email } : {}) },
      copyright: '',
    });
    for (const a of set.articles) {
      const url = urlOf(config.baseUrl, articleDir(a.slug));
      feed.addItem({
        title: a.title,
        id: url,
        link: url,
        date: a.date,
        description: a.summary,
        content: a.html,
        author: [{ name: a.author ?? a.source ?? config.author.name }],
        category: [a.section, ...a.tags].flatMap((name) => (name ? [{ name }] : [])),
        ...(a.image?.url ? { image: `${config.baseUrl}/${a.image.url}` } : {}),
      });
    }
    await writeBare(outDir, `${set.dir}feed.xml`, feed.rss2());
    await writeBare(outDir, `${set.dir}atom.xml`, feed.atom1());
    await writeBare(outDir, `${set.dir}feed.json`, feed.json1());
  }
}

/** Gazette's serialisers for the same items. */
async function gazetteFeeds(articles: readonly Article[], outDir: string): Promise<void> {
  const author = { name: config.author.name, email: config.author.email };
  for (const set of feedSets(articles)) {
    const items = set.articles.map((a) => toFeedItem(a, urlOf(config.baseUrl, articleDir(a.slug)), config.baseUrl, author));
    const feeds = renderFeeds(items, {
      title: config.title,
      description: config.description,
      language: config.language,
      homeUrl: urlOf(config.baseUrl, set.dir),
      selfUrls: { rss: urlOf(config.baseUrl, `${set.dir}feed.xml`), atom: urlOf(config.baseUrl, `${set.dir}atom.xml`), json: urlOf(config.baseUrl, `${set.dir}feed.json`) },
      author,
      updated: set.articles[0]?.date ?? null,
      builtAt: null,
      websubHub: null,
      icon: null,
    });
    await writeBare(outDir, `${set.dir}feed.xml`, feeds.rss);
    await writeBare(outDir, `${set.dir}atom.xml`, feeds.atom);
    await writeBare(outDir, `${set.dir}feed.json`, feeds.json);
  }
}

/** Baseline full build: feed@6 feeds plus the same pages, rendered once each and written plainly (no manifest, no comparison). */
async function bareSite(articles: readonly Article[], outDir: string): Promise<void> {
  const plan = planSite(articles, config, await loadSiteTemplates());
  await bareFeeds(articles, outDir);
  const queue = plan.files.filter((file) => file.feedUrl === null);
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) await writeBare(outDir, file.path, file.render());
    }),
  );
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

const articles = Array.from({ length: COUNT }, (_, i) => makeArticle(i));
const root = await mkdtemp(join(tmpdir(), 'gazette-bench-'));
const times = { bareFeeds: [] as number[], feeds: [] as number[], bareSite: [] as number[], full: [] as number[], rebuild: [] as number[], noop: [] as number[] };
let rebuildWritten: string[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    // Odd runs measure Gazette first, so neither side always follows the other's disk writeback.
    const pairs = [
      async () => times.bareFeeds.push(await timed(() => bareFeeds(articles, join(root, `bare-feeds-${run}`)))),
      async () => times.feeds.push(await timed(() => gazetteFeeds(articles, join(root, `feeds-${run}`)))),
    ];
    for (const measure of run % 2 === 0 ? pairs : pairs.reverse()) await measure();
    const out = join(root, `site-${run}`);
    const sites = [
      async () => times.bareSite.push(await timed(() => bareSite(articles, join(root, `bare-site-${run}`)))),
      async () => times.full.push(await timed(() => writeSite(articles, config, out))),
    ];
    for (const measure of run % 2 === 0 ? sites : sites.reverse()) await measure();
    // Several one-article rebuilds per full build: they are short, so more samples steady the median.
    for (let edit = 0; edit < 3; edit++) {
      const touched = articles.map((a, i) => (i === 4_321 ? makeArticle(i, `<p>Correction ${run}.${edit}.</p>`) : a));
      times.rebuild.push(await timed(async () => (rebuildWritten = (await writeSite(touched, config, out)).written)));
      times.noop.push(await timed(() => writeSite(touched, config, out)));
    }
    await Promise.all([`bare-site-${run}`, `site-${run}`].map((dir) => rm(join(root, dir), { recursive: true, force: true })));
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<keyof typeof times, number>;
const ms = (v: number): string => `${v.toFixed(1).padStart(8)} ms`;
console.log(`${COUNT} articles, ${sectionNames.length} sections, feeds of ${config.feeds.limit} items; median of ${RUNS} runs (rebuilds: of ${RUNS * 3})`);
console.log('  feeds only: site + per-section RSS/Atom/JSON of the same items, serialised and written (feed@6 vs Gazette)');
console.log('  full build: baseline = feed@6 feeds + the same pages written plainly; Gazette = writeSite into an empty folder');
console.log('  rebuild:    a new writeSite call on the built folder (state read from disk), one article body edited');
console.log(`feeds only   feed@6 ${ms(m.bareFeeds)}   Gazette ${ms(m.feeds)}   ratio ${(m.feeds / m.bareFeeds).toFixed(2)}×`);
console.log(`full build   bare   ${ms(m.bareSite)}   Gazette ${ms(m.full)}   ratio ${(m.full / m.bareSite).toFixed(2)}× (goal ≤ 1.50×)`);
console.log(`rebuild, 1 article edited  ${ms(m.rebuild)}   = ${((100 * m.rebuild) / m.full).toFixed(1)}% of the full build (goal < 10%); wrote ${rebuildWritten.length} files: ${rebuildWritten.join(', ')}`);
console.log(`rebuild, nothing changed   ${ms(m.noop)}   = ${((100 * m.noop) / m.full).toFixed(1)}% of the full build`);
