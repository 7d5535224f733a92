// The ESP webhooks over real HTTP: each provider's signed call becomes events; unsigned, forged, stale or
// replayed calls are 401 and record nothing.
import { createHmac, createSign } from 'node:crypto';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseSiteConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/delivery/index.js';
import type { ReturnEvent } from '../../src/inbound/events.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { createWebhooks, isSnsCertificateUrl } from '../../src/server/webhooks.js';
import { UsageError } from '../../src/errors.js';
import { run } from '../cli/run.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/types.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/webhooks/${name}`, import.meta.url), 'utf8');
const snsKey = fixture('sns-test-key.pem');
const otherKey = fixture('other-key.pem');
const certUrl = 'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-test.pem';
const topic = 'arn:aws:sns:eu-west-1:123456789012:gazette-bounces';
const mailgunKey = 'key-mailgun-signing';
const clock = new Date('2026-11-30T08:00:00Z');

let dir: string;
let store: Store;
let server: RunningServer;
const events: ReturnEvent[] = [];
const fetched: string[] = [];
const confirmed: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-webhooks-'));
  store = await openSqliteStore(join(dir, 'gazette.db'));
  const config = parseSiteConfig({
    title: 'Example News',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    newsletter: { from: 'Example News <news@example.org>', postalAddress: '1 Example Street' },
  });
  server = await startServer({
    store,
    config,
    options: { outDir: join(dir, 'public'), secret: 'webhook-test-secret' },
    transport: createTransport({ smtpUrl: null, outboxDir: join(dir, 'outbox'), dkim: null }),
    port: 0,
    hostname: '127.0.0.1',
    now: () => clock,
    webhooks: {
      env: { GAZETTE_SES_TOPIC_ARNS: topic, GAZETTE_MAILGUN_SIGNING_KEY: mailgunKey, GAZETTE_POSTMARK_USER: 'pm', GAZETTE_POSTMARK_PASSWORD: 'pm-secret-0123456789ab' },
      record: async (event) => {
        events.push(event);
        return store.recordReturnEvent(event);
      },
      fetchCertificate: async (url) => {
        fetched.push(url);
        return fixture('sns-test-cert.pem');
      },
      confirmSubscription: async (url) => {
        confirmed.push(url);
      },
    },
  });
});

