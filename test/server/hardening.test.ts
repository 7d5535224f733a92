// The HTTP face against hostile or unusual clients: other sites' forms, slow connections, chunked and empty bodies.
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, type Logger } from '../../src/log.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { rawRequest, secret, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

/** A POST whose body goes out in `chunks` with Transfer-Encoding: chunked (no Content-Length). */
async function chunkedPost(url: string, path: string, contentType: string, chunks: string[]): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  const req = request({ hostname, port, path, method: 'POST', headers: { 'Content-Type': contentType, 'Transfer-Encoding': 'chunked' } });
  for (const chunk of chunks) req.write(chunk);
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return { status: res.statusCode ?? 0, body };
}

/** Writes `text` on a raw connection and returns everything the server sends until it closes the connection. */
async function rawExchange(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.write(text);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
  await once(socket, 'close');
  return answer;
}

/** A logger whose lines are kept, parsed. */
function keptLog(): { logger: Logger; lines: { level: number; msg: string; err?: unknown }[] } {
  const log = new PassThrough();
  const lines: { level: number; msg: string; err?: unknown }[] = [];
  log.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string })));
  return { logger: createLogger(log), lines };
}

const subscription = (email: string): RequestInit => ({ method: 'POST', body: new URLSearchParams({ email }), redirect: 'manual' });

describe('cross-origin form posts', () => {
  it('refuses a subscription posted from another site, by Origin or Sec-Fetch-Site, storing and sending nothing', async () => {
    const h = await harness();
    for (const headers of [
      { Origin: 'https://evil.example' },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site', Origin: 'https://evil.example' },
      { 'Sec-Fetch-Site': 'same-site', Origin: 'https://blog.example.org' },
    ]) {
      const res = await fetch(`${h.url}/subscribe`, { ...subscription('ada@example.org'), headers });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('use the form on https://news.example.org');
    }
    const json = await fetch(`${h.url}/subscribe`, {
      method: 'POST',
      body: JSON.stringify({ email: 'ada@example.org' }),
      headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' },
    });
    expect(json.status).toBe(403);
    expect(await json.json()).toMatchObject({ error: 'cross_origin' });
    expect(await h.store.findSubscriber('ada@example.org')).toBeNull();
    await h.background.settle();
    expect(h.sink.received).toHaveLength(0);
  });

  it('takes the form from the site itself, through a proxy, and from clients that are no browser', async () => {
    const h = await harness();
    const cases: [string, Record<string, string>][] = [
      ['a@example.org', { Origin: 'https://news.example.org' }],
      ['b@example.org', { Origin: new URL(h.url).origin }],
      ['c@example.org', { 'Sec-Fetch-Site': 'same-origin', Origin: 'https://news.example.org' }],
      ['d@example.org', {}],
    ];
    for (const [email, headers] of cases) {
      expect((await fetch(`${h.url}/subscribe`, { ...subscription(email), headers })).status).toBe(200);
      expect((await h.store.findSubscriber(email))?.status).toBe('pending');
    }
  });
});

