// `gazette db migrate` and `gazette db copy` through main(): SQLite → PostgreSQL and back, refusing a target
// with data, and a copy interrupted midway completed by running it again.
import { link, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyDatabase } from '../../src/store/copy.js';
import type { Driver } from '../../src/store/driver.js';
import { describeDatabase, openDriver, openStore } from '../../src/store/index.js';
import { Lease, runLeaseName } from '../../src/store/lease.js';
import { migrations } from '../../src/store/migrations.js';
import type { Store } from '../../src/store/types.js';
import { run } from '../cli/run.js';
import { createPostgresDatabase, type TestDatabase } from './databases.js';

const now = new Date('2026-11-20T07:00:00Z');
let dir: string;
let postgres: TestDatabase;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-copy-'));
  postgres = await createPostgresDatabase();
});
afterEach(async () => {
  await postgres.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function withStore<T>(db: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dbPath: db });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** A store with something of everything: readers in every status with their history, a secret, schedule state, two digests and their ledger. */
async function populate(store: Store, readers = 1200): Promise<void> {
  await store.upsertSubscribers(
    Array.from({ length: readers }, (_, i) => ({ email: `r${i}@example.org`, name: i % 2 ? `Reader ${i}` : null, status: 'active' as const })),
    now,
  );
  await store.setSubscriberStatus(2, 'unsubscribed', now, { kind: 'complaint', source: 'ses', detail: 'abuse' });
  await store.upsertSubscriber({ email: 'waiting@example.org', name: null, status: 'pending' }, now, { source: 'web' });
  await store.upsertSubscriber({ email: 'local@example.org', name: null, status: 'active', sections: ['local'], editions: ['newsletter'] }, now);
  await store.requestSubscription({ email: 'asked@example.org', name: 'Asked', sections: ['world'] }, now, {
    source: 'web',
    detail: null,
    mail: { nonce: 'n1', mailbox: 'asked@example.org' },
  });
  await store.getOrCreateSecret(() => 'the-secret');
  await store.setState('schedule:newsletter', '{"nextSlot":"2026-11-21T07:00:00.000Z"}');
  const world = { slug: 'a', section: 'world', subject: 'A', title: 'A', summary: '' };
  await store.createDigest({
    ...{ number: 1, edition: 'newsletter', issue: 1, defaultEdition: true, blocks: [world] },
    ...{ createdAt: now, subject: 'One', html: '<p>1</p>', text: '1', carried: ['a', 'b'], passedOver: ['old'] },
  });
  const rows = await store.pendingDeliveries(3);
  await store.recordDeliveries([
    { digestNumber: 1, subscriberId: rows[0]!.subscriberId, result: 'sent', detail: '250 ok', at: now },
    { digestNumber: 1, subscriberId: rows[1]!.subscriberId, result: 'bounced', detail: '550 gone', at: now },
    { digestNumber: 1, subscriberId: rows[2]!.subscriberId, result: 'retry', detail: '451 later', at: now },
  ]);
  await store.createDigest({
    ...{ number: 2, edition: 'weekly', issue: 1, defaultEdition: false, blocks: [] },
    ...{ createdAt: now, subject: 'Two', html: '<p>2</p>', text: '2', carried: ['c'], passedOver: [] },
  });
}

/** Everything a store holds, read through the store contract. */
async function snapshot(store: Store): Promise<unknown> {
  const subscribers = [];
  for await (const s of store.listSubscribers()) subscribers.push({ ...s, events: await store.subscriberEvents(s.id, 100) });
  const digests = [];
  for (const d of await store.listDigests()) digests.push(await store.getDigest(d.number));
  return {
    subscribers,
    secret: await store.getOrCreateSecret(() => 'a new one'),
    state: await store.getState('schedule:newsletter'),
    digests,
    seen: [...(await store.seenSlugs('newsletter'))].sort(),
    seenWeekly: [...(await store.seenSlugs('weekly'))].sort(),
    confirm: await store.confirmState((await store.findSubscriber('asked@example.org'))?.id ?? 0, 'n1', new Date(0)),
    counts: await store.deliveryCounts(),
    pending: await store.pendingDeliveries(10_000),
  };
}

describe('gazette db copy', () => {
  it('copies everything from SQLite to PostgreSQL and back, checking the counts', async () => {
    const sqlite = join(dir, 'gazette.db');
    const original = await withStore(sqlite, async (store) => {
      await populate(store);
      return snapshot(store);
    });

    const there = await run(['db', 'copy', '--from', sqlite, '--to', postgres.db]);
    expect(there.code, there.stderr).toBe(0);
    expect(there.stdout).toContain('1,203 subscribers');
    expect(there.stdout).toContain('1,200 ledger rows');
    expect(there.stdout).not.toContain(new URL(postgres.db).password);
    expect(await withStore(postgres.db, snapshot)).toEqual(original);
    // New rows on the target get ids after the copied ones.
    const added = await withStore(postgres.db, (store) => store.upsertSubscriber({ email: 'new@example.org', name: null, status: 'active' }, now));
    expect(added.subscriber.id).toBe(1204);

    const back = join(dir, 'back', 'gazette.db');
    const result = await run(['db', 'copy', '--from', postgres.db, '--to', back]);
    expect(result.code, result.stderr).toBe(0);
    const returned = (await withStore(back, snapshot)) as { subscribers: unknown[] };
    expect(returned.subscribers).toHaveLength(1204);
    expect({ ...returned, subscribers: returned.subscribers.slice(0, 1203) }).toEqual(original);
  });

  it('refuses a target that holds data unless --force, and changes nothing in it', async () => {
    const sqlite = join(dir, 'gazette.db');
    await withStore(sqlite, (store) => populate(store, 10));
    await withStore(postgres.db, (store) => store.upsertSubscriber({ email: 'someone@example.org', name: null, status: 'active' }, now));

    const refused = await run(['db', 'copy', '--from', sqlite, '--to', postgres.db]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already holds data \(1 in subscribers.*pass --force/);
    expect(await withStore(postgres.db, (store) => store.countSubscribers())).toEqual({ pending: 0, active: 1, unsubscribed: 0, bounced: 0 });

    // Its one subscriber has id 1, as the source's first one, another reader: merging would replace them.
    const clash = await run(['db', 'copy', '--from', sqlite, '--to', postgres.db, '--force']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('the target holds 1 other reader under ids the source uses (id 1: someone@example.org there, r0@example.org here)');
    expect(await withStore(postgres.db, (store) => store.findSubscriber('someone@example.org'))).not.toBeNull();

    // The same reader under the same id merges: with --force, their row is brought up to the source's.
    const other = join(dir, 'other.db');
    await withStore(other, (store) => store.upsertSubscriber({ email: 'r0@example.org', name: null, status: 'pending' }, now));
    const forced = await run(['db', 'copy', '--from', sqlite, '--to', other, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    const counts = await withStore(sqlite, (store) => store.countSubscribers());
    expect(await withStore(other, (store) => store.countSubscribers())).toEqual(counts);
  });

  it('completes a copy interrupted midway when run again, without duplicates', async () => {
    const sqlite = join(dir, 'gazette.db');
    const original = await withStore(sqlite, async (store) => {
      await populate(store);
      return snapshot(store);
    });
    const source = await openDriver(sqlite);
    const target = await openDriver(postgres.db);
    // The target dies after three batches.
    let batches = 0;
    const failing: Driver = Object.assign(Object.create(target) as Driver, {
      transaction: <T>(fn: Parameters<Driver['transaction']>[0]): Promise<T> => {
        if (++batches > 3) return Promise.reject(new Error('connection lost'));
        return target.transaction(fn) as Promise<T>;
      },
    });
    await expect(copyDatabase(source, failing, { force: false, sourceName: describeDatabase(sqlite), targetName: describeDatabase(postgres.db) })).rejects.toThrow('connection lost');
    await source.close();
    await target.close();

    const again = await run(['db', 'copy', '--from', sqlite, '--to', postgres.db]);
    expect(again.code, again.stderr).toBe(0);
    expect(await withStore(postgres.db, snapshot)).toEqual(original);
    // Finished: the target now counts as holding data.
    expect((await run(['db', 'copy', '--from', sqlite, '--to', postgres.db])).code).toBe(2);
  });

  it('refuses to copy while a daemon, publish or send works on the source or the target, copying nothing', async () => {
    const sqlite = join(dir, 'gazette.db');
    await withStore(sqlite, populate);
    for (const busy of [sqlite, postgres.db]) {
      const lease = await withStore(busy, async (store) => {
        const held = new Lease(store, runLeaseName, 'sender.example.org:4242:abcd1234', { ttlMs: 60_000 });
        expect(await held.acquire()).toBe(true);
        return held;
      });
      const copy = await run(['db', 'copy', '--from', sqlite, '--to', postgres.db]);
      expect(copy.code).toBe(75);
      expect(copy.stderr).toContain(`${describeDatabase(busy)}: another Gazette process (a daemon, publish or send) is working on this database`);
      expect(copy.stderr).toContain('stop the daemon and every publish or send on it before copying');
      await withStore(busy, (store) => store.releaseLease(runLeaseName, lease.holder));
    }
    expect(await withStore(postgres.db, (store) => store.countSubscribers())).toMatchObject({ active: 0 });
  });

  it('refuses to copy from PostgreSQL while senders hold ledger rows by claims, and leaves no claim of its own', async () => {
    await withStore(postgres.db, populate);
    const pending = (await withStore(postgres.db, (store) => store.deliveryCounts())).pending;
    expect(pending).toBeGreaterThan(5);
    await withStore(postgres.db, (store) => store.claimDeliveries('fleet-sender', 5, 60_000, new Date()));
    const sqlite = join(dir, 'copy.db');
    const refused = await run(['db', 'copy', '--from', postgres.db, '--to', sqlite]);
    expect(refused.code).toBe(75);
    expect(refused.stderr).toContain(`${describeDatabase(postgres.db)}: senders are sending 5 of its ledger rows (gazette send, or a daemon helping); stop them before copying`);

    await withStore(postgres.db, (store) => store.releaseClaims('fleet-sender'));
    const copied = await run(['db', 'copy', '--from', postgres.db, '--to', sqlite, '--force']);
    expect(copied.code, copied.stderr).toBe(0);
    // Every pending row is free to claim again: the copy gave its claims back.
    expect(await withStore(postgres.db, (store) => store.claimDeliveries('next', pending + 1, 60_000, new Date()))).toHaveLength(pending);
  });

  it('refuses to copy a SQLite file onto itself, however it is spelled: a symbolic link, a hard link', async () => {
    const sqlite = join(dir, 'gazette.db');
    await withStore(sqlite, (store) => populate(store, 10));
    await symlink(sqlite, join(dir, 'soft.db'));
    await link(sqlite, join(dir, 'hard.db'));
    for (const to of [join(dir, 'soft.db'), join(dir, 'hard.db'), `${dir}/./gazette.db`]) {
      const result = await run(['db', 'copy', '--from', sqlite, '--to', to, '--force']);
      expect(result, to).toMatchObject({ code: 2, stderr: 'gazette: --from and --to name the same database — name another one to copy into\n' });
    }
  });

  it('says which file is missing rather than copy an empty database', async () => {
    const result = await run(['db', 'copy', '--from', join(dir, 'missing.db'), '--to', postgres.db]);
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('no such database file') });
  });
});

describe('gazette db migrate', () => {
  it('brings a new database to the newest schema, then finds it up to date', async () => {
    const first = await run(['db', 'migrate', '--db', postgres.db]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`from schema version 0 to ${migrations.length}`);
    expect(first.stdout).not.toContain(new URL(postgres.db).password);
    const again = await run(['db', 'migrate'], { GAZETTE_DB: join(dir, 'gazette.db') });
    expect(again.stdout).toContain(`from schema version 0 to ${migrations.length}`);
    expect((await run(['db', 'migrate'], { GAZETTE_DB: join(dir, 'gazette.db') })).stdout).toContain('is up to date');
  });

  it('documents both subcommands in --help', async () => {
    expect((await run(['db', '--help'])).stdout).toMatch(/migrate[\s\S]*copy/);
    expect((await run(['db', 'copy', '--help'])).stdout).toContain('--force');
  });
});
