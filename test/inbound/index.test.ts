// The return path as the commands start it, over a real store: a mail to one edition's mailto unsubscribe leaves that
// edition only, as its one-click link does, and the newsletter only when it was the reader's last edition.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReturnPath, type RunningInbound } from '../../src/inbound/index.js';
import { unsubscribeAddress } from '../../src/inbound/verp.js';
import { createLogger } from '../../src/log.js';
import { openStore, type Store, type Subscriber } from '../../src/store/index.js';
import { addSubscriber } from '../../src/subscribers/manage.js';
import { validateEmail } from '../../src/subscribers/validate.js';
import { testConfig } from '../fixtures/digest/articles.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';
import { inboundFixture } from './fixtures.js';
import { deliver } from './smtp-client.js';

const secret = 'inbound-index-secret';
const returnPath = 'bounces@mail.example.org';
const config = testConfig({
  returnPath,
  editions: [
    { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *' },
    { id: 'weekly', name: 'Weekly', schedule: '0 7 * * 1' },
  ],
});
const now = new Date('2026-11-30T08:00:00Z');

let dir: string;
let database: TestDatabase;
let store: Store;
let inbound: RunningInbound;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-inbound-'));
  database = await createTestDatabase(dir);
  store = await openStore({ dbPath: database.db });
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const started = await startReturnPath({ store, config, secret, logger: createLogger(logStream), port: 0 });
  if (started === null) throw new Error('a site with a return path starts its listener');
  inbound = started;
});

afterAll(async () => {
  await inbound.close();
  await store.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

async function reader(email: string, editions: string[]): Promise<Subscriber> {
  const address = validateEmail(email);
  if (!address.ok) throw new Error(`${email} is valid`);
  return (await addSubscriber(store, address, null, now, { editions })).subscriber;
}

/** Mails an unsubscribe, as Gmail does, to the reader's mailto of `edition`'s mail (null: a site without editions). */
async function mailUnsubscribe(subscriber: Subscriber, edition: string | null, id: string): Promise<Subscriber | null> {
  const to = unsubscribeAddress(returnPath, secret, subscriber.id, edition);
  const text = inboundFixture('mailto-unsubscribe', { verp: '', unsubscribe: to, reader: subscriber.email, domain: 'mail.example.org' });
  expect((await deliver(inbound.port, to, text.replace('<CAunsub', `<${id}.CAunsub`), subscriber.email)).code).toBe(250);
  return store.getSubscriber(subscriber.id);
}

describe('the return path over a store', () => {
  it("leaves the edition whose mailto a reader mails and keeps the others, once however often it comes", async () => {
    const ann = await reader('ann@example.net', ['daily', 'weekly']);
    expect(await mailUnsubscribe(ann, 'weekly', 'ann-1')).toMatchObject({ status: 'active', editions: ['daily'] });
    expect(logLines.at(-1)).toMatchObject({ event: 'unsubscribed', edition: 'weekly', outcome: 'left edition weekly' });
    expect(await mailUnsubscribe(ann, 'weekly', 'ann-2')).toMatchObject({ status: 'active', editions: ['daily'] });
    expect(logLines.at(-1)).toMatchObject({ outcome: 'already left edition weekly' });
  });

  it("leaves the newsletter by the mailto of a reader's last edition, or by the newsletter's own", async () => {
    const bob = await reader('bob@example.net', ['weekly']);
    expect(await mailUnsubscribe(bob, 'weekly', 'bob-1')).toMatchObject({ status: 'unsubscribed' });
    const cy = await reader('cy@example.net', ['daily', 'weekly']);
    expect(await mailUnsubscribe(cy, null, 'cy-1')).toMatchObject({ status: 'unsubscribed' });
    // A reader who never chose gets the first edition: its mailto is their last one.
    const dee = await reader('dee@example.net', []);
    expect(await mailUnsubscribe(dee, 'daily', 'dee-1')).toMatchObject({ status: 'unsubscribed' });
  });

  it("reads the mailto of an edition site.json no longer has, which a digest was made for, as its link reads: the reader leaves", async () => {
    const eve = await reader('eve@example.net', ['daily', 'weekly']);
    const monthly = {
      number: await store.nextDigestNumber(),
      edition: 'monthly',
      issue: 1,
      defaultEdition: false,
      blocks: [],
      createdAt: now,
      subject: 'Monthly',
      html: '<p>x</p>',
      text: 'x',
      carried: [],
      passedOver: [],
    };
    await store.createDigest(monthly);
    expect(await mailUnsubscribe(eve, 'monthly', 'eve-1')).toMatchObject({ status: 'unsubscribed' });
    // An edition no digest was made for is no address of the site's: ignored, as a forged one.
    const fay = await reader('fay@example.net', ['daily']);
    expect(await mailUnsubscribe(fay, 'yearly', 'fay-1')).toMatchObject({ status: 'active' });
  });
});
