// Opens the rendered digest in Debian's Chromium at phone and desktop widths and checks the layout.
import { mkdir, readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullCopy } from '../../src/digest/assemble.js';
import { personalize } from '../../src/digest/personalize.js';
import { renderDigest } from '../../src/digest/render.js';
import { makeArticle, pinnedNow, sampleArticles, testConfig } from '../fixtures/digest/articles.js';
import { contrast } from '../fixtures/digest/contrast.js';
import { chromiumPath, launchChromium, skipWithoutChromium } from '../fixtures/chromium.js';

const skip = skipWithoutChromium;
if (skip) console.warn(`digest layout test skipped: no ${chromiumPath} (apt-get install chromium, or run .ci/run)`);

const outputDir = new URL('../../test-output/', import.meta.url).pathname;
const photo = readFile(new URL('../fixtures/digest/photo.png', import.meta.url));

let browser: Browser | undefined;
beforeAll(async () => {
  if (skip) return;
  browser = await launchChromium();
  await mkdir(outputDir, { recursive: true });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

describe.skipIf(skip)('digest layout in Chromium', () => {
  it.each([375, 800])('fits %i px without horizontal scroll, every headline visible', async (width) => {
    const config = testConfig();
    const articles = [
      ...sampleArticles(config.newsletter.maxArticles - 1),
      // One word longer than a phone is wide, as pasted URLs and German compounds are.
      makeArticle({ slug: 'long-word', title: `Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenreform${'x'.repeat(20)} debated` }),
    ];
    const rendered = await renderDigest({ number: 3, date: pinnedNow, articles, config });
    const { html } = personalize(fullCopy(rendered), {
      name: 'Ana',
      unsubscribeUrl: 'https://news.example.org/unsubscribe?token=test',
      preferencesUrl: 'https://news.example.org/preferences?token=test',
      webUrl: 'https://news.example.org/digests/3/',
    });

    const page = await browser!.newPage({ viewport: { width, height: 900 } });
    try {
      // No network: article images come from the fixture, everything else is refused.
      await page.route('**/*', async (route) => {
        if (route.request().url().endsWith('.png')) await route.fulfill({ contentType: 'image/png', body: await photo });
        else await route.abort();
      });
      await page.setContent(html, { waitUntil: 'load' });
      // Expressions as strings: they run in the page, and this project type-checks without the DOM library.
      const innerWidth = await page.evaluate<number>('window.innerWidth');
      const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
      const imagesLoaded = await page.evaluate<boolean>('[...document.images].every((img) => img.complete && img.naturalWidth > 0)');
      await page.screenshot({ path: `${outputDir}digest-${width}.png`, fullPage: true });

      expect(innerWidth).toBe(width);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
      const headlines = page.locator('h2 a');
      expect(await headlines.allTextContents()).toEqual(articles.map((a) => a.title));
      for (const headline of await headlines.all()) {
        const label = (await headline.textContent()) ?? '';
        expect(await headline.isVisible(), label).toBe(true);
        const box = await headline.boundingBox();
        expect(box, label).not.toBeNull();
        expect(box!.x, label).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width, label).toBeLessThanOrEqual(innerWidth);
      }
      const images = await page.locator('img').all();
      expect(images.length).toBeGreaterThan(0);
      expect(imagesLoaded).toBe(true);
      for (const image of images) {
        const box = await image.boundingBox();
        expect(box).not.toBeNull();
        expect(box!.x + box!.width).toBeLessThanOrEqual(innerWidth);
      }
    } finally {
      await page.close();
    }
  }, 60_000);
});

/** A digest of a few articles with images, one reader's copy. */
async function readerCopy(): Promise<{ html: string; articles: ReturnType<typeof sampleArticles> }> {
  const config = testConfig();
  const articles = sampleArticles(3);
  const rendered = await renderDigest({ number: 3, date: pinnedNow, articles, config });
  const reader = {
    name: 'Ana',
    unsubscribeUrl: 'https://news.example.org/unsubscribe?token=test',
    preferencesUrl: 'https://news.example.org/preferences?token=test',
    webUrl: 'https://news.example.org/digests/3/',
  };
  return { html: personalize(fullCopy(rendered), reader).html, articles };
}

async function open(html: string, width: number, colorScheme: 'light' | 'dark'): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width, height: 900 }, colorScheme });
  await page.route('**/*', async (route) => {
    if (route.request().url().endsWith('.png')) await route.fulfill({ contentType: 'image/png', body: await photo });
    else await route.abort();
  });
  await page.setContent(html, { waitUntil: 'load' });
  return page;
}

