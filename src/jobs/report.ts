// What `publish` and `send` print: a short human summary, or the one JSON object of SPEC "Commands".
import type { BuildResult } from '../site/build.js';
import type { RunReport } from './run.js';

const n = (value: number): string => value.toLocaleString('en');

/** The `--json` object: `digest`, `delivery` (SPEC fields first, then the details), and for publish `build`. */
export function runJson(report: RunReport): Record<string, unknown> {
  const { delivery, build } = report;
  return {
    digest: report.digest,
    delivery: {
      sent: delivery.sent,
      bounced: delivery.bounced,
      failed: delivery.failed,
      pending: delivery.pending,
      skipped: delivery.skipped,
      deferred: delivery.deferred,
      durationMs: delivery.durationMs,
      ratePerSecond: delivery.ratePerSecond,
      interrupted: delivery.interrupted,
      stoppedEarly: delivery.stoppedEarly,
      slowedTo: delivery.slowedTo,
      transport: delivery.transport,
    },
    ...(build
      ? {
          build: buildCounts(build),
          websub: report.websub,
        }
      : {}),
  };
}

/** The `--json` object as one line of JSON. */
export function renderRunJson(report: RunReport): string {
  return JSON.stringify(runJson(report));
}

/** The human summary: the digest made (publish), then what delivery did and where the messages went. */
export function renderRunSummary(report: RunReport, kind: 'publish' | 'send'): string {
  const { digest, delivery: d } = report;
  const lines: string[] = [];
  if (kind === 'publish') {
    lines.push(
      digest
        ? `digest ${digest.number}: ${n(digest.articles)} article${digest.articles === 1 ? '' : 's'} for ${n(digest.recipients)} reader${digest.recipients === 1 ? '' : 's'}`
        : 'no new articles since the last digest: no digest made',
    );
    for (const ping of report.websub) {
      if (!ping.ok) lines.push(`WebSub hub did not take ${ping.feedUrl}: ${ping.error ?? ping.status}`);
    }
  }
  const tried = d.sent + d.bounced + d.failed + d.skipped;
  const pace = d.sent > 0 ? `, ${n(d.ratePerSecond)} msg/s` : '';
  lines.push(
    tried === 0 && d.pending === 0
      ? 'nothing to deliver'
      : `sent ${n(d.sent)} · bounced ${n(d.bounced)} · failed ${n(d.failed)} · skipped ${n(d.skipped)} · pending ${n(d.pending)}` +
          ` — ${(d.durationMs / 1000).toFixed(1)} s${pace}, through ${d.transport}`,
  );
  if (d.slowedTo !== null) lines.push(`the server asked to slow down: the run went down to ${d.slowedTo} msg/s`);
  if (d.stoppedEarly !== null) lines.push(`stopped early: ${d.stoppedEarly}`);
  if (d.interrupted) lines.push('stopped by a signal after the messages in flight were recorded');
  return `${lines.join('\n')}\n`;
}

/** What a build did, as counts (the `build` part of the JSON, and the daemon's record of a rebuild). */
export function buildCounts(build: BuildResult): Record<'articles' | 'sections' | 'written' | 'unchanged' | 'removed' | 'problems', number> {
  return {
    articles: build.articles,
    sections: build.sections,
    written: build.written.length,
    unchanged: build.unchanged,
    removed: build.removed.length,
    problems: build.problems.length,
  };
}
