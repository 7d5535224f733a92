// Readers choose (SPEC "Readers choose"): through the real pipeline and a real SMTP server, each reader gets the
// articles of their sections and of their editions only, and a reader with nothing new gets no mail.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editionsOf } from '../../src/config/editions.js';
import { createTransport } from '../../src/delivery/index.js';
import { sendPending } from '../../src/delivery/send.js';
import { makeDigest } from '../../src/digest/make.js';
import { openDriver, openStore } from '../../src/store/index.js';
import { migrate } from '../../src/store/migrations.js';
import type { Store } from '../../src/store/types.js';
import { makeArticle, testConfig } from '../fixtures/digest/articles.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';
import { startSink, type Sink } from './smtp-sink.js';

let dir: string;
let database: TestDatabase;
let store: Store;
let sink: Sink;
const now = new Date('2022-10-24T07:00:00Z');
const settings = { maxConnections: 2, ratePerSecond: 0, maxAttempts: 2 };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-sections-'));
  database = await createTestDatabase(dir);
  store = await openStore({ dbPath: database.db });
  sink = await startSink();
});
afterEach(async () => {
  await store.close();
  await sink.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

const world = makeArticle({ slug: 'w1', title: 'Border talks resume', section: 'WORLD', date: new Date('2022-10-23T09:00:00Z') });
const local = makeArticle({ slug: 'l1', title: 'Harbour reopens', section: 'Local', date: new Date('2022-10-22T09:00:00Z') });
const world2 = makeArticle({ slug: 'w2', title: 'Ceasefire holds', section: 'World', date: new Date('2022-10-21T09:00:00Z') });

/** Every accepted message, by recipient: subject and the headlines its text part carries. */
async function inboxes(titles: readonly string[]): Promise<Map<string, { subject: string; headlines: string[] }>> {
  const byReader = new Map<string, { subject: string; headlines: string[] }>();
  for (const message of sink.received) {
    const mail = await simpleParser(message.raw);
    const text = mail.text ?? '';
    byReader.set(message.to, { subject: mail.subject ?? '', headlines: titles.filter((t) => text.includes(t) && (mail.html || '').includes(t)) });
  }
  return byReader;
}

async function sendAll(config = testConfig()): Promise<void> {
  const transport = createTransport({ smtpUrl: sink.url, outboxDir: '', dkim: null }, settings);
  try {
    await sendPending(store, transport, config, { secret: 'test-secret', settings });
  } finally {
    await transport.close();
  }
}

describe('a digest for readers with sections', () => {
  it('gives each reader exactly the articles of their sections, and a reader with nothing new nothing', async () => {
    const add = (email: string, sections: string[]) => store.upsertSubscriber({ email, name: null, status: 'active', sections }, now);
    await add('all@example.net', []);
    await add('world@example.net', ['world']);
    await add('local@example.net', ['local']);
    await add('both@example.net', ['local', 'world']);
    await add('sport@example.net', ['sport']);
    const config = testConfig();
    const digest = await makeDigest(store, [world, local, world2], config, now);
    expect(digest).not.toBeNull();
    await sendAll(config);

    const got = await inboxes([world.title, local.title, world2.title]);
    expect([...got.keys()].sort()).toEqual(['all@example.net', 'both@example.net', 'local@example.net', 'world@example.net']);
    expect(got.get('all@example.net')?.headlines).toEqual([world.title, local.title, world2.title]);
    expect(got.get('both@example.net')?.headlines).toEqual([world.title, local.title, world2.title]);
    expect(got.get('world@example.net')?.headlines).toEqual([world.title, world2.title]);
    expect(got.get('local@example.net')?.headlines).toEqual([local.title]);
    expect(got.get('local@example.net')?.subject).toBe(`Example News — October 24, 2022: ${local.title}`);
    expect(got.get('world@example.net')?.subject).toBe(`Example News — October 24, 2022: ${world.title}`);

    // The reader whose sections had nothing new got no mail, and their ledger row says why.
    expect(await store.deliveryCounts(digest!.number)).toEqual({ pending: 0, sent: 4, bounced: 0, failed: 0, skipped: 1 });
  });

  it('sends no marker of any kind in any copy: no region, mail-only or placeholder mark in either part', async () => {
    for (const [email, sections] of [['all@example.net', []], ['world@example.net', ['world']], ['local@example.net', ['local']]] as const) {
      await store.upsertSubscriber({ email, name: 'Ana', status: 'active', sections: [...sections] }, now);
    }
    const rendered = await makeDigest(store, [world, local, world2], testConfig(), now);
    expect(rendered?.html).toContain('<!--GZ:IF ');
    expect(rendered?.html).toContain('<!--GZ:MAIL-->');
    await sendAll();
    expect(sink.received).toHaveLength(3);
    for (const message of sink.received) {
      const mail = await simpleParser(message.raw);
      expect(mail.html, message.to).toContain('Hi Ana,');
      // The marks as assemble.ts writes them (`<!--GZ:IF …-->`, `%%GZ_…%%`): a bare "GZ_" is in one token in 260,000 or so.
      for (const part of [mail.html || '', mail.text ?? '']) expect(part, message.to).not.toMatch(/<!--\/?GZ:|%%/);
    }
  });

  it('skips a reader who changed to sections with nothing in the digest after it was made', async () => {
    const { subscriber } = await store.upsertSubscriber({ email: 'mover@example.net', name: null, status: 'active', sections: ['world'] }, now);
    await makeDigest(store, [world], testConfig(), now);
    await store.setSubscriberChoices(subscriber.id, { sections: ['local'], editions: [] }, now);
    await sendAll();
    expect(sink.received).toHaveLength(0);
    expect(await store.deliveryCounts()).toMatchObject({ sent: 0, skipped: 1, pending: 0 });
  });
});

describe('digests per edition', () => {
  const config = testConfig({
    editions: [
      { id: 'weekly', name: 'Weekly digest', schedule: '0 7 * * 1' },
      { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *', maxArticles: 1 },
    ],
  });
  const [weekly, daily] = editionsOf(config);

  it('writes ledger rows only for the readers of the edition; readers who never chose get the first edition', async () => {
    const add = (email: string, editions: string[]) => store.upsertSubscriber({ email, name: null, status: 'active', editions }, now);
    await add('default@example.net', []);
    await add('daily@example.net', ['daily']);
    await add('both@example.net', ['daily', 'weekly']);

    const first = await makeDigest(store, [world, local], config, now, daily);
    const second = await makeDigest(store, [world, local], config, now, weekly);
    expect(first).toMatchObject({ edition: 'daily', issue: 1, articleSlugs: ['w1'] });
    expect(second).toMatchObject({ edition: 'weekly', issue: 1, articleSlugs: ['w1', 'l1'] });
    // Each edition keeps its own "since the last issue": the daily passed l1 over, the weekly carried it.
    expect(await makeDigest(store, [world, local], config, now, daily)).toBeNull();
    expect(await store.nextIssueNumber('daily')).toBe(2);

    await sendAll(config);
    const texts = await Promise.all(sink.received.map(async (m) => ({ to: m.to, text: (await simpleParser(m.raw)).text ?? '' })));
    const recipients = (issueLine: string) => texts.filter((m) => m.text.includes(issueLine)).map((m) => m.to).sort();
    expect(sink.received).toHaveLength(4);
    expect(recipients('Daily briefing · Issue 1')).toEqual(['both@example.net', 'daily@example.net']);
    expect(recipients('Weekly digest · Issue 1')).toEqual(['both@example.net', 'default@example.net']);
  });
});

describe('Turkish section names', () => {
  // Wire copy writes sections in capitals, a desk in title case: `DIŞ` lowercases to `diş`, `Dış` to `dış`.
  const wire = makeArticle({ slug: 't1', title: 'Ankara talks', section: 'DIŞ HABERLER', date: new Date('2022-10-23T09:00:00Z') });
  const desk = makeArticle({ slug: 't2', title: 'Border reopens', section: 'Dış Haberler', date: new Date('2022-10-22T09:00:00Z') });
  const home = makeArticle({ slug: 't3', title: 'Budget vote', section: 'İÇ HABERLER', date: new Date('2022-10-21T09:00:00Z') });
  const titles = [wire.title, desk.title, home.title];

  it('gives the reader of a section the articles of each of its spellings', async () => {
    await store.upsertSubscriber({ email: 'dis@example.net', name: null, status: 'active', sections: ['diş-haberler'] }, now);
    await store.upsertSubscriber({ email: 'ic@example.net', name: null, status: 'active', sections: ['iç-haberler'] }, now);
    const config = testConfig();
    await makeDigest(store, [wire, desk, home], config, now);
    await sendAll(config);
    const got = await inboxes(titles);
    expect(got.get('dis@example.net')?.headlines).toEqual([wire.title, desk.title]);
    expect(got.get('ic@example.net')?.headlines).toEqual([home.title]);
  });

  it('keeps the choices readers made before section keys folded their i, once each, requests to confirm included', async () => {
    const old = await createTestDatabase(await mkdtemp(join(dir, 'old-')));
    try {
      const driver = await openDriver(old.db);
      await migrate(driver, 9);
      const add = `INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at, public_id, sections, requested_sections)
                   VALUES (?, ?, NULL, ?, '2022-10-01T00:00:00.000Z', '2022-10-01T00:00:00.000Z', ?, ?, ?)`;
      // Keys as the release before made them: `Dış` gave `dış-…`, `DIŞ` `diş-…` and `İÇ` an i with a dot above.
      await driver.run(add, ['both@example.net', 'both@example.net', 'active', 'a'.repeat(32), 'dış-haberler,diş-haberler', null]);
      await driver.run(add, ['ic@example.net', 'ic@example.net', 'active', 'b'.repeat(32), 'i\u0307ç-haberler,world', null]);
      await driver.run(add, ['asked@example.net', 'asked@example.net', 'pending', 'c'.repeat(32), '', 'dış-haberler']);
      await driver.close();

      const upgraded = await openStore({ dbPath: old.db });
      try {
        const readers = new Map<string, readonly string[]>();
        for await (const reader of upgraded.listSubscribers()) readers.set(reader.email, reader.sections);
        expect(readers.get('both@example.net')).toEqual(['diş-haberler']);
        expect(readers.get('ic@example.net')).toEqual(['iç-haberler', 'world']);
        const check = await openDriver(old.db);
        const [asked] = await check.query<{ requested_sections: string }>("SELECT requested_sections FROM subscribers WHERE email = 'asked@example.net'");
        await check.close();
        expect(asked?.requested_sections).toBe('diş-haberler');
        // The key the migration left twice is one choice: choosing it again changes nothing, and journals nothing.
        const again = await upgraded.upsertSubscriber({ email: 'both@example.net', name: null, status: 'active', sections: ['diş-haberler'] }, now);
        expect(again.outcome).toBe('unchanged');

        const config = testConfig();
        await makeDigest(upgraded, [wire, desk, home], config, now);
        const transport = createTransport({ smtpUrl: sink.url, outboxDir: '', dkim: null }, settings);
        await sendPending(upgraded, transport, config, { secret: 'test-secret', settings }).finally(() => transport.close());
        const got = await inboxes(titles);
        expect(got.get('both@example.net')?.headlines).toEqual([wire.title, desk.title]);
        expect(got.get('ic@example.net')?.headlines).toEqual([home.title]);
      } finally {
        await upgraded.close();
      }
    } finally {
      await old.dispose();
    }
  });
});
