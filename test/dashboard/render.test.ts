// The dashboard in the site's language: its words from the catalogues, its numbers, shares and durations as the
// language writes them, right to left in Arabic with the charts still drawn left to right, and the page fitting a phone.
import { describe, expect, it } from 'vitest';
import { loadDashboardTemplates } from '../../src/dashboard/render.js';
import type { DashboardData } from '../../src/dashboard/read.js';
import { sharedChromium, skipWithoutChromium } from '../fixtures/chromium.js';
import { makeSiteConfig } from '../fixtures/feeds/factory.js';

const outputDir = new URL('../../test-output/', import.meta.url).pathname;
const templates = loadDashboardTemplates();

/** A week of a list of 1,250,000 readers, a digest being sent, a schedule and two return-path events. */
const data: DashboardData = {
  generatedAt: new Date('2026-03-02T09:30:00Z'),
  totals: { pending: 3, active: 1_250_000, unsubscribed: 40, bounced: 7 },
  weeks: [
    { start: new Date('2026-02-16T00:00:00Z'), signups: 12, unsubscribed: 2, bounced: 1, byStatus: { pending: 2, active: 1200, unsubscribed: 38, bounced: 6 } },
    { start: new Date('2026-02-23T00:00:00Z'), signups: 55, unsubscribed: 2, bounced: 1, byStatus: { pending: 3, active: 1_250_000, unsubscribed: 40, bounced: 7 } },
  ],
  digests: [
    {
      number: 12,
      createdAt: new Date('2026-03-02T09:00:00Z'),
      subject: 'أخبار اليوم — 2 مارس',
      recipients: 1250,
      sent: 800,
      bouncedDuringSend: 2,
      bouncedAfter: 1,
      softBounces: 0,
      complaints: 1,
      unsubscribedSince: 0,
      failed: 0,
      pending: 447,
      skipped: 0,
    },
  ],
  rates: { windowDays: 30, sent: 800, complaints: 1, bounced: 3 },
  sending: { digestNumber: 12, sent: 800, pending: 447, perSecond: 3.5 },
  schedules: [{ name: 'digest:daily', pattern: '0 9 * * *', next: new Date('2026-03-03T09:00:00Z'), lastRun: new Date('2026-03-02T09:00:05Z'), lastResult: 'ok' }],
  events: [
    { at: new Date('2026-03-02T09:20:00Z'), email: 'ann@example.net', kind: 'bounced', source: 'inbound', detail: '5.1.1 user unknown' },
    { at: new Date('2026-03-02T09:25:00Z'), email: 'bob@example.net', kind: 'complaint', source: 'inbound', detail: null },
  ],
};

/** The page's text without its tags, styles and charts. */
function textOf(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<svg[\s\S]*?<\/svg>/g, '')
    .replace(/<[^>]+>/g, ' ');
}

