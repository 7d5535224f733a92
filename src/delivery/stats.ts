// What `gazette stats` prints: per digest, where its messages went and what readers did after; then the list's totals.
import type { DigestStats, ListTotals } from '../store/types.js';

const n = (value: number): string => value.toLocaleString('en');

/** The `--json` object: `{ digests: [...newest first], totals }`, dates as ISO 8601. */
export function statsJson(digests: readonly DigestStats[], totals: ListTotals): Record<string, unknown> {
  return { digests: digests.map((d) => ({ ...d, createdAt: d.createdAt.toISOString() })), totals };
}

const columns = ['digest', 'date', 'recipients', 'sent', 'bounced at send', 'bounced after', 'soft bounces', 'complaints', 'unsubscribed since', 'failed', 'pending'] as const;

/** A table, one row per digest (newest first), then the totals in a few lines. */
export function renderStats(digests: readonly DigestStats[], totals: ListTotals): string {
  const rows = digests.map((d) => [
    String(d.number),
    d.createdAt.toISOString().slice(0, 10),
    ...[d.recipients, d.sent, d.bouncedDuringSend, d.bouncedAfter, d.softBounces, d.complaints, d.unsubscribedSince, d.failed, d.pending].map(n),
  ]);
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const s = totals.subscribers;
  const lines = [
    ...(rows.length > 0 ? [line(columns), ...rows.map(line)] : ['no digest yet']),
    '',
    `list: ${n(s.active)} active, ${n(s.pending)} pending, ${n(s.unsubscribed)} unsubscribed, ${n(s.bounced)} bounced`,
    `all digests (${n(totals.digests)}): ${n(totals.recipients)} recipients, ${n(totals.sent)} sent, ${n(totals.bouncedDuringSend)} bounced at send, ` +
      `${n(totals.bouncedAfter)} bounced after, ${n(totals.softBounces)} soft bounces, ${n(totals.complaints)} complaints, ` +
      `${n(totals.unsubscribed)} unsubscribed, ${n(totals.failed)} failed, ${n(totals.pending)} pending`,
  ];
  return `${lines.join('\n')}\n`;
}
