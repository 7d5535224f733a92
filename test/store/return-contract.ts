// The return path's part of the store contract (issue 11): recording bounces, complaints and unsubscribes from
// reports, and the stats read from the ledger and the journal. Run against each store by its own test file.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReturnEventInput, Store } from '../../src/store/types.js';
import type { StoreFixture } from './contract.js';

const day = 86_400_000;
const t0 = new Date('2026-11-02T07:00:00Z');
const at = (days: number): Date => new Date(t0.getTime() + days * day);

/** Declares the return-path contract suite for the store `name`. */
export function describeReturnPathContract(name: string, create: () => Promise<StoreFixture>): void {
  describe(`store contract, return path: ${name}`, () => {
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

    async function reader(email: string): Promise<number> {
      return (await store.upsertSubscriber({ email, name: null, status: 'active' }, t0)).subscriber.id;
    }
    const event = (subscriberId: number, kind: ReturnEventInput['kind'], key: string, when = at(1), digestNumber: number | null = 1): ReturnEventInput => ({
      kind,
      source: 'inbound',
      reader: { subscriberId },
      digestNumber,
      detail: `${kind} detail`,
      dedupeKey: key,
      at: when,
    });
    async function digest(createdAt: Date, slug: string): Promise<number> {
      const number = await store.nextDigestNumber();
      const edition = { edition: 'newsletter', issue: await store.nextIssueNumber('newsletter'), defaultEdition: true, blocks: [] };
      await store.createDigest({ number, ...edition, createdAt, subject: `Issue ${number}`, html: 'x', text: 'x', carried: [slug], passedOver: [] });
      return number;
    }

    it('bounces, unsubscribes on a complaint or a mailto, and journals each with its detail and key', async () => {
      const [a, b, c] = [await reader('a@example.org'), await reader('b@example.org'), await reader('c@example.org')];
      expect(await store.recordReturnEvent(event(a, 'bounced', 'k-a'))).toBe('bounced');
      expect(await store.recordReturnEvent(event(b, 'complaint', 'k-b'))).toBe('unsubscribed');
      expect(await store.recordReturnEvent({ ...event(c, 'unsubscribed', 'k-c', at(1), null), source: 'mailto' })).toBe('unsubscribed');
      expect((await store.getSubscriber(a))?.status).toBe('bounced');
      expect((await store.getSubscriber(b))?.status).toBe('unsubscribed');
      expect((await store.getSubscriber(c))?.status).toBe('unsubscribed');
      const [journal] = await store.subscriberEvents(a, 1);
      expect(journal).toMatchObject({ kind: 'bounced', source: 'inbound', digestNumber: 1, detail: 'bounced detail', dedupeKey: 'k-a' });
      expect((await store.leaveReasons([a, b, c])).get(b)).toMatchObject({ kind: 'complaint', source: 'inbound', detail: 'complaint detail' });
    });

    it('finds a webhook reader by address, any case, and says when nobody has it', async () => {
      const a = await reader('Ann@example.org');
      expect(await store.recordReturnEvent({ ...event(a, 'bounced', 'w-1'), reader: { email: 'ann@EXAMPLE.org' } })).toBe('bounced');
      expect(await store.recordReturnEvent({ ...event(a, 'bounced', 'w-2'), reader: { email: 'nobody@example.org' } })).toBe('unknown-reader');
      expect(await store.recordReturnEvent(event(999_999, 'bounced', 'w-3'))).toBe('unknown-reader');
    });

    it('never revives anybody and changes nothing for a reader who already left', async () => {
      const a = await reader('a@example.org');
      await store.setSubscriberStatus(a, 'unsubscribed', t0, { source: 'web' });
      const before = await store.subscriberEvents(a, 10);
      for (const kind of ['bounced', 'soft_bounce', 'complaint', 'unsubscribed'] as const) {
        expect(await store.recordReturnEvent(event(a, kind, `late-${kind}`))).toBe('already-left');
      }
      expect((await store.getSubscriber(a))?.status).toBe('unsubscribed');
      expect(await store.subscriberEvents(a, 10)).toEqual(before);
    });

    it('marks bounced a reader who had unsubscribed when the confirmation of their new request bounces: the address is bad', async () => {
      const a = await reader('gone@example.org');
      await store.setSubscriberStatus(a, 'unsubscribed', t0, { source: 'web' });
      expect(await store.recordReturnEvent({ ...event(a, 'bounced', 'confirm-a', at(1), null), source: 'confirmation' })).toBe('bounced');
      expect((await store.getSubscriber(a))?.status).toBe('bounced');
      expect((await store.subscriberEvents(a, 1))[0]).toMatchObject({ kind: 'bounced', source: 'confirmation' });
    });

    it('counts the same report once', async () => {
      const a = await reader('a@example.org');
      expect(await store.recordReturnEvent(event(a, 'soft_bounce', 'same'))).toBe('counted');
      expect(await store.recordReturnEvent(event(a, 'soft_bounce', 'same'))).toBe('duplicate');
      expect((await store.subscriberEvents(a, 10)).filter((e) => e.kind === 'soft_bounce')).toHaveLength(1);
    });

    it('bounces a reader at the third soft bounce within 30 days, not for three spread wider', async () => {
      const [a, b] = [await reader('a@example.org'), await reader('b@example.org')];
      expect(await store.recordReturnEvent(event(a, 'soft_bounce', 'a1', at(1), 1))).toBe('counted');
      expect(await store.recordReturnEvent(event(a, 'soft_bounce', 'a2', at(8), 2))).toBe('counted');
      expect(await store.recordReturnEvent(event(a, 'soft_bounce', 'a3', at(15), 3))).toBe('bounced');
      const [last] = await store.subscriberEvents(a, 1);
      expect(last).toMatchObject({ kind: 'bounced', digestNumber: 3, detail: '3 soft bounces within 30 days; the last: soft_bounce detail' });
      expect(await store.recordReturnEvent(event(b, 'soft_bounce', 'b1', at(1), 1))).toBe('counted');
      expect(await store.recordReturnEvent(event(b, 'soft_bounce', 'b2', at(20), 2))).toBe('counted');
      expect(await store.recordReturnEvent(event(b, 'soft_bounce', 'b3', at(40), 3))).toBe('counted');
      expect((await store.getSubscriber(b))?.status).toBe('active');
    });

    it('counts each digest: the ledger, reports naming it, and unsubscribes until the next digest', async () => {
      const ids = [];
      for (const name of ['a', 'b', 'c', 'd', 'e', 'f']) ids.push(await reader(`${name}@example.org`));
      const [a, b, c, d, e, f] = ids as [number, number, number, number, number, number];
      const one = await digest(at(0), 'one');
      await store.recordDeliveries([
        ...[a, b, c, d, e].map((id) => ({ digestNumber: one, subscriberId: id, result: 'sent' as const, detail: '250', at: at(0) })),
        { digestNumber: one, subscriberId: f, result: 'bounced', detail: '550 no such user', at: at(0) },
      ]);
      expect(await store.recordReturnEvent(event(a, 'bounced', 's-a', at(0.5), one))).toBe('bounced');
      expect(await store.recordReturnEvent(event(b, 'soft_bounce', 's-b', at(0.5), one))).toBe('counted');
      expect(await store.recordReturnEvent(event(c, 'complaint', 's-c', at(0.5), one))).toBe('unsubscribed');
      expect(await store.recordReturnEvent({ ...event(d, 'unsubscribed', 's-d', at(0.5), null), source: 'mailto' })).toBe('unsubscribed');
      // A confirmation mail's bounce is about no digest: the reader asked after digest one, and was never sent it.
      const asked = (await store.upsertSubscriber({ email: 'typo@example.orgg', name: null, status: 'pending' }, at(0.6))).subscriber.id;
      expect(await store.recordReturnEvent({ ...event(asked, 'bounced', 's-typo', at(0.6), null), source: 'confirmation' })).toBe('bounced');
      const two = await digest(at(7), 'two');
      await store.setSubscriberStatus(e, 'unsubscribed', at(8), { source: 'web' });
      // A leaver brought in by an import (another tool's unsubscribed and cleaned) left before Gazette: no digest's doing.
      for (const [name, status] of [['g', 'unsubscribed'], ['h', 'bounced']] as const) {
        const imported = (await store.upsertSubscribers([{ email: `${name}@example.org`, name: null, status: 'pending' }], at(9), { source: 'import' }))[0];
        expect(imported).toBe('added');
        const found = await store.findSubscriber(`${name}@example.org`);
        await store.setSubscriberStatus(found?.id ?? 0, status, at(9), { kind: status, source: 'import' });
      }
      const stats = await store.digestStats();
      expect(stats.map((s) => s.number)).toEqual([two, one]);
      expect(stats[1]).toEqual({
        number: one,
        createdAt: at(0),
        subject: 'Issue 1',
        recipients: 6,
        sent: 5,
        bouncedDuringSend: 1,
        bouncedAfter: 1,
        softBounces: 1,
        complaints: 1,
        unsubscribedSince: 1,
        failed: 0,
        pending: 0,
        skipped: 0,
      });
      expect(stats[0]).toMatchObject({ number: two, recipients: 2, pending: 2, unsubscribedSince: 1, bouncedAfter: 0, complaints: 0 });
      expect(await store.digestStats({ limit: 1 })).toHaveLength(1);
      expect((await store.digestStats({ before: two })).map((s) => s.number)).toEqual([one]);
      expect(await store.listTotals()).toEqual({
        subscribers: { pending: 0, active: 1, unsubscribed: 4, bounced: 4 },
        digests: 2,
        recipients: 8,
        sent: 5,
        bouncedDuringSend: 1,
        bouncedAfter: 1,
        softBounces: 1,
        complaints: 1,
        unsubscribed: 2,
        failed: 0,
        pending: 2,
      });
    });
  });
}
