// A publish as the daemon runs it (src/jobs/run.ts): a schedule of an edition that site.json no longer has, section keys, WebSub pings.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { resolveOptions } from '../../src/config/options.js';
import { InputError } from '../../src/errors.js';
import { renderRunSummary } from '../../src/jobs/report.js';
import { publishWith } from '../../src/jobs/run.js';
import { buildSite } from '../../src/site/build.js';
import { openStore, type Store } from '../../src/store/index.js';
import { startHub } from '../fixtures/hub.js';

let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-run-'));
  await mkdir(join(dir, 'content'));
  const site = {
    title: 'Editions Desk',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    newsletter: { from: 'Desk <desk@example.org>', postalAddress: '1 Test Street', editions: [{ id: 'morning', name: 'Morning', schedule: '0 6 * * *' }] },
  };
  await writeFile(join(dir, 'content', 'site.json'), JSON.stringify(site));
  await writeFile(join(dir, 'content', 'harbour.md'), '---\ntitle: Harbour story\ndate: 2026-01-15T08:00\n---\nThe body.\n');
  store = await openStore({ dbPath: join(dir, 'gazette.db') });
  await store.upsertSubscriber({ email: 'ana@example.org', name: null, status: 'active' }, new Date());
});

afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

it('fails, saying to restart the daemon, when a schedule runs for an edition that site.json no longer has, after sending what was pending', async () => {
  const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), outbox: join(dir, 'outbox'), db: join(dir, 'gazette.db') }, {});
  // A digest of the edition before it was renamed, its copy still pending.
  await store.createDigest({
    number: await store.nextDigestNumber(),
    edition: 'daily',
    issue: 1,
    defaultEdition: true,
    blocks: [],
    createdAt: new Date('2026-01-31T06:00:00Z'),
    subject: 'Daily 1',
    html: '<p>Daily 1</p><!--GZ:MAIL--><p>Hi %%GZ_NAME%%, <a href="%%GZ_UNSUBSCRIBE_URL%%">unsubscribe</a></p><!--/GZ:MAIL-->',
    text: 'Hi %%GZ_NAME%%, unsubscribe: %%GZ_UNSUBSCRIBE_URL%%',
    carried: ['harbour'],
    passedOver: [],
  });
  const run = publishWith(store, options, new Date('2026-02-01T06:00:00Z'), { editions: ['daily'] });
  await expect(run).rejects.toThrow(InputError);
  await expect(run).rejects.toThrow(`${join(dir, 'content', 'site.json')}: newsletter.editions: no edition "daily" any more, yet a schedule of it ran: nothing was made for it — restart the daemon`);
  expect(await store.listDigests()).toHaveLength(1);
  expect(await store.deliveryCounts()).toMatchObject({ pending: 0, sent: 1 });
});

it('sends a reader who chose a section under the key its invisible character gave it the articles of that section', async () => {
  const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), outbox: join(dir, 'outbox'), db: join(dir, 'gazette.db') }, {});
  await writeFile(join(dir, 'content', 'harbour.md'), '---\ntitle: Harbour story\ndate: 2026-01-15T08:00\nsection: "Wo\u200bRLD"\n---\nThe body.\n');
  // Chosen when the label's zero-width space made a section `wo-rld` of its own.
  await store.upsertSubscriber({ email: 'bo@example.org', name: null, status: 'active', sections: ['wo-rld'] }, new Date());
  const report = await publishWith(store, options, new Date('2026-02-01T06:00:00Z'), { editions: ['morning'] });
  expect(report.digest).toMatchObject({ articles: 1, recipients: 2 });
  expect((await store.findSubscriber('bo@example.org'))?.sections).toEqual(['world']);
  // Once a key: a later choice of `wo-rld` (an old export imported again) is left as it is.
  await store.upsertSubscriber({ email: 'cy@example.org', name: null, status: 'active', sections: ['wo-rld'] }, new Date());
  await writeFile(join(dir, 'content', 'later.md'), '---\ntitle: Later story\ndate: 2026-02-01T05:00\nsection: "Wo\u200bRLD"\n---\nThe body.\n');
  await publishWith(store, options, new Date('2026-02-02T06:00:00Z'), { editions: ['morning'] });
  expect((await store.findSubscriber('cy@example.org'))?.sections).toEqual(['wo-rld']);
});

