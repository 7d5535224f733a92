// Consent that holds (SPEC "Consent"): nobody but the reader, by a confirmed new opt-in, changes a reader's
// choice; links scanners open change nothing; confirmation mail cannot be used to mail-bomb anyone.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { defaultSubscribeLimits } from '../../src/server/index.js';
import { migrate } from '../../src/store/migrations.js';
import { openSqliteDriver } from '../../src/store/sqlite.js';
import { run } from '../cli/run.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
let sink: Sink | undefined;
let dir: string | undefined;

afterEach(async () => {
  await h?.stop();
  await sink?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
  h = sink = dir = undefined;
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

const subscribe = (h: Harness, email: string, name = ''): Promise<Response> =>
  fetch(`${h.url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email, name }), redirect: 'manual' });

/** The /confirm link of a mail. */
function confirmLink(text: string | undefined): URL {
  const found = /https:\/\/news\.example\.org\/confirm\?token=[^\s<>()\]]+/.exec(text ?? '')?.[0];
  if (!found) throw new Error(`no confirm link in:\n${text}`);
  return new URL(found);
}

const at = (h: Harness, link: URL, method = 'GET'): Promise<Response> =>
  fetch(`${h.url}${link.pathname}${link.search}`, { method, headers: method === 'POST' ? { Origin: 'https://news.example.org' } : {} });

async function addReader(h: Harness, email: string, status: 'active' | 'unsubscribed' | 'bounced'): Promise<number> {
  const { id } = (await h.store.upsertSubscriber({ email, name: null, status: 'active' }, new Date())).subscriber;
  if (status !== 'active') await h.store.setSubscriberStatus(id, status, new Date());
  return id;
}

describe('a request to subscribe', () => {
  it('never changes an unsubscribed reader: the routine import after it keeps them out, only the confirmed link brings them back', async () => {
    const h = await harness();
    await addReader(h, 'ada@example.org', 'unsubscribed');
    expect((await subscribe(h, 'ada@example.org', 'Stranger')).status).toBe(200);
    expect(await h.store.findSubscriber('ada@example.org')).toMatchObject({ status: 'unsubscribed', name: null });
    const mail = await h.nextMail();

    await writeFile(join(h.dir, 'routine.csv'), 'email\nada@example.org\nnew@example.org\n');
    const imported = await run(['subscribers', 'import', join(h.dir, 'routine.csv'), '--db', h.db]);
    expect(imported.stdout).toContain('1 kept unsubscribed or bounced');
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');

    expect((await at(h, confirmLink(mail.text), 'POST')).status).toBe(200);
    expect(await h.store.findSubscriber('ada@example.org')).toMatchObject({ status: 'active', name: 'Stranger' });
  });

  it('sends nothing to a bounced address and leaves it bounced', async () => {
    const h = await harness();
    await addReader(h, 'gone@example.org', 'bounced');
    expect((await subscribe(h, 'gone@example.org')).status).toBe(200);
    expect((await subscribe(h, 'other@example.org')).status).toBe(200);
    await h.background.settle();
    expect(h.sink.received.map((m) => m.to)).toEqual(['other@example.org']);
    expect((await h.store.findSubscriber('gone@example.org'))?.status).toBe('bounced');
  });

  it('gets the same answer, byte for byte, whatever the address is', async () => {
    const h = await harness();
    await addReader(h, 'active@example.org', 'active');
    await addReader(h, 'left@example.org', 'unsubscribed');
    await addReader(h, 'gone@example.org', 'bounced');
    await subscribe(h, 'waiting@example.org');
    const answers = new Set<string>();
    for (const email of ['new@example.org', 'waiting@example.org', 'active@example.org', 'left@example.org', 'gone@example.org']) {
      const res = await subscribe(h, email);
      answers.add(`${res.status} ${(await res.text()).replace(email, 'ADDRESS')}`);
    }
    expect(answers.size).toBe(1);
  });
});

describe('confirming', () => {
  it('GET and HEAD only show a page whose button POSTs (no script); only the POST confirms', async () => {
    const h = await harness();
    await subscribe(h, 'ada@example.org');
    const link = confirmLink((await h.nextMail()).text);
    for (let i = 0; i < 3; i++) {
      const page = await at(h, link);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`<form class="confirm" method="post" action="/confirm?token&#x3D;${link.searchParams.get('token')}">`);
      expect(html).not.toContain('<script');
      expect((await at(h, link, 'HEAD')).status).toBe(200);
    }
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('pending');
    const confirmed = await at(h, link, 'POST');
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('active');
  });

  it('refuses a confirmation posted from another site', async () => {
    const h = await harness();
    await subscribe(h, 'ada@example.org');
    const link = confirmLink((await h.nextMail()).text);
    const res = await fetch(`${h.url}${link.pathname}${link.search}`, { method: 'POST', headers: { Origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('pending');
  });

  it('expires a link after 7 days: it says so, changes nothing, and offers a new mail whose link works', async () => {
    let clock = new Date('2026-11-01T10:00:00Z');
    const h = await harness({ now: () => clock });
    await subscribe(h, 'ada@example.org');
    const old = confirmLink((await h.nextMail()).text);
    clock = new Date('2026-11-08T10:01:00Z');
    for (const method of ['GET', 'POST']) {
      const res = await at(h, old, method);
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('This link has expired');
      expect(html).toContain('<form class="confirm" method="post" action="/subscribe">');
      expect(html).toContain('<input type="hidden" name="email" value="ada@example.org">');
    }
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('pending');
    // The button of that page.
    await subscribe(h, 'ada@example.org');
    expect((await at(h, confirmLink((await h.nextMail()).text), 'POST')).status).toBe(200);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('active');
  });

  it('takes a link of 6 days and 23 hours', async () => {
    let clock = new Date('2026-11-01T10:00:00Z');
    const h = await harness({ now: () => clock });
    await subscribe(h, 'ada@example.org');
    const link = confirmLink((await h.nextMail()).text);
    clock = new Date('2026-11-08T09:00:00Z');
    expect((await at(h, link, 'POST')).status).toBe(200);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('active');
  });

  it('lets only the newest request’s link confirm', async () => {
    const h = await harness();
    await subscribe(h, 'ada@example.org');
    const first = confirmLink((await h.nextMail()).text);
    await subscribe(h, 'ada@example.org');
    const second = confirmLink((await h.nextMail()).text);
    expect(second.href).not.toBe(first.href);
    const refused = await at(h, first, 'POST');
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('This link was replaced');
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('pending');
    expect((await at(h, second, 'POST')).status).toBe(200);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('active');
  });

  it('refuses a link sent before the reader unsubscribed: removed by the operator, or by their own one-click', async () => {
    const h = await harness();
    await subscribe(h, 'ada@example.org');
    const link = confirmLink((await h.nextMail()).text);
    expect((await run(['subscribers', 'remove', 'ada@example.org', '--db', h.db])).code).toBe(0);
    const shown = await at(h, link);
    expect(shown.status).toBe(400);
    expect(await shown.text()).toContain('You unsubscribed after this link was sent, so it no longer subscribes you.');
    const refused = await at(h, link, 'POST');
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('You unsubscribed after this link was sent');
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');

    // Confirmed, then unsubscribed: the old link says why it fails (no newer mail was sent).
    await subscribe(h, 'ada@example.org');
    const again = confirmLink((await h.nextMail()).text);
    expect((await at(h, again, 'POST')).status).toBe(200);
    const id = (await h.store.findSubscriber('ada@example.org'))?.id ?? 0;
    await h.store.setSubscriberStatus(id, 'unsubscribed', new Date());
    const old = await at(h, again, 'POST');
    expect(await old.text()).toContain('You unsubscribed after this link was sent');
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');
  });

  it('refuses the link of a request an unsubscribed reader made before being removed again (subscribers remove)', async () => {
    const h = await harness();
    await addReader(h, 'ada@example.org', 'unsubscribed');
    await subscribe(h, 'ada@example.org');
    const link = confirmLink((await h.nextMail()).text);
    expect((await run(['subscribers', 'remove', 'ada@example.org', '--db', h.db])).stdout).toContain('is already unsubscribed');
    expect((await at(h, link, 'POST')).status).toBe(400);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');
  });

  it.each(['complaint', 'unsubscribed'] as const)('refuses the link once the return path records a %s about the reader', async (kind) => {
    const h = await harness();
    for (const email of ['new@example.org', 'left@example.org']) {
      if (email === 'left@example.org') await addReader(h, email, 'unsubscribed');
      await subscribe(h, email);
      const link = confirmLink((await h.nextMail()).text);
      const reader = await h.store.findSubscriber(email);
      const detail = kind === 'complaint' ? 'abuse' : null;
      await h.store.recordReturnEvent({ kind, source: 'inbound', reader: { subscriberId: reader?.id ?? 0 }, digestNumber: null, detail, dedupeKey: `${kind}-${email}`, at: new Date() });
      expect((await at(h, link, 'POST')).status, email).toBe(400);
      expect((await h.store.findSubscriber(email))?.status, email).toBe('unsubscribed');
    }
  });

  it('accepts one spelling of a token: the same link with other spare bits is refused', async () => {
    const h = await harness();
    await subscribe(h, 'ada@example.org');
    const link = confirmLink((await h.nextMail()).text);
    const token = link.searchParams.get('token') ?? '';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1) ?? '');
    const variant = `${token.slice(0, -1)}${alphabet[last ^ 1]}`;
    const res = await fetch(`${h.url}/confirm?token=${encodeURIComponent(variant)}`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('pending');
  });
});

describe('caps on confirmation mail', () => {
  /** A logger whose lines are kept, and the lines among them that say a cap was reached. */
  const capLog = (): { logger: Logger; caps: () => { cap?: string; mailbox?: string }[] } => {
    const log = new PassThrough();
    const lines: string[] = [];
    log.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
    const caps = (): { msg: string; cap?: string; mailbox?: string }[] =>
      lines.map((line) => JSON.parse(line) as { msg: string; cap?: string; mailbox?: string }).filter((e) => e.msg.startsWith('confirmation mail cap reached'));
    return { logger: createLogger(log), caps };
  };

  it('caps mail per mailbox, plus-tags and case folded, and per hour for the site; answers as usual and logs the cap', async () => {
    const { logger, caps } = capLog();
    const h = await harness({
      logger,
      limits: { ...defaultSubscribeLimits, mailPerMailbox: { limit: 2, windowMs: 24 * 3_600_000 }, mailPerSite: { limit: 4, windowMs: 3_600_000 } },
    });
    for (const email of ['ada@example.org', 'Ada+news@example.org', 'ADA+x@Example.org', 'ada+y@example.org']) {
      const res = await subscribe(h, email);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('Check your inbox');
    }
    for (const email of ['b@example.org', 'c@example.org', 'd@example.org']) expect((await subscribe(h, email)).status).toBe(200);
    await h.background.settle();
    expect(h.sink.received.map((m) => m.to).sort()).toEqual(['ada+news@example.org', 'ada@example.org', 'b@example.org', 'c@example.org']);
    expect(caps().map((e) => [e.cap, e.mailbox])).toEqual([
      ['mailbox', 'ada@example.org'],
      ['mailbox', 'ada@example.org'],
      ['site', undefined],
    ]);
  });

  it('gives each client a share of the site cap, so a few addresses cannot use it up and shut sign-ups for everyone', async () => {
    const { logger, caps } = capLog();
    const h = await harness({
      logger,
      trustProxy: true,
      limits: { ...defaultSubscribeLimits, mailPerClient: { limit: 2, windowMs: 3_600_000 }, mailPerSite: { limit: 5, windowMs: 3_600_000 } },
    });
    const from = (client: string, email: string): Promise<Response> =>
      fetch(`${h.url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email }), headers: { 'x-forwarded-for': client } });
    for (const n of [1, 2, 3, 4]) expect((await from('198.51.100.7', `flood${n}@example.net`)).status).toBe(200);
    expect((await from('203.0.113.9', 'reader@example.org')).status).toBe(200);
    await h.background.settle();
    expect(h.sink.received.map((m) => m.to).sort()).toEqual(['flood1@example.net', 'flood2@example.net', 'reader@example.org']);
    expect(caps().map((e) => e.cap)).toEqual(['client', 'client']);
  });
});

