import { describe, expect, it } from 'vitest';
import { copyFor, fullCopy, largestCopy } from '../../src/digest/assemble.js';
import { personalize, placeholders } from '../../src/digest/personalize.js';
import { encodedBytes, renderDigest } from '../../src/digest/render.js';
import { makeArticle, pinnedNow, testConfig } from '../fixtures/digest/articles.js';

const config = testConfig();
const articles = [
  makeArticle({ slug: 'w1', title: 'World one', summary: 'First world story.', section: 'WORLD', date: new Date('2022-10-23T09:00:00Z') }),
  makeArticle({ slug: 'l1', title: 'Local one', summary: 'First local story.', section: 'Local', date: new Date('2022-10-22T09:00:00Z') }),
  makeArticle({ slug: 'w2', title: 'World two', summary: 'Second world story.', section: 'World', date: new Date('2022-10-21T09:00:00Z') }),
  makeArticle({ slug: 'x1', title: 'Unfiled one', summary: 'A story without a section.', section: null, date: new Date('2022-10-20T09:00:00Z') }),
];
const rendered = await renderDigest({ number: 9, date: pinnedNow, articles, config });

function headlinesIn(text: string): string[] {
  return ['World one', 'Local one', 'World two', 'Unfiled one'].filter((title) => text.includes(title));
}

describe('copyFor', () => {
  it('gives a reader of some sections only their articles, in both parts, with a fitting count, subject and preview', () => {
    const local = copyFor(rendered, ['local']);
    expect(local).not.toBeNull();
    expect(headlinesIn(local!.html)).toEqual(['Local one']);
    expect(headlinesIn(local!.text)).toEqual(['Local one']);
    expect(local!.html).toContain('One new story in this issue.');
    expect(local!.html).not.toMatch(/new stories in this issue/);
    expect(local!.subject).toBe('Example News — October 24, 2022: Local one');
    expect(local!.html).toContain('<title>Example News — October 24, 2022: Local one</title>');
    // The lone story's summary is the preview line.
    expect(local!.html).toMatch(/display:none[^>]*>First local story\.<\/div>/);

    const world = copyFor(rendered, ['world'])!;
    expect(headlinesIn(world.html)).toEqual(['World one', 'World two']);
    expect(headlinesIn(world.text)).toEqual(['World one', 'World two']);
    expect(world.text).toContain('2 new stories in this issue.');
    expect(world.subject).toBe('Example News — October 24, 2022: World one');
    expect(world.html).toMatch(/display:none[^>]*>World two<\/div>/);
  });

  it('gives the reader of a Turkish section, stored with its i folded, the blocks a digest made before stored unfolded', async () => {
    // Before migration 10, a digest's blocks named `Dış Haberler` `dış-haberler`; the reader's choice is now `diş-haberler`.
    const dis = makeArticle({ slug: 'd1', title: 'Dış one', section: 'Dış Haberler', date: new Date('2022-10-23T09:00:00Z') });
    const older = await renderDigest({ number: 9, date: pinnedNow, articles: [dis, ...articles], config });
    const stored = { ...older, blocks: older.blocks.map((block) => (block.slug === 'd1' ? { ...block, section: 'dış-haberler' } : block)) };
    expect(older.blocks.find((block) => block.slug === 'd1')?.section).toBe('diş-haberler');
    expect(copyFor(stored, ['diş-haberler'])?.text).toContain('Dış one');
  });

  it('gives a reader of all sections every article, unfiled ones included, and nothing to a reader whose sections have none', () => {
    const all = fullCopy(rendered);
    expect(headlinesIn(all.html)).toEqual(['World one', 'Local one', 'World two', 'Unfiled one']);
    expect(headlinesIn(all.text)).toEqual(['World one', 'Local one', 'World two', 'Unfiled one']);
    expect(all.text).toContain('4 new stories in this issue.');
    expect(copyFor(rendered, ['sport'])).toBeNull();
  });

  it('leaves no region mark or copy placeholder in a copy, only the reader placeholders', () => {
    for (const sections of [[], ['local'], ['local', 'world']]) {
      const copy = copyFor(rendered, sections)!;
      for (const part of [copy.html, copy.text]) {
        expect(part).not.toMatch(/GZ:IF|GZ_IF|GZ_ENDIF|%%GZ_SUBJECT%%|%%GZ_PREHEADER%%/);
        expect(part).toContain(placeholders.unsubscribeUrl);
      }
      // No run of blank lines where a story was taken out.
      expect(copy.text).not.toMatch(/\n{3,}/);
    }
  });

  it('makes each combination once: the same copy comes back for the same sections', () => {
    expect(copyFor(rendered, ['world'])).toBe(copyFor(rendered, ['world']));
    expect(copyFor(rendered, ['local', 'world'])).not.toBe(copyFor(rendered, ['world']));
  });

  it('keeps a digest stored before sections as the one copy everyone gets', () => {
    const legacy = { subject: 'Old', html: `<p>Hi ${placeholders.name}</p>`, text: `Hi ${placeholders.name}`, blocks: [] };
    expect(copyFor(legacy, ['world'])).toEqual({ subject: 'Old', html: legacy.html, text: legacy.text });
    expect(personalize(copyFor(legacy, [])!, { name: 'Ana', unsubscribeUrl: 'u', preferencesUrl: 'p', webUrl: 'w' }).text).toBe('Hi Ana');
  });
});

describe('largestCopy', () => {
  it('is at least as large as every reader\'s copy, one led by a far longer headline than the full copy\'s included', async () => {
    const long = [
      makeArticle({ slug: 's0', title: 'Short', summary: 'x', section: 'A' }),
      makeArticle({ slug: 's1', title: '経済'.repeat(150), summary: 'A lone story\'s summary is its preview line. '.repeat(5), section: 'B' }),
      makeArticle({ slug: 's2', title: 'Another', summary: 'y', section: 'C' }),
    ];
    const digest = await renderDigest({ number: 1, date: pinnedNow, articles: long, config });
    const size = (html: string): number => encodedBytes(html);
    const largest = size(largestCopy(digest, size).html);
    const copies = [[], ['a'], ['b'], ['c'], ['a', 'c'], ['b', 'c']].map((sections) => size(copyFor(digest, sections)?.html ?? ''));
    for (const copy of copies) expect(copy).toBeLessThanOrEqual(largest);
    // The copy of section B alone, led by the long headline, outgrows the copy of all.
    expect(copies[2]).toBeGreaterThan(copies[0] ?? Infinity);
  });
});
