import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError, type Problem } from '../../src/errors.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';
import { readCsvRecords } from '../../src/subscribers/csv.js';
import { formatImportSummary, importSubscribers } from '../../src/subscribers/import.js';
import { writeMixedCsv } from '../fixtures/subscribers/generate.js';

const now = new Date('2026-11-20T07:00:00Z');
const exportsDir = new URL('../fixtures/subscribers/exports/', import.meta.url).pathname;
let dir: string;
let store: Store;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-import-'));
  store = await openSqliteStore(join(dir, 'gazette.db'));
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function importText(text: string, batchSize?: number): Promise<{ problems: Problem[]; warnings: Problem[]; summary: Awaited<ReturnType<typeof importSubscribers>> }> {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const summary = await importSubscribers(store, Readable.from([text]), {
    path: 'readers.csv',
    now,
    onProblem: (p) => problems.push(p),
    onWarning: (w) => warnings.push(w),
    ...(batchSize === undefined ? {} : { batchSize }),
  });
  return { problems, warnings, summary };
}

async function records(text: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const record of readCsvRecords(Readable.from([text]))) out.push(record);
  return out;
}

describe('readCsvRecords', () => {
  it('numbers records by the physical line they start on, across CRLF, BOM, blank lines and quoted line breaks', async () => {
    const text = '\uFEFFemail,name\r\na@example.org,A\r\n\r\nb@example.org,"B\r\nsecond line"\r\nc@example.org,C\r\n';
    expect(await records(text)).toEqual([
      { line: 1, lastLine: 1, fields: ['email', 'name'] },
      { line: 2, lastLine: 2, fields: ['a@example.org', 'A'] },
      { line: 4, lastLine: 5, fields: ['b@example.org', 'B\nsecond line'] },
      { line: 6, lastLine: 6, fields: ['c@example.org', 'C'] },
    ]);
  });

  it('loses only the line of a stray quote and reads the lines after it', async () => {
    const text = 'email\n"a@example.org\nb@example.org\nc@example.org,"C, the third"\nd@example.org\n"e@example.org';
    const got = await records(text);
    expect(got).toEqual([
      { line: 1, lastLine: 1, fields: ['email'] },
      expect.objectContaining({ line: 2, error: expect.stringMatching(/never closed/) }),
      { line: 3, lastLine: 3, fields: ['b@example.org'] },
      { line: 4, lastLine: 4, fields: ['c@example.org', 'C, the third'] },
      { line: 5, lastLine: 5, fields: ['d@example.org'] },
      expect.objectContaining({ line: 6, error: expect.stringMatching(/never closed/) }),
    ]);
  });

  it('reports text after a closing quote as invalid CSV on its own line', async () => {
    const got = await records('email,name\n"a@example.org"x,A\nb@example.org,B\n');
    expect(got[1]).toMatchObject({ line: 2, error: expect.stringMatching(/not valid CSV/) });
    expect(got[2]).toEqual({ line: 3, lastLine: 3, fields: ['b@example.org', 'B'] });
  });
});

