// An Arabic site and an Arabic digest in Debian's Chromium at phone and desktop widths: right to left,
// mirrored, no horizontal scroll, every headline visible. Screenshots go to test-output/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SiteConfig } from '../../src/config/schema.js';
import type { Article } from '../../src/content/article.js';
import { fullCopy } from '../../src/digest/assemble.js';
import { personalize } from '../../src/digest/personalize.js';
import { renderDigest } from '../../src/digest/render.js';
import { buildFixtureSite, type BuiltSite } from '../fixtures/built-site.js';
import { pinnedNow } from '../fixtures/digest/articles.js';
import { chromiumPath, launchChromium, skipWithoutChromium } from '../fixtures/chromium.js';

const skip = skipWithoutChromium;
if (skip) console.warn(`RTL layout test skipped: no ${chromiumPath} (apt-get install chromium, or run .ci/run)`);

const outputDir = new URL('../../test-output/', import.meta.url).pathname;
const fixture = new URL('../fixtures/i18n/mixed/', import.meta.url);

let browser: Browser | undefined;
let site: BuiltSite;
let out: string;
let config: SiteConfig;
let published: Article[];

beforeAll(async () => {
  site = await buildFixtureSite(fixture);
  ({ out } = site);
  ({ config, published } = site.build);
  if (skip) return;
  browser = await launchChromium();
  await mkdir(outputDir, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await site.remove();
});

interface Box {
  x: number;
  width: number;
}

async function boxOf(page: Page, selector: string, index = 0): Promise<Box> {
  const box = await page.locator(selector).nth(index).boundingBox();
  expect(box, selector).not.toBeNull();
  return box!;
}

/** The page reads right to left, fits the viewport, and shows every element of `headlines` inside it. */
async function expectRtlFit(page: Page, width: number, headlines: string, titles: readonly string[]): Promise<void> {
  // Expressions as strings: they run in the page, and this project type-checks without the DOM library.
  expect(await page.evaluate<string>('document.documentElement.dir')).toBe('rtl');
  expect(await page.evaluate<string>('getComputedStyle(document.body).direction')).toBe('rtl');
  expect(await page.evaluate<number>('window.innerWidth')).toBe(width);
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
  const links = page.locator(headlines);
  expect(await links.allTextContents()).toEqual(titles);
  for (const link of await links.all()) {
    const label = (await link.textContent()) ?? '';
    expect(await link.isVisible(), label).toBe(true);
    const box = await link.boundingBox();
    expect(box, label).not.toBeNull();
    expect(box!.x, label).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width, label).toBeLessThanOrEqual(width);
  }
}

/** An expression for the page: the computed direction of the first element `selector` matches. */
function directionOf(selector: string): string {
  return `getComputedStyle(document.querySelector(${JSON.stringify(selector)})).direction`;
}

/** Mirrored: the element sits nearer the right edge of the viewport than the left one. */
function expectOnTheRight(box: Box, width: number, label: string): void {
  expect(width - (box.x + box.width), label).toBeLessThan(box.x);
}

function expectOnTheLeft(box: Box, width: number, label: string): void {
  expect(box.x, label).toBeLessThan(width - (box.x + box.width));
}

describe.skipIf(skip)('an Arabic site in Chromium', () => {
  it.each([375, 800])('lays out the home page and an article right to left at %i px', async (width) => {
    const page = await browser!.newPage({ viewport: { width, height: 900 } });
    try {
      await page.goto(pathToFileURL(join(out, 'index.html')).href);
      await expectRtlFit(page, width, '.article-list h2 a', published.map((a) => a.title));
      expectOnTheRight(await boxOf(page, '.site-title'), width, 'site title');
      // The date line of an Arabic story starts on the right; an English story's headline reads left to right.
      expectOnTheRight(await boxOf(page, '.article-list .meta time'), width, 'first date');
      expect(await page.evaluate<string>(directionOf('.article-list article[lang="en"] h2'))).toBe('ltr');
      await page.screenshot({ path: `${outputDir}rtl-site-${width}.png`, fullPage: true });

      const long = published.find((a) => a.slug === '2026-11-21-transport-plan')!;
      await page.goto(pathToFileURL(join(out, 'articles', long.slug, 'index.html')).href);
      await expectRtlFit(page, width, 'h1', [long.title]);
      expectOnTheRight(await boxOf(page, '.site-title'), width, 'site title');
      await page.screenshot({ path: `${outputDir}rtl-article-${width}.png`, fullPage: true });

      // An Arabic story whose headline, standfirst and body start with a Latin name still reads right to left.
      await page.goto(pathToFileURL(join(out, 'index.html')).href);
      const brand = '.article-list article:has(a[href*="2026-11-18-phone-launch"])';
      expect(await page.evaluate<string>(directionOf(`${brand} h2`)) + (await page.evaluate<string>(directionOf(`${brand} .summary`)))).toBe('rtlrtl');
      await page.goto(pathToFileURL(join(out, 'articles', '2026-11-18-phone-launch', 'index.html')).href);
      for (const part of ['h1', '.standfirst', '.body']) expect(await page.evaluate<string>(directionOf(part)), part).toBe('rtl');
      // An English wire story that names no language reads left to right all through, its last bracket included.
      await page.goto(pathToFileURL(join(out, 'articles', '2026-11-17-wire-english', 'index.html')).href);
      for (const part of ['h1', '.standfirst', '.body']) expect(await page.evaluate<string>(directionOf(part)), part).toBe('ltr');

      // The Turkish story's own lang reaches the browser; its section label is the desk's, in the site's language, as
      // the navigation shows it (a screen reader reads it in the site's voice).
      await page.goto(pathToFileURL(join(out, 'articles', '2026-11-19-istanbul-ferries', 'index.html')).href);
      expect(await page.evaluate<string>('document.querySelector("h1").closest("[lang]").lang')).toBe('tr');
      expect(await page.evaluate<string>('document.querySelector(".kicker").closest("[lang]").lang')).toBe('ar');
      expect(await page.evaluate<string>(directionOf('h1'))).toBe('ltr');
    } finally {
      await page.close();
    }
  }, 60_000);
});

