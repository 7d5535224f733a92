// `npm run bench -- hugo`: `gazette build` against Hugo, as a user runs them: whole processes, same machine.
//
// The same generated 10,000 Markdown articles (5 sections, front matter, ~2 KB of Markdown each) are built by
// `gazette build` (the compiled dist/bin.js) and by `hugo` (pages, paginated home and section lists, RSS and
// JSON of the newest 50, like Gazette's) into empty folders; runs are paired and alternate which goes first.
// Medians of RUNS (and their spread), and the peak RSS of each process (GNU time). Goal: Gazette ≤ 1.0× Hugo's wall
// time (0.5× stretch). The disk is synced before each run, and the built folders are removed only at the end (about
// 250 MB a pair at 10,000 articles): removing 20,000 files between runs charged the next run with the disk's discards.
// Then, as a user edits: one article changed and `gazette build` run again as a new process on the built folder
// (goal ≤ 10% of the full build), and a second rebuild with nothing changed.
// Skips with a message when `hugo` is not on PATH (Debian: `apt-get install hugo`). BENCH_ARTICLES and BENCH_RUNS
// change the size (for a quick try).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildGazette } from './compile.js';

const COUNT = Number(process.env.BENCH_ARTICLES ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const root = fileURLToPath(new URL('..', import.meta.url));
const sections = ['world', 'business', 'sport', 'culture', 'science'];
const words = 'the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there one all we their'.split(' ');

if (spawnSync('hugo', ['version']).error) {
  console.log('skipped: `hugo` is not on PATH (Debian: apt-get install hugo)');
  process.exit(0);
}
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function sentence(seed: number, length: number): string {
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(words[(seed * 31 + i * 17) % words.length] ?? 'word');
  const text = out.join(' ');
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}.`;
}

/** One article as Markdown with front matter both tools read; `edit` is appended to the body. */
function article(i: number, edit = ''): string {
  const date = new Date(Date.UTC(2024, 0, 1) - i * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const paragraph = (p: number): string => Array.from({ length: 5 }, (_, s) => sentence(i + p * 7 + s, 16)).join(' ');
  return [
    '---',
    `title: "${sentence(i, 8).slice(0, -1)} ${i}"`,
    `date: ${date}`,
    `summary: "${sentence(i + 3, 24)}"`,
    `section: ${sections[i % sections.length]}`,
    `tags: [${i % 3 === 0 ? 'politics, economy' : 'news'}]`,
    `author: Reporter ${i % 50}`,
    '---',
    '',
    paragraph(0),
    '',
    `${paragraph(1)} See *the report* and [the data](https://example.org/data/${i}).`,
    '',
    `## ${sentence(i, 4).slice(0, -1)}`,
    '',
    paragraph(2),
    '',
    `- ${sentence(i + 1, 6)}\n- ${sentence(i + 2, 6)}\n- **${sentence(i + 4, 5)}**`,
    '',
    paragraph(3),
    '',
    `> ${sentence(i + 5, 20)}`,
    '',
    `${paragraph(4)}${edit}`,
    '',
  ].join('\n');
}

const siteJson = {
  title: 'Bench News',
  description: 'Ten thousand articles',
  baseUrl: 'https://news.example.org',
  author: { name: 'Bench desk', email: 'desk@example.org' },
  feeds: { limit: 50 },
  newsletter: { from: 'Bench <bench@example.org>', postalAddress: '1 Bench Street' },
};

// Hugo's side of the same site: article pages, home and section lists of 50 a page, RSS and JSON of the newest 50.
const hugoConfig = `baseURL = "https://news.example.org/"
languageCode = "en"
title = "Bench News"
paginate = 50
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
[outputs]
home = ["HTML", "RSS", "JSON"]
section = ["HTML", "RSS", "JSON"]
[services.rss]
limit = 50
`;
const head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title><link rel="stylesheet" href="/assets/site.css"></head><body>';
const listBody = `<ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "January 2, 2006" }}</time><p>{{ .Params.summary }}</p></li>{{ end }}</ul>{{ template "_internal/pagination.html" . }}</body></html>`;
const feedRange = (pages: string): string => `{{ $pages := first 50 (sort ${pages} "Date" "desc") }}`;
const hugoLayouts: Record<string, string> = {
  'layouts/_default/single.html': `${head}<article><h1>{{ .Title }}</h1><p>{{ .Params.summary }}</p><p>{{ .Params.author }} · <time>{{ .Date.Format "January 2, 2006" }}</time></p>{{ .Content }}</article></body></html>`,
  'layouts/index.html': `{{ $paginator := .Paginate site.RegularPages }}${head}<h1>{{ .Site.Title }}</h1>${listBody}`,
  'layouts/_default/list.html': `${head}<h1>{{ .Title }}</h1>${listBody}`,
  'layouts/index.rss.xml': rss('site.RegularPages'),
  'layouts/_default/list.rss.xml': rss('.RegularPages'),
  'layouts/index.json': json('site.RegularPages'),
  'layouts/_default/list.json': json('.RegularPages'),
};

function rss(pages: string): string {
  return `${feedRange(pages)}{{ printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}<rss version="2.0"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link>{{ range $pages }}<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link><guid>{{ .Permalink }}</guid><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate><description>{{ .Params.summary }}</description><content:encoded>{{ .Content | html }}</content:encoded></item>{{ end }}</channel></rss>`;
}