// The colours an element is drawn in: its text colour and the first opaque background behind it.
const colorsOf = `(element) => {
  const color = getComputedStyle(element).color;
  for (let node = element; node; node = node.parentElement) {
    const background = getComputedStyle(node).backgroundColor;
    if (background !== 'rgba(0, 0, 0, 0)' && background !== 'transparent') return { color, background };
  }
  return { color, background: 'rgb(255, 255, 255)' };
}`;

describe.skipIf(skip)('digest accessibility in Chromium', () => {
  it.each(['light', 'dark'] as const)('reads in %s mode: every text drawn at 4.5:1 contrast or more', async (scheme) => {
    const { html } = await readerCopy();
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    const page = await open(html, 800, scheme);
    try {
      await page.screenshot({ path: `${outputDir}digest-${scheme}.png`, fullPage: true });
      const body = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      expect(contrast(body, '#000000') < contrast(body, '#ffffff'), `body ${body}`).toBe(scheme === 'dark');
      const drawn = await page.evaluate<{ text: string; color: string; background: string }[]>(
        `[...document.querySelectorAll('h1, h2, h2 a, p, a')]
          .filter((e) => e.offsetParent !== null && e.textContent.trim() !== '')
          .map((e) => ({ text: e.textContent.trim().slice(0, 40), ...(${colorsOf})(e) }))`,
      );
      expect(drawn.length).toBeGreaterThan(10);
      for (const { text, color, background } of drawn) {
        expect(contrast(color, background), `${text}: ${color} on ${background}`).toBeGreaterThanOrEqual(4.5);
      }
    } finally {
      await page.close();
    }
  }, 60_000);

  it('names each link after its article, makes each image a link to it that names its picture too, and gives links 24 px tap targets', async () => {
    const { html, articles } = await readerCopy();
    const page = await open(html, 375, 'light');
    try {
      for (const article of articles) {
        await expect(page.getByRole('link', { name: `Read more: ${article.title}`, exact: true }).count()).resolves.toBe(1);
      }
      const readMore = await page.getByRole('link', { name: 'Read more', exact: true }).count();
      expect(readMore).toBe(0);
      const imageLinks = await page.evaluate<string[]>(`[...document.querySelectorAll('a')].filter((a) => a.querySelector('img')).map((a) => a.href)`);
      expect(imageLinks).toEqual(articles.filter((a) => a.image?.url).map((a) => `https://news.example.org/articles/${a.slug}/`));
      // An image's link says where it leads and what the picture shows: its name would else hide the picture's alt.
      for (const article of articles.filter((a) => a.image?.url)) {
        const name = `${article.title} (picture: ${article.image?.alt ?? ''})`;
        await expect(page.getByRole('link', { name, exact: true }).count(), name).resolves.toBe(1);
      }
      for (const link of await page.locator('.gz-links a, .gz-read a').all()) {
        const box = await link.boundingBox();
        const label = (await link.textContent()) ?? '';
        expect(box, label).not.toBeNull();
        expect(box!.height, label).toBeGreaterThanOrEqual(24);
        expect(box!.width, label).toBeGreaterThanOrEqual(24);
      }
    } finally {
      await page.close();
    }
  }, 60_000);
});

