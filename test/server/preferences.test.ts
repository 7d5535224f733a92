// `/preferences?token=…` and sign-up with choices, through real HTTP and in Chromium at phone width.
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import PostalMime from 'postal-mime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editionsOf } from '../../src/config/editions.js';
import { parseSiteConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/delivery/index.js';
import type { Transport } from '../../src/delivery/transport.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store, Subscriber } from '../../src/store/types.js';
import { unsubscribeSubscriber } from '../../src/subscribers/manage.js';
import { createToken } from '../../src/subscribers/tokens.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';
import { launchChromium, skipWithoutChromium } from '../fixtures/chromium.js';

const secret = 'preferences-test-secret';
const config = parseSiteConfig({
  title: 'Example News',
  baseUrl: 'https://news.example.org',
  author: { name: 'Desk' },
  newsletter: {
    from: 'Example News <news@example.org>',
    postalAddress: '1 Example Street',
    editions: [
      { id: 'weekly', name: 'Weekly digest', schedule: '0 7 * * 1' },
      { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *' },
    ],
  },
});
const known = {
  sections: [
    { key: 'business', label: 'Business' },
    { key: 'local', label: 'Local' },
    { key: 'world', label: 'World' },
  ],
  editions: editionsOf(config),
};

let dir: string;
let store: Store;
let sink: Sink;
let transport: Transport;
let server: RunningServer;
let database: TestDatabase;
let reader: Subscriber;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-preferences-'));
  const outDir = join(dir, 'public');
  await mkdir(join(outDir, 'assets'), { recursive: true });
  await copyFile(new URL('../../templates/site/site.css', import.meta.url), join(outDir, 'assets', 'site.css'));
  database = await createTestDatabase(dir);
  store = await openStore({ dbPath: database.db });
  sink = await startSink();
  transport = createTransport({ smtpUrl: sink.url, outboxDir: join(dir, 'outbox'), dkim: null });
  server = await startServer({ store, config, options: { outDir, secret }, transport, port: 0, hostname: '127.0.0.1', choices: async () => known });
  reader = (await store.upsertSubscriber({ email: 'ana@example.org', name: 'Ana', status: 'active', sections: ['world'] }, new Date())).subscriber;
});
afterEach(async () => {
  await server.close();
  await transport.close();
  await sink.close();
  await store.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

const link = (id = reader.publicId, purpose: 'preferences' | 'unsubscribe' = 'preferences'): string =>
  `${server.url}/preferences?token=${encodeURIComponent(createToken(secret, id, purpose))}`;

function post(url: string, fields: [string, string][]): Promise<Response> {
  return fetch(url, { method: 'POST', body: new URLSearchParams(fields), redirect: 'manual' });
}

describe('GET /preferences', () => {
  it('shows the reader’s editions and sections as a plain form, and changes nothing', async () => {
    const response = await fetch(link());
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('ana@example.org');
    expect(html).not.toMatch(/<script/i);
    expect(html).toMatch(/<form class="subscribe-form" method="post" action="\/preferences\?token(=|&#x3D;)[0-9a-f]{32}\./);
    // Never chose an edition: the first one is ticked; chose World: only World is ticked.
    expect(html).toContain('<input type="checkbox" name="editions" value="weekly" checked> Weekly digest');
    expect(html).toContain('<input type="checkbox" name="editions" value="daily"> Daily briefing');
    expect(html).toContain('<input type="checkbox" name="sections" value="world" checked> World');
    expect(html).toContain('<input type="checkbox" name="sections" value="local"> Local');
    expect(await store.getSubscriber(reader.id)).toMatchObject({ status: 'active', sections: ['world'], editions: [] });
  });

  it('refuses a forged token, or one made for unsubscribing', async () => {
    expect((await fetch(`${server.url}/preferences?token=1.${'A'.repeat(43)}`)).status).toBe(400);
    expect((await fetch(link(reader.publicId, 'unsubscribe'))).status).toBe(400);
    expect((await post(link(reader.publicId, 'unsubscribe'), [['sections', 'local']])).status).toBe(400);
    expect((await store.getSubscriber(reader.id))?.sections).toEqual(['world']);
  });
});

describe('POST /preferences', () => {
  it('saves the ticked editions and sections', async () => {
    const response = await post(link(), [
      ['editions', 'daily'],
      ['editions', 'weekly'],
      ['sections', 'local'],
      ['sections', 'business'],
    ]);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Your choices are saved');
    expect(await store.getSubscriber(reader.id)).toMatchObject({ status: 'active', sections: ['business', 'local'], editions: ['weekly', 'daily'] });
  });

  it('keeps the choices of a reader who left, and says nothing is sent until they subscribe again', async () => {
    await unsubscribeSubscriber(store, reader.id, new Date(), 'web');
    const response = await post(link(), [['editions', 'daily'], ['sections', 'local']]);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('ana@example.org is not subscribed to Example News, so nothing is sent to it until then');
    expect(html).not.toContain('from the next issue on');
    expect(await store.getSubscriber(reader.id)).toMatchObject({ status: 'unsubscribed', sections: ['local'], editions: ['daily'] });
  });

  it('refuses choices posted from another site, as the sign-up form does, saving nothing', async () => {
    const response = await fetch(link(), { method: 'POST', body: new URLSearchParams([['sections', 'local']]), headers: { Origin: 'https://evil.example' } });
    expect(response.status).toBe(403);
    expect((await store.getSubscriber(reader.id))?.sections).toEqual(['world']);
  });

  it('keeps every section ticked as all sections, new ones included', async () => {
    await post(link(), [['editions', 'weekly'], ['sections', 'world'], ['sections', 'local'], ['sections', 'business']]);
    expect((await store.getSubscriber(reader.id))?.sections).toEqual([]);
  });

  it('unsubscribes a reader who ticks nothing, and says so', async () => {
    const response = await post(link(), []);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('You chose nothing, so you are unsubscribed');
    expect(await store.getSubscriber(reader.id)).toMatchObject({ status: 'unsubscribed', sections: ['world'] });
  });

  it('refuses a body that is not a form with 415 and an unreadable form with 400, changing nothing', async () => {
    const sent = [
      await fetch(link(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sections: ['local'] }) }),
      await fetch(link(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'sections=local' }),
      await fetch(link(), { method: 'POST' }),
      await fetch(link(), { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'sections=local' }),
    ];
    expect(sent.map((response) => response.status)).toEqual([415, 415, 415, 400]);
    expect(await sent[0]?.text()).toContain('Unsupported request');
    expect(await store.getSubscriber(reader.id)).toMatchObject({ status: 'active', sections: ['world'] });
  });

  it('refuses an unknown section, naming the known ones, and saves nothing', async () => {
    const response = await post(link(), [['editions', 'daily'], ['sections', 'sport']]);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('unknown section &quot;sport&quot; — the sections are: Business, Local, World');
    expect(await store.getSubscriber(reader.id)).toMatchObject({ sections: ['world'], editions: [] });
  });
});

describe('POST /subscribe with choices', () => {
  it('records the editions and sections of a sign-up', async () => {
    const response = await post(`${server.url}/subscribe`, [['email', 'bo@example.org'], ['editions', 'daily'], ['sections', 'local']]);
    expect(response.status).toBe(200);
    expect(await store.findSubscriber('bo@example.org')).toMatchObject({ status: 'pending', sections: ['local'], editions: ['daily'] });
    const json = await fetch(`${server.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'cy@example.org', sections: ['World', 'local'] }),
    });
    expect(json.status).toBe(200);
    expect(await store.findSubscriber('cy@example.org')).toMatchObject({ status: 'pending', sections: ['local', 'world'], editions: ['weekly'] });
  });

  it('refuses an unknown edition, naming the known ones, and records nothing', async () => {
    const response = await fetch(`${server.url}/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'dee@example.org', editions: 'monthly' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_choice',
      message: 'unknown edition "monthly" — the editions are: weekly (Weekly digest), daily (Daily briefing).',
    });
    expect(await store.findSubscriber('dee@example.org')).toBeNull();
  });

  it('shows on the confirm page the name and choices the newest request gives, so one that someone else made shows', async () => {
    expect((await post(`${server.url}/subscribe`, [['email', 'pat@example.org'], ['name', 'Pat'], ['editions', 'daily'], ['sections', 'local']])).status).toBe(200);
    // Mail by mail: they go out in the background, and the second would not always arrive second.
    while (sink.received.length < 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const forged = '<b>Your account is locked</b> - call +1 555 0100';
    expect((await post(`${server.url}/subscribe`, [['email', 'pat@example.org'], ['name', forged], ['sections', 'world']])).status).toBe(200);
    while (sink.received.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    const newest = await PostalMime.parse(sink.received[1]!.raw);
    const confirm = /https:\/\/news\.example\.org(\/confirm\?token=[^\s<>()\]]+)/.exec(newest.text ?? '')?.[1] ?? '';
    const html = await (await fetch(`${server.url}${confirm}`)).text();
    expect(html).toContain('<dd>&lt;b&gt;Your account is locked&lt;/b&gt; - call +1 555 0100</dd>');
    expect(html).toContain('<dt>Sections</dt>\n<dd>World</dd>');
    expect(html).toContain('<dt>Editions</dt>\n<dd>Weekly digest</dd>');
    expect(html).toContain('Not what you asked for? Do not confirm');
    // Confirming gives what the page showed; a request with no choices shows all sections.
    expect((await store.findSubscriber('pat@example.org'))?.status).toBe('pending');
    expect((await post(`${server.url}/subscribe`, [['email', 'lee@example.org']])).status).toBe(200);
    while (sink.received.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    const lee = /https:\/\/news\.example\.org(\/confirm\?token=[^\s<>()\]]+)/.exec((await PostalMime.parse(sink.received[2]!.raw)).text ?? '')?.[1] ?? '';
    const leePage = await (await fetch(`${server.url}${lee}`)).text();
    expect(leePage).toContain('<dd>All sections</dd>');
    expect(leePage).not.toContain('<dt>Name</dt>');
  });

  it('shows the choices on the sign-up form', async () => {
    const html = await (await fetch(`${server.url}/subscribe/`)).text();
    expect(html).toContain('<input type="checkbox" name="editions" value="weekly" checked> Weekly digest');
    expect(html).toContain('<input type="checkbox" name="sections" value="business" checked> Business');
  });
});

const skip = skipWithoutChromium;

describe.skipIf(skip)('the preferences page in Chromium', () => {
  it('fits 375 px, and ticking boxes and saving works without JavaScript', async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 375, height: 800 }, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(link());
      const outputDir = new URL('../../test-output/', import.meta.url).pathname;
      await mkdir(outputDir, { recursive: true });
      await page.screenshot({ path: `${outputDir}preferences-375.png`, fullPage: true });
      const widths = await page.evaluate<[number, number]>('[window.innerWidth, document.documentElement.scrollWidth]');
      expect(widths[1]).toBeLessThanOrEqual(widths[0]);
      for (const box of await page.locator('input[type=checkbox]').all()) {
        const rect = await box.boundingBox();
        expect(rect).not.toBeNull();
        expect(rect!.x + rect!.width).toBeLessThanOrEqual(375);
      }
      await page.getByLabel('Daily briefing').check();
      await page.getByLabel('Local').check();
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForLoadState('load');
      expect(await page.locator('h1').textContent()).toBe('Your choices are saved');
      expect(await store.getSubscriber(reader.id)).toMatchObject({ sections: ['local', 'world'], editions: ['weekly', 'daily'] });
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('refuses a sign-up with every section unticked, saying so, without marking the address wrong', async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
      await page.goto(`${server.url}/subscribe/`);
      await page.getByLabel('Email address').fill('none@example.org');
      for (const section of ['Business', 'Local', 'World']) await page.getByLabel(section).uncheck();
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.waitForLoadState('load');
      // Named as what was left unticked (an edition is still ticked), in the title a screen reader announces first, tied
      // to the sections' group, whose first box takes the focus.
      expect(await page.locator('.form-error').textContent()).toBe('Please choose at least one section.');
      expect(await page.title()).toMatch(/^Error: Subscribe/);
      expect(await page.getByRole('group', { name: 'Sections' }).getAttribute('aria-describedby')).toBe('form-error');
      expect(await page.getByRole('group', { name: 'Editions' }).getAttribute('aria-describedby')).toBeNull();
      expect(await page.evaluate<string>('document.activeElement.value')).toBe(await page.getByLabel('Business').getAttribute('value'));
      expect(await page.getByLabel('Email address').getAttribute('aria-invalid')).toBeNull();
      // With a bad address as well, the address's error is the one shown, and the boxes are not tied to it.
      await page.getByLabel('Email address').fill('none@localhost');
      await page.getByRole('button', { name: 'Subscribe' }).click();
      await page.waitForLoadState('load');
      expect(await page.getByLabel('Email address').getAttribute('aria-describedby')).toBe('form-error');
      expect(await page.getByRole('group', { name: 'Sections' }).getAttribute('aria-describedby')).toBeNull();
      expect(await page.locator('[autofocus]').count()).toBe(1);
      // Shown as the reader left them: ticked again, a second submit would choose every section.
      for (const section of ['Business', 'Local', 'World']) expect(await page.getByLabel(section).isChecked(), section).toBe(false);
      expect(await store.findSubscriber('none@example.org')).toBeNull();
    } finally {
      await browser.close();
    }
  }, 60_000);
});