function json(pages: string): string {
  return `${feedRange(pages)}{{ $items := slice }}{{ range $pages }}{{ $items = $items | append (dict "id" .Permalink "url" .Permalink "title" .Title "summary" .Params.summary "content_html" .Content "date_published" (.Date.Format "2006-01-02T15:04:05Z07:00")) }}{{ end }}{{ dict "version" "https://jsonfeed.org/version/1.1" "title" .Site.Title "items" $items | jsonify }}`;
}

async function writeAll(files: Record<string, string>, dir: string): Promise<void> {
  const made = new Set<string>();
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    if (!made.has(dirname(file))) await mkdir(dirname(file), { recursive: true });
    made.add(dirname(file));
    await writeFile(file, text);
  }
}

interface Measured {
  ms: number;
  rssMb: number;
  /** User and system CPU time of every thread, in seconds: what the work cost, whatever the other core was doing. */
  cpuS: number;
}

/**
 * Runs a whole process, its output discarded; wall time, and peak RSS and CPU time (from GNU time, NaN without it).
 * The disk is synced first, so no run pays for the writeback of the one before.
 */
function measure(command: string, args: string[], cwd: string): Measured {
  spawnSync('sync');
  const start = performance.now();
  const result = gnuTime
    ? spawnSync(gnuTime, ['-f', '%M %U %S', command, ...args], { cwd, encoding: 'utf8' })
    : spawnSync(command, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const [kb = NaN, user = NaN, system = NaN] = gnuTime ? (result.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number) : [];
  return { ms, rssMb: kb / 1024, cpuS: user + system };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

// The bench measures the `gazette` a user runs: the compiled one, built from this tree first (`npm run build`).
buildGazette();
const gazetteBin = join(root, 'dist/bin.js');

const work = await mkdtemp(join(tmpdir(), 'gazette-hugo-bench-'));
try {
  const content = join(work, 'content');
  const hugoSite = join(work, 'hugo');
  const articles: Record<string, string> = {};
  for (let i = 0; i < COUNT; i++) articles[`${sections[i % sections.length]}/article-${i}.md`] = article(i);
  await writeAll({ ...articles, 'site.json': JSON.stringify(siteJson) }, content);
  await writeAll({ 'hugo.toml': hugoConfig, ...hugoLayouts, ...Object.fromEntries(Object.entries(articles).map(([p, t]) => [`content/${p}`, t])) }, hugoSite);

  const gazette = (out: string): Measured => measure(process.execPath, [gazetteBin, 'build', '--content', content, '--out', out], work);
  const hugo = (out: string): Measured => measure('hugo', ['--quiet', '--source', hugoSite, '--destination', out], work);
  const results = { gazette: [] as Measured[], hugo: [] as Measured[], rebuild: [] as Measured[], noop: [] as Measured[] };
  for (let run = 0; run < RUNS; run++) {
    const pair = [() => results.gazette.push(gazette(join(work, `gazette-${run}`))), () => results.hugo.push(hugo(join(work, `hugo-${run}`)))];
    for (const step of run % 2 === 0 ? pair : pair.reverse()) step();
    // A new process on the folder just built, with one article edited, then once more with nothing changed.
    const edited = 'world/article-4320.md';
    await writeFile(join(content, edited), article(4320, ` Correction ${run}.`));
    results.rebuild.push(gazette(join(work, `gazette-${run}`)));
    results.noop.push(gazette(join(work, `gazette-${run}`)));
    await writeFile(join(content, edited), article(4320));
  }

  const ms = (list: Measured[]): number => median(list.map((m) => m.ms));
  const rss = (list: Measured[]): string => `${median(list.map((m) => m.rssMb)).toFixed(0)} MB`;
  const spread = (list: Measured[]): string => {
    const times = list.map((m) => m.ms / 1000);
    return `${Math.min(...times).toFixed(2)}–${Math.max(...times).toFixed(2)} s`;
  };
  const cpu = (list: Measured[]): number => median(list.map((m) => m.cpuS));
  const line = (label: string, list: Measured[]): string =>
    `${label} ${(ms(list) / 1000).toFixed(2).padStart(6)} s (runs ${spread(list)})   peak RSS ${rss(list)}   CPU ${cpu(list).toFixed(2)} s`;
  const full = ms(results.gazette);
  console.log(`${COUNT.toLocaleString('en')} Markdown articles, ${sections.length} sections; whole processes, median of ${RUNS} paired runs (alternating order)`);
  console.log(line('hugo            ', results.hugo));
  console.log(`${line('gazette build   ', results.gazette)}   ratio ${(full / ms(results.hugo)).toFixed(2)}× Hugo (goal ≤ 1.00×, stretch 0.50×); CPU ${(cpu(results.gazette) / cpu(results.hugo)).toFixed(2)}×`);
  console.log(`${line('rebuild, 1 edit ', results.rebuild)}   = ${((100 * ms(results.rebuild)) / full).toFixed(1)}% of the full build (goal ≤ 10%)`);
  console.log(`${line('rebuild, no edit', results.noop)}   = ${((100 * ms(results.noop)) / full).toFixed(1)}% of the full build`);
} finally {
  await rm(work, { recursive: true, force: true });
}
