import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseArticle } from '../../src/content/parse.js';
import type { Article } from '../../src/content/article.js';
import { editionsOf, type Edition } from '../../src/config/editions.js';
import { makeDigest, readDigestHistory } from '../../src/digest/make.js';
import { fullCopy } from '../../src/digest/assemble.js';
import { personalize, placeholders } from '../../src/digest/personalize.js';
import { openStore, type Store } from '../../src/store/index.js';
import { makeArticle, pinnedNow, sampleArticles, testConfig } from '../fixtures/digest/articles.js';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-digest-'));
  store = await openStore({ dbPath: join(dir, 'gazette.db') });
  await store.upsertSubscriber({ email: 'ana@example.org', name: 'Ana', status: 'active' }, pinnedNow);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const config = testConfig({ maxArticles: 3 });

describe('makeDigest', () => {
  it('stores the newest articles whole, with placeholders, and records the rest as passed over', async () => {
    const published = sampleArticles(5);
    const digest = await makeDigest(store, published, config, pinnedNow);
    expect(digest).not.toBeNull();
    expect(digest?.number).toBe(1);
    expect(digest?.articleSlugs).toEqual(['story-001', 'story-002', 'story-003']);
    expect(digest?.html).toContain(placeholders.unsubscribeUrl);
    expect(digest?.text).toContain(placeholders.unsubscribeUrl);
    expect(digest?.subject).toContain(published[0]?.title);
    expect(await store.seenSlugs('newsletter')).toEqual(new Set(published.map((a) => a.slug)));
    // `send` works from the database alone.
    const stored = await store.getDigest(1);
    expect(stored?.html).toBe(digest?.html);
    expect(personalize(fullCopy(stored!), { name: 'Ana', unsubscribeUrl: 'https://u', preferencesUrl: 'https://p', webUrl: 'https://w' }).text).toContain('Hi Ana,');
    expect((await store.deliveryCounts(1)).pending).toBe(1);
  });

  it('makes no digest when nothing is new', async () => {
    const published = sampleArticles(2);
    await makeDigest(store, published, config, pinnedNow);
    expect(await makeDigest(store, published, config, pinnedNow)).toBeNull();
    expect(await store.listDigests()).toHaveLength(1);
    expect(await makeDigest(store, [], config, pinnedNow)).toBeNull();
  });

  it('carries an article dated before the last digest, once, and numbers the digests in order', async () => {
    const published = sampleArticles(2);
    await makeDigest(store, published, config, pinnedNow);
    const late = makeArticle({ slug: 'late-import', title: 'An older story imported late', date: new Date('2020-01-01T00:00:00Z') });
    const second = await makeDigest(store, [...published, late], config, new Date('2022-10-31T07:00:00Z'));
    expect(second?.number).toBe(2);
    expect(second?.articleSlugs).toEqual(['late-import']);
    expect(second?.html).toContain('Issue 2 ·');
    expect(await makeDigest(store, [...published, late], config, new Date('2022-11-07T07:00:00Z'))).toBeNull();
  });
});

describe('readDigestHistory', () => {
  it('starts at number 1 with nothing seen', async () => {
    expect(await readDigestHistory(store, config, 'newsletter')).toEqual({ seen: new Set(), number: 1 });
  });

  it('counts what the one newsletter sent as seen by every edition a site takes up later, each numbering its own issues', async () => {
    const published = sampleArticles(5);
    await makeDigest(store, published.slice(1), config, pinnedNow);
    const withEditions = testConfig({
      maxArticles: 3,
      editions: [
        { id: 'daily', name: 'Daily', schedule: '0 6 * * *' },
        { id: 'weekly', name: 'Weekly', schedule: '0 7 * * 1' },
      ],
    });
    const [daily, weekly] = editionsOf(withEditions) as [Edition, Edition];
    for (const edition of [daily, weekly]) {
      const digest = await makeDigest(store, published, withEditions, pinnedNow, edition);
      expect(digest?.articleSlugs).toEqual([published[0]?.slug]);
      expect(digest?.issue).toBe(1);
    }
    // A site whose editions keep the newsletter's id has its history there, and no other edition takes it up.
    const keeping = testConfig({ editions: [{ id: 'newsletter', name: 'Daily', schedule: '0 6 * * *' }, { id: 'weekly2', name: 'Weekly', schedule: '0 7 * * 1' }] });
    expect((await readDigestHistory(store, keeping, 'weekly2')).seen).toEqual(new Set());
    // Once an edition has issues of its own, what edition "newsletter" sends later is not its history: after that
    // edition was renamed away, the weekly's next issue still carries what is new to it.
    const later = makeArticle({ slug: 'later', title: 'Later story', date: new Date('2022-10-30T07:00:00Z') });
    await makeDigest(store, [later, ...published], keeping, pinnedNow, editionsOf(keeping)[0] as Edition);
    expect((await makeDigest(store, [later, ...published], withEditions, pinnedNow, weekly))?.articleSlugs).toEqual(['later']);
  });

  it('records article ids, so a database whose rows hold the slugs of Gazette before readable URLs still matches', async () => {
    const seed = await readFile(new URL('../fixtures/seed.txt', import.meta.url));
    const load = (bytes: Uint8Array): Article => {
      const result = parseArticle(bytes, '2022/000_7e434e7f9160c0f8.txt', { timezone: 'UTC' });
      if (!result.ok) throw new Error(result.problem.message);
      return result.article;
    };
    // What the old Gazette stored for the seed: its file-name slug, today its id (its URL is now the headline).
    await store.createDigest({ number: 1, edition: 'newsletter', issue: 1, defaultEdition: true, blocks: [], createdAt: pinnedNow, subject: 'Issue 1', html: '<p>1</p>', text: '1', carried: ['000-7e434e7f9160c0f8'], passedOver: [] });
    const article = load(seed);
    expect(article.slug).not.toBe('000-7e434e7f9160c0f8');
    expect(await makeDigest(store, [article], config, pinnedNow)).toBeNull();
    // A headline edit moves the URL again, never the record of what a digest carried.
    const edited = load(Buffer.from(seed.toString().replace('Peace with', 'No peace with')));
    expect(await makeDigest(store, [edited], config, pinnedNow)).toBeNull();
    const fresh = makeArticle({ id: 'another-story', slug: 'a-new-headline' });
    expect((await makeDigest(store, [fresh, edited], config, pinnedNow))?.articleSlugs).toEqual(['another-story']);
  });
});