afterAll(async () => {
  await server.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  events.length = 0;
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

// ---- SES through SNS ----

let snsCounter = 0;
function snsMessage(message: unknown, options: { version?: '1' | '2'; key?: string; certUrl?: string; topic?: string; type?: string; timestamp?: string } = {}): Record<string, string> {
  const version = options.version ?? '2';
  const fields: Record<string, string> = {
    Type: options.type ?? 'Notification',
    MessageId: `msg-${++snsCounter}`,
    TopicArn: options.topic ?? topic,
    Message: JSON.stringify(message),
    Timestamp: options.timestamp ?? clock.toISOString(),
    SignatureVersion: version,
    SigningCertURL: options.certUrl ?? certUrl,
  };
  if (fields.Type === 'SubscriptionConfirmation') {
    fields.Token = 'tok';
    fields.SubscribeURL = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topic}&Token=tok`;
  }
  const order = fields.Type === 'Notification' ? ['Message', 'MessageId', 'Timestamp', 'TopicArn', 'Type'] : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(order.map((k) => `${k}\n${fields[k]}\n`).join(''));
  fields.Signature = signer.sign(options.key ?? snsKey, 'base64');
  return fields;
}

const sesBounce = {
  notificationType: 'Bounce',
  bounce: {
    bounceType: 'Permanent',
    bounceSubType: 'General',
    feedbackId: 'feedback-1',
    bouncedRecipients: [{ emailAddress: 'ann@example.net', action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
  },
  mail: { messageId: 'ses-1', commonHeaders: { messageId: '<digest-4.reader-00000000000000000000000000000007.abc@example.org>' } },
};

describe('/webhooks/ses', () => {
  it.each(['1', '2'] as const)('takes a bounce signed with SignatureVersion %s', async (version) => {
    const response = await post('/webhooks/ses', snsMessage(sesBounce, { version }));
    expect(response.status).toBe(200);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'bounced', source: 'ses', reader: { email: 'ann@example.net' }, digestNumber: 4, detail: 'smtp; 550 5.1.1 user unknown' }),
    ]);
    expect(fetched).toEqual([certUrl]);
  });

  it('takes a complaint and a transient bounce', async () => {
    const complaint = { notificationType: 'Complaint', complaint: { feedbackId: 'c-1', complaintFeedbackType: 'abuse', complainedRecipients: [{ emailAddress: 'bob@example.net' }] }, mail: {} };
    expect((await post('/webhooks/ses', snsMessage(complaint))).status).toBe(200);
    const transient = { ...sesBounce, bounce: { ...sesBounce.bounce, bounceType: 'Transient', feedbackId: 'f-2' } };
    expect((await post('/webhooks/ses', snsMessage(transient))).status).toBe(200);
    expect(events.map((e) => e.kind)).toEqual(['complaint', 'soft_bounce']);
  });

  it('refuses an unsigned, forged, foreign-topic, stale or replayed message with 401, recording nothing', async () => {
    const { Signature: _, ...unsigned } = snsMessage(sesBounce);
    const forged = { ...snsMessage(sesBounce), Message: JSON.stringify({ ...sesBounce, bounce: { ...sesBounce.bounce, bouncedRecipients: [{ emailAddress: 'victim@example.net' }] } }) };
    const replayed = snsMessage(sesBounce);
    expect((await post('/webhooks/ses', replayed)).status).toBe(200);
    events.length = 0;
    for (const body of [
      unsigned,
      forged,
      snsMessage(sesBounce, { key: otherKey }),
      snsMessage(sesBounce, { topic: 'arn:aws:sns:eu-west-1:999999999999:someone-else' }),
      snsMessage(sesBounce, { timestamp: '2026-11-30T06:00:00Z' }),
      replayed,
      { not: 'sns' },
    ]) {
      expect((await post('/webhooks/ses', body)).status).toBe(401);
    }
    expect(events).toEqual([]);
  });

  it('never fetches a certificate from anywhere but an https SNS host', async () => {
    fetched.length = 0;
    for (const url of ['http://sns.eu-west-1.amazonaws.com/cert.pem', 'https://evil.example.com/cert.pem', 'https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem', 'https://sns.eu-west-1.amazonaws.com:8443/cert.pem']) {
      expect(isSnsCertificateUrl(url)).toBe(false);
      expect((await post('/webhooks/ses', snsMessage(sesBounce, { certUrl: url }))).status).toBe(401);
    }
    expect(fetched).toEqual([]);
    expect(isSnsCertificateUrl(certUrl)).toBe(true);
  });

  it('confirms a signed subscription to the configured topic', async () => {
    expect((await post('/webhooks/ses', snsMessage('confirm', { type: 'SubscriptionConfirmation' }))).status).toBe(200);
    expect(confirmed).toHaveLength(1);
  });
});

// ---- Mailgun ----

let mailgunCounter = 0;
function mailgunBody(eventData: unknown, options: { key?: string; timestamp?: number; token?: string } = {}): unknown {
  const timestamp = String(options.timestamp ?? Math.floor(clock.getTime() / 1000));
  const token = options.token ?? `token-${++mailgunCounter}`;
  const signature = createHmac('sha256', options.key ?? mailgunKey).update(timestamp + token).digest('hex');
  return { signature: { timestamp, token, signature }, 'event-data': eventData };
}
const mailgunFailed = {
  event: 'failed',
  severity: 'permanent',
  id: 'mg-1',
  recipient: 'ann@example.net',
  'delivery-status': { code: 550, message: '5.1.1 user unknown' },
  message: { headers: { 'message-id': 'digest-5.reader-00000000000000000000000000000007.abc@example.org' } },
};

describe('/webhooks/mailgun', () => {
  it('takes signed failed, complained and unsubscribed events', async () => {
    for (const data of [mailgunFailed, { ...mailgunFailed, severity: 'temporary' }, { event: 'complained', id: 'mg-2', recipient: 'bob@example.net' }, { event: 'unsubscribed', id: 'mg-3', recipient: 'cy@example.net' }, { event: 'delivered', recipient: 'd@example.net' }]) {
      expect((await post('/webhooks/mailgun', mailgunBody(data))).status).toBe(200);
    }
    expect(events.map((e) => [e.kind, 'email' in e.reader ? e.reader.email : null, e.digestNumber])).toEqual([
      ['bounced', 'ann@example.net', 5],
      ['soft_bounce', 'ann@example.net', 5],
      ['complaint', 'bob@example.net', null],
      ['unsubscribed', 'cy@example.net', null],
    ]);
  });

  it('bounces the reader in the store on a signed call, and leaves them alone on an unsigned one', async () => {
    await store.upsertSubscriber({ email: 'zed@example.net', name: null, status: 'active' }, clock);
    const failed = { ...mailgunFailed, id: 'mg-zed', recipient: 'Zed@example.net' };
    expect((await post('/webhooks/mailgun', { 'event-data': failed })).status).toBe(401);
    expect((await store.findSubscriber('zed@example.net'))?.status).toBe('active');
    expect((await post('/webhooks/mailgun', mailgunBody(failed))).status).toBe(200);
    expect((await store.findSubscriber('zed@example.net'))?.status).toBe('bounced');
    const [journal] = await store.subscriberEvents((await store.findSubscriber('zed@example.net'))?.id ?? 0, 1);
    expect(journal).toMatchObject({ kind: 'bounced', source: 'mailgun', digestNumber: 5, detail: '550 5.1.1 user unknown' });
  });

  it('refuses an unsigned, wrongly signed, stale or replayed call with 401, recording nothing', async () => {
    const replayed = mailgunBody(mailgunFailed);
    expect((await post('/webhooks/mailgun', replayed)).status).toBe(200);
    events.length = 0;
    for (const body of [{ 'event-data': mailgunFailed }, mailgunBody(mailgunFailed, { key: 'wrong' }), mailgunBody(mailgunFailed, { timestamp: Math.floor(clock.getTime() / 1000) - 3600 }), replayed]) {
      expect((await post('/webhooks/mailgun', body)).status).toBe(401);
    }
    expect(events).toEqual([]);
  });
});

// ---- Postmark ----

const basic = (user: string, password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
const postmarkBounce = { RecordType: 'Bounce', ID: 42, Type: 'HardBounce', TypeCode: 1, Email: 'ann@example.net', Details: 'smtp;550 5.1.1 user unknown' };

describe('/webhooks/postmark', () => {
  it('takes bounces, complaints and subscription changes with the right basic auth', async () => {
    const auth = basic('pm', 'pm-secret-0123456789ab');
    for (const body of [
      postmarkBounce,
      { ...postmarkBounce, ID: 43, Type: 'SoftBounce' },
      { RecordType: 'SpamComplaint', ID: 44, Email: 'bob@example.net' },
      { RecordType: 'SubscriptionChange', Recipient: 'cy@example.net', SuppressSending: true, SuppressionReason: 'ManualSuppression' },
      { RecordType: 'Delivery', Recipient: 'd@example.net' },
    ]) {
      expect((await post('/webhooks/postmark', body, auth)).status).toBe(200);
    }
    expect(events.map((e) => e.kind)).toEqual(['bounced', 'soft_bounce', 'complaint', 'unsubscribed']);
    expect(events[0]?.detail).toBe('HardBounce: smtp;550 5.1.1 user unknown');
  });

  it('keeps a provider\'s words on one line without control characters', async () => {
    await post('/webhooks/postmark', { ...postmarkBounce, ID: 45, Details: 'bad\r\nX-Injected: 1\u001b[31m red' }, basic('pm', 'pm-secret-0123456789ab'));
    expect(events[0]?.detail).toBe('HardBounce: bad X-Injected: 1 [31m red');
  });

  it('refuses a call without or with the wrong basic auth with 401, recording nothing', async () => {
    expect((await post('/webhooks/postmark', postmarkBounce)).status).toBe(401);
    expect((await post('/webhooks/postmark', postmarkBounce, basic('pm', 'guess'))).status).toBe(401);
    expect((await post('/webhooks/postmark', postmarkBounce, { authorization: 'Bearer pm-secret-0123456789ab' })).status).toBe(401);
    expect(events).toEqual([]);
  });

  it('limits wrong logins per client, then refuses even the right one for a while: the password cannot be guessed', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await post('/webhooks/postmark', postmarkBounce, basic('pm', `guess-${i}`))).status);
    // The test above guessed once from this client too.
    expect(statuses.slice(0, 9)).toEqual(Array<number>(9).fill(401));
    expect(statuses.at(-1)).toBe(429);
    const right = await post('/webhooks/postmark', postmarkBounce, basic('pm', 'pm-secret-0123456789ab'));
    expect(right.status).toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(events).toEqual([]);
    // The window passes (the server's clock is this file's): the right login is taken again, here and in later tests.
    clock.setTime(clock.getTime() + 16 * 60_000);
    expect((await post('/webhooks/postmark', { ...postmarkBounce, ID: 46 }, basic('pm', 'pm-secret-0123456789ab'))).status).toBe(200);
  });

  it('refuses to start with a password shorter than an admin token', () => {
    const record = async (): Promise<'recorded'> => 'recorded';
    expect(() => createWebhooks({ env: { GAZETTE_POSTMARK_USER: 'pm', GAZETTE_POSTMARK_PASSWORD: 'pmsecret' }, record })).toThrow(
      /^GAZETTE_POSTMARK_PASSWORD is 8 characters; use at least 20 random ones/,
    );
  });
});

describe('webhook requests in odd shapes', () => {
  async function raw(path: string, chunks: string[], headers: Record<string, string> = {}): Promise<number> {
    const { hostname, port } = new URL(server.url);
    const req = request({ hostname, port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } });
    for (const chunk of chunks) req.write(chunk);
    req.end();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.resume();
    return res.statusCode ?? 0;
  }

  it('answers a chunked or empty unsigned call 401, never 500', async () => {
    const body = JSON.stringify({ 'event-data': mailgunFailed });
    expect(await raw('/webhooks/mailgun', [body.slice(0, 20), body.slice(20)])).toBe(401);
    expect(await raw('/webhooks/mailgun', [])).toBe(401);
    expect(await raw('/webhooks/postmark', [], { authorization: 'Basic cG06cG0tc2VjcmV0LTAxMjM0NTY3ODlhYg==' })).toBe(400);
    expect(await raw('/webhooks/ses', ['{"Type":'])).toBe(401);
    expect(events).toEqual([]);
  });

  it('keeps a provider that is off a 404 for any body, reading none of it', async () => {
    const only = await startServer({
      store,
      config: parseSiteConfig({ title: 'T', baseUrl: 'https://news.example.org', author: { name: 'D' }, newsletter: { from: 'T <t@example.org>', postalAddress: '1 Street' } }),
      options: { outDir: join(dir, 'public'), secret: 'webhook-test-secret' },
      transport: createTransport({ smtpUrl: null, outboxDir: join(dir, 'outbox'), dkim: null }),
      port: 0,
      hostname: '127.0.0.1',
      webhooks: { env: { GAZETTE_MAILGUN_SIGNING_KEY: mailgunKey }, record: async () => 'recorded' },
    });
    try {
      for (const path of ['/webhooks/ses', '/webhooks/postmark', '/webhooks/nothing']) {
        const response = await fetch(`${only.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'y'.repeat(300 * 1024) });
        expect(response.status, path).toBe(404);
      }
      expect((await fetch(`${only.url}/webhooks/mailgun`, { method: 'POST', body: 'y'.repeat(300 * 1024) })).status).toBe(413);
    } finally {
      await only.close();
    }
  });

  it('refuses to start with half of the Postmark login, which would leave its route off without a word', async () => {
    const record = async (): Promise<'recorded'> => 'recorded';
    expect(() => createWebhooks({ env: { GAZETTE_POSTMARK_USER: 'pm' }, record })).toThrow(UsageError);
    expect(() => createWebhooks({ env: { GAZETTE_POSTMARK_PASSWORD: 'pm-secret-0123456789ab', GAZETTE_POSTMARK_USER: '' }, record })).toThrow(
      'GAZETTE_POSTMARK_PASSWORD is set but GAZETTE_POSTMARK_USER is not, so /webhooks/postmark would stay off — set both',
    );
    const content = fileURLToPath(new URL('../fixtures/subscribers/content/', import.meta.url));
    const argv = ['serve', '--port', '0', '--content', content, '--out', join(dir, 'public'), '--db', join(dir, 'half.db'), '--outbox', join(dir, 'outbox')];
    const { code, stderr } = await run(argv, { GAZETTE_POSTMARK_USER: 'pm' });
    expect(code).toBe(2);
    expect(stderr).toBe(
      "gazette: GAZETTE_POSTMARK_USER is set but GAZETTE_POSTMARK_PASSWORD is not, so /webhooks/postmark would stay off — set both (the login of Postmark's webhook URL, https://USER:PASSWORD@host/webhooks/postmark), or neither\n",
    );
  });

  it('answers another method than POST with 405 and Allow: POST', async () => {
    for (const path of ['/webhooks/mailgun', '/webhooks/ses', '/webhooks/postmark']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    }
  });

  it('answers a body over 256 KiB 413, chunked or declared, for every provider', async () => {
    const big = ['{"x":"', 'y'.repeat(300 * 1024), '"}'];
    for (const path of ['/webhooks/mailgun', '/webhooks/ses', '/webhooks/postmark']) {
      expect(await raw(path, big)).toBe(413);
      const response = await post(path, { ...postmarkBounce, Details: 'y'.repeat(300 * 1024) }, basic('pm', 'pm-secret-0123456789ab'));
      expect(response.status).toBe(413);
      expect(await response.json()).toEqual({ error: 'too_large', message: 'the body is over 256 KiB' });
    }
    expect(await raw('/webhooks/postmark', ['{"x":"', 'y'.repeat(255 * 1024), '"}'], basic('pm', 'pm-secret-0123456789ab'))).toBe(200);
    expect(events).toEqual([]);
  });

  it('answers a compressed body 415 with Accept-Encoding: identity, for every provider', async () => {
    for (const path of ['/webhooks/mailgun', '/webhooks/ses', '/webhooks/postmark']) {
      const response = await post(path, postmarkBounce, { ...basic('pm', 'pm-secret-0123456789ab'), 'content-encoding': 'gzip' });
      expect(response.status).toBe(415);
      expect(response.headers.get('accept-encoding')).toBe('identity');
      expect(await response.json()).toEqual({ error: 'unsupported_encoding', message: 'send the body uncompressed' });
    }
    expect(events).toEqual([]);
  });
});
