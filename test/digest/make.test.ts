import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
    expect(await readDigestHistory(store, 'newsletter')).toEqual({ seen: new Set(), number: 1 });
  });
});