describe('the dashboard in the site language', () => {
  it('is in English by default: the words, shares and durations as before', () => {
    const html = templates.render(data, makeSiteConfig({ title: 'Desk' }));
    expect(html).toContain('<html lang="en" dir="ltr">');
    expect(html).toContain('<h1>Desk — dashboard</h1>');
    expect(html).toContain('<td data-status="active">1,250,000</td>');
    expect(html).toContain('<title>Desk — dashboard</title>');
    // The level in words as well as in colour (WCAG 1.4.1).
    expect(html).toContain('data-rate="complaints">0.13%</span> <strong class="level">near the limit</strong> (1 of 800 sent) — Gmail warns at 0.1% and refuses at 0.3%');
    expect(html).toContain('Digest #12: 800 sent, 447 to go, 3.5 messages a second, about 2 minutes left.</p>\n<p>This page refreshes every 30 seconds. <a href="?refresh=off">Stop refreshing</a></p>');
    expect(html).toContain('<td>hard bounce</td><td>returned mail</td>');
    // The tables that scroll in their own box are named regions a keyboard reaches.
    expect(html).toContain('<div class="scroll" tabindex="0" role="region" aria-labelledby="digests">');
    expect(html).toContain('<div class="scroll" tabindex="0" role="region" aria-label="Week by week">');
    expect(html).toContain('<td>done</td>');
    expect(html).toContain('<title>02-23: sign-ups 55</title>');
    expect(html).toContain('<title>Subscribers by status, week by week</title>');
  });

  it('reloads itself only while mail moves, and not once the reader turns that off (WCAG 2.2.1)', () => {
    const refresh = '<meta http-equiv="refresh" content="30">';
    const config = makeSiteConfig({ title: 'Desk' });
    expect(templates.render(data, config)).toContain(refresh);
    const off = templates.render(data, config, false);
    expect(off).not.toContain(refresh);
    expect(off).toContain('about 2 minutes left.</p>\n<p><a href="?refresh&#x3D;off">Refresh</a></p>');
    // One message in the last minute is not "0 messages a second".
    expect(templates.render({ ...data, sending: { digestNumber: 12, sent: 800, pending: 447, perSecond: 1 / 60 } }, config)).toContain('0.017 messages a second');
    // A send stopped with rows pending: nothing moves, nothing reloads, and no time left is guessed.
    const stalled = templates.render({ ...data, sending: { digestNumber: 12, sent: 800, pending: 447, perSecond: 0 } }, config);
    expect(stalled).not.toContain(refresh);
    expect(stalled).toContain(
      'Digest #12: 800 sent, 447 to go; nothing was sent in the last minute. If no sender is running, “gazette send” finishes it.</p>\n<p><a href="?">Refresh</a></p>',
    );
    // Under a heading that does not say it is sending now.
    expect(stalled).toContain('<h2 id="sending">Delivery</h2>');
    expect(stalled).not.toContain('a second, about');
    expect(templates.render({ ...data, sending: null }, config)).not.toContain(refresh);
  });

  it('speaks French: every heading and label from its catalogue, shares with a comma and a non-breaking space', () => {
    const html = templates.render(data, makeSiteConfig({ title: 'Desk', language: 'fr' }));
    expect(html).toContain('<html lang="fr" dir="ltr">');
    expect(html).toContain('<h1>Desk — tableau de bord</h1>');
    expect(html).toContain('data-rate="complaints">0,13\u00a0%</span>');
    expect(html).toContain('<th scope="col">actifs</th>');
    expect(html).toContain('<td data-status="active">1\u202f250\u202f000</td>');
    expect(html).toContain('<title>02-23\u00a0: inscriptions 55</title>');
    expect(html).toContain('<td>terminée</td>');
    expect(html).toContain('<td>rebond définitif</td>');
    expect(html).toContain('<title>Abonnés par statut, semaine après semaine</title>');
    expect(html).toContain('Gmail avertit à 0,1\u00a0% et refuse à 0,3\u00a0%');
    // None of the English page's own words is left (the code, the addresses and the reasons are data).
    for (const english of ['dashboard', 'Sign out', 'The list', 'Week by week', 'Sender health', 'Delivery', 'Schedules', 'Digests', 'Latest events', 'sent', 'to go', 'pending', 'done', 'returned mail', 'left', 'seconds']) {
      expect(textOf(html), english).not.toMatch(new RegExp(`\\b${english}\\b`));
    }
  });

  it('writes right to left in Arabic, each address and code isolated, the charts left to right', () => {
    const html = templates.render(data, makeSiteConfig({ title: 'Desk', language: 'ar' }));
    expect(html).toContain('<html lang="ar" dir="rtl">');
    // A title is text: its value isolated with Unicode marks, never a <bdi> tag shown as it is written.
    expect(html).toContain('<title>\u2068Desk\u2069 — لوحة المتابعة</title>');
    expect(html).toContain('<code dir="ltr">0 9 * * *</code>');
    expect(html).toContain('<td><bdi>2026-03-02 09:20 UTC</bdi></td>');
    expect(html).toContain('<h2 id="list">القائمة</h2>');
    expect(html).toContain('<td><bdi>ann@example.net</bdi></td>');
    expect(html).toContain('<td>ارتداد دائم</td>');
    expect(html.match(/<figure dir="ltr"><svg class="chart"/g)).toHaveLength(4);
    expect(html).toContain('<title>المشتركون حسب الحالة، أسبوعًا بعد أسبوع</title>');
    expect(html).toContain('سمعة المرسِل (آخر 30 يومًا)');
    expect(html).toContain('بمعدّل 3.5 رسالة في الثانية');
  });

  it('shows the sign-in page in the site language, the error by its key', () => {
    const html = templates.login({ title: 'Desk', error: 'admin.login.wrong', locale: makeSiteConfig({ language: 'de' }).locale });
    expect(html).toContain('<html lang="de" dir="ltr">');
    expect(html).toContain('<p class="error" role="alert" id="login-error">Dieses Token stimmt nicht.</p>');
    expect(html).toContain('aria-invalid="true" aria-describedby="login-error"');
    // After too many tries the token typed may be right: the field is not marked wrong.
    expect(templates.login({ title: 'Desk', error: 'admin.login.tooMany', locale: makeSiteConfig({ language: 'de' }).locale })).not.toContain('aria-invalid');
    expect(html).toContain('<button type="submit">Anmelden</button>');
  });

  describe.skipIf(skipWithoutChromium)('in Chromium', () => {
    const browser = sharedChromium(outputDir);

    it.each([
      ['en', 'ltr'],
      ['de', 'ltr'],
      ['ar', 'rtl'],
    ] as const)('lays the %s page out on a 320 px phone (%s), a list of a million and schedules and all, with no sideways scroll and the charts drawn left to right', async (language, direction) => {
      const page = await browser().newPage({ viewport: { width: 320, height: 900 } });
      try {
        await page.setContent(templates.render(data, makeSiteConfig({ title: 'Desk', language })));
        const layout = await page.evaluate<{ scrollWidth: number; clientWidth: number; direction: string; h1: { left: number; right: number }; chartDirections: string[] }>(`({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
          direction: getComputedStyle(document.querySelector('h2')).direction,
          h1: document.querySelector('h1').getBoundingClientRect().toJSON(),
          chartDirections: [...document.querySelectorAll('svg.chart')].map((svg) => getComputedStyle(svg).direction),
        })`);
        // A table wider than the phone scrolls in its own box (the schedules' did not, and pushed the page sideways).
        expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
        expect(layout.direction).toBe(direction);
        // The heading starts at the edge its language reads from (16 px of padding).
        if (direction === 'rtl') expect(layout.h1.right).toBeCloseTo(320 - 16, 0);
        else expect(layout.h1.left).toBeCloseTo(16, 0);
        expect(layout.chartDirections).toEqual(['ltr', 'ltr', 'ltr', 'ltr']);
        await page.screenshot({ path: `${outputDir}admin-${language}-320.png`, fullPage: true });
      } finally {
        await page.close();
      }
    });
  });
});
