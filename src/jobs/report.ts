// What `publish` and `send` print: a short human summary, or the one JSON object of SPEC "Commands".
import { defaultEditionId } from '../config/editions.js';
import type { BuildResult } from '../site/build.js';
import type { RunReport } from './run.js';

const n = (value: number): string => value.toLocaleString('en');

/** The `--json` object: `digest`, `delivery` (SPEC fields first, then the details), and for publish `build`. */
export function runJson(report: RunReport): Record<string, unknown> {
  const { delivery, build } = report;
  return {
    digest: report.digest,
    digests: report.digests,
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
      lastFailure: delivery.lastFailure,
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
    if (digest === null) lines.push('no new articles since the last digest: no digest made');
    for (const made of report.digests) {
      const edition = report.digests.length > 1 || made.edition !== defaultEditionId ? `${made.edition} ` : '';
      lines.push(
        `${edition}digest ${made.number}: ${n(made.articles)} article${made.articles === 1 ? '' : 's'} for ${n(made.recipients)} reader${made.recipients === 1 ? '' : 's'}` +
          (made.nothingInSections === 0 ? '' : ` (${n(made.nothingInSections)}${made.recipients === 0 ? '' : ' more'} had nothing new in their sections)`),
      );
    }
    for (const ping of report.websub) {
      if (!ping.ok) lines.push(`WebSub hub did not take ${ping.feedUrl}: ${ping.error ?? ping.status} (pinged again at the next run that pings)`);
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
  else if (d.lastFailure !== null && (d.failed > 0 || d.pending > 0)) lines.push(`the last failure: ${d.lastFailure}`);
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
