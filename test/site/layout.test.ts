import { describe, expect, it } from 'vitest';
import { urlOf } from '../../src/site/layout.js';

const base = 'https://news.example.org';

describe('urlOf', () => {
  it('joins a path that needs no encoding to the base as it is', () => {
    expect(urlOf(base, 'articles/budget-vote-2026/')).toBe(`${base}/articles/budget-vote-2026/`);
    expect(urlOf(base, 'sitemap.xml')).toBe(`${base}/sitemap.xml`);
    expect(urlOf(base, '')).toBe(`${base}/`);
  });

  it('percent-encodes each segment that needs it, keeping the slashes', () => {
    expect(urlOf(base, 'articles/матч-года/')).toBe(`${base}/articles/${encodeURIComponent('матч-года')}/`);
    expect(urlOf(base, 'sections/a b/page/2/')).toBe(`${base}/sections/a%20b/page/2/`);
    expect(urlOf(base, 'articles/a?b#c&d/')).toBe(`${base}/articles/a%3Fb%23c%26d/`);
  });

  it('gives what encoding every segment gives, for the characters encodeURIComponent keeps and those it does not', () => {
    const characters = [..."azAZ09-_.!~*'()", ' ', '%', '+', ':', '@', 'é', '中', '\u{1F4F0}'];
    for (const c of characters) {
      const path = `articles/x${c}y/`;
      expect(urlOf(base, path)).toBe(`${base}/${path.split('/').map(encodeURIComponent).join('/')}`);
    }
  });
});