it('leaves the readers of a section whose articles are all drafts for now, though an invisible character gives another its key', async () => {
  const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), outbox: join(dir, 'outbox'), db: join(dir, 'gazette.db') }, {});
  await writeFile(join(dir, 'content', 'harbour.md'), '---\ntitle: Harbour story\ndate: 2026-01-15T08:00\nsection: "Wo\u200bRLD"\n---\nThe body.\n');
  await writeFile(join(dir, 'content', 'held.md'), '---\ntitle: Held story\ndate: 2026-01-15T09:00\nsection: Wo Rld\ndraft: true\n---\nThe body.\n');
  await store.upsertSubscriber({ email: 'bo@example.org', name: null, status: 'active', sections: ['wo-rld'] }, new Date());
  await publishWith(store, options, new Date('2026-02-01T06:00:00Z'), { editions: ['morning'] });
  expect((await store.findSubscriber('bo@example.org'))?.sections).toEqual(['wo-rld']);
});

it('counts the readers whose sections had nothing in the digest, and says so beside the readers it goes to', async () => {
  const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), outbox: join(dir, 'outbox'), db: join(dir, 'gazette.db') }, {});
  await writeFile(join(dir, 'content', 'harbour.md'), '---\ntitle: Harbour story\ndate: 2026-01-15T08:00\nsection: Local\n---\nThe body.\n');
  for (const email of ['bo@example.org', 'cy@example.org']) await store.upsertSubscriber({ email, name: null, status: 'active', sections: ['sport'] }, new Date());
  const report = await publishWith(store, options, new Date('2026-02-01T06:00:00Z'), { editions: ['morning'] });
  expect(report.digest).toMatchObject({ articles: 1, recipients: 1, nothingInSections: 2 });
  expect(report.delivery).toMatchObject({ sent: 1, skipped: 0 });
  expect(renderRunSummary(report, 'publish')).toContain('morning digest 1: 1 article for 1 reader (2 more had nothing new in their sections)\n');
  // When no reader's sections had anything, there is no "more" to count.
  const none = { ...report, digests: [{ number: 2, edition: 'morning', articles: 1, recipients: 0, nothingInSections: 2 }] };
  expect(renderRunSummary(none, 'publish')).toContain('morning digest 2: 1 article for 0 readers (2 had nothing new in their sections)\n');
});

it('pings the WebSub hub for the feeds an earlier `gazette build` changed, which its own build finds unchanged', async () => {
  const hub = await startHub(() => 202);
  try {
    const site = JSON.parse(await readFile(join(dir, 'content', 'site.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(dir, 'content', 'site.json'), JSON.stringify({ ...site, feeds: { websubHub: hub.url } }));
    const options = resolveOptions({ content: join(dir, 'content'), out: join(dir, 'public'), outbox: join(dir, 'outbox'), db: join(dir, 'gazette.db') }, {});
    const built = await buildSite(options, new Date('2026-02-01T06:00:00Z'));
    expect(hub.received).toEqual([]);
    const report = await publishWith(store, options, new Date('2026-02-01T06:00:00Z'), { editions: ['morning'] });
    expect(report.build?.changedFeeds).toEqual([]);
    expect(report.websub.map((ping) => [ping.feedUrl, ping.ok]).sort()).toEqual(built.changedFeeds.map((url) => [url, true]).sort());
    expect(hub.received.map((ping) => ping.body.get('hub.url')).sort()).toEqual([...built.changedFeeds].sort());
  } finally {
    await hub.close();
  }
});
