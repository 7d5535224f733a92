// Real-but-simple parts for the scheduler tests: a newsroom whose jobs write digests and ledger rows to a real
// SQLite store, a logger whose JSON lines the test reads back, and a wait for a condition.
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { parseSiteConfig } from '../../src/config/load.js';
import type { SiteConfig } from '../../src/config/schema.js';
import { createLogger, type Logger } from '../../src/log.js';
import type { Job, JobReport, RunContext, SchedulerJobs } from '../../src/schedule/scheduler.js';
import type { Store } from '../../src/store/index.js';

/** A site config with the given schedules, parsed by the real schema. */
export function siteConfig(newsletter: string, feeds: string | null = null, timezone = 'UTC'): SiteConfig {
  return parseSiteConfig({
    title: 'Test Desk',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    feeds: { schedule: feeds },
    newsletter: { from: 'Desk <desk@example.org>', postalAddress: '1 Test Street', schedule: newsletter, timezone },
  });
}

/** A logger writing JSON lines into `lines`. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger(stream, 'debug'), lines };
}

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  // A monotonic clock: the wall clock jumped 13 s ahead while a test waited (the VM was paused and resumed), and
  // the wait failed after 2.4 s.
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Adds `count` active readers. */
export async function addReaders(store: Store, count: number): Promise<void> {
  await store.upsertSubscribers(
    Array.from({ length: count }, (_, i) => ({ email: `reader${i}@example.org`, name: null, status: 'active' as const })),
    new Date(),
  );
}

/**
 * A newsroom whose publish makes a digest of the articles no digest carried yet and then "delivers" every
 * pending ledger row, one at a time with `sendDelay` ms per message, stopping when its signal aborts.
 * `deliveries` counts each (digest, subscriber) delivered, across every store that shares it.
 */
export class Newsroom {
  readonly articles: string[] = [];
  readonly runs: RunContext[] = [];
  readonly deliveries = new Map<string, number>();
  builds = 0;
  active = 0;
  maxActive = 0;
  /** When set, a run waits for this before making its digest. */
  gate: Promise<void> | null = null;

  constructor(private readonly sendDelay = 0) {}

  /** The publish job on `store`; `editions` records which edition each run was for. */
  readonly editions: string[] = [];

  publish(store: Store): SchedulerJobs['publish'] {
    return async (run, edition) => {
      this.runs.push(run);
      this.editions.push(edition);
      this.active++;
      this.maxActive = Math.max(this.maxActive, this.active);
      try {
        await this.gate;
        const seen = await store.seenSlugs(edition);
        const fresh = this.articles.filter((slug) => !seen.has(slug));
        const digest =
          fresh.length === 0
            ? null
            : await store.createDigest({
                number: await store.nextDigestNumber(),
                edition,
                issue: await store.nextIssueNumber(edition),
                defaultEdition: true,
                blocks: [],
                createdAt: new Date(),
                subject: 'Issue',
                html: '',
                text: '',
                carried: fresh,
                passedOver: [],
              });
        run.logger.info({ digest: digest?.number ?? null }, 'digest made');
        let sent = 0;
        while (!run.signal.aborted) {
          const [row] = await store.pendingDeliveries(1);
          if (!row) break;
          await sleep(this.sendDelay);
          const key = `${row.digestNumber}:${row.subscriberId}`;
          this.deliveries.set(key, (this.deliveries.get(key) ?? 0) + 1);
          await store.recordDeliveries([
            { digestNumber: row.digestNumber, subscriberId: row.subscriberId, result: 'sent', detail: '250 OK', at: new Date() },
          ]);
          sent++;
        }
        const pending = (await store.deliveryCounts()).pending;
        const report: JobReport = { counts: { digest: digest?.number ?? null, sent, pending } };
        return pending > 0 ? { ...report, unfinished: true } : report;
      } finally {
        this.active--;
      }
    };
  }

  /** The build job: counts and returns. */
  build(): Job {
    return async () => {
      this.builds++;
      return { counts: { pages: this.articles.length } };
    };
  }
}
