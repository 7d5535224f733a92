// `npm run bench -- digest`: rendering a digest once and splicing in each reader's parts, against rendering the
// MJML for each reader (what Keila does), measured in the same run on the same digest.
//
//   gazette:  renderDigest once (Handlebars → MJML strict → html-to-text), then personalize for 100,000 readers;
//             the time per reader includes that one render.
//   baseline: for each of 1,000 readers, the whole render with that reader's values.
// Each personalized copy is flattened (reading its last character makes V8 copy the spliced rope into one
// string), so the cost of materialising both parts is counted. Goal: under 20 µs per reader. The load average
// is printed: other processes on the machine slow both sides.
//
//   sections: the same digest with its 10 articles in 5 sections, 100,000 readers spread over the 32
//             combinations of those sections (none chosen = all); each reader's copy is assembled from the
//             article blocks (once per combination) and personalized. Goal: under 20 µs per reader too.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseSiteConfig } from '../src/config/load.js';
import type { Article } from '../src/content/article.js';
import { copyFor, fullCopy } from '../src/digest/assemble.js';
import { personalize, type Reader } from '../src/digest/personalize.js';
import { renderDigest } from '../src/digest/render.js';

const FAST_READERS = 100_000;
const sectionNames = ['World', 'Local', 'Business', 'Science', 'Culture'];
// The 32 subsets of the 5 section keys, as the store keeps them (in site order); the empty one means all.
const combinations = Array.from({ length: 2 ** sectionNames.length }, (_, mask) =>
  sectionNames.filter((_, bit) => mask & (1 << bit)).map((name) => name.toLowerCase()),
);
const SLOW_READERS = 1_000;
const config = parseSiteConfig({
  title: 'Bench News',
  baseUrl: 'https://news.example.org',
  author: { name: 'Bench desk' },
  newsletter: { from: 'Bench <bench@example.org>', postalAddress: '1 Bench Street, Bench City' },
});

// maxArticles (10) articles the size of the seed: headline, one-sentence summary, every other one with a photo.
const articles: Article[] = Array.from({ length: config.newsletter.maxArticles }, (_, i) => ({
  slug: `story-${i}`,
  title: `Peace with Tajikistan not possible under current situation: Kyrgyzstan (${i})`,
  summary:
    'Kyrgyz Defence Minister Baktybek Bekbolotov says there will be no peace until an arbitrator comes between the two countries.',
  date: new Date(Date.UTC(2022, 9, 19) - i * 86_400_000),
  section: sectionNames[i % sectionNames.length] ?? null,
  tags: [],
  author: null,
  source: 'TRTWorld and agencies',
  image: i % 2 === 0 ? { url: `/images/${i}.jpg`, alt: 'Border post near Batken', caption: null, credit: 'Reuters' } : null,
  html: '<p>Body.</p>',
  text: 'Body.',
  related: [],
  draft: false,
  sourcePath: `story-${i}.txt`,
  hash: '',
}));
const content = { number: 42, date: new Date(Date.UTC(2022, 9, 24, 7)), articles, config };

function reader(i: number): Reader {
  return {
    name: i % 3 === 0 ? null : `Reader ${i} <r${i}@example.org>`,
    unsubscribeUrl: `https://news.example.org/unsubscribe?token=${i.toString(36)}.${'a1b2c3d4e5f6'.repeat(4)}`,
    preferencesUrl: `https://news.example.org/preferences?token=${i.toString(36)}.${'a1b2c3d4e5f6'.repeat(4)}`,
    webUrl: 'https://news.example.org/digests/42/',
  };
}

let sink = 0;

/** Materialises both parts of a copy, as a sender must before encoding it. */
function flatten(copy: { html: string; text: string }): number {
  return copy.html.charCodeAt(copy.html.length - 1) + copy.text.charCodeAt(copy.text.length - 1);
}

async function gazette(): Promise<number> {
  const start = performance.now();
  const rendered = await renderDigest(content);
  const copy = fullCopy(rendered);
  for (let i = 0; i < FAST_READERS; i++) {
    sink += flatten(personalize(copy, reader(i)));
  }
  return performance.now() - start;
}

/** Render once, then each reader's copy of their sections (one of 32 combinations) assembled and personalized. */
async function withSections(): Promise<number> {
  const start = performance.now();
  const rendered = await renderDigest(content);
  for (let i = 0; i < FAST_READERS; i++) {
    const copy = copyFor(rendered, combinations[i % combinations.length] ?? []);
    if (copy) sink += flatten(personalize(copy, reader(i)));
  }
  return performance.now() - start;
}

async function baseline(): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < SLOW_READERS; i++) {
    sink += flatten(personalize(fullCopy(await renderDigest(content)), reader(i)));
  }
  return performance.now() - start;
}

// Warm up both paths (module loading, template compilation, JIT) before measuring.
const warm = await renderDigest(content);
for (let i = 0; i < 5; i++) await renderDigest(content);
for (let i = 0; i < 10_000; i++) sink += flatten(personalize(copyFor(warm, combinations[i % 32] ?? []) ?? fullCopy(warm), reader(i)));

const baselineMs = await baseline();
const gazetteMs = await gazette();
const sectionsMs = await withSections();
const fastUs = (gazetteMs * 1000) / FAST_READERS;
const sectionsUs = (sectionsMs * 1000) / FAST_READERS;
const slowUs = (baselineMs * 1000) / SLOW_READERS;
const sample = await renderDigest(content);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`digest of ${articles.length} articles, ${Buffer.byteLength(sample.html)} bytes of HTML, ${Buffer.byteLength(sample.text)} of text`);
console.log(`MJML render per reader  ${SLOW_READERS} readers  ${baselineMs.toFixed(0)} ms  = ${slowUs.toFixed(1)} µs per reader`);
console.log(`render once + splice    ${FAST_READERS} readers  ${gazetteMs.toFixed(0)} ms  = ${fastUs.toFixed(2)} µs per reader (goal < 20 µs)`);
console.log(`sections: ${combinations.length} combinations, copy assembled + splice  ${FAST_READERS} readers  ${sectionsMs.toFixed(0)} ms  = ${sectionsUs.toFixed(2)} µs per reader (goal < 20 µs)`);
console.log(`ratio ${(slowUs / fastUs).toFixed(0)}× faster per reader${fastUs < 20 ? '' : '  — GOAL MISSED'}  (checksum ${sink})`);
console.log(`sections vs one copy for all: ${(sectionsUs / fastUs).toFixed(2)}× the time per reader${sectionsUs < 20 ? '' : '  — GOAL MISSED'}`);
if (fastUs >= 20 || sectionsUs >= 20) process.exitCode = 1;
