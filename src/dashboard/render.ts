// The dashboard page: the numbers of `readDashboard` as tables, and the same numbers as SVG charts beside them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { SiteConfig } from '../config/schema.js';
import { formatNumber, registerMessageHelpers, t, type Locale } from '../i18n/index.js';
import { templatesDirOf } from '../paths.js';
import { subscriberStatuses } from '../store/types.js';
import { compactNumbers, renderLineChart, renderStackedBarChart } from './charts.js';
import type { DashboardData } from './read.js';

/** `templates/admin/` of this installation (see templatesDirOf). */
const adminTemplatesDir = templatesDirOf('admin');

/** Gmail's bulk-sender thresholds for the spam-complaint rate: keep under 0.1 %, never reach 0.3 %. */
export const complaintThresholds = { warning: 0.001, limit: 0.003 } as const;

/** A hard-bounce rate past which mailbox providers start to distrust a sender. */
export const bounceThreshold = 0.02;

/** The compiled dashboard and sign-in pages and their stylesheet. */
export interface DashboardTemplates {
  /** The dashboard; with `refresh`, it reloads itself while a digest's mail is moving (a reader may turn that off: `?refresh=off`). */
  render(data: DashboardData, config: SiteConfig, refresh?: boolean): string;
  /** The sign-in page of the site titled `title`, with the catalogue key of its error (null: none). */
  login(view: { title: string; error: LoginError | null; locale: Locale }): string;
  css: string;
}

/** Why the sign-in page is shown again: the catalogue key of what it says. */
export type LoginError = 'admin.login.wrong' | 'admin.login.tooMany';

/** A share as `language` writes a percentage (`0.12%`, `0,12 %`, `%0,12`), to two decimals at most. */
function percentOf(language: string): (value: number) => string {
  const format = new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 2 });
  return (value) => format.format(value);
}

const shortDate = (date: Date): string => date.toISOString().slice(0, 10);
const dateTime = (date: Date | null): string => (date === null ? '—' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/** How a rate stands against its thresholds: `ok`, `warning` or `over`. */
export function rateLevel(rate: number, warning: number, limit: number): 'ok' | 'warning' | 'over' {
  return rate >= limit ? 'over' : rate >= warning ? 'warning' : 'ok';
}

/** A time left in seconds, minutes or hours, in the words and digits of `language` (`7 minutes`, `7 دقائق`). */
function duration(language: string, seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const [value, unit, digits] = seconds < 90 ? [seconds, 'second', 0] : seconds < 5400 ? [seconds / 60, 'minute', 0] : [seconds / 3600, 'hour', 1];
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: digits }).format(value);
}

/** How often the page reloads itself while a digest's mail is moving (its `<meta http-equiv="refresh">`). */
const refreshSeconds = 30;

