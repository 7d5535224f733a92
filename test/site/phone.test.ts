// What a reader sees of the built site on a phone, in Debian's Chromium: long German words, a wide table, a line of
// code and a long URL stay inside the page (each scrolls in its own box where it must). Screenshots go to test-output/.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureSite, type BuiltSite } from '../fixtures/built-site.js';
import { launchChromium, skipWithoutChromium } from '../fixtures/chromium.js';

const outputDir = new URL('../../test-output/', import.meta.url).pathname;
let browser: Browser | undefined;
let site: BuiltSite;
let out: string;

beforeAll(async () => {
  site = await buildFixtureSite(new URL('../fixtures/site/wide/', import.meta.url));
  out = site.out;
  if (skipWithoutChromium) return;
  browser = await launchChromium();
  await mkdir(outputDir, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await site.remove();
});

describe.skipIf(skipWithoutChromium)('the site on a phone', () => {
  it.each(['light', 'dark'] as const)('keeps an article of long words, a wide table and a long line of code within 375 px (%s)', async (colorScheme) => {
    const page = await browser!.newPage({ viewport: { width: 375, height: 800 }, colorScheme });
    try {
      for (const path of ['articles/2026-11-20-data-release/index.html', 'index.html']) {
        await page.goto(pathToFileURL(join(out, path)).href);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), path).toBeLessThanOrEqual(375);
      }
      await page.goto(pathToFileURL(join(out, 'articles/2026-11-20-data-release/index.html')).href);
      // The code and the table scroll inside their own boxes: they are wider than they show.
      for (const box of ['.body pre', '.body table']) {
        expect(await page.evaluate<boolean>(`(e => e.scrollWidth > e.clientWidth && e.getBoundingClientRect().right <= 375)(document.querySelector(${JSON.stringify(box)}))`), box).toBe(true);
      }
      await page.screenshot({ path: `${outputDir}site-wide-article-375-${colorScheme}.png`, fullPage: true });
    } finally {
      await page.close();
    }
  });
});
