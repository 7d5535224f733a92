// The dashboard page: the numbers of `readDashboard` as tables, and the same numbers as SVG charts beside them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { SiteConfig } from '../config/schema.js';
import { templatesDirOf } from '../paths.js';
import { subscriberStatuses } from '../store/types.js';
import { renderLineChart, renderStackedBarChart } from './charts.js';
import type { DashboardData } from './read.js';

/** `templates/admin/` of this installation (see templatesDirOf). */
const adminTemplatesDir = templatesDirOf('admin');

/** Gmail's bulk-sender thresholds for the spam-complaint rate: keep under 0.1 %, never reach 0.3 %. */
export const complaintThresholds = { warning: 0.001, limit: 0.003 } as const;

/** A hard-bounce rate past which mailbox providers start to distrust a sender. */
export const bounceThreshold = 0.02;

/** The compiled dashboard and sign-in pages and their stylesheet. */
export interface DashboardTemplates {
  render(data: DashboardData, config: SiteConfig): string;
  login: Handlebars.TemplateDelegate<{ title: string; css: string; error: string | null }>;
  css: string;
}

const percent = (value: number): string => `${Number((value * 100).toFixed(2))}%`;
const shortDate = (date: Date): string => date.toISOString().slice(0, 10);
const dateTime = (date: Date | null): string => (date === null ? '—' : `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

/** How a rate stands against its thresholds: `ok`, `warning` or `over`. */
export function rateLevel(rate: number, warning: number, limit: number): 'ok' | 'warning' | 'over' {
  return rate >= limit ? 'over' : rate >= warning ? 'warning' : 'ok';
}

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Compiles the dashboard templates (once, when the admin routes are made). */
export function loadDashboardTemplates(dir = adminTemplatesDir): DashboardTemplates {
  const hbs = Handlebars.create();
  const compile = (name: string): Handlebars.TemplateDelegate => hbs.compile(readFileSync(join(dir, name), 'utf8'), { strict: true });
  const dashboard = compile('dashboard.hbs');
  const login = compile('login.hbs');
  const css = readFileSync(join(dir, 'admin.css'), 'utf8');

  return {
    login,
    css,
    render(data, config) {
      // Month and day on the charts' axes; the tables give the full dates.
      const weeks = data.weeks.map((w) => shortDate(w.start).slice(5));
      const digests = [...data.digests].reverse(); // oldest first on the charts' time axis
      const recentDigests = digests.slice(-26);
      const complaintRate = data.rates.sent === 0 ? 0 : data.rates.complaints / data.rates.sent;
      const bounceRate = data.rates.sent === 0 ? 0 : data.rates.bounced / data.rates.sent;
      return dashboard({
        title: config.title,
        css,
        generatedAt: dateTime(data.generatedAt),
        totals: subscriberStatuses.map((status) => ({ status, count: data.totals[status] })),
        // Charts are built from escaped text only (see charts.ts): the one raw insertion on the page.
        charts: {
          subscribers: renderLineChart({
            id: 'subscribers',
            title: 'Subscribers by status, week by week',
            categories: weeks,
            series: subscriberStatuses.map((status) => ({ label: status, values: data.weeks.map((w) => w.byStatus[status]) })),
          }),
          flows: renderStackedBarChart({
            id: 'flows',
            title: 'Sign-ups and departures per week',
            categories: weeks,
            series: [
              { label: 'sign-ups', values: data.weeks.map((w) => w.signups) },
              { label: 'unsubscribed', values: data.weeks.map((w) => w.unsubscribed) },
              { label: 'bounced', values: data.weeks.map((w) => w.bounced) },
            ],
          }),
          digests: renderStackedBarChart({
            id: 'digests',
            title: 'What became of each digest',
            categories: recentDigests.map((d) => `#${d.number}`),
            series: [
              { label: 'sent', values: recentDigests.map((d) => Math.max(0, d.sent - d.bouncedAfter - d.complaints)) },
              { label: 'bounced', values: recentDigests.map((d) => d.bouncedDuringSend + d.bouncedAfter) },
              { label: 'complaints', values: recentDigests.map((d) => d.complaints) },
              { label: 'failed', values: recentDigests.map((d) => d.failed) },
              { label: 'pending', values: recentDigests.map((d) => d.pending) },
            ],
          }),
          rates: renderLineChart({
            id: 'rates',
            title: 'Complaint rate per digest against the Gmail thresholds',
            categories: recentDigests.map((d) => `#${d.number}`),
            series: [{ label: 'complaint rate', values: recentDigests.map((d) => (d.sent === 0 ? 0 : d.complaints / d.sent)) }],
            thresholds: [
              { label: 'Gmail warning 0.1%', value: complaintThresholds.warning },
              { label: 'Gmail limit 0.3%', value: complaintThresholds.limit },
            ],
            format: percent,
          }),
        },
        weeks: data.weeks.map((w) => ({ ...w, start: shortDate(w.start) })).reverse(),
        digests: data.digests.map((d) => ({ ...d, createdAt: shortDate(d.createdAt) })),
        rates: {
          windowDays: data.rates.windowDays,
          sent: data.rates.sent,
          complaints: data.rates.complaints,
          bounced: data.rates.bounced,
          complaintRate: percent(complaintRate),
          bounceRate: percent(bounceRate),
          complaintLevel: rateLevel(complaintRate, complaintThresholds.warning, complaintThresholds.limit),
          bounceLevel: rateLevel(bounceRate, bounceThreshold / 2, bounceThreshold),
        },
        sending:
          data.sending === null
            ? null
            : {
                ...data.sending,
                perSecond: Number(data.sending.perSecond.toFixed(1)),
                eta: duration(data.sending.perSecond > 0 ? data.sending.pending / data.sending.perSecond : null),
              },
        schedules: data.schedules.map((s) => ({ ...s, next: dateTime(s.next), lastRun: dateTime(s.lastRun), lastResult: s.lastResult ?? '—' })),
        events: data.events.map((e) => ({ ...e, at: dateTime(e.at), detail: e.detail ?? '' })),
      });
    },
  };
}
