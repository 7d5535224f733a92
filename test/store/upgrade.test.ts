// A database made by the release before readers chose sections and editions (test/fixtures/store/release-1.db,
// made by that release's own code) upgrades in place, and its readers get the same digests as before
// (release-1-next-digest.json: the next digest main made from it just before readers were merged, issue 13's mail included).
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/delivery/index.js';
import { sendPending } from '../../src/delivery/send.js';
import { fullCopy } from '../../src/digest/assemble.js';
import { makeDigest } from '../../src/digest/make.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { makeArticle, testConfig } from '../fixtures/digest/articles.js';

const fixtures = new URL('../fixtures/store/', import.meta.url);
let dir: string;
let store: Store;
let sink: Sink;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-upgrade-'));
  await copyFile(new URL('release-1.db', fixtures), join(dir, 'gazette.db'));
  store = await openStore({ dbPath: join(dir, 'gazette.db') });
  sink = await startSink();
});
afterEach(async () => {
  await store.close();
  await sink.close();
  await rm(dir, { recursive: true, force: true });
});

// The same articles and clock the release made its next digest from.
const a = [
  makeArticle({ slug: 'a1', title: 'Border talks resume', section: 'WORLD', date: new Date('2022-10-23T09:00:00Z') }),
  makeArticle({ slug: 'a2', title: 'Harbour reopens', section: 'Local', date: new Date('2022-10-22T09:00:00Z') }),
];
const b = [
  makeArticle({ slug: 'b1', title: 'Ceasefire holds', section: 'World', date: new Date('2022-10-30T09:00:00Z') }),
  makeArticle({ slug: 'b2', title: 'New ferry line', section: 'Local', date: new Date('2022-10-29T09:00:00Z') }),
  makeArticle({ slug: 'b3', title: 'Market day moves', section: null, date: new Date('2022-10-28T09:00:00Z') }),
];

describe('a database of the release before editions and sections', () => {
  it('keeps its readers on all sections of the default edition, and its digests in that edition', async () => {
    const readers = [];
    for await (const reader of store.listSubscribers()) readers.push(reader);
    expect(readers.map((s) => [s.email, s.sections, s.editions])).toEqual([
      ['ana@example.net', [], []],
      ['bo@example.net', [], []],
      ['cy@example.net', [], []],
    ]);
    expect(await store.listDigests()).toMatchObject([{ number: 1, edition: 'newsletter', issue: 1, blocks: [] }]);
    expect(await store.seenSlugs('newsletter')).toEqual(new Set(['a1', 'a2']));
    expect(await store.nextIssueNumber('newsletter')).toBe(2);
  });

  it('makes the same next digest for the same readers, and sends the one left pending as it was', async () => {
    const expected = JSON.parse(await readFile(new URL('release-1-next-digest.json', fixtures), 'utf8')) as {
      number: number;
      subject: string;
      html: string;
      text: string;
      recipients: number;
    };
    const config = testConfig();
    const next = await makeDigest(store, [...b, ...a], config, new Date('2022-10-31T07:00:00Z'));
    expect(next).toMatchObject({ number: expected.number, issue: expected.number, edition: 'newsletter' });
    const copy = fullCopy(next!);
    expect(copy.subject).toBe(expected.subject);
    // Byte for byte what the release made (with issue 13's mail changes), but for the link to the new preferences page,
    // issue 15's data-gz-text attributes (the text part's words for the footer links, from the catalogue) and the
    // direction the mail now says (dir="ltr", where MJML's default wrote dir="auto").
    const withoutPreferences = (text: string): string =>
      text
        .replace(/<span class="gz-separator"> · <\/span><a class="gz-own-line" data-gz-text="[^"]*" href="%%GZ_PREFERENCES_URL%%"[^>]*>[^<]*<\/a>/, '')
        .replace(/ data-gz-text="(?:Unsubscribe|View in your browser):"/g, '')
        .replaceAll(' lang="en" dir="ltr"', ' lang="en" dir="auto"');
    expect(withoutPreferences(copy.html)).toBe(expected.html);
    const words = (text: string): string => text.replace(/\s+/g, ' ').replace('Choose your sections: <%%GZ_PREFERENCES_URL%%> ', '');
    expect(words(copy.text)).toBe(words(expected.text));
    expect((await store.deliveryCounts(next!.number)).pending).toBe(expected.recipients);

    // Digest 1 (stored by the release, still pending for cy) and digest 2 go out whole to everyone due.
    const settings = { maxConnections: 1, ratePerSecond: 0, maxAttempts: 2 };
    const transport = createTransport({ smtpUrl: sink.url, outboxDir: '', dkim: null }, settings);
    try {
      await sendPending(store, transport, config, { secret: 's', settings });
    } finally {
      await transport.close();
    }
    const got = await Promise.all(sink.received.map(async (m) => ({ to: m.to, mail: await simpleParser(m.raw) })));
    expect(got.map((m) => m.to).sort()).toEqual(['ana@example.net', 'bo@example.net', 'cy@example.net', 'cy@example.net']);
    for (const { mail } of got) {
      const titles = ['Border talks resume', 'Harbour reopens', 'Ceasefire holds', 'New ferry line', 'Market day moves'];
      const carried = titles.filter((t) => (mail.text ?? '').includes(t));
      expect([['Border talks resume', 'Harbour reopens'], ['Ceasefire holds', 'New ferry line', 'Market day moves']]).toContainEqual(carried);
    }
  });
});