describe('the confirmation mail', () => {
  it('carries no text the requester typed beyond the address: not in To, the subject or the body', async () => {
    const h = await harness();
    const spam = 'WIN $1000 at https://spam.example/claim';
    expect((await fetch(`${h.url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email: 'ada@example.org', name: spam }) })).status).toBe(200);
    const mail = await h.nextMail();
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value : null).toEqual([{ address: 'ada@example.org', name: '' }]);
    const raw = mail.raw.toString('utf8');
    for (const fragment of ['WIN', '1000', 'spam.example']) expect(raw).not.toContain(fragment);
    expect(mail.text).not.toContain('WIN');
  });
});

describe('slow clients', () => {
  it('answers 408 and closes a connection whose headers never finish', async () => {
    const h = await harness({ timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 } });
    const answer = await rawExchange(h.url, 'GET /index.html HTTP/1.1\r\nHost: news.example.org\r\nX-Slow: ');
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('logs a client that hangs up mid-body as gone, without a stack or an error, and serves on', async () => {
    const { logger, lines } = keptLog();
    const h = await harness({ logger });
    const { port } = new URL(h.url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /subscribe HTTP/1.1\r\nHost: news.example.org\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=');
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await vi.waitFor(() => expect(lines.map((line) => line.msg)).toContain('the client went away before its request was read'));
    expect(lines.filter((line) => line.level >= 50 || line.err !== undefined)).toEqual([]);
    expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  });

  it('logs a connection reset of the database, once the request is whole, as the error it is', async () => {
    const { logger, lines } = keptLog();
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    const h = await harness({
      logger,
      wrapStore: (store) => Object.assign(Object.create(store) as typeof store, { findSubscriberByPublicId: () => Promise.reject(reset) }),
    });
    const res = await fetch(`${h.url}/preferences?token=${encodeURIComponent(createToken(secret, '0123456789abcdef0123456789abcdef', 'preferences'))}`);
    expect(res.status).toBe(500);
    expect(lines).toContainEqual(expect.objectContaining({ level: 50, msg: 'request failed' }));
  });

  it('serves an HTTP/1.0 request, which need not name its host', async () => {
    const h = await harness();
    expect(await rawExchange(h.url, 'GET /feed.xml HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*<rss/);
  });

  it('answers 400 to a request with two Host fields', async () => {
    const h = await harness();
    const request = 'GET /feed.xml HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n';
    expect(await rawExchange(h.url, request)).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('answers 408 and closes a connection whose body never finishes', async () => {
    const h = await harness({ timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 } });
    const answer = await rawExchange(
      h.url,
      'POST /subscribe HTTP/1.1\r\nHost: news.example.org\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect((await h.store.countSubscribers()).pending).toBe(0);
  });
});

describe('security headers', () => {
  it('sends them with the built site’s pages and feeds too, not only the server’s own pages', async () => {
    const h = await harness();
    for (const path of ['/', '/index.html', '/articles/first/', '/feed.xml']) {
      const res = await fetch(`${h.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('sends them with every other answer too: /healthz, a webhook, a 404 to a POST', async () => {
    const h = await harness();
    for (const [method, path] of [['GET', '/healthz'], ['POST', '/feed.xml'], ['POST', '/nowhere'], ['POST', '/webhooks/mailgun']] as const) {
      const res = await fetch(`${h.url}${path}`, { method });
      expect(res.headers.get('content-security-policy'), `${method} ${path}`).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), `${method} ${path}`).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), `${method} ${path}`).toBe('no-referrer');
    }
  });
});

describe('methods', () => {
  it('answers HEAD of a dynamic page with the Vary of its GET, which depends on Accept-Encoding', async () => {
    const h = await harness();
    const headers = { 'Accept-Encoding': 'gzip' };
    const get = await fetch(`${h.url}/subscribe/`, { headers });
    expect(get.headers.get('vary')).toContain('Accept-Encoding');
    const head = await fetch(`${h.url}/subscribe/`, { method: 'HEAD', headers });
    expect(head.status).toBe(200);
    expect(head.headers.get('vary')).toContain('Accept-Encoding');
  });

  it('answers HEAD of a dynamic page with the fields of its GET: its encoding, or its length (RFC 9110 §9.3.2)', async () => {
    const h = await harness();
    const fields = ['content-encoding', 'content-length', 'content-type', 'vary', 'cache-control'];
    for (const encoding of ['gzip', 'identity']) {
      const [get, head] = await Promise.all(['GET', 'HEAD'].map((method) => rawRequest(h.url, '/subscribe/', { method, headers: { 'accept-encoding': encoding } })));
      const pick = (headers: Record<string, unknown> | undefined): unknown[] => fields.map((name) => headers?.[name]);
      expect(pick(head?.headers), encoding).toEqual(pick(get?.headers));
      expect(head?.body.length).toBe(0);
    }
    const plain = await rawRequest(h.url, '/subscribe/', { method: 'HEAD', headers: { 'accept-encoding': 'identity' } });
    expect(Number(plain.headers['content-length'])).toBeGreaterThan(1000);
  });

  it('answers a method a page or feed does not take with 405 and what it allows', async () => {
    const h = await harness();
    for (const [method, path, allow] of [
      ['POST', '/feed.xml', 'GET, HEAD'],
      ['PUT', '/', 'GET, HEAD'],
      ['DELETE', '/articles/first/', 'GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['PUT', '/subscribe', 'GET, HEAD, POST'],
      ['DELETE', '/unsubscribe', 'GET, HEAD, POST'],
    ] as const) {
      const res = await fetch(`${h.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(await res.text()).toContain(`This address answers ${allow} requests only.`);
    }
  });

  it('answers OPTIONS with what a path allows', async () => {
    const h = await harness();
    const res = await fetch(`${h.url}/subscribe/`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('answers OPTIONS * for the server as a whole (RFC 9110 §9.3.7), where the adapter answered 400', async () => {
    const h = await harness();
    const res = await rawRequest(h.url, '*', { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
    expect((await rawRequest(h.url, '/subscribe/', { method: 'OPTIONS' })).headers.allow).toBe('GET, HEAD, POST');
  });

  it('keeps 404 for a path with nothing at it, whatever the method, and for a webhook that is not configured', async () => {
    const h = await harness();
    for (const [method, path] of [['POST', '/nowhere'], ['OPTIONS', '/nowhere'], ['GET', '/nowhere'], ['POST', '/webhooks/mailgun'], ['GET', '/webhooks/mailgun'], ['POST', '/.gazette-manifest.json']] as const) {
      const res = await fetch(`${h.url}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('allow'), `${method} ${path}`).toBeNull();
    }
  });
});

describe('bodies RFC 8058 allows', () => {
  it('unsubscribes on a chunked one-click POST', async () => {
    const h = await harness();
    const { publicId } = (await h.store.upsertSubscriber({ email: 'ada@example.org', name: null, status: 'active' }, new Date())).subscriber;
    const token = encodeURIComponent(createToken(secret, publicId, 'unsubscribe'));
    const res = await chunkedPost(h.url, `/unsubscribe?token=${token}`, 'application/x-www-form-urlencoded', ['List-Unsubscribe=', 'One-Click']);
    expect(res.status).toBe(200);
    expect(res.body).toContain('You are unsubscribed');
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');
  });

  it('unsubscribes on a POST without any body (no Content-Length, no Transfer-Encoding)', async () => {
    const h = await harness();
    const { publicId } = (await h.store.upsertSubscriber({ email: 'ada@example.org', name: null, status: 'active' }, new Date())).subscriber;
    const token = encodeURIComponent(createToken(secret, publicId, 'unsubscribe'));
    const answer = await rawExchange(h.url, `POST /unsubscribe?token=${token} HTTP/1.1\r\nHost: news.example.org\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');
  });

  it('reads an address sent twice in one form as its first, not as no address', async () => {
    const h = await harness();
    const res = await fetch(`${h.url}/subscribe`, { method: 'POST', body: new URLSearchParams([['email', 'dan@example.org'], ['email', 'x@example.org']]) });
    expect(res.status).toBe(200);
    expect((await h.store.findSubscriber('dan@example.org'))?.status).toBe('pending');
    expect(await h.store.findSubscriber('x@example.org')).toBeNull();
  });

  it('answers a compressed body with 415 and Accept-Encoding: identity, reading nothing of it', async () => {
    const h = await harness();
    const res = await fetch(`${h.url}/subscribe`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Encoding': 'gzip' },
      body: gzipSync('email=ada%40example.org'),
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('accept-encoding')).toBe('identity');
    expect(await h.store.findSubscriber('ada@example.org')).toBeNull();
  });

  it('takes a chunked subscription, and answers a subscription without a body with 400, not 500', async () => {
    const h = await harness();
    const res = await chunkedPost(h.url, '/subscribe', 'application/x-www-form-urlencoded', ['email=ada%40', 'example.org']);
    expect(res.status).toBe(200);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('pending');
    const empty = await rawExchange(
      h.url,
      'POST /subscribe HTTP/1.1\r\nHost: news.example.org\r\nContent-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n\r\n',
    );
    expect(empty).toMatch(/^HTTP\/1\.1 400/);
    expect(empty).toContain('Please enter your email address.');
  });

  it('still refuses a chunked body over the size limit with 413', async () => {
    const h = await harness();
    const res = await chunkedPost(h.url, '/subscribe', 'application/x-www-form-urlencoded', ['email=a%40example.org&name=', ...Array<string>(20).fill('x'.repeat(1024))]);
    expect(res.status).toBe(413);
    expect(await h.store.findSubscriber('a@example.org')).toBeNull();
  });
});
