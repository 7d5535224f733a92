// Real mail over SMTP into the listener: reports shaped as Postfix, Exim, Gmail, Microsoft 365 and Yahoo send them,
// a complaint, a mailto unsubscribe, an out-of-office reply, and what it must refuse or ignore.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReturnEvent } from '../../src/inbound/events.js';
import { maxInboundBytes, startInboundListener, type RunningInbound } from '../../src/inbound/listener.js';
import { bounceAddress, confirmationBounceAddress, unsubscribeAddress } from '../../src/inbound/verp.js';
import { createLogger } from '../../src/log.js';
import { inboundFixture, type FixtureName } from './fixtures.js';
import { deliver, SmtpClient } from './smtp-client.js';

const secret = 'inbound-secret';
const returnPath = 'bounces@mail.example.org';
const reader = 'ann@example.net';
const events: ReturnEvent[] = [];
const logLines: Record<string, unknown>[] = [];
let listener: RunningInbound;

const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

function fixture(name: FixtureName, subscriberId = 7, digestNumber = 3): { text: string; verp: string; unsubscribe: string } {
  const verp = bounceAddress(returnPath, secret, digestNumber, subscriberId);
  const unsubscribe = unsubscribeAddress(returnPath, secret, subscriberId);
  return { text: inboundFixture(name, { verp, unsubscribe, reader, domain: 'mail.example.org' }), verp, unsubscribe };
}

beforeAll(async () => {
  listener = await startInboundListener({
    returnPath,
    secret,
    logger: createLogger(logStream),
    port: 0,
    hostname: '127.0.0.1',
    maxConnections: 20,
    clock: () => new Date('2026-11-30T08:00:00Z'),
    record: async (event) => {
      events.push(event);
      return 'recorded';
    },
  });
});

afterAll(async () => {
  await listener.close();
});

async function taken(name: FixtureName, subscriberId = 7): Promise<ReturnEvent | undefined> {
  const before = events.length;
  const { text, verp } = fixture(name, subscriberId);
  const reply = await deliver(listener.port, verp, text);
  expect(reply.code).toBe(250);
  return events.length > before ? events.at(-1) : undefined;
}

