// `npm run bench -- dashboard`: the server time of /admin's page (every query and the render) on a SQLite list
// of 1,000,000 subscribers and 500 digests, against a baseline that counts the same list's statuses in Node by
// reading every row (what aggregating in the database spares), in the same run. Asserts nothing: it reports.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { parseSiteConfig } from '../src/config/load.js';
import { readDashboard } from '../src/dashboard/read.js';
import { loadDashboardTemplates } from '../src/dashboard/render.js';
import { openSqliteStore } from '../src/store/sqlite.js';

const subscribers = 1_000_000;
const digests = 500;
const olderRecipients = 2_000;
const now = new Date('2026-11-30T08:00:00Z');
const dayMs = 86_400_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Fills a migrated database straight through SQL: a year of sign-ups, 500 weekly digests, the newest being sent. */
function fill(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    const add = db.prepare('INSERT INTO subscribers (id, email, email_key, name, status, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?, ?)');
    for (let id = 1; id <= subscribers; id++) {
      const created = new Date(now.getTime() - 365 * dayMs + Math.floor((id / subscribers) * 360 * dayMs));
      const status = id % 50 === 0 ? 'unsubscribed' : id % 97 === 0 ? 'bounced' : id % 200 === 0 ? 'pending' : 'active';
      const updated = status === 'unsubscribed' || status === 'bounced' ? new Date(created.getTime() + 20 * dayMs) : created;
      const email = `reader${id}@example.org`;
      add.run(id, email, email, status, created.toISOString(), (updated > now ? now : updated).toISOString());
    }
    const digest = db.prepare("INSERT INTO digests (number, created_at, subject, html, text, issue) VALUES (?, ?, ?, '', '', ?)");
    const ledger = db.prepare('INSERT INTO deliveries (digest_number, subscriber_id, status, attempts, detail, updated_at) VALUES (?, ?, ?, 1, NULL, ?)');
    for (let n = 1; n <= digests; n++) {
      const at = new Date(now.getTime() - (digests - n) * 7 * dayMs);
      digest.run(n, at.toISOString(), `Issue ${n}`, n);
      const recipients = n === digests ? subscribers : olderRecipients;
      for (let i = 1; i <= recipients; i++) {
        const status = n === digests && i > subscribers / 2 ? 'pending' : i % 97 === 0 ? 'bounced' : 'sent';
        ledger.run(n, i, status, (n === digests ? new Date(now.getTime() - 30_000) : at).toISOString());
      }
    }
    const event = db.prepare('INSERT INTO subscriber_events (subscriber_id, at, kind, source, digest_number, detail) VALUES (?, ?, ?, ?, ?, ?)');
    for (let i = 1; i <= 50_000; i++) {
      const kind = i % 10 === 0 ? 'complaint' : i % 3 === 0 ? 'bounced' : 'unsubscribed';
      event.run(i * 19, new Date(now.getTime() - i * 60_000).toISOString(), kind, 'bench', digests - (i % 20), kind === 'bounced' ? '550 5.1.1 no such user' : null);
    }
  })();
  db.close();
}

const dir = await mkdtemp(join(tmpdir(), 'gazette-bench-dashboard-'));
try {
  const path = join(dir, 'gazette.db');
  await (await openSqliteStore(path)).close();
  const filling = performance.now();
  fill(path);
  console.log(`filled ${subscribers.toLocaleString('en-US')} subscribers, ${digests} digests (${(digests - 1) * olderRecipients + subscribers} ledger rows), 50,000 events in ${((performance.now() - filling) / 1000).toFixed(1)} s`);

  const store = await openSqliteStore(path);
  const config = parseSiteConfig({
    title: 'Bench News',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    newsletter: { from: 'Bench News <news@example.org>', postalAddress: '1 Example Street' },
  });
  const templates = loadDashboardTemplates();
  const page: number[] = [];
  const baseline: number[] = [];
  let bytes = 0;
  for (let run = 0; run < 5; run++) {
    let start = performance.now();
    bytes = templates.render(await readDashboard(store, now, ['newsletter', 'feeds']), config).length;
    page.push(performance.now() - start);
    start = performance.now();
    const counts: Record<string, number> = {};
    for await (const s of store.listSubscribers()) counts[s.status] = (counts[s.status] ?? 0) + 1;
    baseline.push(performance.now() - start);
  }
  await store.close();
  const p = median(page);
  const b = median(baseline);
  console.log(`dashboard page (all queries + render, ${(bytes / 1024).toFixed(0)} KB): median ${p.toFixed(0)} ms of 5 [${page.map((v) => v.toFixed(0)).join(', ')}]`);
  console.log(`baseline (count statuses in Node over every row): median ${b.toFixed(0)} ms of 5`);
  console.log(`page / baseline: ${(p / b).toFixed(2)}×`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