/** Compiles the dashboard templates (once, when the admin routes are made). */
export function loadDashboardTemplates(dir = adminTemplatesDir): DashboardTemplates {
  const hbs = Handlebars.create();
  registerMessageHelpers(hbs);
  const compile = (name: string): Handlebars.TemplateDelegate => hbs.compile(readFileSync(join(dir, name), 'utf8'), { strict: true });
  const dashboard = compile('dashboard.hbs');
  const login = compile('login.hbs');
  const css = readFileSync(join(dir, 'admin.css'), 'utf8');

  return {
    css,
    // A title is text, not HTML: its values are isolated with Unicode marks, as `<bdi>` would show in the tab as it is written.
    // Only a wrong token marks the field: after too many tries the token typed may be the right one.
    login: ({ title, error, locale }) => login({ pageTitle: t(locale, 'admin.login.title', { site: title }), title, css, error, wrongToken: error === 'admin.login.wrong', locale }),
    render(data, config, refresh = true) {
      const { locale } = config;
      const language = locale.tag;
      // The charts' words are plain text in SVG: never isolated (they are drawn left to right, see the template).
      const words = (key: string, params?: Record<string, string | number>): string => t(locale, key, params, false);
      // Quantities grouped as the language groups thousands (`1,250,000`, `1 250 000`); a digest's number is a name, never grouped.
      const grouped = new Intl.NumberFormat(language);
      const count = (value: number): string => grouped.format(value);
      const percent = percentOf(language);
      const compact = compactNumbers(language);
      // Month and day on the charts' axes; the tables give the full dates.
      const weeks = data.weeks.map((w) => shortDate(w.start).slice(5));
      const digests = [...data.digests].reverse(); // oldest first on the charts' time axis
      const recentDigests = digests.slice(-26);
      const complaintRate = data.rates.sent === 0 ? 0 : data.rates.complaints / data.rates.sent;
      const bounceRate = data.rates.sent === 0 ? 0 : data.rates.bounced / data.rates.sent;
      const status = (name: string): string => words('admin.status', { status: name });
      const thresholds = { complaintWarning: percent(complaintThresholds.warning), complaintLimit: percent(complaintThresholds.limit), bounceLimit: percent(bounceThreshold) };
      const barTitle = (category: string, series: string, value: number): string => words('admin.chart.bar', { category, series, value: count(value) });
      return dashboard({
        locale,
        pageTitle: t(locale, 'admin.title', { site: config.title }),
        title: config.title,
        css,
        generatedAt: dateTime(data.generatedAt),
        totals: subscriberStatuses.map((name) => ({ status: name, count: count(data.totals[name]) })),
        // Charts are built from escaped text only (see charts.ts): the one raw insertion on the page.
        charts: {
          subscribers: renderLineChart({
            id: 'subscribers',
            title: words('admin.list.chart'),
            categories: weeks,
            series: subscriberStatuses.map((name) => ({ label: status(name), values: data.weeks.map((w) => w.byStatus[name]) })),
            format: compact,
          }),
          flows: renderStackedBarChart({
            id: 'flows',
            title: words('admin.flows.chart'),
            categories: weeks,
            series: [
              { label: words('admin.flows.signups'), values: data.weeks.map((w) => w.signups) },
              { label: words('admin.flows.unsubscribed'), values: data.weeks.map((w) => w.unsubscribed) },
              { label: words('admin.flows.bounced'), values: data.weeks.map((w) => w.bounced) },
            ],
            format: compact,
            barTitle,
          }),
          digests: renderStackedBarChart({
            id: 'digests',
            title: words('admin.digests.chart'),
            categories: recentDigests.map((d) => `#${formatNumber(language, d.number)}`),
            series: [
              { label: words('admin.digests.sent'), values: recentDigests.map((d) => Math.max(0, d.sent - d.bouncedAfter - d.complaints)) },
              { label: words('admin.digests.bounced'), values: recentDigests.map((d) => d.bouncedDuringSend + d.bouncedAfter) },
              { label: words('admin.digests.complaints'), values: recentDigests.map((d) => d.complaints) },
              { label: words('admin.digests.failed'), values: recentDigests.map((d) => d.failed) },
              { label: words('admin.digests.pending'), values: recentDigests.map((d) => d.pending) },
            ],
            format: compact,
            barTitle,
          }),
          rates: renderLineChart({
            id: 'rates',
            title: words('admin.rates.chart'),
            categories: recentDigests.map((d) => `#${formatNumber(language, d.number)}`),
            series: [{ label: words('admin.rates.series'), values: recentDigests.map((d) => (d.sent === 0 ? 0 : d.complaints / d.sent)) }],
            thresholds: [
              { label: words('admin.rates.warning', { rate: thresholds.complaintWarning }), value: complaintThresholds.warning },
              { label: words('admin.rates.limit', { rate: thresholds.complaintLimit }), value: complaintThresholds.limit },
            ],
            format: percent,
          }),
        },
        weeks: data.weeks
          .map((w) => ({
            start: shortDate(w.start),
            signups: count(w.signups),
            unsubscribed: count(w.unsubscribed),
            bounced: count(w.bounced),
            byStatus: { active: count(w.byStatus.active), pending: count(w.byStatus.pending) },
          }))
          .reverse(),
        digests: data.digests.map((d) => ({
          number: d.number,
          createdAt: shortDate(d.createdAt),
          subject: d.subject,
          ...Object.fromEntries(
            (['recipients', 'sent', 'bouncedDuringSend', 'bouncedAfter', 'complaints', 'unsubscribedSince', 'failed', 'pending'] as const).map((key) => [key, count(d[key])]),
          ),
        })),
        rates: {
          windowDays: data.rates.windowDays,
          sent: count(data.rates.sent),
          complaints: count(data.rates.complaints),
          bounced: count(data.rates.bounced),
          complaintRate: percent(complaintRate),
          bounceRate: percent(bounceRate),
          ...thresholds,
          complaintLevel: rateLevel(complaintRate, complaintThresholds.warning, complaintThresholds.limit),
          bounceLevel: rateLevel(bounceRate, bounceThreshold / 2, bounceThreshold),
        },
        sending:
          data.sending === null
            ? null
            : {
                digestNumber: data.sending.digestNumber,
                sent: count(data.sending.sent),
                pending: count(data.sending.pending),
                // Two significant digits: one message in the last minute is 0.017 a second, not "0".
                perSecond: Number(data.sending.perSecond.toPrecision(2)),
                eta: duration(language, data.sending.perSecond > 0 ? data.sending.pending / data.sending.perSecond : null),
                moving: data.sending.perSecond > 0,
              },
        // Only while mail moves: a send stopped with rows pending reloaded the page every 30 s for good, taking a screen
        // reader back to the top and closing what was open (WCAG 2.2.1).
        refreshing: refresh && data.sending !== null && data.sending.perSecond > 0,
        // A reader who turned the refreshing off keeps it off when reloading by hand.
        refreshLink: refresh ? '?' : '?refresh=off',
        refreshSeconds,
        schedules: data.schedules.map((s) => ({ ...s, next: dateTime(s.next), lastRun: dateTime(s.lastRun), lastResult: s.lastResult })),
        events: data.events.map((e) => ({ ...e, at: dateTime(e.at), detail: e.detail ?? '' })),
      });
    },
  };
}
