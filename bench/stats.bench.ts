// `gazette stats` on a big list (`npm run bench -- stats`): the store methods the dashboard reads too.
//
// Setup (SQLite, seeded with SQL for speed): 1,000,000 subscribers; 500 digests, the newest 3 sent to 1,000,000
// readers each and the 497 before to 2,000 each (about 4,000,000 ledger rows); 60,000 journal events (bounces,
// soft bounces and complaints naming a digest; unsubscribes naming none).
//   baseline: `deliveryCounts()`, the existing count of the whole ledger by status (what a naive total costs).
//   gazette:  `digestStats({ limit: 50 })` (the newest 50 digests, all columns) and `listTotals()`.
// Each is timed 3 times; the best is reported with its ratio to the baseline.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/index.js';

const subscribers = 1_000_000;
const digests = 500;
const bigDigests = 3;
const smallLedger = 2_000;

async function best(run: () => Promise<unknown>): Promise<number> {
  let fastest = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await run();
    fastest = Math.min(fastest, performance.now() - started);
  }
  return fastest;
}

const dir = await mkdtemp(join(tmpdir(), 'gazette-bench-stats-'));
try {
  const dbPath = join(dir, 'gazette.db');
  await (await openStore({ dbPath })).close();
  const seeding = performance.now();
  const db = new Database(dbPath);
  db.pragma('journal_mode = WAL');
  db.transaction(() => {
    db.exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${subscribers})
      INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at)
      SELECT 'r' || i || '@example.net', 'r' || i || '@example.net', NULL,
        CASE WHEN i % 50 = 0 THEN 'bounced' WHEN i % 20 = 0 THEN 'unsubscribed' ELSE 'active' END,
        '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z' FROM seq`);
    db.exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${digests})
      INSERT INTO digests (number, created_at, subject, html, text)
      SELECT i, strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || i || ' days'), 'Issue ' || i, 'x', 'x' FROM seq`);
    db.exec(`INSERT INTO deliveries (digest_number, subscriber_id, status, attempts, updated_at)
      SELECT d.number, s.id, CASE WHEN s.id % 97 = 0 THEN 'bounced' WHEN s.id % 501 = 0 THEN 'failed' ELSE 'sent' END, 1, d.created_at
      FROM digests d JOIN subscribers s ON s.id <= CASE WHEN d.number > ${digests - bigDigests} THEN ${subscribers} ELSE ${smallLedger} END`);
    db.exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < 60000)
      INSERT INTO subscriber_events (subscriber_id, at, kind, source, digest_number, detail, dedupe_key)
      SELECT i * 16, strftime('%Y-%m-%dT%H:%M:%fZ', '2025-01-01', '+' || (i % ${digests} + 1) || ' days', '+1 hour'),
        CASE i % 4 WHEN 0 THEN 'bounced' WHEN 1 THEN 'soft_bounce' WHEN 2 THEN 'complaint' ELSE 'unsubscribed' END,
        CASE i % 4 WHEN 3 THEN 'web' ELSE 'inbound' END,
        CASE i % 4 WHEN 3 THEN NULL ELSE i % ${digests} + 1 END, 'detail', 'bench-' || i FROM seq`);
  })();
  db.exec('ANALYZE');
  db.close();
  console.log(`seeded ${subscribers.toLocaleString('en')} subscribers, ${digests} digests in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);

  const store = await openStore({ dbPath });
  const baseline = await best(() => store.deliveryCounts());
  const perDigest = await best(() => store.digestStats({ limit: 50 }));
  const totals = await best(() => store.listTotals());
  const page = await store.digestStats({ limit: 50 });
  if (page.length !== 50 || page[0]?.recipients !== subscribers) throw new Error('digestStats returned the wrong page');
  await store.close();
  console.log(`deliveryCounts(), whole ledger (baseline): ${baseline.toFixed(0)} ms`);
  console.log(`digestStats({ limit: 50 }):                ${perDigest.toFixed(0)} ms (${(perDigest / baseline).toFixed(2)}× the baseline)`);
  console.log(`listTotals():                              ${totals.toFixed(0)} ms (${(totals / baseline).toFixed(2)}× the baseline)`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
