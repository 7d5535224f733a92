import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSubscribeLimits } from '../../src/server/index.js';
import { buildSite } from '../../src/site/build.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { launchChromium, skipWithoutChromium } from '../fixtures/chromium.js';
import { secret, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function harness(options: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness(options);
  return h;
}

function form(fields: Record<string, string>, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', body: new URLSearchParams(fields), headers, redirect: 'manual' };
}

function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers }, redirect: 'manual' };
}

/** The link in a mail's text that starts with the site's base URL and goes to `path`. */
function linkIn(text: string, path: string): URL {
  const found = text.match(/https:\/\/news\.example\.org\/[^\s)>\]]+/g)?.find((u) => new URL(u).pathname === path);
  if (!found) throw new Error(`no ${path} link in:\n${text}`);
  return new URL(found);
}

async function addActive(h: Harness, email: string): Promise<{ id: number; publicId: string }> {
  return (await h.store.upsertSubscriber({ email, name: null, status: 'active' }, new Date())).subscriber;
}

/** Follows a confirmation link as a reader does: GET shows the button, the button POSTs. */
async function confirmVia(h: Harness, link: URL): Promise<Response> {
  const shown = await fetch(`${h.url}${link.pathname}${link.search}`);
  expect(shown.status).toBe(200);
  expect(await shown.text()).toContain('<form class="confirm" method="post"');
  return fetch(`${h.url}${link.pathname}${link.search}`, { method: 'POST', headers: { Origin: 'https://news.example.org' } });
}

