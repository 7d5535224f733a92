// The send loop against a real SMTP server with faults injected: temporary and permanent failures, cut
// connections, readers who leave, a stop signal. Nothing is lost, nothing good is sent twice.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTransport } from '../../src/delivery/index.js';
import { sendPending, type SendPendingOptions } from '../../src/delivery/send.js';
import type { Transport } from '../../src/delivery/transport.js';
import { DeliveryError } from '../../src/errors.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { addReaders, deliveryConfig, now, storeDigest } from './fixtures.js';
import { startSink, type Faults, type Sink } from './smtp-sink.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';

const config = deliveryConfig();
let dir: string;
let database: TestDatabase;
let store: Store;
let sink: Sink | null;
let transports: Transport[];

const fast: Omit<SendPendingOptions, 'settings'> = { secret: 'test-secret', backoff: { baseMs: 2, maxMs: 20 } };
const settings = { maxConnections: 4, ratePerSecond: 0, maxAttempts: 4 };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-send-'));
  database = await createTestDatabase(dir);
  store = await openStore({ dbPath: database.db });
  sink = null;
  transports = [];
});
afterEach(async () => {
  for (const t of transports) await t.close();
  await store.close();
  await sink?.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function smtp(faults: Faults = {}): Promise<{ sink: Sink; transport: Transport }> {
  sink = await startSink(faults);
  const transport = createTransport({ smtpUrl: sink.url, outboxDir: '', dkim: null }, settings);
  transports.push(transport);
  return { sink, transport };
}

function send(transport: Transport, options: Partial<SendPendingOptions> = {}) {
  return sendPending(store, transport, config, { ...fast, settings, ...options });
}

describe('sendPending', () => {
  it('delivers every good address once, bounces 550s, and a second run sends nothing', async () => {
    await addReaders(store, 120, 'example.net');
    await addReaders(store, 30, 'greylist.example', 200);
    await addReaders(store, 10, 'gone.example', 300);
    await storeDigest(store);
    const { sink, transport } = await smtp({
      rcpt: (address, attempt) => {
        if (address.endsWith('@gone.example')) return { code: 550, message: '5.1.1 no such user' };
        if (address.endsWith('@greylist.example') && attempt <= 2) return { code: 451, message: '4.7.1 greylisted, try later' };
        return null;
      },
      // Every seventh good address loses its connection in the middle of the message, once.
      cutData: (address, attempt) => address.endsWith('@example.net') && Number(/\d+/.exec(address)?.[0]) % 7 === 0 && attempt === 1,
    });

    const first = await send(transport);
    expect(first).toMatchObject({ sent: 150, bounced: 10, failed: 0, skipped: 0, pending: 0, interrupted: false });
    expect(first.deferred).toBe(30 * 2 + 18);

    const counts = sink.countByAddress();
    for (let i = 0; i < 120; i++) expect(counts.get(`r${i}@example.net`), `r${i}`).toBe(1);
    for (let i = 200; i < 230; i++) expect(counts.get(`r${i}@greylist.example`), `r${i}`).toBe(1);
    for (let i = 300; i < 310; i++) {
      expect(counts.has(`r${i}@gone.example`)).toBe(false);
      expect((await store.findSubscriber(`r${i}@gone.example`))?.status).toBe('bounced');
    }
    expect(new Set(sink.received.map((m) => m.messageId)).size).toBe(150);
    expect(await store.deliveryCounts()).toEqual({ pending: 0, sent: 150, bounced: 10, failed: 0, skipped: 0 });

    const second = await send(transport);
    expect(second).toMatchObject({ sent: 0, bounced: 0, pending: 0 });
    expect(sink.received).toHaveLength(150);
  });

  it('skips a reader who left after the digest was made', async () => {
    await addReaders(store, 5);
    await storeDigest(store);
    const leaver = await store.findSubscriber('r2@example.net');
    await store.setSubscriberStatus(leaver?.id ?? 0, 'unsubscribed', now);
    const { sink, transport } = await smtp();
    expect(await send(transport)).toMatchObject({ sent: 4, skipped: 1, pending: 0 });
    expect(sink.countByAddress().has('r2@example.net')).toBe(false);
  });

  it('leaves rows that keep failing temporarily pending, and a later run delivers them', async () => {
    await addReaders(store, 6);
    await storeDigest(store);
    let refusing = true;
    const { sink, transport } = await smtp({
      rcpt: (address) => (refusing && address === 'r4@example.net' ? { code: 452, message: '4.2.2 mailbox full' } : null),
    });
    const first = await send(transport, { settings: { ...settings, maxAttempts: 3 } });
    expect(first).toMatchObject({ sent: 5, pending: 1, deferred: 3 });
    refusing = false;
    expect(await send(transport)).toMatchObject({ sent: 1, pending: 0 });
    expect(sink.countByAddress().get('r4@example.net')).toBe(1);
    expect(sink.received).toHaveLength(6);
  });

  it('slows the whole run down when the server answers 421', async () => {
    await addReaders(store, 20);
    await storeDigest(store);
    const { sink, transport } = await smtp({
      rcpt: (address, attempt) => (address === 'r3@example.net' && attempt === 1 ? { code: 421, message: '4.7.0 too fast, slow down' } : null),
    });
    const summary = await send(transport, { settings: { ...settings, ratePerSecond: 400 } });
    expect(summary).toMatchObject({ sent: 20, pending: 0, slowedTo: 200 });
    expect(sink.received).toHaveLength(20);
  });

  it('meets a relay that ends each session after 7 messages with no deferral and no slowdown', async () => {
    await addReaders(store, 60);
    await storeDigest(store);
    const { sink, transport } = await smtp({ messagesPerSession: 7 });
    const summary = await send(transport);
    expect(summary).toMatchObject({ sent: 60, pending: 0, deferred: 0, slowedTo: null, lastFailure: null });
    expect([...sink.countByAddress().values()]).toEqual(Array.from({ length: 60 }, () => 1));
  });

  it('stops taking rows on a signal, records what was in flight, and the next run sends only the rest', async () => {
    await addReaders(store, 200);
    await storeDigest(store);
    const { sink, transport } = await smtp();
    const stop = new AbortController();
    sink.events.on('received', () => {
      if (sink.received.length === 40) stop.abort();
    });
    const first = await send(transport, { signal: stop.signal });
    expect(first.interrupted).toBe(true);
    expect(first.sent).toBe(sink.received.length);
    expect(first.pending).toBe(200 - first.sent);
    expect(first.pending).toBeGreaterThan(0);
    const second = await send(transport);
    expect(second).toMatchObject({ sent: 200 - first.sent, pending: 0, interrupted: false });
    expect([...sink.countByAddress().values()].every((n) => n === 1)).toBe(true);
    expect(sink.countByAddress().size).toBe(200);
  });

  it('fails the run, keeping every row pending, when the server refuses the sender', async () => {
    await addReaders(store, 10);
    await storeDigest(store);
    const { transport } = await smtp({ mail: () => ({ code: 553, message: '5.7.1 sender not allowed' }) });
    await expect(send(transport)).rejects.toBeInstanceOf(DeliveryError);
    expect(await store.deliveryCounts()).toMatchObject({ pending: 10, sent: 0, bounced: 0 });
    expect((await store.countSubscribers()).active).toBe(10);
  });

  it('stops early, keeping every row pending, when the server cannot be reached at all', async () => {
    await addReaders(store, 300);
    await storeDigest(store);
    const { sink: down, transport } = await smtp();
    await down.close();
    sink = null;
    const summary = await send(transport);
    expect(summary.stoppedEarly).toMatch(/temporary failures in a row/);
    expect(summary).toMatchObject({ sent: 0, bounced: 0, pending: 300 });
    expect((await store.countSubscribers()).active).toBe(300);
  });

  it('bounces nobody when the server refuses every recipient (relay denied), and stops the run', async () => {
    await addReaders(store, 40);
    await storeDigest(store);
    const { sink, transport } = await smtp({ rcpt: () => ({ code: 550, message: 'relaying denied' }) });
    await expect(send(transport)).rejects.toThrow(/refused 25 recipients in a row/);
    expect(await store.countSubscribers()).toMatchObject({ active: 40, bounced: 0 });
    expect(await store.deliveryCounts()).toMatchObject({ pending: 40, bounced: 0 });
    expect(sink.received).toHaveLength(0);
  });

  it.each([
    ['a sending quota at RCPT', { rcpt: (address: string) => (Number(/\d+/.exec(address)?.[0]) >= 20 ? { code: 550, message: '5.4.5 Daily user sending quota exceeded.' } : null) }],
    ['a policy refusal (DMARC) at RCPT', { rcpt: (address: string) => (Number(/\d+/.exec(address)?.[0]) >= 20 ? { code: 550, message: '5.7.26 Unauthenticated email is not accepted' } : null) }],
  ])('bounces nobody for %s: the rows stay pending for a later send', async (_, faults) => {
    await addReaders(store, 30);
    await storeDigest(store);
    const { sink, transport } = await smtp(faults);
    const summary = await send(transport);
    expect(summary).toMatchObject({ sent: 20, bounced: 0 });
    expect(summary.pending + summary.failed).toBe(10);
    expect(await store.countSubscribers()).toMatchObject({ active: 30, bounced: 0 });
    expect(sink.received).toHaveLength(20);
  });

  it('judges a refusal by its status and words: 5.4.1 "recipient address rejected" bounces, 5.1.8 (our sender) does not', async () => {
    await addReaders(store, 4);
    await storeDigest(store);
    const { transport } = await smtp({
      rcpt: (address) =>
        address.startsWith('r1@')
          ? { code: 550, message: '5.4.1 Recipient address rejected: Access denied. AS(201806281)' }
          : address.startsWith('r2@')
            ? { code: 553, message: '5.1.8 Sender address domain does not resolve' }
            : address.startsWith('r3@')
              ? { code: 554, message: '5.0.0 This user does not have a yahoo.com account' }
              : null,
    });
    const summary = await send(transport);
    expect(summary).toMatchObject({ sent: 1, bounced: 2 });
    expect((await store.findSubscriber('r2@example.net'))?.status).toBe('active');
    expect((await store.findSubscriber('r1@example.net'))?.status).toBe('bounced');
    expect((await store.findSubscriber('r3@example.net'))?.status).toBe('bounced');
  });

  it('bounces a reader whose address the server names as bad (5.1.1), or refuses at RCPT with 550 and no status', async () => {
    await addReaders(store, 6);
    await storeDigest(store);
    const { transport } = await smtp({
      rcpt: (address) => (address.startsWith('r1@') ? { code: 550, message: '5.1.1 User unknown' } : address.startsWith('r2@') ? { code: 550, message: 'No such user here' } : null),
    });
    expect(await send(transport)).toMatchObject({ sent: 4, bounced: 2 });
    expect(await store.countSubscribers()).toMatchObject({ active: 4, bounced: 2 });
  });

  it('bounces nobody on a list too small to reach the streak limit when the server accepts nothing', async () => {
    await addReaders(store, 3);
    await storeDigest(store);
    const { sink, transport } = await smtp({ rcpt: () => ({ code: 550, message: '5.7.1 relaying denied' }) });
    expect(await send(transport)).toMatchObject({ sent: 0, bounced: 0, pending: 3 });
    expect(await store.countSubscribers()).toMatchObject({ active: 3, bounced: 0 });
    expect(sink.received).toHaveLength(0);
  });

  it('writes one .eml per reader to the outbox, and a second run writes nothing', async () => {
    await addReaders(store, 25);
    await storeDigest(store);
    const outboxDir = join(dir, 'outbox');
    const transport = createTransport({ smtpUrl: null, outboxDir, dkim: null });
    expect(await send(transport)).toMatchObject({ sent: 25, pending: 0 });
    expect(await readdir(outboxDir)).toHaveLength(25);
    expect(await send(transport)).toMatchObject({ sent: 0 });
  });

  it('hands no row to the transport once stopped, though it had taken it (a lapsed claim: the row is another sender\'s by now)', async () => {
    await addReaders(store, 8);
    await storeDigest(store);
    const outboxDir = join(dir, 'outbox');
    const outbox = createTransport({ smtpUrl: null, outboxDir, dkim: null });
    const stop = new AbortController();
    let handed = 0;
    // The stop comes as the first message is handed over, while the other connections' rows wait their turn.
    const transport: Transport = { ...outbox, send: (message) => (handed++ === 0 && stop.abort(), outbox.send(message)) };
    const summary = await send(transport, { signal: stop.signal });
    expect(handed).toBe(1);
    expect(summary).toMatchObject({ sent: 1, pending: 7, interrupted: true });
  });

  it('reports progress up to every row', async () => {
    await addReaders(store, 30);
    await storeDigest(store);
    const { transport } = await smtp();
    const seen: number[] = [];
    await send(transport, { onProgress: (p) => seen.push(p.done) });
    expect(seen.at(-1)).toBe(30);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
  });
});
