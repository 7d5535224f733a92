// The dashboard as an operator sees it: after a real publish through a real SMTP server (one reader refused
// during the send) and bounces, a complaint and unsubscribes recorded afterwards, the page's figures equal
// `gazette stats --json`, and Chromium shows it at phone and desktop widths with its charts and no sideways scroll.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiteConfig } from '../../src/config/load.js';
import { createTransport } from '../../src/delivery/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { run } from '../cli/run.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { createTestDatabase, testStoreKind, type TestDatabase } from '../store/databases.js';
import { sharedChromium, skipWithoutChromium } from '../fixtures/chromium.js';

const token = 'dashboard-test-token-0123456789';
const secret = 'dashboard-test-secret-0123456789-abcdefgh';
const skipBrowser = skipWithoutChromium;
const outputDir = new URL('../../test-output/', import.meta.url).pathname;
const readers = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus'].map((name) => `${name}@example.net`);

let dir: string;
let sink: Sink;
let store: Store;
let server: RunningServer;
let transport: ReturnType<typeof createTransport>;
let env: Record<string, string>;
let database: TestDatabase | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-dashboard-'));
  const content = join(dir, 'content');
  await mkdir(content);
  await writeFile(
    join(content, 'site.json'),
    JSON.stringify({
      title: 'Dashboard Desk',
      baseUrl: 'https://news.example.org',
      author: { name: 'Desk' },
      newsletter: { from: 'Desk <desk@example.org>', postalAddress: '1 Test Street', returnPath: 'bounces@mail.example.org' },
    }),
  );
  for (const slug of ['first-story', 'second-story']) {
    await writeFile(join(content, `${slug}.md`), `---\ntitle: ${slug}\ndate: 2026-01-15T08:00\nsummary: A story.\n---\nThe body of ${slug}.\n`);
  }
  database = await createTestDatabase(dir);
  sink = await startSink({ rcpt: (address) => (address === 'gus@example.net' ? { code: 550, message: '5.1.1 no such user' } : null) });
  env = {
    GAZETTE_CONTENT: content,
    GAZETTE_OUT: join(dir, 'public'),
    GAZETTE_DB: database.db,
    GAZETTE_OUTBOX: join(dir, 'outbox'),
    GAZETTE_SECRET: secret,
    GAZETTE_ADMIN_TOKEN: token,
    SMTP_URL: sink.url,
  };
  for (const email of readers) expect((await run(['subscribers', 'add', email], env)).code).toBe(0);
  const published = await run(['publish', '--json'], env);
  expect(published.code, published.stderr).toBe(0);

  store = await openStore({ dbPath: env.GAZETTE_DB! });
  const at = new Date();
  const record = (email: string, kind: 'bounced' | 'soft_bounce' | 'complaint' | 'unsubscribed', detail: string | null) =>
    store.recordReturnEvent({ kind, source: 'inbound', reader: { email }, digestNumber: 1, detail, dedupeKey: `${email}:${kind}`, at });
  await record('ann@example.net', 'bounced', '5.1.1 user unknown');
  await record('bob@example.net', 'complaint', 'feedback-type abuse');
  await record('cy@example.net', 'soft_bounce', '4.2.2 mailbox full');
  await record('dee@example.net', 'unsubscribed', null);

  const config = await loadSiteConfig(content);
  transport = createTransport({ smtpUrl: sink.url, outboxDir: env.GAZETTE_OUTBOX!, dkim: null });
  server = await startServer({ store, config, options: { outDir: env.GAZETTE_OUT!, secret }, transport, adminToken: token, port: 0, hostname: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await transport?.close();
  await store?.close();
  await sink?.close();
  await database?.dispose();
  await rm(dir, { recursive: true, force: true });
});

const authorization = `Basic ${Buffer.from(`editor:${token}`).toString('base64')}`;

/** The numbers of one table row of the page, by the row's `data-digest`. */
function digestRow(html: string, number: number): number[] {
  const row = new RegExp(`<tr data-digest="${number}">(.*?)</tr>`, 's').exec(html)?.[1] ?? '';
  return [...row.matchAll(/<td>(\d+)<\/td>/g)].map((m) => Number(m[1]));
}

