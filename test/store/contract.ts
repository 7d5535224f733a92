// The store contract: every behaviour Gazette relies on, run against each implementation (SQLite, PostgreSQL)
// by a small file per store that says how to open one.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import type { DigestInput, Store, SubscriberEvent } from '../../src/store/types.js';

/** A fresh, empty database for one test, which can be opened more than once. */
export interface StoreFixture {
  /** Opens a store on this fixture's database (the same one each call). */
  open(): Promise<Store>;
  /** Deletes the database. */
  dispose(): Promise<void>;
}

const now = new Date('2026-11-20T07:00:00Z');

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Declares the contract suite for the store `name`; `create` makes a fresh database per test. */
export function describeStoreContract(name: string, create: () => Promise<StoreFixture>): void {
  describe(`store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await create();
      store = await fixture.open();
    });
    afterEach(async () => {
      await store.close();
      await fixture.dispose();
    });

    async function digest(carried: string[], passedOver: string[] = []): Promise<DigestInput> {
      return {
        number: await store.nextDigestNumber(),
        edition: 'newsletter',
        issue: await store.nextIssueNumber('newsletter'),
        defaultEdition: true,
        blocks: [],
        createdAt: now,
        subject: 'Issue',
        html: '<p>x</p>',
        text: 'x',
        carried,
        passedOver,
      };
    }

    describe('readers choose (issue 14)', () => {
      const block = (slug: string, section: string | null) => ({ slug, section, subject: slug, title: slug, summary: '' });

      it('keeps each reader’s sections and editions, journals a change, and lists readers by them', async () => {
        const add = (email: string, sections?: string[], editions?: string[]) =>
          store.upsertSubscriber({ email, name: null, status: 'active', ...(sections ? { sections } : {}), ...(editions ? { editions } : {}) }, now);
        const { subscriber: all } = await add('all@example.org');
        await add('world@example.org', ['local', 'world'], ['daily']);
        expect(all).toMatchObject({ sections: [], editions: [] });
        expect(await store.findSubscriber('world@example.org')).toMatchObject({ sections: ['local', 'world'], editions: ['daily'] });
        const changed = await store.setSubscriberChoices(all.id, { sections: ['world'], editions: ['weekly', 'daily'] }, now, 'web');
        expect(changed).toMatchObject({ sections: ['world'], editions: ['weekly', 'daily'] });
        expect((await store.subscriberEvents(all.id, 5))[0]).toMatchObject({ kind: 'preferences', source: 'web' });
        const emails = async (filter: Parameters<Store['listSubscribers']>[0]) => (await collect(store.listSubscribers(filter))).map((s) => s.email);
        expect(await emails({ section: 'local' })).toEqual(['world@example.org']);
        expect(await emails({ edition: { id: 'weekly', defaultEdition: false } })).toEqual(['all@example.org']);
        await add('new@example.org');
        expect(await emails({ edition: { id: 'weekly', defaultEdition: true }, section: 'world' })).toEqual(['all@example.org', 'new@example.org']);
      });

      it('writes ledger rows for the edition’s readers only: pending when a block is in their sections, else skipped', async () => {
        const add = (email: string, sections: string[], editions: string[]) => store.upsertSubscriber({ email, name: null, status: 'active', sections, editions }, now);
        await add('all@example.org', [], []);
        await add('local@example.org', ['local'], []);
        await add('sport@example.org', ['sport'], []);
        await add('daily@example.org', [], ['daily']);
        const made = await store.createDigest({
          ...(await digest(['w', 'l'])),
          edition: 'weekly',
          issue: await store.nextIssueNumber('weekly'),
          blocks: [block('w', 'world'), block('l', 'local')],
        });
        expect(made).toMatchObject({ edition: 'weekly', issue: 1, blocks: [{ slug: 'w' }, { slug: 'l' }] });
        expect((await store.pendingDeliveries(10)).map((r) => [r.email, r.sections])).toEqual([
          ['all@example.org', []],
          ['local@example.org', ['local']],
        ]);
        expect(await store.deliveryCounts(made.number)).toEqual({ pending: 2, sent: 0, bounced: 0, failed: 0, skipped: 1 });
        // Each edition has its own issue numbers and its own "since the last issue".
        expect(await store.nextIssueNumber('weekly')).toBe(2);
        expect(await store.nextIssueNumber('daily')).toBe(1);
        expect(await store.seenSlugs('daily')).toEqual(new Set());
        const daily = await store.createDigest({
          ...(await digest(['w'])),
          edition: 'daily',
          issue: 1,
          defaultEdition: false,
          blocks: [block('w', 'world')],
        });
        expect((await store.pendingDeliveries(10, { digestNumber: made.number, subscriberId: 1e9 })).map((r) => r.email)).toEqual(['daily@example.org']);
        expect(await store.getDigest(daily.number)).toMatchObject({ edition: 'daily', issue: 1, articleSlugs: ['w'] });
        // What an edition sent before another's first issue: all of it while that one has none.
        expect(await store.seenSlugsBefore('weekly', 'daily')).toEqual(new Set(['w', 'l']));
        expect(await store.seenSlugsBefore('weekly', 'monthly')).toEqual(new Set(['w', 'l']));
        expect(await store.seenSlugsBefore('daily', 'weekly')).toEqual(new Set());
      });
    });

    describe('subscribers', () => {
      it('dedupes addresses case-insensitively and keeps the first spelling', async () => {
        expect((await store.upsertSubscriber({ email: 'Ann@Example.org', name: 'Ann', status: 'active' }, now)).outcome).toBe('added');
        const again = await store.upsertSubscriber({ email: 'ann@example.ORG', name: null, status: 'active' }, now);
        expect(again.outcome).toBe('unchanged');
        expect(again.subscriber).toMatchObject({ email: 'Ann@Example.org', name: 'Ann', status: 'active' });
        expect(await store.countSubscribers()).toEqual({ pending: 0, active: 1, unsubscribed: 0, bounced: 0 });
      });

      it('never revives an unsubscribed or bounced address', async () => {
        const { subscriber } = await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
        await store.setSubscriberStatus(subscriber.id, 'unsubscribed', now);
        expect(await store.upsertSubscribers([{ email: 'A@example.org', name: 'A', status: 'active' }], now)).toEqual(['kept']);
        expect(await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'pending' }, now)).toMatchObject({ outcome: 'kept' });
        expect((await store.findSubscriber('a@example.org'))?.status).toBe('unsubscribed');
      });

      it('does not turn an active subscriber back into a pending one', async () => {
        await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
        const again = await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'pending' }, now);
        expect(again.subscriber.status).toBe('active');
      });

      it('gives each subscriber a random public id of 32 hex digits, found again by it', async () => {
        const a = (await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now)).subscriber;
        const [b] = await store.upsertSubscribers([{ email: 'b@example.org', name: null, status: 'active' }], now);
        expect(b).toBe('added');
        const found = await store.findSubscriber('b@example.org');
        expect(a.publicId).toMatch(/^[0-9a-f]{32}$/);
        expect(found?.publicId).toMatch(/^[0-9a-f]{32}$/);
        expect(found?.publicId).not.toBe(a.publicId);
        expect(await store.findSubscriberByPublicId(a.publicId)).toMatchObject({ id: a.id, email: 'a@example.org' });
        expect(await store.findSubscriberByPublicId(String(a.id))).toBeNull();
      });

      it('lists every subscriber across pages, filtered by status', async () => {
        const inputs = Array.from({ length: 2500 }, (_, i) => ({
          email: `r${i}@example.org`,
          name: null,
          status: i % 5 === 0 ? ('pending' as const) : ('active' as const),
        }));
        await store.upsertSubscribers(inputs, now);
        const all = await collect(store.listSubscribers());
        expect(all).toHaveLength(2500);
        expect(all.map((s) => s.id)).toEqual([...all.map((s) => s.id)].sort((a, b) => a - b));
        const pending = await collect(store.listSubscribers({ status: 'pending' }));
        expect(pending).toHaveLength(500);
        expect(pending.every((s) => s.status === 'pending')).toBe(true);
      });

      it('returns null for an unknown id or address', async () => {
        expect(await store.getSubscriber(12345)).toBeNull();
        expect(await store.findSubscriber('nobody@example.org')).toBeNull();
        expect(await store.setSubscriberStatus(12345, 'active', now)).toBeNull();
      });

      it('runs concurrent upserts of one address one at a time', async () => {
        const outcomes = await Promise.all(
          Array.from({ length: 10 }, () => store.upsertSubscriber({ email: 'same@example.org', name: null, status: 'active' }, now)),
        );
        expect(outcomes.map((o) => o.outcome).sort()).toEqual(['added', ...Array<string>(9).fill('unchanged')]);
        expect((await store.countSubscribers()).active).toBe(1);
      });
    });

    describe('the subscriber journal', () => {
      it('journals every status change with its kind and source, newest first', async () => {
        const { subscriber } = await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'pending' }, now, { source: 'web' });
        const later = new Date(now.getTime() + 60_000);
        await store.setSubscriberStatus(subscriber.id, 'active', later, { source: 'web' });
        await store.setSubscriberStatus(subscriber.id, 'active', later, { source: 'web' });
        await store.setSubscriberStatus(subscriber.id, 'unsubscribed', later, { kind: 'complaint', source: 'ses', detail: 'abuse', digestNumber: 3 });
        const events = await store.subscriberEvents(subscriber.id, 10);
        expect(events.map((e) => [e.kind, e.source])).toEqual([
          ['complaint', 'ses'],
          ['confirmed', 'web'],
          ['subscribed', 'web'],
        ]);
        expect(events[0]).toMatchObject({ subscriberId: subscriber.id, at: later, detail: 'abuse', digestNumber: 3, dedupeKey: null });
        expect(await store.subscriberEvents(subscriber.id, 1)).toHaveLength(1);
      });

      it('journals imports, a confirmed new opt-in and nothing for a change of name only', async () => {
        await store.upsertSubscribers([{ email: 'a@example.org', name: null, status: 'active' }], now, { source: 'import' });
        const a = await store.findSubscriber('a@example.org');
        await store.upsertSubscriber({ email: 'a@example.org', name: 'Ann', status: 'active' }, now);
        await store.setSubscriberStatus(a!.id, 'bounced', now, { source: 'smtp' });
        const mail = { nonce: 'n1', mailbox: 'a@example.org' };
        await store.requestSubscription({ email: 'a@example.org', name: null }, now, { source: 'web', detail: null, mail });
        expect(await store.confirmSubscription(a!.publicId, 'n1', now, now, 'web')).toBe('confirmed');
        const kinds = (await store.subscriberEvents(a!.id, 10)).map((e) => `${e.kind}/${e.source}`);
        expect(kinds).toEqual(['confirmed/web', 'confirmation_sent/web', 'requested/web', 'bounced/smtp', 'imported/import']);
      });

      it('records an event with a dedupe key once', async () => {
        const { subscriber } = await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
        const event = { subscriberId: subscriber.id, at: now, kind: 'soft_bounce' as const, source: 'inbound', dedupeKey: 'msg-1' };
        expect(await store.appendSubscriberEvent(event)).toBe(true);
        expect(await store.appendSubscriberEvent({ ...event, detail: 'again' })).toBe(false);
        expect(await store.appendSubscriberEvent({ ...event, dedupeKey: null })).toBe(true);
        expect(await store.appendSubscriberEvent({ ...event, dedupeKey: null })).toBe(true);
        const softs = (await store.subscriberEvents(subscriber.id, 10)).filter((e) => e.kind === 'soft_bounce');
        expect(softs.map((e) => e.dedupeKey)).toEqual([null, null, 'msg-1']);
      });

      it('reads the events since a date, oldest first, across pages', async () => {
        const { subscriber } = await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
        for (let i = 0; i < 1200; i++) {
          await store.appendSubscriberEvent({ subscriberId: subscriber.id, at: new Date(now.getTime() + (i + 1) * 1000), kind: 'preferences', source: 'web' });
        }
        const since = await collect(store.subscriberEventsSince(new Date(now.getTime() + 101_000)));
        expect(since).toHaveLength(1100);
        expect(since[0]?.at).toEqual(new Date(now.getTime() + 101_000));
        expect(since.every((e: SubscriberEvent, i) => i === 0 || e.id > (since[i - 1] as SubscriberEvent).id)).toBe(true);
      });
    });

    describe('requests to subscribe (issue 12)', () => {
      const weekAgo = new Date(now.getTime() - 7 * 86_400_000);
      const request = (email: string, name: string | null, nonce: string | null, at = now) =>
        store.requestSubscription({ email, name }, at, {
          source: 'web',
          detail: nonce === null ? 'no mail: test' : null,
          mail: nonce === null ? null : { nonce, mailbox: email.toLowerCase() },
        });

      it('adds a new address as pending, and keeps a known one as it is until confirmed', async () => {
        expect(await request('new@example.org', 'New', 'n1')).toMatchObject({ outcome: 'added', subscriber: { status: 'pending', name: 'New' } });
        const { subscriber } = await store.upsertSubscriber({ email: 'left@example.org', name: 'Left', status: 'active' }, now);
        await store.setSubscriberStatus(subscriber.id, 'unsubscribed', now);
        expect(await request('left@example.org', 'Stranger', 'n2')).toMatchObject({ outcome: 'requested', subscriber: { status: 'unsubscribed', name: 'Left' } });
        expect(await store.findSubscriber('left@example.org')).toMatchObject({ status: 'unsubscribed', name: 'Left' });
        expect(await store.confirmSubscription(subscriber.publicId, 'n2', now, weekAgo, 'web')).toBe('confirmed');
        expect(await store.findSubscriber('left@example.org')).toMatchObject({ status: 'active', name: 'Stranger' });
        expect(await store.confirmSubscription(subscriber.publicId, 'n2', now, weekAgo, 'web')).toBe('already');
      });

      it('takes the sections and editions of a request: a new address at once, a known one only when confirmed', async () => {
        const choices = { sections: ['world'], editions: ['daily'] };
        const mail = (nonce: string, email: string) => ({ source: 'web', detail: null, mail: { nonce, mailbox: email } });
        const added = await store.requestSubscription({ email: 'new@example.org', name: null, ...choices }, now, mail('n1', 'new@example.org'));
        expect(added.subscriber).toMatchObject({ status: 'pending', ...choices });
        const { subscriber } = await store.upsertSubscriber({ email: 'left@example.org', name: null, status: 'active', sections: ['local'] }, now);
        await store.setSubscriberStatus(subscriber.id, 'unsubscribed', now);
        await store.requestSubscription({ email: 'left@example.org', name: null, ...choices }, now, mail('n2', 'left@example.org'));
        expect(await store.findSubscriber('left@example.org')).toMatchObject({ status: 'unsubscribed', sections: ['local'], editions: [] });
        expect(await store.confirmSubscription(subscriber.publicId, 'n2', now, weekAgo, 'web')).toBe('confirmed');
        expect(await store.findSubscriber('left@example.org')).toMatchObject({ status: 'active', ...choices });
      });

      it('renames section keys in readers\' choices and pending requests, once each, touching no other reader', async () => {
        const both = (await store.upsertSubscriber({ email: 'both@example.org', name: null, status: 'active', sections: ['wo-rld', 'world', 'sport'] }, now)).subscriber;
        await store.upsertSubscriber({ email: 'other@example.org', name: null, status: 'active', sections: ['sport', 'wo-rld-news'] }, now);
        const asked = (await store.upsertSubscriber({ email: 'asked@example.org', name: null, status: 'active', sections: ['sport'] }, now)).subscriber;
        await store.setSubscriberStatus(asked.id, 'unsubscribed', now);
        await store.requestSubscription({ email: 'asked@example.org', name: null, sections: ['wo-rld'] }, now, { source: 'web', detail: null, mail: { nonce: 'n', mailbox: 'asked@example.org' } });
        expect(await store.renameSectionKeys(new Map([['wo-rld', 'world']]))).toBe(2);
        expect((await store.findSubscriber('both@example.org'))?.sections).toEqual(['world', 'sport']);
        expect((await store.findSubscriber('other@example.org'))?.sections).toEqual(['sport', 'wo-rld-news']);
        expect((await store.findSubscriber('asked@example.org'))?.sections).toEqual(['sport']);
        expect((await store.readRequest(asked.id))?.sections).toEqual(['world']);
        expect(await store.renameSectionKeys(new Map([['wo-rld', 'world']]))).toBe(0);
        expect(await store.renameSectionKeys(new Map())).toBe(0);
        expect(both.sections).toEqual(['wo-rld', 'world', 'sport']);
      });

      it('reads the name and choices a request will confirm: what it asked for, else what the reader has', async () => {
        const { subscriber } = await store.upsertSubscriber({ email: 'left@example.org', name: 'Left', status: 'active', sections: ['local'] }, now);
        await store.setSubscriberStatus(subscriber.id, 'unsubscribed', now);
        expect(await store.readRequest(subscriber.id)).toEqual({ name: 'Left', sections: ['local'], editions: [] });
        const mail = { source: 'web', detail: null, mail: { nonce: 'n1', mailbox: 'left@example.org' } };
        await store.requestSubscription({ email: 'left@example.org', name: 'Stranger', sections: ['world', 'sport'], editions: ['daily'] }, now, mail);
        expect(await store.readRequest(subscriber.id)).toEqual({ name: 'Stranger', sections: ['world', 'sport'], editions: ['daily'] });
        expect(await store.findSubscriber('left@example.org')).toMatchObject({ name: 'Left', sections: ['local'] });
        expect(await store.readRequest(subscriber.id + 1000)).toBeNull();
      });

      it('lets only the newest request’s nonce confirm, and only within its time', async () => {
        const { subscriber } = await request('a@example.org', null, 'old');
        await request('a@example.org', null, 'new');
        await request('a@example.org', null, null); // no mail: the newest link stays the one that works
        expect(await store.confirmState(subscriber.id, 'old', weekAgo)).toBe('replaced');
        expect(await store.confirmSubscription(subscriber.publicId, 'old', now, weekAgo, 'web')).toBe('replaced');
        expect(await store.confirmState(subscriber.id, 'new', now)).toBe('current');
        expect(await store.confirmState(subscriber.id, 'new', new Date(now.getTime() + 1))).toBe('expired');
        expect(await store.confirmSubscription(subscriber.publicId, 'new', now, new Date(now.getTime() + 1), 'web')).toBe('expired');
        expect((await store.findSubscriber('a@example.org'))?.status).toBe('pending');
        expect(await store.confirmSubscription('0'.repeat(32), 'new', now, weekAgo, 'web')).toBe('unknown');
      });

      it('counts confirmation mail since a time, per mailbox or in all', async () => {
        await request('a@example.org', null, 'n1', new Date(now.getTime() - 3_600_000));
        await request('a+x@example.org', null, 'n2');
        await request('b@example.org', null, 'n3');
        await request('c@example.org', null, null);
        expect(await store.countConfirmationMail(weekAgo)).toBe(3);
        expect(await store.countConfirmationMail(new Date(now.getTime() - 60_000))).toBe(2);
        expect(await store.countConfirmationMail(weekAgo, 'a@example.org')).toBe(1);
        expect(await store.countConfirmationMail(weekAgo, 'c@example.org')).toBe(0);
      });
    });

    describe('digests and the ledger', () => {
      it('stores a digest with one pending row per active subscriber', async () => {
        await store.upsertSubscribers(
          [
            { email: 'a@example.org', name: null, status: 'active' },
            { email: 'b@example.org', name: null, status: 'pending' },
            { email: 'c@example.org', name: 'C', status: 'active' },
          ],
          now,
        );
        const record = await store.createDigest(await digest(['one', 'two'], ['old']));
        expect(record.number).toBe(1);
        expect(await store.getDigest(1)).toMatchObject({ subject: 'Issue', createdAt: now, articleSlugs: ['one', 'two'] });
        expect(await store.seenSlugs('newsletter')).toEqual(new Set(['one', 'two', 'old']));
        expect((await store.pendingDeliveries(10)).map((r) => r.email)).toEqual(['a@example.org', 'c@example.org']);
        expect(await store.deliveryCounts(1)).toEqual({ pending: 2, sent: 0, bounced: 0, failed: 0, skipped: 0 });
        expect((await store.createDigest(await digest(['three']))).number).toBe(2);
        expect((await store.listDigests()).map((d) => [d.number, d.articleSlugs])).toEqual([
          [2, ['three']],
          [1, ['one', 'two']],
        ]);
      });

      it('refuses a digest that repeats an article and stores nothing of it', async () => {
        await store.createDigest(await digest(['one']));
        await expect(store.createDigest(await digest(['two', 'one']))).rejects.toThrow(StoreError);
        await expect(store.createDigest(await digest(['two', 'two']))).rejects.toThrow(StoreError);
        expect(await store.listDigests()).toHaveLength(1);
        expect(await store.seenSlugs('newsletter')).toEqual(new Set(['one']));
      });

      it('names the editions digests were made for', async () => {
        expect(await store.mailedEditions()).toEqual([]);
        await store.createDigest(await digest(['one']));
        await store.createDigest({ ...(await digest(['two'])), edition: 'weekly', issue: 1, defaultEdition: false });
        await store.createDigest(await digest(['three']));
        expect(await store.mailedEditions()).toEqual(['newsletter', 'weekly']);
      });

      it('refuses a digest whose number another process took meanwhile', async () => {
        const late = await digest(['two']);
        await store.createDigest(await digest(['one']));
        await expect(store.createDigest(late)).rejects.toThrow(/made by another process meanwhile/);
        expect(await store.nextDigestNumber()).toBe(2);
      });

      it('makes one digest of two made at once for the same number', async () => {
        const [a, b] = [await digest(['one']), await digest(['two'])];
        const results = await Promise.allSettled([store.createDigest(a), store.createDigest(b)]);
        expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
        expect(await store.listDigests()).toHaveLength(1);
      });

      it('pages through pending rows with a cursor and records outcomes', async () => {
        const inputs = Array.from({ length: 5 }, (_, i) => ({ email: `r${i}@example.org`, name: null, status: 'active' as const }));
        await store.upsertSubscribers(inputs, now);
        await store.createDigest(await digest(['one']));
        const first = await store.pendingDeliveries(3);
        const last = first.at(-1);
        expect(first).toHaveLength(3);
        const rest = await store.pendingDeliveries(3, last);
        expect(rest.map((r) => r.email)).toEqual(['r3@example.org', 'r4@example.org']);

        const [a, b, c, d] = first.concat(rest);
        await store.recordDeliveries([
          { digestNumber: 1, subscriberId: a!.subscriberId, result: 'sent', detail: '250 ok', at: now },
          { digestNumber: 1, subscriberId: b!.subscriberId, result: 'bounced', detail: '550 no such user', at: now },
          { digestNumber: 1, subscriberId: c!.subscriberId, result: 'retry', detail: '451 try later', at: now },
          { digestNumber: 1, subscriberId: d!.subscriberId, result: 'skipped', detail: 'unsubscribed', at: now },
        ]);
        expect(await store.deliveryCounts()).toEqual({ pending: 2, sent: 1, bounced: 1, failed: 0, skipped: 1 });
        expect((await store.getSubscriber(b!.subscriberId))?.status).toBe('bounced');
        expect((await store.subscriberEvents(b!.subscriberId, 1))[0]).toMatchObject({
          kind: 'bounced',
          source: 'delivery',
          digestNumber: 1,
          detail: '550 no such user',
        });
        expect((await store.pendingDeliveries(10)).find((r) => r.subscriberId === c!.subscriberId)?.attempts).toBe(1);
      });

      it('never changes a row that is already sent', async () => {
        await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, now);
        await store.createDigest(await digest(['one']));
        const [row] = await store.pendingDeliveries(1);
        const outcome = { digestNumber: 1, subscriberId: row!.subscriberId, detail: null, at: now };
        await store.recordDeliveries([{ ...outcome, result: 'sent' }]);
        await store.recordDeliveries([{ ...outcome, result: 'bounced' }]);
        expect((await store.deliveryCounts(1)).sent).toBe(1);
        expect((await store.getSubscriber(row!.subscriberId))?.status).toBe('active');
        expect((await store.subscriberEvents(row!.subscriberId, 10)).map((e) => e.kind)).toEqual(['subscribed']);
      });

      it('records a batch of outcomes without a bounce, each on its own row, and leaves settled rows as they are', async () => {
        const inputs = Array.from({ length: 5 }, (_, i) => ({ email: `r${i}@example.org`, name: null, status: 'active' as const }));
        await store.upsertSubscribers(inputs, now);
        await store.createDigest(await digest(['one']));
        const [a, b, c, d, e] = await store.pendingDeliveries(5);
        const at = (row: typeof a) => ({ digestNumber: 1, subscriberId: row!.subscriberId, at: now });
        await store.recordDeliveries([
          { ...at(a), result: 'sent', detail: '250 ok' },
          { ...at(b), result: 'failed', detail: 'gave up' },
          { ...at(c), result: 'retry', detail: '451 try later' },
          { ...at(d), result: 'skipped', detail: 'subscriber is unsubscribed' },
        ]);
        expect(await store.deliveryCounts(1)).toEqual({ pending: 2, sent: 1, bounced: 0, failed: 1, skipped: 1 });
        await store.recordDeliveries([
          { ...at(a), result: 'failed', detail: 'late' },
          { ...at(c), result: 'retry', detail: '451 again' },
          { ...at(e), result: 'sent', detail: '250 ok' },
        ]);
        expect(await store.deliveryCounts(1)).toEqual({ pending: 1, sent: 2, bounced: 0, failed: 1, skipped: 1 });
        expect(await store.pendingDeliveries(10)).toMatchObject([{ subscriberId: c!.subscriberId, attempts: 2 }]);
      });

      it('reads the status and sections of many readers at once, leaving out ids nobody has', async () => {
        const kept = await store.upsertSubscriber({ email: 'kept@example.org', name: null, status: 'active', sections: ['world', 'local'] }, now);
        const gone = await store.upsertSubscriber({ email: 'gone@example.org', name: null, status: 'active' }, now);
        await store.setSubscriberStatus(gone.subscriber.id, 'unsubscribed', now);
        const states = await store.readerStates([kept.subscriber.id, gone.subscriber.id, 999_999]);
        expect([...states]).toEqual([
          [kept.subscriber.id, { status: 'active', sections: ['world', 'local'] }],
          [gone.subscriber.id, { status: 'unsubscribed', sections: [] }],
        ]);
      });
    });

    describe('what the dashboard counts', () => {
      it('counts joins by current status and departures per day, in the window only', async () => {
        const day = (d: string): Date => new Date(`${d}T12:00:00Z`);
        const old = await store.upsertSubscriber({ email: 'old@example.org', name: null, status: 'active' }, day('2026-01-05'));
        const a = await store.upsertSubscriber({ email: 'a@example.org', name: null, status: 'active' }, day('2026-11-02'));
        await store.upsertSubscriber({ email: 'b@example.org', name: null, status: 'active' }, day('2026-11-02'));
        await store.upsertSubscriber({ email: 'c@example.org', name: null, status: 'pending' }, day('2026-11-03'));
        await store.setSubscriberStatus(a.subscriber.id, 'unsubscribed', day('2026-11-10'));
        await store.setSubscriberStatus(old.subscriber.id, 'bounced', day('2026-11-11'), { source: 'dsn', detail: '5.1.1' });
        const flows = await store.subscriberFlows(new Date('2026-11-01T00:00:00Z'));
        const sort = <T extends { day: string; status: string }>(rows: T[]): T[] => [...rows].sort((x, y) => `${x.day}${x.status}`.localeCompare(`${y.day}${y.status}`));
        expect(sort(flows.joined)).toEqual([
          { day: '2026-11-02', status: 'active', count: 1 },
          { day: '2026-11-02', status: 'unsubscribed', count: 1 },
          { day: '2026-11-03', status: 'pending', count: 1 },
        ]);
        expect(sort(flows.departed)).toEqual([
          { day: '2026-11-10', joinedDay: '2026-11-02', status: 'unsubscribed', count: 1 },
          { day: '2026-11-11', joinedDay: '2026-01-05', status: 'bounced', count: 1 },
        ]);
      });

      it('lists the newest events of the kinds asked for, with their addresses', async () => {
        const { subscriber } = await store.upsertSubscriber({ email: 'x@example.org', name: null, status: 'active' }, now);
        await store.appendSubscriberEvent({ subscriberId: subscriber.id, at: new Date(now.getTime() + 1000), kind: 'soft_bounce', source: 'dsn', detail: '4.2.2 mailbox full' });
        await store.setSubscriberStatus(subscriber.id, 'bounced', new Date(now.getTime() + 2000), { source: 'dsn', detail: '5.1.1 no such user' });
        const events = await store.recentEvents(['bounced', 'soft_bounce'], 10);
        expect(events.map((e) => [e.email, e.kind, e.detail])).toEqual([
          ['x@example.org', 'bounced', '5.1.1 no such user'],
          ['x@example.org', 'soft_bounce', '4.2.2 mailbox full'],
        ]);
        expect(await store.recentEvents(['bounced'], 10)).toHaveLength(1);
        expect(await store.recentEvents([], 10)).toEqual([]);
      });

      it('reports the progress of a digest still being sent', async () => {
        for (const email of ['p@example.org', 'q@example.org', 'r@example.org']) await store.upsertSubscriber({ email, name: null, status: 'active' }, now);
        const made = await store.createDigest(await digest(['one']));
        const [first] = await store.pendingDeliveries(1);
        await store.recordDeliveries([{ digestNumber: made.number, subscriberId: first!.subscriberId, result: 'sent', detail: '250 ok', at: new Date(now.getTime() + 5000) }]);
        expect(await store.sendingProgress(now)).toEqual([{ digestNumber: made.number, pending: 2, sent: 1, sentSince: 1 }]);
        expect((await store.sendingProgress(new Date(now.getTime() + 60_000)))[0]?.sentSince).toBe(0);
      });
    });

    describe('claims and the fleet rate', () => {
      it('gives each pending row to one claimer until its claim expires or is given back', async () => {
        const readers = Array.from({ length: 10 }, (_, i) => ({ email: `r${i}@example.org`, name: null, status: 'active' as const }));
        await store.upsertSubscribers(readers, now);
        await store.createDigest(await digest(['one']));
        const a = await store.claimDeliveries('a', 4, 1000, now);
        const b = await store.claimDeliveries('b', 4, 1000, now);
        expect(a.map((r) => r.email)).toEqual(['r0@example.org', 'r1@example.org', 'r2@example.org', 'r3@example.org']);
        expect(b.map((r) => r.email)).toEqual(['r4@example.org', 'r5@example.org', 'r6@example.org', 'r7@example.org']);
        expect(a[0]).toMatchObject({ digestNumber: 1, subscriberStatus: 'active', attempts: 0, sections: [] });
        // A claimed row names its reader as pendingDeliveries does: by public id, for the tokens and the Message-ID.
        expect(a[0]?.publicId).toBe((await store.findSubscriber('r0@example.org'))?.publicId);
        expect(a[0]?.publicId).toMatch(/^[0-9a-f]{32}$/);
        await store.recordDeliveries([{ digestNumber: 1, subscriberId: a[0]!.subscriberId, result: 'sent', detail: null, at: now }]);
        // a renews; b's claims expire; a gives its claims back.
        const later = new Date(now.getTime() + 800);
        expect(await store.renewClaims('a', 1000, later)).toBe(3);
        // What is left for a later send: b's live claims are b's to finish.
        expect(await store.countUnclaimed('a', later)).toBe(3 + 2);
        const afterExpiry = new Date(now.getTime() + 1500);
        const c = await store.claimDeliveries('c', 10, 1000, afterExpiry);
        expect(c.map((r) => r.email)).toEqual(['r4@example.org', 'r5@example.org', 'r6@example.org', 'r7@example.org', 'r8@example.org', 'r9@example.org']);
        await store.releaseClaims('a');
        expect((await store.claimDeliveries('d', 10, 1000, afterExpiry)).map((r) => r.email)).toEqual([
          'r1@example.org',
          'r2@example.org',
          'r3@example.org',
        ]);
        expect(await store.claimDeliveries('e', 10, 1000, afterExpiry)).toEqual([]);
      });

      it('claims only the edition readers’ pending rows: a reader whose sections had nothing new is skipped, not claimed', async () => {
        await store.upsertSubscriber({ email: 'world@example.org', name: null, status: 'active', sections: ['world'] }, now);
        await store.upsertSubscriber({ email: 'local@example.org', name: null, status: 'active', sections: ['local'] }, now);
        await store.upsertSubscriber({ email: 'weekly@example.org', name: null, status: 'active', editions: ['weekly'] }, now);
        const input = await digest(['w']);
        await store.createDigest({ ...input, blocks: [{ slug: 'w', section: 'world', subject: 'w', title: 'w', summary: '' }] });
        const claimed = await store.claimDeliveries('a', 10, 1000, now);
        expect(claimed.map((r) => [r.email, r.sections])).toEqual([['world@example.org', ['world']]]);
        expect(await store.deliveryCounts(input.number)).toMatchObject({ pending: 1, skipped: 1 });
      });

      it('never gives one row to two claimers claiming at once', async () => {
        const readers = Array.from({ length: 300 }, (_, i) => ({ email: `r${i}@example.org`, name: null, status: 'active' as const }));
        await store.upsertSubscribers(readers, now);
        await store.createDigest(await digest(['one']));
        const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => store.claimDeliveries(`h${i}`, 60, 60_000, now)));
        const ids = claims.flat().map((r) => r.subscriberId);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids).toHaveLength(300);
      });

      it('hands out the slots of a rate one after another, from now when it was idle', async () => {
        expect(await store.reserveRateSlot('newsletter', 10, now)).toBe(now.getTime());
        expect(await store.reserveRateSlot('newsletter', 10, now)).toBe(now.getTime() + 10);
        expect(await store.reserveRateSlot('newsletter', 10, now)).toBe(now.getTime() + 20);
        const idle = new Date(now.getTime() + 5000);
        expect(await store.reserveRateSlot('newsletter', 10, idle)).toBe(idle.getTime());
        expect(await store.reserveRateSlot('other', 10, now)).toBe(now.getTime());
      });
    });

    describe('leases, state and secret', () => {
      it('gives a lease to one holder until it expires, then to another', async () => {
        const at = (ms: number): Date => new Date(now.getTime() + ms);
        expect(await store.acquireLease('send', 'a', 1000, now)).toBe(true);
        expect(await store.acquireLease('send', 'b', 1000, now)).toBe(false);
        expect(await store.acquireLease('send', 'a', 1000, at(500))).toBe(true);
        expect(await store.acquireLease('send', 'b', 1000, at(1200))).toBe(false);
        expect(await store.acquireLease('send', 'b', 1000, at(1600))).toBe(true);
        await store.releaseLease('send', 'a');
        expect(await store.acquireLease('send', 'a', 1000, at(1700))).toBe(false);
        await store.releaseLease('send', 'b');
        expect(await store.acquireLease('send', 'a', 1000, at(1700))).toBe(true);
      });

      it('shows who holds a lease and moves it only from the holder named', async () => {
        expect(await store.getLease('run')).toBeNull();
        await store.acquireLease('run', 'host:1:a', 1000, now);
        expect(await store.getLease('run')).toEqual({ holder: 'host:1:a', expiresAt: now.getTime() + 1000 });
        expect(await store.takeOverLease('run', 'host:2:b', 'host:3:c', 1000, now)).toBe(false);
        expect(await store.takeOverLease('run', 'host:1:a', 'host:3:c', 5000, now)).toBe(true);
        expect(await store.getLease('run')).toEqual({ holder: 'host:3:c', expiresAt: now.getTime() + 5000 });
      });

      it('keeps the generated secret and state across reopening', async () => {
        const secret = await store.getOrCreateSecret(() => 'first');
        expect(await store.getOrCreateSecret(() => 'second')).toBe(secret);
        await store.setState('lastSlot', '2026-11-20T07:00:00Z');
        await store.close();
        store = await fixture.open();
        expect(await store.getOrCreateSecret(() => 'third')).toBe('first');
        expect(await store.getState('lastSlot')).toBe('2026-11-20T07:00:00Z');
        expect(await store.getState('other')).toBeNull();
      });
    });
  });
}