describe('the inbound listener', () => {
  it.each([
    ['postfix-bounce', /^550 5\.1\.1 <ann@example\.net>: Recipient address rejected/],
    ['exim-bounce', /^5\.0\.0 550 No such user here$/],
    ['gmail-bounce', /^550-5\.1\.1 The email account/],
    ['microsoft365-bounce', /^550 5\.1\.10 RESOLVER\.ADR\.RecipientNotFound/],
    ['yahoo-bounce', /^5\.0\.0 554: delivery error/],
  ] as const)('takes a %s bounce at the VERP address as a bounce of that reader and digest', async (name, detail) => {
    const event = await taken(name, 7);
    expect(event).toMatchObject({ kind: 'bounced', source: 'inbound', reader: { subscriberId: 7 }, digestNumber: 3 });
    expect(event?.detail).toMatch(detail);
  });

  it("takes a bounce of a confirmation mail at its own address as the reader's bounce, about no digest", async () => {
    const address = confirmationBounceAddress(returnPath, secret, 9);
    const text = inboundFixture('postfix-bounce', { verp: address, unsubscribe: unsubscribeAddress(returnPath, secret, 9), reader, domain: 'mail.example.org' });
    const before = events.length;
    expect((await deliver(listener.port, address, text)).code).toBe(250);
    expect(events.slice(before)).toEqual([expect.objectContaining({ kind: 'bounced', source: 'confirmation', reader: { subscriberId: 9 }, digestNumber: null })]);
  });

  it('takes a delay warning as a soft bounce, keyed by digest', async () => {
    expect(await taken('postfix-delay', 8)).toMatchObject({ kind: 'soft_bounce', reader: { subscriberId: 8 }, dedupeKey: 'soft_bounce:subscriber-8:digest-3' });
  });

  it('takes an ARF report sent to the feedback-loop address as a complaint, naming the reader from the quoted original', async () => {
    const { text } = fixture('arf-complaint', 9);
    expect((await deliver(listener.port, 'fbl@mail.example.org', text)).code).toBe(250);
    expect(events.at(-1)).toMatchObject({ kind: 'complaint', reader: { subscriberId: 9 }, digestNumber: 3, detail: 'feedback-type abuse' });
  });

  it('takes an opt-out feedback report as the reader\'s unsubscribe, not as a complaint', async () => {
    for (const type of ['opt-out', 'Opt-Out-List']) {
      const { text } = fixture('arf-complaint', 12);
      expect((await deliver(listener.port, 'fbl@mail.example.org', text.replace('Feedback-Type: abuse', `Feedback-Type: ${type}`))).code).toBe(250);
      expect(events.at(-1)).toMatchObject({ kind: 'unsubscribed', source: 'inbound', reader: { subscriberId: 12 }, detail: `feedback-type ${type.toLowerCase()}` });
    }
  });

  it('takes a mail to the mailto unsubscribe address as an unsubscribe', async () => {
    const { text, unsubscribe } = fixture('mailto-unsubscribe', 10);
    expect((await deliver(listener.port, unsubscribe, text, reader)).code).toBe(250);
    expect(events.at(-1)).toMatchObject({ kind: 'unsubscribed', source: 'mailto', reader: { subscriberId: 10 }, digestNumber: null });
  });

  it('takes no bounce that names its reader only by the mailto unsubscribe address, which every forwarded digest shows, and only an unsubscribe from such a complaint', async () => {
    const before = events.length;
    const bounce = fixture('postfix-bounce', 11);
    expect((await deliver(listener.port, bounce.unsubscribe, bounce.text.replaceAll(bounce.verp, bounce.unsubscribe))).code).toBe(250);
    expect(events.length).toBe(before);
    const ignored = logLines.filter((l) => l.outcome === 'ignored').map((l) => l.reason);
    expect(ignored).toContain('a bounce that names its reader only by a mailto unsubscribe address, which may only unsubscribe');
    // A complaint whose quote keeps only the List-Unsubscribe (Microsoft's JMRP may drop the Return-Path) does what
    // that address may: it unsubscribes the reader, and is no complaint.
    const complaint = fixture('arf-complaint', 11);
    expect((await deliver(listener.port, 'fbl@mail.example.org', complaint.text.replaceAll(complaint.verp, complaint.unsubscribe))).code).toBe(250);
    expect(events.slice(before)).toEqual([
      expect.objectContaining({ kind: 'unsubscribed', reader: { subscriberId: 11 }, digestNumber: null, detail: 'complaint (feedback-type abuse) that names its reader only by the mailto unsubscribe address' }),
    ]);
  });

  it('acts on the reader its recipient names: a report to one reader\'s address that quotes another\'s VERP changes nothing for the one quoted', async () => {
    const before = events.length;
    const complaint = fixture('arf-complaint', 13);
    const unsubscribe = fixture('mailto-unsubscribe', 14).unsubscribe;
    expect((await deliver(listener.port, unsubscribe, complaint.text.replace('Feedback-Type: abuse', 'Feedback-Type: opt-out'))).code).toBe(250);
    const bounce = fixture('postfix-bounce', 15);
    expect((await deliver(listener.port, fixture('mailto-unsubscribe', 16).unsubscribe, bounce.text)).code).toBe(250);
    expect((await deliver(listener.port, fixture('postfix-bounce', 17).verp, bounce.text)).code).toBe(250);
    expect(events.slice(before)).toEqual([
      expect.objectContaining({ kind: 'unsubscribed', reader: { subscriberId: 14 }, detail: 'feedback-type opt-out' }),
      expect.objectContaining({ kind: 'bounced', reader: { subscriberId: 17 } }),
    ]);
  });

  it('ignores an out-of-office reply, a forged token and a message that is not a report, with a log line each', async () => {
    const before = events.length;
    expect(await taken('out-of-office')).toBeUndefined();
    const forged = fixture('postfix-bounce').text.replaceAll(/bounces\+3-7-[0-9a-f]+/g, `bounces+3-7-${'0'.repeat(32)}`);
    expect((await deliver(listener.port, `bounces+3-7-${'0'.repeat(32)}@mail.example.org`, forged)).code).toBe(250);
    expect(await taken('not-a-report')).toBeUndefined();
    expect(events.length).toBe(before);
    const ignored = logLines.filter((l) => l.outcome === 'ignored').map((l) => l.reason);
    expect(ignored).toEqual(expect.arrayContaining(['auto-reply (RFC 3834)', 'no valid Gazette token in the recipient or the quoted original', 'not a delivery report, complaint or unsubscribe']));
  });

  it('takes mail for a return path at an internationalised domain, which the sender names in punycode and the server reads in Unicode', async () => {
    const idnReturnPath = 'bounces@xn--80a1acny.xn--e1afmkfd.xn--p1ai';
    const taken: ReturnEvent[] = [];
    const idn = await startInboundListener({ returnPath: idnReturnPath, secret, logger: createLogger(logStream), port: 0, hostname: '127.0.0.1', record: async (event) => (taken.push(event), 'recorded') });
    try {
      const verp = bounceAddress(idnReturnPath, secret, 3, 14);
      expect(verp).toMatch(/@xn--80a1acny\.xn--e1afmkfd\.xn--p1ai$/);
      const text = inboundFixture('postfix-bounce', { verp, unsubscribe: unsubscribeAddress(idnReturnPath, secret, 14), reader, domain: 'xn--80a1acny.xn--e1afmkfd.xn--p1ai' });
      expect((await deliver(idn.port, verp, text)).code).toBe(250);
      expect((await deliver(idn.port, verp.replace(/@.*$/, '@почта.пример.рф'), text)).code).toBe(250);
      expect(taken.map((event) => event.reader)).toEqual([{ subscriberId: 14 }, { subscriberId: 14 }]);
      expect((await deliver(idn.port, 'bounces+3-x@mail.example.org', text)).code).toBe(550);
    } finally {
      await idn.close();
    }
  });

  it('refuses a recipient at another domain with 550: it is never a relay', async () => {
    const reply = await deliver(listener.port, 'someone@example.com', fixture('postfix-bounce').text);
    expect(reply.code).toBe(550);
    expect(reply.text).toMatch(/relay access denied/);
    const mixed = await deliver(listener.port, [fixture('postfix-bounce').verp, 'victim@example.com'], 'x');
    expect(mixed.code).toBe(550);
  });

  it('refuses a message over 1 MB with 552 and records nothing', async () => {
    const before = events.length;
    const { text, verp } = fixture('postfix-bounce');
    const big = `${text}\r\n${'x'.repeat(76)}\r\n`.repeat(1) + `${'y'.repeat(998)}\r\n`.repeat(Math.ceil(maxInboundBytes / 1000) + 10);
    const reply = await deliver(listener.port, verp, big);
    expect(reply.code).toBe(552);
    expect(events.length).toBe(before);
  });

  it('takes truncated MIME without falling over', async () => {
    const { text, verp } = fixture('gmail-bounce', 11);
    const reply = await deliver(listener.port, verp, text.slice(0, text.indexOf('Status: 5.1.1') + 8));
    expect(reply.code).toBe(250);
    expect(events.at(-1)).toMatchObject({ kind: 'bounced', reader: { subscriberId: 11 } });
  });

  it('stays up through garbage and a burst of 200 connections, serving at most its limit at once', async () => {
    const { client } = await SmtpClient.open(listener.port);
    for (const line of ['\u0000\u00ff garbage', 'MAIL FROM:<<<>>>', 'RCPT TO:<nobody>', 'DATA', 'X'.repeat(5000)]) await client.command(line);
    client.socket.destroy();

    const burst = await Promise.all(Array.from({ length: 200 }, () => SmtpClient.open(listener.port)));
    const greetings = burst.map((b) => b.greeting.code);
    expect(greetings.filter((c) => c === 220).length).toBeLessThanOrEqual(20);
    expect(greetings.filter((c) => c === 421).length).toBeGreaterThanOrEqual(180);
    for (const { client: c } of burst) c.socket.destroy();
    await Promise.all(burst.map(({ client: c }) => c.closed));

    // The server notices the closed sockets on its own time: new connections are refused until it has.
    const { text, verp } = fixture('postfix-bounce', 12);
    let reply = await deliver(listener.port, verp, text);
    while (reply.code === 0 || reply.code === 421) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      reply = await deliver(listener.port, verp, text);
    }
    expect(reply.code).toBe(250);
    expect(events.at(-1)).toMatchObject({ kind: 'bounced', reader: { subscriberId: 12 } });
  });

  it('serves a few connections per address, so one client cannot take every slot, and none of them for ever', async () => {
    const limited = await startInboundListener({ returnPath, secret, logger: createLogger(logStream), port: 0, hostname: '127.0.0.1', maxPerAddress: 2, maxSessionMs: 600, record: async () => 'recorded' });
    try {
      const first = await Promise.all([SmtpClient.open(limited.port), SmtpClient.open(limited.port)]);
      expect(first.map(({ greeting }) => greeting.code)).toEqual([220, 220]);
      const third = await SmtpClient.open(limited.port);
      expect(third.greeting).toMatchObject({ code: 421, text: expect.stringContaining('too many connections from your address, at most 2 at once') });
      // Another address is served meanwhile.
      const other = await SmtpClient.open(limited.port, '127.0.0.2');
      expect(other.greeting.code).toBe(220);
      other.client.socket.destroy();
      // A client that keeps its connection busy with NOOP is closed once it has had it long enough.
      const busy = first[0]!.client;
      let noops = 0;
      while ((await busy.command('NOOP')).code === 250) {
        noops++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await busy.closed;
      expect(noops).toBeGreaterThan(5);
      // Its slot is free again.
      const again = await SmtpClient.open(limited.port);
      expect(again.greeting.code).toBe(220);
      for (const { client } of [...first, third, again]) client.socket.destroy();
    } finally {
      await limited.close();
    }
  });

  it('answers 451 when the event cannot be recorded, so the sender tries again later', async () => {
    const failing = await startInboundListener({
      returnPath,
      secret,
      logger: createLogger(logStream),
      port: 0,
      hostname: '127.0.0.1',
      record: () => Promise.reject(new Error('database is locked')),
    });
    try {
      const { text, verp } = fixture('postfix-bounce', 13);
      const reply = await deliver(failing.port, verp, text);
      expect(reply.code).toBe(451);
      expect(logLines.at(-1)).toMatchObject({ msg: 'inbound message not recorded: the sender will retry' });
    } finally {
      await failing.close();
    }
  });
});

