import { afterEach, describe, expect, it } from 'vitest';
import { rawRequest, startHarness, type Harness } from './harness.js';

const token = 'admin-token-for-tests-0123456789';
const basic = (password: string): string => `Basic ${Buffer.from(`editor:${password}`).toString('base64')}`;
/** The sign-in form posted with `value` as the token. */
const signIn = (url: string, value: string): ReturnType<typeof rawRequest> =>
  rawRequest(url, '/admin/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${encodeURIComponent(value)}` });

let harness: Harness | null = null;
afterEach(async () => {
  await harness?.stop();
  harness = null;
});

describe('/admin', () => {
  it('does not exist when GAZETTE_ADMIN_TOKEN is unset', async () => {
    harness = await startHarness();
    expect((await rawRequest(harness.url, '/admin')).status).toBe(404);
    expect((await rawRequest(harness.url, '/admin', { headers: { authorization: basic(token) } })).status).toBe(404);
  });

  it('answers 401, never cached, everywhere under /admin without the token', async () => {
    harness = await startHarness({ adminToken: token });
    for (const [method, path] of [
      ['GET', '/admin'],
      ['HEAD', '/admin'],
      ['GET', '/admin/'],
      ['GET', '/admin/anything/else'],
      ['POST', '/admin/logout'],
    ] as const) {
      const response = await rawRequest(harness.url, path, { method });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers['cache-control']).toContain('no-store');
      expect(response.body.toString()).not.toContain('Digests');
    }
    // A client that is not a browser learns that basic auth and bearer tokens work; a browser gets the form, and
    // only the challenge that pops up no dialog of its own.
    expect((await rawRequest(harness.url, '/admin')).headers['www-authenticate']).toBe('Basic realm="Gazette admin", charset="UTF-8", Bearer realm="Gazette admin"');
    const page = await rawRequest(harness.url, '/admin', { headers: { accept: 'text/html' } });
    expect(page.headers['www-authenticate']).toBe('Bearer realm="Gazette admin"');
    expect(page.body.toString()).toContain('action="/admin/login"');
  });

  it('refuses a wrong token, a forged cookie and an expired session', async () => {
    let now = new Date('2026-11-30T08:00:00Z');
    harness = await startHarness({ adminToken: token, now: () => now });
    expect((await rawRequest(harness.url, '/admin', { headers: { authorization: basic(`${token}x`) } })).status).toBe(401);
    expect((await rawRequest(harness.url, '/admin', { headers: { authorization: `Bearer ${token}x` } })).status).toBe(401);
    const forged = `gazette_admin=${Date.now() + 3_600_000}.${'A'.repeat(43)}`;
    expect((await rawRequest(harness.url, '/admin', { headers: { cookie: forged } })).status).toBe(401);

    // A wrong token typed into the form: the field says it is wrong, and why, to a screen reader too.
    const wrong = await signIn(harness.url, `${token}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.body.toString('utf8')).toContain('<p class="error" role="alert" id="login-error">');
    expect(wrong.body.toString('utf8')).toMatch(/<input id="token" [^>]* aria-invalid="true" aria-describedby="login-error" autofocus>/);
    const login = await signIn(harness.url, token);
    expect(login.status).toBe(303);
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/admin/);
    // The site is https: Secure, though the request came to a loopback address (as from a reverse proxy).
    expect(cookie).toMatch(/; Secure/);
    const session = cookie.split(';')[0] ?? '';
    expect((await rawRequest(harness.url, '/admin', { headers: { cookie: session } })).status).toBe(200);
    now = new Date(now.getTime() + 13 * 3_600_000);
    expect((await rawRequest(harness.url, '/admin', { headers: { cookie: session } })).status).toBe(401);
  });

  it('refuses a cross-origin sign-in, and counts neither it nor an empty token: another site cannot lock the operator out', async () => {
    harness = await startHarness({ adminToken: token });
    const fromElsewhere = (value: string): ReturnType<typeof rawRequest> =>
      rawRequest(harness?.url ?? '', '/admin/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
        body: `token=${encodeURIComponent(value)}`,
      });
    const response = await fromElsewhere(token);
    expect(response.status).toBe(403);
    expect(response.headers['set-cookie']).toBeUndefined();
    for (let i = 0; i < 12; i++) expect((await fromElsewhere(`guess-${i}`)).status).toBe(403);
    for (let i = 0; i < 12; i++) expect((await signIn(harness.url, '')).status).toBe(401);
    expect((await rawRequest(harness.url, '/admin', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await signIn(harness.url, token)).status).toBe(303);
  });

  it('ends a session at sign-out, a copy of its cookie too, and leaves other sessions be', async () => {
    let now = new Date('2026-11-30T08:00:00Z');
    harness = await startHarness({ adminToken: token, now: () => now });
    const session = async (): Promise<string> => String((await signIn(harness?.url ?? '', token)).headers['set-cookie']).split(';')[0] ?? '';
    const copied = await session();
    now = new Date(now.getTime() + 1000);
    const other = await session();
    expect((await rawRequest(harness.url, '/admin', { headers: { cookie: copied } })).status).toBe(200);
    const out = await rawRequest(harness.url, '/admin/logout', { method: 'POST', headers: { cookie: copied } });
    expect(out.status).toBe(303);
    expect(String(out.headers['set-cookie'])).toMatch(/Max-Age=0/i);
    expect((await rawRequest(harness.url, '/admin', { headers: { cookie: copied } })).status).toBe(401);
    // Nor does it come back spelt otherwise: the last letter's spare bits changed, the MAC decodes alike.
    const last = copied.at(-1) ?? 'A';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const group = alphabet.indexOf(last) & ~3;
    for (const letter of alphabet.slice(group, group + 4).replace(last, '')) {
      expect((await rawRequest(harness.url, '/admin', { headers: { cookie: `${copied.slice(0, -1)}${letter}` } })).status, letter).toBe(401);
    }
    expect((await rawRequest(harness.url, '/admin', { headers: { cookie: other } })).status).toBe(200);
  });

  it('rate limits wrong tokens, and then refuses even the right one for a while', async () => {
    harness = await startHarness({ adminToken: token });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await rawRequest(harness.url, '/admin', { headers: { authorization: basic(`guess-${i}`) } })).status);
    expect(statuses.slice(0, 9).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const right = await rawRequest(harness.url, '/admin', { headers: { authorization: basic(token) } });
    expect(right.status).toBe(429);
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('counts no visit without credentials as an attempt: the operator is not locked out by page loads', async () => {
    harness = await startHarness({ adminToken: token });
    for (let i = 0; i < 15; i++) expect((await rawRequest(harness.url, '/admin', { headers: { accept: 'text/html' } })).status).toBe(401);
    expect((await rawRequest(harness.url, '/admin', { headers: { authorization: basic(token) } })).status).toBe(200);
    expect((await rawRequest(harness.url, '/admin', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses a sign-in body over 16 KiB with 413, without reading it all', async () => {
    harness = await startHarness({ adminToken: token });
    const big = await rawRequest(harness.url, '/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'a'.repeat(17 * 1024)}`,
    });
    expect(big.status).toBe(413);
    const login = await signIn(harness.url, token);
    expect(login.status).toBe(303);
  });

  it('sends private, uncacheable, unframeable answers to a signed-in operator', async () => {
    harness = await startHarness({ adminToken: token });
    const css = await rawRequest(harness.url, '/admin', { headers: { authorization: basic(token) } });
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toBe('no-store, private');
    expect(css.headers['x-robots-tag']).toContain('noindex');
    expect(String(css.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });
});