describe('importSubscribers', () => {
  it('imports as active, dedupes case-insensitively (also within the file) and reads columns in any order', async () => {
    const text = 'Name, EMAIL ,extra\nAda,Ada@Example.org,x\n"Lovelace, Ada",ada@example.ORG,y\nGrace,grace@example.org,z\n';
    const { problems, warnings, summary } = await importText(text);
    expect(problems).toEqual([]);
    // The first line counts, and is the only one written: the same file imported again changes nothing.
    expect(warnings).toEqual([{ path: 'readers.csv', line: 3, message: 'ada@example.ORG was imported from line 2 already: this line is not', hint: 'keep one line per address' }]);
    expect(summary).toEqual({ added: 2, updated: 0, unchanged: 1, kept: 0, optedOut: 0, rejected: 0 });
    expect((await importText(text)).summary).toEqual({ added: 0, updated: 0, unchanged: 3, kept: 0, optedOut: 0, rejected: 0 });
    expect(await store.countSubscribers()).toMatchObject({ active: 2 });
    expect(await store.findSubscriber('ada@example.org')).toMatchObject({ email: 'Ada@Example.org', name: 'Ada', status: 'active' });
  });

  it('imports an address written again from its first line only, wherever batches end, so importing the file again changes nothing', async () => {
    // A leaver's line ends a batch: the same duplicates come out alike either way.
    for (const b of ['subscribed', 'unsubscribed']) {
      const text = ['email,name,status', 'ann@example.org,Ann,subscribed', `bob-${b}@example.org,Bob,${b}`, 'ANN@example.org,Anne,subscribed'].join('\n');
      const { warnings } = await importText(text);
      expect(warnings.map((w) => w.line), b).toEqual([4]);
      expect(await store.findSubscriber('ann@example.org'), b).toMatchObject({ name: 'Ann' });
    }
    const text = ['email,name', 'dup@example.org,First', 'a@example.org,A', 'b@example.org,B', 'DUP@example.org,Second'].join('\n');
    const { warnings, summary } = await importText(text, 2);
    expect(warnings).toEqual([{ path: 'readers.csv', line: 5, message: 'DUP@example.org was imported from line 2 already: this line is not', hint: 'keep one line per address' }]);
    expect(summary).toEqual({ added: 3, updated: 0, unchanged: 1, kept: 0, optedOut: 0, rejected: 0 });
    expect((await importText(text, 2)).summary).toEqual({ added: 0, updated: 0, unchanged: 4, kept: 0, optedOut: 0, rejected: 0 });
    expect(await store.findSubscriber('dup@example.org')).toMatchObject({ name: 'First' });
  });

  it('is idempotent: importing the same file again changes nothing', async () => {
    const text = 'email,name\na@example.org,A\nb@example.org,\n';
    await importText(text);
    const again = await importText(text);
    expect(again.summary).toEqual({ added: 0, updated: 0, unchanged: 2, kept: 0, optedOut: 0, rejected: 0 });
    expect(await store.countSubscribers()).toMatchObject({ active: 2 });
  });

  it('never revives an address that unsubscribed or bounced, and counts it as kept', async () => {
    const { subscriber } = await store.upsertSubscriber({ email: 'gone@example.org', name: null, status: 'active' }, now);
    await store.setSubscriberStatus(subscriber.id, 'unsubscribed', now);
    const { summary } = await importText('email\nGONE@example.org\n');
    expect(summary.kept).toBe(1);
    expect((await store.findSubscriber('gone@example.org'))?.status).toBe('unsubscribed');
    expect(formatImportSummary(summary)).toBe('imported 0 (0 new, 0 updated, 0 unchanged), 0 rejected, 1 kept unsubscribed or bounced');
  });

  it('honours a status column: pending stays pending, and an opt-out in the file is recorded even for a known address', async () => {
    await store.upsertSubscriber({ email: 'known@example.org', name: null, status: 'active' }, now);
    const { problems, summary } = await importText(
      'email,status\nnew@example.org,Unsubscribed\nknown@example.org,unsubscribed\nwait@example.org,pending\nbad@example.org,gone\nok@example.org,\n',
    );
    expect(problems.map((p) => [p.line, p.message])).toEqual([[5, 'has "gone" in its "status" column, which says no status Gazette knows']]);
    expect(problems[0]?.hint).toMatch(/^write active, pending, unsubscribed or bounced .*; a reader who left must be unsubscribed or bounced, never left empty$/);
    expect(summary).toMatchObject({ added: 2, optedOut: 2, rejected: 1 });
    // Again: the leavers are known as such now, kept rather than recorded anew.
    expect((await importText('email,status\nnew@example.org,Unsubscribed\nknown@example.org,unsubscribed\n')).summary).toMatchObject({ kept: 2, optedOut: 0 });
    const statuses = [];
    for (const n of ['new', 'known', 'wait', 'ok']) statuses.push((await store.findSubscriber(`${n}@example.org`))?.status);
    expect(statuses).toEqual(['unsubscribed', 'unsubscribed', 'pending', 'active']);
  });

  it('reports each bad line as path:line with what and how to fix, and imports the rest', async () => {
    const text = [
      'email,name',
      'ok@example.org,Fine',
      'no-at.example.org,X',
      'with space@example.org,X',
      '"crlf@example.org\r\nBcc: victim@example.net",X',
      ',Nobody',
      'extra@example.org,Lovelace, Ada',
      'ok2@example.org,"=HYPERLINK(""http://evil.test"")"',
      '',
    ].join('\n');
    const { problems, summary } = await importText(text);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [3, '"no-at.example.org" has no @'],
      [4, '"with space@example.org" contains a space'],
      [5, '"crlf@example.org\\nBcc: victim@example.net" contains a line break (lines 5–6 are one record: check the quotes)'],
      [7, 'has no email address'],
      [8, 'has 3 fields but the header names 2'],
    ]);
    expect(problems.every((p) => p.path === 'readers.csv' && typeof p.hint === 'string' && p.hint.length > 0)).toBe(true);
    expect(summary).toMatchObject({ added: 2, rejected: 5 });
    expect((await store.findSubscriber('ok2@example.org'))?.name).toBe('=HYPERLINK("http://evil.test")');
  });

  it("reads Excel's CSV that separates fields with semicolons (where the decimal mark is a comma), with or without its sep= line, and tab-separated text", async () => {
    const { problems, summary } = await importText('\uFEFFsep=;\r\nEmail;Name\r\nana@example.org;"Ana; of Lisbon"\r\nbea@example.org;Béa, Jr.\r\n');
    expect(problems).toEqual([]);
    expect(summary).toMatchObject({ added: 2, rejected: 0 });
    expect((await store.findSubscriber('ana@example.org'))?.name).toBe('Ana; of Lisbon');
    expect((await store.findSubscriber('bea@example.org'))?.name).toBe('Béa, Jr.');
    expect((await importText('email;name\ncy@example.org;Cy\n')).summary).toMatchObject({ added: 1 });
    expect((await importText('Email Address\tFirst Name\ndee@example.org\tDee\n')).summary).toMatchObject({ added: 1 });
    expect((await store.findSubscriber('dee@example.org'))?.name).toBe('Dee');
    // A comma file whose names hold semicolons stays a comma file.
    expect((await importText('email,name\neve@example.org,"Eve; Jr."\n')).summary).toMatchObject({ added: 1 });
    expect((await store.findSubscriber('eve@example.org'))?.name).toBe('Eve; Jr.');
  });

  it('refuses a file without an email column with one clear error', async () => {
    await expect(importText('mail,name\na@example.org,A\n')).rejects.toThrow(InputError);
    await expect(importText('mail,name\na@example.org,A\n')).rejects.toThrow(/readers\.csv:1: the header row has no "email" column .* — name the address column "email" \(Gazette also reads "Email Address"/);
    await expect(importText('email,Email Address\na@example.org,b@example.org\n')).rejects.toThrow(/the header row has 2 address columns \("email", "Email Address"\) — keep the one to import/);
    await expect(importText('\n\n')).rejects.toThrow(/the file is empty/);
    expect((await store.countSubscribers()).active).toBe(0);
  });

  it.each([
    ['satus', 'status'],
    ['stauts', 'status'],
    ['Newsletter-Subscription Status', 'status'],
  ])('refuses a header column %j that looks like "%s", importing nothing: a misspelt status would revive readers who left', async (cell, meant) => {
    await expect(importText(`email,${cell}\nleft@example.org,unsubscribed\n`)).rejects.toThrow(
      `readers.csv:1: the header row has a column "${cell}", which Gazette does not read: is it "${meant}"? — rename it to ${meant}, or remove it`,
    );
    expect((await store.countSubscribers()).active).toBe(0);
  });

  it.each([
    ['nmae', 'name'],
    ['section', 'sections'],
    ['created_at', 'createdAt'],
  ])('imports a file with a column %j that looks like "%s", and says its values were not imported', async (cell, meant) => {
    const warnings: Problem[] = [];
    const problems: Problem[] = [];
    const summary = await importSubscribers(store, Readable.from([`email,${cell}\nada@example.org,x\n`]), { path: 'readers.csv', now, onProblem: (p) => problems.push(p), onWarning: (w) => warnings.push(w) });
    expect(summary.added).toBe(1);
    expect(problems).toEqual([]);
    expect(warnings).toEqual([expect.objectContaining({ line: 1, message: `the header row has a column "${cell}", which Gazette does not read: is it "${meant}"? Its values were not imported` })]);
  });

  it('names two columns that look like one it reads together, and none beside the one it reads', async () => {
    const warnings: Problem[] = [];
    const options = { path: 'readers.csv', now, onProblem: () => undefined, onWarning: (w: Problem) => warnings.push(w) };
    await importSubscribers(store, Readable.from(['email,fname,lname\nada@example.org,Ada,Lovelace\n']), options);
    expect(warnings).toEqual([
      expect.objectContaining({
        message: 'the header row has columns "fname" and "lname", which Gazette does not read: is one of them "name"? Their values were not imported',
        hint: expect.stringMatching(/^Gazette reads one name column: rename the one you mean to name, or join them into one/),
      }),
    ]);
    warnings.length = 0;
    await importSubscribers(store, Readable.from(['email,name,fname,nmae\nbob@example.org,Bob,B,x\n']), options);
    expect(warnings).toEqual([]);
  });

  // Other tools' exports, as a desk moving to Gazette imports them. The column layouts are those of the tools' own
  // exports: Mailchimp's three files, Ghost's and Beehiiv's as their migration tools' fixtures have them, listmonk's
  // (cmd/subscribers.go) and Keila's (contacts_csv_export.ex); Substack's, Buttondown's, Kit's and Sendy's as
  // documented by their users and APIs. Whoever left there must arrive unsubscribed or bounced, never active.
  it.each([
    ['mailchimp-subscribed.csv', { 's1@example.com': ['active', 'Ada Lovelace'], 's2@example.com': ['active', 'Grace Hopper'] }],
    ['mailchimp-unsubscribed.csv', { 'u1@example.com': ['unsubscribed', 'Dolor'], 'u2@example.com': ['unsubscribed', 'Simet'] }],
    ['mailchimp-cleaned.csv', { 'c1@example.com': ['bounced', 'Dolor'], 'c2@example.com': ['bounced', 'Lorem Ipsum'] }],
    ['substack.csv', { 'free.reader@example.com': ['active', null], 'paid.reader@example.com': ['active', null], 'optedout@example.com': ['unsubscribed', null], 'lapsed.paid@example.com': ['active', null] }],
    ['ghost.csv', { 'sub@example.com': ['active', 'Jamie Sub'], 'unsub@example.com': ['unsubscribed', 'Ray Unsub'], 'paid@example.com': ['unsubscribed', 'Paid Nomail'] }],
    [
      'buttondown.csv',
      {
        'reg@example.com': ['active', null],
        'prem@example.com': ['active', null],
        'unact@example.com': ['pending', null],
        'unsub@example.com': ['unsubscribed', null],
        'removed@example.com': ['unsubscribed', null],
        'spam@example.com': ['unsubscribed', null],
        'undel@example.com': ['bounced', null],
      },
    ],
    ['buttondown-api.csv', { 'reg@example.com': ['active', null], 'unsub@example.com': ['unsubscribed', null] }],
    ['listmonk.csv', { 'en@example.com': ['active', 'Enabled Person'], 'dis@example.com': ['unsubscribed', 'Disabled Person'], 'block@example.com': ['unsubscribed', 'Blocked Person'] }],
    ['keila.csv', { 'act@example.com': ['active', 'Ann Active'], 'uns@example.com': ['unsubscribed', 'Uli Unsub'], 'unr@example.com': ['bounced', 'Una Unreach'] }],
    // `unsubscribed_at` wins over an `active` status; `inactive` (Beehiiv: left) is never mailed.
    ['beehiiv.csv', { 'lorem@example.com': ['active', 'Lorem Name'], 'dolor@example.com': ['unsubscribed', 'Dolor Name'], 'amett@example.com': ['pending', null], 'unsublit@example.com': ['unsubscribed', null] }],
    [
      'kit.csv',
      {
        'act@example.com': ['active', 'Al'],
        'cancel@example.com': ['unsubscribed', 'Ca'],
        'bounce@example.com': ['bounced', 'Bo'],
        'complain@example.com': ['unsubscribed', 'Co'],
        'inactive@example.com': ['unsubscribed', 'In'],
        'cold@example.com': ['active', 'Cy'],
      },
    ],
    ['sendy.csv', { 'sub@example.com': ['active', 'Sam Sub'], 'unsub@example.com': ['unsubscribed', 'Una Unsub'], 'bounce@example.com': ['bounced', 'Bea Bounce'], 'spam@example.com': ['unsubscribed', 'Spa Spam'], 'unconf@example.com': ['pending', 'Una Conf'] }],
  ] as const)('reads who left from %s: nobody who left there is made active', async (file, expected) => {
    const problems: Problem[] = [];
    await importSubscribers(store, createReadStream(join(exportsDir, file)), { path: file, now, onProblem: (p) => problems.push(p), onWarning: () => undefined });
    expect(problems).toEqual([]);
    const found: Record<string, [string | undefined, string | null | undefined]> = {};
    for (const email of Object.keys(expected)) {
      const subscriber = await store.findSubscriber(email);
      found[email] = [subscriber?.status, subscriber?.name];
    }
    expect(found).toEqual(expected);
    expect(Object.values(await store.countSubscribers()).reduce((a, b) => a + b, 0)).toBe(Object.keys(expected).length);
  });

  // Quoted: a column name or a value may hold a comma (`Jan 5, 2024`).
  it.each([
    ['unsubscribed', 'true', 'unsubscribed'],
    ['unsubscribed', '2024-03-01 10:00', 'unsubscribed'],
    ['Do Not Email', 'yes', 'unsubscribed'],
    ['subscribed', 'no', 'unsubscribed'],
    ['Subscribed', '2024-03-01', 'active'],
    ['Accepts Email Marketing', 'no', 'unsubscribed'],
    ['bounced', '1', 'bounced'],
    ['status', 'Marked as spam', 'unsubscribed'],
    ['State', 'UNCONFIRMED', 'pending'],
    ['type', 'junk', 'unsubscribed'], // MailerLite
    ['Email Status', 'Soft Bounce', 'bounced'],
    ['Email permission status', 'Explicit', 'active'], // Constant Contact
    ['Email Opt-In', 'No', 'unsubscribed'],
    ['SMS Consent', 'no', 'active'], // another channel: says nothing of mail
    // A reader who left, in the columns of HubSpot, Salesforce, Klaviyo, Brevo and others.
    ['Unsubscribed from all email', 'true', 'unsubscribed'],
    ['HasOptedOutOfEmail', 'true', 'unsubscribed'],
    ['Email Marketing Consent', 'UNSUBSCRIBED', 'unsubscribed'],
    ['EMAIL_BLACKLISTED', 'Yes', 'unsubscribed'],
    ['unsubscribedAt', '2024-03-01T10:00:00Z', 'unsubscribed'],
    ['isSubscribed', 'false', 'unsubscribed'],
    ['Unsubscribed?', 'yes', 'unsubscribed'],
    ['Email Status', 'unsubscribed', 'unsubscribed'],
    ['Date Deleted', '2024-02-02', 'unsubscribed'],
    // Columns that say nothing about leaving: the row is imported as active.
    ['state', 'CA', 'active'],
    ['State', 'Bavaria', 'active'],
    ['type', 'customer', 'active'],
    ['Email Status', 'valid', 'active'],
    ['subscribed', 'Jan 5, 2024', 'active'],
    ['Subscribed', '1704448800', 'active'],
    ['Mailing State', 'NY', 'active'],
    ['EU Member State', 'DE', 'active'],
  ])('reads a %j column holding %j as %s', async (column, value, status) => {
    const { problems } = await importText(`email,name,"${column}"\nreader@example.org,Ada,"${value}"\n`);
    expect(problems).toEqual([]);
    expect((await store.findSubscriber('reader@example.org'))?.status).toBe(status);
  });

  it.each([
    ['Bounce Count', ''],
    ['Consent', ''],
    ['Do Not Mail List', ''],
    ['Suppression reason', ''],
    ['Email Bounced Date', ',State'], // beside a column read only for a status word
    ['Opted out of email: Weekly Newsletter', ',Unsubscribed from all email'], // beside a column read for certain
    ['Deleted', ''],
  ])(
    'stops before anything is written at a column %j that may say who left, whatever the other columns%s',
    async (column, others) => {
      await expect(importText(`email,"${column}"${others}\nleft@example.org,x${others === '' ? '' : ',false'}\n`)).rejects.toThrow(
        `readers.csv:1: the header row has a column "${column}" that may say who left, which Gazette does not read — make it a "status" column`,
      );
      expect(await store.findSubscriber('left@example.org')).toBeNull();
    },
  );

  it.each(['Spam Complaint', 'hardbounce', 'do_not_mail', 'No Permissions Set'])(
    'rejects a line whose Email Status holds %j, a word of leaving it has no rule for, rather than import it active',
    async (value) => {
      const { problems } = await importText(`email,Email Status\nleft@example.org,${value}\n`);
      if (problems.length === 0) expect(['unsubscribed', 'bounced']).toContain((await store.findSubscriber('left@example.org'))?.status);
      else expect(await store.findSubscriber('left@example.org')).toBeNull();
    },
  );

  it('rejects a status that names a property of every object (constructor, toString) as a word it does not know', async () => {
    const { problems, summary } = await importText('email,status,state\na@example.org,constructor,\nb@example.org,,toString\n');
    expect(problems.map((p) => [p.line, p.message])).toEqual([[2, 'has "constructor" in its "status" column, which says no status Gazette knows']]);
    expect(summary).toMatchObject({ added: 1, rejected: 1 });
    expect((await store.findSubscriber('b@example.org'))?.status).toBe('active');
  });

  it('rejects a line whose status column holds a word it does not know, saying a reader who left must not be left empty', async () => {
    const { problems, summary } = await importText('email,subscribed\nok@example.org,true\nodd@example.org,maybe\n');
    expect(problems.map((p) => [p.line, p.message])).toEqual([[3, 'has "maybe" in its "subscribed" column, which says no status Gazette knows']]);
    expect(summary).toMatchObject({ added: 1, rejected: 1 });
  });

  it('rejects a line whose column it does not read says the reader left, a leaving word, a no to mail or a yes to no mail', async () => {
    const text = [
      'email,Notes,Active,Do Not Contact',
      'ann@example.org,Loyal reader,TRUE,No',
      'bob@example.org,Unsubscribed,,',
      'cat@example.org,,FALSE,',
      'dan@example.org,,,Yes',
      'eve@example.org,Cleaned,,',
    ].join('\n');
    const { problems, summary } = await importText(text);
    expect(problems.map((p) => [p.line, p.message])).toEqual([
      [3, 'says "Unsubscribed" in its "Notes" column, which Gazette does not read: the reader may have left'],
      [4, 'says "FALSE" in its "Active" column, which Gazette does not read: the reader may have left'],
      [5, 'says "Yes" in its "Do Not Contact" column, which Gazette does not read: the reader may have left'],
      [6, 'says "Cleaned" in its "Notes" column, which Gazette does not read: the reader may have left'],
    ]);
    expect(summary).toMatchObject({ added: 1, rejected: 4 });
    for (const email of ['bob@example.org', 'cat@example.org', 'dan@example.org', 'eve@example.org']) expect(await store.findSubscriber(email)).toBeNull();
  });

  it('stops at a column named for a subscription\'s status it does not read (Wix\'s "Email Marketing Status")', async () => {
    await expect(importText('Email,Name,Email Marketing Status\nann@example.org,Ann,Subscribed\nbob@example.org,Bob,Unsubscribed\n')).rejects.toThrow(/is it "status"\?/);
    expect(await store.findSubscriber('ann@example.org')).toBeNull();
  });

  it('reads createdAt as export writes it and as SQL tools and Kit do (a space, microseconds, +00, a trailing UTC), UTC without an offset', async () => {
    const text = [
      'email,createdAt',
      'a@example.org,2020-02-03T04:05:06.000Z',
      'b@example.org,2020-01-01 10:00:00',
      'c@example.org,2020-01-01 10:00:00.123456+00',
      'd@example.org,2020-01-01 12:00+02:00',
      'e@example.org,2026-02-30 10:00:00',
      'f@example.org,03/12/2026 11:44',
      'g@example.org,2021-03-04 10:11:12 UTC',
      'h@example.org,2021-03-04 10:11:12.5 gmt',
    ].join('\n');
    const { problems } = await importText(text);
    expect(problems.map((p) => p.line)).toEqual([6, 7]);
    const joined = async (email: string): Promise<string | undefined> => (await store.findSubscriber(email))?.createdAt.toISOString();
    expect(await Promise.all(['a', 'b', 'c', 'd', 'g', 'h'].map((x) => joined(`${x}@example.org`)))).toEqual([
      '2020-02-03T04:05:06.000Z',
      '2020-01-01T10:00:00.000Z',
      '2020-01-01T10:00:00.123Z',
      '2020-01-01T10:00:00.000Z',
      '2021-03-04T10:11:12.000Z',
      '2021-03-04T10:11:12.500Z',
    ]);
  });

  it('reads a whole-name column (Full Name, Display Name), and says a last name beside a name column is not imported', async () => {
    const full = await importText('email,Full Name\nann@example.org,Ann Lee\n');
    expect(full.warnings).toEqual([]);
    expect((await store.findSubscriber('ann@example.org'))?.name).toBe('Ann Lee');
    const beside = await importText('email,Name,Surname\nbob@example.org,Bob,Roe\n');
    expect(beside.warnings.map((w) => w.message)).toEqual(['the header row has "Surname" beside "Name", which Gazette reads alone as the name: its values were not imported']);
    expect((await store.findSubscriber('bob@example.org'))?.name).toBe('Bob');
  });

  it('skips the line Excel writes to name the separator (sep=,) before the header row', async () => {
    const { problems, summary } = await importText('sep=,\nemail,name\nann@example.org,Ann\n');
    expect(problems).toEqual([]);
    expect(summary.added).toBe(1);
  });

  it('ignores columns of other tools that look like none it reads', async () => {
    const { problems, summary } = await importText('email,first name,date,member_rating,Payment Status,Email Status\na@example.org,A,2026-01-01,4,paid,valid\n');
    expect(problems).toEqual([]);
    expect(summary.added).toBe(1);
  });

  it('refuses a line that is not UTF-8 (a Windows-1252 "José") with how to convert the file, and imports the rest', async () => {
    const problems: Problem[] = [];
    const bytes = Buffer.concat([Buffer.from('email,name\njose@example.org,Jos'), Buffer.from([0xe9]), Buffer.from('\nann@example.org,Ann\n')]);
    const summary = await importSubscribers(store, Readable.from([bytes]), { path: 'readers.csv', now, onProblem: (p) => problems.push(p) });
    expect(problems).toEqual([expect.objectContaining({ line: 2, message: 'is not valid UTF-8 text', hint: expect.stringContaining('iconv -f WINDOWS-1252 -t UTF-8') })]);
    expect(summary).toMatchObject({ added: 1, rejected: 1 });
    expect(await store.findSubscriber('jose@example.org')).toBeNull();
  });

  it('names UTF-16 in the hint for a file that starts with its byte-order mark', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\na@example.org\n', 'utf16le')]);
    await expect(importSubscribers(store, Readable.from([utf16]), { path: 'readers.csv', now, onProblem: () => undefined })).rejects.toThrow(
      'readers.csv:1: the header row is not valid UTF-8 text — save the file as UTF-8 (Excel: "CSV UTF-8"), e.g. iconv -f UTF-16 -t UTF-8',
    );
  });

  it('says a ZIP archive (a zipped export, an Excel workbook), a gzip file or an old Excel workbook is no CSV, and how to get the CSV', async () => {
    const files = [
      ['504b0304140000000800a1b2c3d4', 'a ZIP archive (a zipped export, or an Excel workbook) — unzip it and import the CSV file inside; from Excel, save the sheet as "CSV UTF-8"'],
      ['1f8b0800000000000003', 'a gzip archive — unpack it (gunzip) and import the CSV file'],
      ['d0cf11e0a1b11ae1', 'an Excel 97–2003 workbook (.xls) — in Excel, save the sheet as "CSV UTF-8"'],
    ] as const;
    for (const [magic, said] of files) {
      const bytes = Buffer.concat([Buffer.from(magic, 'hex'), Buffer.from('members.csv\nEmail Address\n')]);
      await expect(importSubscribers(store, Readable.from([bytes]), { path: 'export.zip', now, onProblem: () => undefined })).rejects.toThrow(
        `export.zip:1: the header row is not text: the file is ${said}`,
      );
    }
  });

  it('keeps a U+FFFD that a UTF-8 file really holds (a name an older import stored so), so export and import round-trip', async () => {
    const { problems, summary } = await importText('email,name\njose@example.org,Jos\uFFFD\nzoe@example.org,Zoë\n');
    expect(problems).toEqual([]);
    expect(summary.added).toBe(2);
    expect((await store.findSubscriber('jose@example.org'))?.name).toBe('Jos\uFFFD');
    expect((await store.findSubscriber('zoe@example.org'))?.name).toBe('Zoë');
  });

  it('keeps a quote inside an unquoted field as it is, losing no line after it', async () => {
    const lines = ['email,name', 'a@example.org,Screen 5" wide', ...Array.from({ length: 15 }, (_, i) => `clean${i}@example.org,C${i}`), 'z@example.org,The 6" guy', 'last@example.org,L'];
    const { problems, summary } = await importText(`${lines.join('\n')}\n`);
    expect(problems).toEqual([]);
    expect(summary).toMatchObject({ added: 18, rejected: 0 });
    expect((await store.findSubscriber('z@example.org'))?.name).toBe('The 6" guy');
  });

  it('imports a generated file: every bad line reported once, every good address exactly once', async () => {
    const path = join(dir, 'mixed.csv');
    const expected = await writeMixedCsv(path, 5000, 40);
    const { subscriber } = await store.upsertSubscriber({ email: 'user1@example.org', name: null, status: 'active' }, now);
    await store.setSubscriberStatus(subscriber.id, 'unsubscribed', now);
    const problems: Problem[] = [];
    const summary = await importSubscribers(store, createReadStream(path), { path, now, onProblem: (p) => problems.push(p), batchSize: 300 });

    expect(problems.map((p) => p.line)).toEqual([...expected.bad.keys()]);
    expect(summary.rejected).toBe(expected.bad.size);
    expect(summary.kept).toBe(1);
    const active = new Set<string>();
    for await (const s of store.listSubscribers({ status: 'active' })) active.add(s.email.toLowerCase());
    expect(active.size).toBe(expected.good.size - 1);
    expect([...expected.good].filter((email) => !active.has(email))).toEqual(['user1@example.org']);
    expect(summary.added).toBe(expected.good.size - 1);
    expect(summary.added + summary.updated + summary.unchanged + summary.kept + summary.optedOut + summary.rejected).toBe(expected.rows);
  });
});