describe.skipIf(skip)('an Arabic digest in Chromium', () => {
  it.each([375, 800])('fits %i px right to left, every headline visible, each read-more button on its story\'s side', async (width) => {
    const rendered = await renderDigest({ number: 12, date: pinnedNow, articles: published, config });
    const { html } = personalize(fullCopy(rendered), {
      name: 'Ana María',
      unsubscribeUrl: 'https://arabic.example.org/unsubscribe?token=test',
      preferencesUrl: 'https://arabic.example.org/preferences?token=test',
      webUrl: 'https://arabic.example.org/digests/12/',
    });
    const page = await browser!.newPage({ viewport: { width, height: 900 } });
    try {
      await page.route('**/*', (route) => route.abort());
      await page.setContent(html, { waitUntil: 'load' });
      await expectRtlFit(page, width, 'h2 a', published.map((a) => a.title));
      const arabicButtons = page.getByRole('link', { name: 'تابع القراءة' });
      expect(await arabicButtons.count()).toBe(published.length);
      // A story's button stands where its text starts: on the right of an Arabic story, on the left of the three left-to-right ones.
      const directions = await page.evaluate<string[]>('[...document.querySelectorAll("h2")].map((h) => getComputedStyle(h).direction)');
      expect(directions.filter((direction) => direction === 'ltr')).toHaveLength(3);
      for (let i = 0; i < published.length; i++) {
        const box = await arabicButtons.nth(i).boundingBox();
        expect(box).not.toBeNull();
        (directions[i] === 'rtl' ? expectOnTheRight : expectOnTheLeft)(box!, width, `button ${i + 1} (${directions[i]})`);
      }
      // An English story inside the Arabic digest keeps its own direction.
      expect(await page.evaluate<string>(directionOf('div[lang="en"] h2'))).toBe('ltr');
      expect(await page.evaluate<string>(directionOf('h2'))).toBe('rtl');
      await page.screenshot({ path: `${outputDir}rtl-digest-${width}.png`, fullPage: true });
    } finally {
      await page.close();
    }
  }, 60_000);
});

describe.skipIf(skip)('labels set among Arabic words, in Chromium', () => {
  /** An expression for the page: the characters of the first element `selector` matches, in the order they show from left to right. */
  const shownOrder = (selector: string): string =>
    `(() => { const element = document.querySelector(${JSON.stringify(selector)}); if (!element) return 'nothing matches ${selector}';
      const chars = []; const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) for (let i = 0; i < node.length; i++) {
        const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
        chars.push([node.data[i], range.getBoundingClientRect().x]);
      }
      return chars.sort((a, b) => a[1] - b[1]).map((c) => c[0]).join('').trim(); })()`;

  it('shows a Latin tag or section with symbols as written (OPEC+, not +OPEC; C++, not ++C) in the kicker, tags, nav, section page and sign-up', async () => {
    const symbols = await buildFixtureSite(new URL('../fixtures/i18n/symbols/', import.meta.url));
    const page = await browser!.newPage({ viewport: { width: 375, height: 900 } });
    try {
      const article = symbols.build.published[0]!;
      await page.goto(pathToFileURL(join(symbols.out, 'articles', article.slug, 'index.html')).href);
      expect(await page.evaluate<string>(shownOrder('.tags li:nth-child(2)'))).toBe('OPEC+');
      expect(await page.evaluate<string>(shownOrder('.kicker a'))).toBe('C++');
      await page.goto(pathToFileURL(join(symbols.out, 'sections', 'c', 'index.html')).href);
      expect(await page.evaluate<string>(shownOrder('main h1'))).toBe('C++');
      expect(await page.evaluate<string>(shownOrder('nav.sections li a'))).toBe('C++');
      await page.goto(pathToFileURL(join(symbols.out, 'subscribe', 'index.html')).href);
      expect(await page.evaluate<string>(shownOrder('fieldset.choices label'))).toBe('C++');
      await page.screenshot({ path: `${outputDir}rtl-symbols-375.png`, fullPage: true });
    } finally {
      await page.close();
      await symbols.remove();
    }
  }, 60_000);
});