describe('subscribing (double opt-in)', () => {
  it('shows the form at /subscribe/, in the site layout, with a strict CSP', async () => {
    const { url } = await harness();
    const res = await fetch(`${url}/subscribe/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain('<form class="subscribe-form" method="post" action="/subscribe">');
    expect(html).toContain('name="email"');
    expect(html).toContain('href="/assets/site.css"');
    expect((await fetch(`${url}/subscribe`)).status).toBe(200);
  });

  it('takes a form post to pending, mails a confirmation link, and the link makes the reader active', async () => {
    const h = await harness();
    const res = await fetch(`${h.url}/subscribe`, form({ email: 'ada@example.org', name: 'Ada Lovelace' }));
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Check your inbox');
    expect(await h.store.findSubscriber('ada@example.org')).toMatchObject({ status: 'pending', name: 'Ada Lovelace' });

    const mail = await h.nextMail();
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0] : null).toMatchObject({ address: 'ada@example.org', name: '' });
    expect(mail.from?.value[0]).toMatchObject({ address: 'news@example.org' });
    expect(mail.subject).toBe('Confirm your subscription to Example News');
    const link = linkIn(mail.text ?? '', '/confirm');
    expect(String(mail.html)).toContain(link.searchParams.get('token'));

    const confirmed = await confirmVia(h, link);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('active');
    expect((await fetch(`${h.url}${link.pathname}${link.search}`, { method: 'POST' })).status).toBe(200);
  });

  it('takes JSON too, and answers in JSON', async () => {
    const h = await harness();
    const res = await fetch(`${h.url}/subscribe`, json({ email: 'grace@example.org', name: 'Grace' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'check-your-inbox' });
    expect((await h.store.findSubscriber('grace@example.org'))?.status).toBe('pending');
    const mail = await h.nextMail();
    expect(mail.subject).toMatch(/^Confirm your subscription/);
  });

  it('gives the same answer for a known address, and sends an active one no mail', async () => {
    const h = await harness();
    const unknown = await fetch(`${h.url}/subscribe`, form({ email: 'ada@example.org' }));
    const unknownBody = await unknown.text();
    await confirmVia(h, linkIn((await h.nextMail()).text ?? '', '/confirm'));

    const active = await fetch(`${h.url}/subscribe`, form({ email: 'ada@example.org' }));
    expect(active.status).toBe(unknown.status);
    expect(await active.text()).toBe(unknownBody);
    const activeJson = await fetch(`${h.url}/subscribe`, json({ email: 'ada@example.org' }));
    const unknownJson = await fetch(`${h.url}/subscribe`, json({ email: 'new@example.org' }));
    expect(activeJson.status).toBe(unknownJson.status);
    expect(Object.keys((await activeJson.json()) as object)).toEqual(Object.keys((await unknownJson.json()) as object));

    await h.background.settle();
    expect(h.sink.received.map((m) => m.to)).toEqual(['ada@example.org', 'new@example.org']);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('active');
  });

  it('does not let an unconfirmed request change an active reader’s name', async () => {
    const h = await harness();
    await h.store.upsertSubscriber({ email: 'ada@example.org', name: 'Ada', status: 'active' }, new Date());
    await fetch(`${h.url}/subscribe`, form({ email: 'ADA@example.org', name: 'Mallory' }));
    expect(await h.store.findSubscriber('ada@example.org')).toMatchObject({ name: 'Ada', status: 'active' });
  });

  it('lets a reader who left come back, through a new confirmation', async () => {
    const h = await harness();
    const { id } = await addActive(h, 'ada@example.org');
    await h.store.setSubscriberStatus(id, 'unsubscribed', new Date());
    await fetch(`${h.url}/subscribe`, form({ email: 'ada@example.org' }));
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');
    await confirmVia(h, linkIn((await h.nextMail()).text ?? '', '/confirm'));
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('active');
  });

  it('refuses CRLF and malformed addresses with 400, storing and sending nothing', async () => {
    const h = await harness();
    const bad = ['ada@example.org\r\nBcc: victim@example.net', 'ada@example.org\n', 'ada lovelace@example.org', 'ada.example.org', `${'a'.repeat(250)}@example.org`, 'ada@localhost', ''];
    for (const email of bad) {
      const viaForm = await fetch(`${h.url}/subscribe`, form({ email }));
      expect(viaForm.status, JSON.stringify(email)).toBe(400);
      const viaJson = await fetch(`${h.url}/subscribe`, json({ email }));
      expect(viaJson.status, JSON.stringify(email)).toBe(400);
      expect(await viaJson.json()).toMatchObject({ error: 'invalid_email' });
    }
    expect((await fetch(`${h.url}/subscribe`, json({ mail: 'x' }))).status).toBe(400);
    expect((await fetch(`${h.url}/subscribe`, { method: 'POST', body: '{oops', headers: { 'Content-Type': 'application/json' } })).status).toBe(400);
    expect((await fetch(`${h.url}/subscribe`, { method: 'POST', body: 'email=a@example.org', headers: { 'Content-Type': 'text/plain' } })).status).toBe(415);
    await h.background.settle();
    expect(await h.store.countSubscribers()).toEqual({ pending: 0, active: 0, unsubscribed: 0, bounced: 0 });
    expect(h.sink.received).toEqual([]);
  });

  it('escapes what was typed when it shows the form again, and a name cannot add a header', async () => {
    const h = await harness();
    const refused = await fetch(`${h.url}/subscribe`, form({ email: '"><script>alert(1)</script>', name: '<b>Ada</b>' }));
    const page = await refused.text();
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&lt;script&gt;');
    expect(page).toContain('value="&lt;b&gt;Ada&lt;/b&gt;"');

    await fetch(`${h.url}/subscribe`, form({ email: 'ada@example.org', name: 'Ada\r\nBcc: victim@example.net\r\n<script>' }));
    const mail = await h.nextMail();
    expect(mail.headers.has('bcc')).toBe(false);
    const head = mail.raw.subarray(0, mail.raw.indexOf('\r\n\r\n')).toString('latin1');
    expect(head).not.toMatch(/^Bcc:/im);
    expect(String(mail.html)).not.toContain('<script>');
    expect((await h.store.findSubscriber('ada@example.org'))?.name).toBe('Ada Bcc: victim@example.net <script>');
  });

  it('limits requests per client and per address with 429 and Retry-After', async () => {
    const h = await harness({
      trustProxy: true,
      limits: { ...defaultSubscribeLimits, perClient: { limit: 3, windowMs: 600_000 }, perEmail: { limit: 2, windowMs: 3_600_000 } },
    });
    const from = (ip: string): Record<string, string> => ({ 'X-Forwarded-For': ip });
    for (let i = 0; i < 3; i++) expect((await fetch(`${h.url}/subscribe`, form({ email: `r${i}@example.org` }, from('192.0.2.1')))).status).toBe(200);
    const limited = await fetch(`${h.url}/subscribe`, form({ email: 'r9@example.org' }, from('192.0.2.1')));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await h.store.findSubscriber('r9@example.org')).toBeNull();
    const limitedJson = await fetch(`${h.url}/subscribe`, json({ email: 'r9@example.org' }, from('192.0.2.1')));
    expect(limitedJson.status).toBe(429);
    expect(await limitedJson.json()).toMatchObject({ error: 'rate_limited' });
    expect((await fetch(`${h.url}/subscribe`, form({ email: 'r9@example.org' }, from('192.0.2.2')))).status).toBe(200);

    // Per address, whatever the client and the case.
    expect((await fetch(`${h.url}/subscribe`, form({ email: 'Twice@example.org' }, from('198.51.100.1')))).status).toBe(200);
    expect((await fetch(`${h.url}/subscribe`, form({ email: 'twice@example.org' }, from('198.51.100.2')))).status).toBe(200);
    const third = await fetch(`${h.url}/subscribe`, form({ email: 'TWICE@example.org' }, from('198.51.100.3')));
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    await h.background.settle();
    expect(h.sink.received.filter((m) => m.to === 'twice@example.org')).toHaveLength(2);
  });

  it('believes X-Forwarded-For from the listed proxies only: a client around the proxy cannot pose as many', async () => {
    const h = await harness({ trustProxy: ['192.0.2.10'], limits: { ...defaultSubscribeLimits, perClient: { limit: 3, windowMs: 600_000 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${h.url}/subscribe`, form({ email: `p${i}@example.org` }, { 'X-Forwarded-For': `198.51.100.${i}` }))).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('unsubscribing', () => {
  it('GET shows a button and changes nothing (mail scanners prefetch links)', async () => {
    const h = await harness();
    const { id, publicId } = await addActive(h, 'ada@example.org');
    const token = createToken(secret, publicId, 'unsubscribe');
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${h.url}/unsubscribe?token=${encodeURIComponent(token)}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      // Handlebars escapes `=` as &#x3D; in attributes; browsers read it back as `=`.
      expect(html).toContain(`<form class="unsubscribe" method="post" action="/unsubscribe?token&#x3D;${token}">`);
      expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    }
    expect((await fetch(`${h.url}/unsubscribe?token=${token}`, { method: 'HEAD' })).status).toBe(200);
    expect((await h.store.getSubscriber(id))?.status).toBe('active');
  });

  it('one-click POST, form-urlencoded: 200, no redirect, unsubscribed, idempotent', async () => {
    const h = await harness();
    const { id, publicId } = await addActive(h, 'ada@example.org');
    const url = `${h.url}/unsubscribe?token=${createToken(secret, publicId, 'unsubscribe')}`;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(url, form({ 'List-Unsubscribe': 'One-Click' }));
      expect(res.status).toBe(200);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toContain('You are unsubscribed');
      expect((await h.store.getSubscriber(id))?.status).toBe('unsubscribed');
    }
  });

  it('one-click POST from one edition\'s mail leaves that edition only, and the last edition the reader gets leaves the newsletter', async () => {
    const editions = [
      { id: 'daily', name: 'Daily', schedule: '0 6 * * *' },
      { id: 'weekly', name: 'Weekly', schedule: '0 7 * * 1' },
    ];
    const h = await harness({ editions });
    const { subscriber } = await h.store.upsertSubscriber({ email: 'ada@example.org', name: null, status: 'active', editions: ['daily', 'weekly'] }, new Date());
    const token = createToken(secret, subscriber.publicId, 'unsubscribe');
    const page = await (await fetch(`${h.url}/unsubscribe?token=${token}&edition=weekly`)).text();
    expect(page).toContain('Stop sending Weekly to ada@example.org? The other editions of Example News you chose still come.');
    expect(page).toContain(`action="/unsubscribe?token&#x3D;${token}&amp;edition&#x3D;weekly"`);
    const left = await fetch(`${h.url}/unsubscribe?token=${token}&edition=weekly`, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(left.status).toBe(200);
    expect(await left.text()).toContain('ada@example.org will get no more Weekly.');
    expect(await h.store.getSubscriber(subscriber.id)).toMatchObject({ status: 'active', editions: ['daily'] });
    // The weekly's link again (a client may POST twice): the weekly is left already, and the daily stays.
    const again = await fetch(`${h.url}/unsubscribe?token=${token}&edition=weekly`, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(await again.text()).toContain('ada@example.org will get no more Weekly.');
    expect(await h.store.getSubscriber(subscriber.id)).toMatchObject({ status: 'active', editions: ['daily'] });
    // From the daily's mail, the last edition they get: the link leaves the newsletter, as it did before editions.
    const last = await fetch(`${h.url}/unsubscribe?token=${token}&edition=daily`, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(await last.text()).toContain('You are unsubscribed');
    expect((await h.store.getSubscriber(subscriber.id))?.status).toBe('unsubscribed');
  });

  it('one-click POST, multipart/form-data: unsubscribed', async () => {
    const h = await harness();
    const { id, publicId } = await addActive(h, 'ada@example.org');
    const body = new FormData();
    body.set('List-Unsubscribe', 'One-Click');
    const res = await fetch(`${h.url}/unsubscribe?token=${createToken(secret, publicId, 'unsubscribe')}`, { method: 'POST', body, redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('location')).toBeNull();
    expect((await h.store.getSubscriber(id))?.status).toBe('unsubscribed');
  });

  it('keeps a bounced reader bounced', async () => {
    const h = await harness();
    const { id, publicId } = await addActive(h, 'ada@example.org');
    await h.store.setSubscriberStatus(id, 'bounced', new Date());
    const res = await fetch(`${h.url}/unsubscribe?token=${createToken(secret, publicId, 'unsubscribe')}`, form({ 'List-Unsubscribe': 'One-Click' }));
    expect(res.status).toBe(200);
    expect((await h.store.getSubscriber(id))?.status).toBe('bounced');
  });
});

describe.skipIf(skipWithoutChromium)('the forms in a browser', () => {
  it('styles the confirmation button, and shows an error readable in dark mode', async () => {
    const h = await harness();
    // The built site's stylesheet and sign-up page, which the server's own pages share.
    await buildSite({ contentDir: new URL('../fixtures/site/wide/', import.meta.url).pathname, outDir: h.outDir }, new Date('2026-11-30T00:00:00Z'));
    await fetch(`${h.url}/subscribe`, form({ email: 'ada@example.org' }));
    const link = linkIn((await h.nextMail()).text ?? '', '/confirm');
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 375, height: 800 }, colorScheme: 'dark' });
      await page.goto(`${h.url}${link.pathname}${link.search}`);
      const button = await page.evaluate<[number, string]>("(b => [b.getBoundingClientRect().height, getComputedStyle(b).backgroundColor])(document.querySelector('form.confirm button'))");
      // At least 24 px tall (WCAG 2.2 target size), in the site's link colour rather than the browser's grey.
      expect(button[0]).toBeGreaterThanOrEqual(24);
      expect(button[1]).toBe('rgb(138, 180, 248)');
      await page.goto(`${h.url}/subscribe/`);
      await page.fill('input[name=email]', 'someone@localhost');
      await page.click('.subscribe-form button');
      await page.waitForSelector('.form-error');
      // #f28b82 on #121212: 7.5:1, where the light theme's #c5221f gave 3.2:1.
      expect(await page.evaluate<string>("getComputedStyle(document.querySelector('.form-error')).color")).toBe('rgb(242, 139, 130)');
    } finally {
      await browser.close();
    }
  });
});

describe('tokens', () => {
  it('refuses forged, swapped and wrong-purpose tokens with 400, changing nothing', async () => {
    const h = await harness();
    const ada = await addActive(h, 'ada@example.org');
    const grace = (await h.store.upsertSubscriber({ email: 'grace@example.org', name: null, status: 'pending' }, new Date())).subscriber;
    const nonce = 'abcdef0123456789abcdef0123456789';
    const adaMac = createToken(secret, ada.publicId, 'unsubscribe').split('.')[1] ?? '';
    const forged = [
      `${grace.publicId}.${adaMac}`, // Ada's signature on Grace's id
      createToken('another-secret', ada.publicId, 'unsubscribe'),
      createToken(secret, ada.publicId, 'confirm', nonce), // a confirm token is not an unsubscribe token
      `${ada.publicId}.${'A'.repeat(43)}`,
      `${ada.id}.${adaMac}`, // the sequential id
      'garbage',
      '',
    ];
    for (const token of forged) {
      const q = `token=${encodeURIComponent(token)}`;
      expect((await fetch(`${h.url}/unsubscribe?${q}`)).status, token).toBe(400);
      expect((await fetch(`${h.url}/unsubscribe?${q}`, form({ 'List-Unsubscribe': 'One-Click' }))).status, token).toBe(400);
    }
    expect((await fetch(`${h.url}/unsubscribe`, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(400);
    const graceMac = createToken(secret, grace.publicId, 'confirm', nonce).split('.')[2] ?? '';
    for (const token of [createToken(secret, grace.publicId, 'unsubscribe'), `${ada.publicId}.${nonce}.${graceMac}`, createToken('another-secret', grace.publicId, 'confirm', nonce)]) {
      expect((await fetch(`${h.url}/confirm?token=${encodeURIComponent(token)}`)).status, token).toBe(400);
      expect((await fetch(`${h.url}/confirm?token=${encodeURIComponent(token)}`, { method: 'POST' })).status, token).toBe(400);
    }
    expect((await h.store.getSubscriber(ada.id))?.status).toBe('active');
    expect((await h.store.getSubscriber(grace.id))?.status).toBe('pending');
  });

  it('takes the unsubscribe link of mail sent before readers had public ids, and no other link of that kind', async () => {
    const h = await harness();
    const ada = await addActive(h, 'ada@example.org');
    const grace = await addActive(h, 'grace@example.org');
    // The first release's link: `<sequential id>.<HMAC over gazette:<purpose>:<id>>`.
    const released = (id: number, purpose: string, key = secret): string => `${id}.${createHmac('sha256', key).update(`gazette:${purpose}:${id}`).digest('base64url')}`;
    for (const token of [released(ada.id, 'confirm'), released(ada.id, 'unsubscribe', 'another-secret'), `${grace.id}.${released(ada.id, 'unsubscribe').split('.')[1] ?? ''}`]) {
      expect((await fetch(`${h.url}/unsubscribe?token=${encodeURIComponent(token)}`, form({ 'List-Unsubscribe': 'One-Click' }))).status, token).toBe(400);
    }
    expect((await fetch(`${h.url}/confirm?token=${encodeURIComponent(released(grace.id, 'confirm'))}`, { method: 'POST' })).status).toBe(400);
    expect((await h.store.getSubscriber(grace.id))?.status).toBe('active');
    const link = `${h.url}/unsubscribe?token=${encodeURIComponent(released(ada.id, 'unsubscribe'))}`;
    expect(await (await fetch(link)).text()).toContain('ada@example.org');
    expect((await fetch(link, form({ 'List-Unsubscribe': 'One-Click' }))).status).toBe(200);
    expect((await h.store.getSubscriber(ada.id))?.status).toBe('unsubscribed');
    expect((await h.store.getSubscriber(grace.id))?.status).toBe('active');
  });

  it('does not let an old confirmation link bring back a reader who unsubscribed since', async () => {
    const h = await harness();
    await fetch(`${h.url}/subscribe`, form({ email: 'ada@example.org' }));
    const link = linkIn((await h.nextMail()).text ?? '', '/confirm');
    expect((await confirmVia(h, link)).status).toBe(200);
    const ada = await h.store.findSubscriber('ada@example.org');
    await h.store.setSubscriberStatus(ada?.id ?? 0, 'unsubscribed', new Date());
    const res = await fetch(`${h.url}${link.pathname}${link.search}`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect((await h.store.findSubscriber('ada@example.org'))?.status).toBe('unsubscribed');
  });
});

describe('/healthz', () => {
  it('answers ok as JSON, with what the health provider adds', async () => {
    const h = await harness({ health: async () => ({ lastRun: '2026-11-20T07:00:00.000Z' }) });
    const res = await fetch(`${h.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'ok', lastRun: '2026-11-20T07:00:00.000Z' });
  });
});