describe('opaque reader ids', () => {
  it('carries no sequential id in the confirm link or the Message-ID', async () => {
    const h = await harness();
    await subscribe(h, 'ada@example.org');
    const mail = await h.nextMail();
    const id = (await h.store.findSubscriber('ada@example.org'))?.id;
    expect(id).toBe(1);
    const token = confirmLink(mail.text).searchParams.get('token') ?? '';
    expect(token).toMatch(/^[0-9a-f]{32}\.[0-9a-f]{32}\.[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith('1.')).toBe(false);
    expect(mail.messageId).not.toContain(':1:');
  });

  it('gives readers of an older database public ids, and digests carry them, not the sequential ids', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gazette-consent-'));
    const content = join(dir, 'content');
    await cp(fileURLToPath(new URL('../fixtures/delivery/content/', import.meta.url)), content, { recursive: true });
    const path = join(dir, 'old.db');
    const driver = openSqliteDriver(path);
    await migrate(driver, 4); // the schema before public ids
    for (const email of ['a@example.org', 'b@example.org']) {
      await driver.run("INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at) VALUES (?, ?, NULL, 'active', ?, ?)", [
        email,
        email,
        '2026-01-01T00:00:00.000Z',
        '2026-01-01T00:00:00.000Z',
      ]);
    }
    await driver.close();

    sink = await startSink();
    const env = { GAZETTE_SECRET: 'consent-test-secret-0123456789abcdefghij', SMTP_URL: sink.url };
    const published = await run(['publish', '--content', content, '--out', join(dir, 'public'), '--db', path], env);
    expect(published.code, published.stderr).toBe(0);
    const mails = await Promise.all(sink.received.map((m) => simpleParser(m.raw)));
    expect(mails).toHaveLength(2);
    const ids = new Set<string>();
    for (const mail of mails) {
      expect(mail.messageId).toMatch(/^<digest-1\.reader-[0-9a-f]{32}\.[A-Za-z0-9]+@example\.org>$/);
      const unsubscribe = /\/unsubscribe\?token=([^>\s]+)/.exec(String(mail.headers.get('list-unsubscribe') ?? mail.text))?.[1] ?? '';
      const publicId = decodeURIComponent(unsubscribe).split('.')[0] ?? '';
      expect(publicId).toMatch(/^[0-9a-f]{32}$/);
      expect(mail.messageId).toContain(publicId);
      ids.add(publicId);
    }
    expect(ids.size).toBe(2);
  });
});