describe('the dashboard page', () => {
  it('shows each digest with the figures of stats --json', async () => {
    const response = await fetch(`${server.url}/admin`, { headers: { authorization } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store, private');
    const html = await response.text();
    const stats = JSON.parse((await run(['stats', '--json'], env)).stdout) as {
      digests: { number: number; recipients: number; sent: number; bouncedDuringSend: number; bouncedAfter: number; complaints: number; unsubscribedSince: number; failed: number; pending: number }[];
      totals: { subscribers: Record<string, number> };
    };
    const first = stats.digests.find((d) => d.number === 1);
    expect(first).toMatchObject({ recipients: 7, bouncedDuringSend: 1, bouncedAfter: 1, complaints: 1 });
    expect(digestRow(html, 1)).toEqual([
      first!.recipients,
      first!.sent,
      first!.bouncedDuringSend,
      first!.bouncedAfter,
      first!.complaints,
      first!.unsubscribedSince,
      first!.failed,
      first!.pending,
    ]);
    for (const [status, count] of Object.entries(stats.totals.subscribers)) {
      expect(html).toContain(`<td data-status="${status}">${count}</td>`);
    }
    // The events, with their reasons, and the rates against Gmail's thresholds.
    expect(html).toContain('5.1.1 user unknown');
    expect(html).toContain('feedback-type abuse');
    expect(html).toMatch(/data-rate="complaints">[\d.]+%/);
    expect(html.match(/<svg class="chart"/g)).toHaveLength(4);
    // A subject in a right-to-left language reads right to left in the English page's table.
    expect(html).toMatch(/<td class="subject" dir="auto">[^<]+<\/td>/);
  });

  it('writes nothing of the dashboard into the public folder', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const files = (await readdir(env.GAZETTE_OUT!, { recursive: true, withFileTypes: true })).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(join(file.parentPath, file.name)).not.toContain('admin');
      const text = await readFile(join(file.parentPath, file.name), 'latin1');
      expect(text).not.toContain(token);
      expect(text).not.toContain('ann@example.net');
    }
  });

  describe.skipIf(skipBrowser)('in Chromium', () => {
    const browser = sharedChromium(outputDir);

    it.each([375, 1280])('fits %i px with every chart visible and no horizontal scroll', async (width) => {
      const context = await browser().newContext({ viewport: { width, height: 900 }, extraHTTPHeaders: { authorization } });
      const page = await context.newPage();
      try {
        const response = await page.goto(`${server.url}/admin`);
        expect(response?.status()).toBe(200);
        const layout = await page.evaluate<{
          scrollWidth: number;
          clientWidth: number;
          charts: { width: number; height: number; right: number }[];
          stylesheetApplied: boolean;
        }>(`({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          charts: [...document.querySelectorAll('svg.chart')].map((svg) => {
            const box = svg.getBoundingClientRect();
            return { width: box.width, height: box.height, right: box.right };
          }),
          stylesheetApplied: getComputedStyle(document.body).fontFamily.includes('system-ui'),
        })`);
        expect(layout.stylesheetApplied).toBe(true);
        expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
        expect(layout.charts).toHaveLength(4);
        for (const chart of layout.charts) {
          expect(chart.width).toBeGreaterThan(width === 375 ? 300 : 500);
          expect(chart.height).toBeGreaterThan(100);
          expect(chart.right).toBeLessThanOrEqual(width);
        }
        await page.screenshot({ path: `${outputDir}admin-${width}${testStoreKind().name === 'SQLite' ? '' : '-postgres'}.png`, fullPage: true });
      } finally {
        await context.close();
      }
    });

    it('signs in through the form and keeps the session in an HttpOnly cookie', async () => {
      const context = await browser().newContext({ viewport: { width: 375, height: 900 } });
      const page = await context.newPage();
      try {
        const first = await page.goto(`${server.url}/admin`);
        expect(first?.status()).toBe(401);
        await page.fill('#token', token);
        await Promise.all([page.waitForURL(`${server.url}/admin`), page.click('button[type="submit"]')]);
        expect(await page.locator('h1').textContent()).toBe('Dashboard Desk — dashboard');
        const cookie = (await context.cookies()).find((c) => c.name === 'gazette_admin');
        // Secure, as the site is https: Chromium keeps it over plain http on a loopback address.
        expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/admin' });
        expect(await page.evaluate<string>('document.cookie')).toBe('');
      } finally {
        await context.close();
      }
    });
  });
});
