// The send loop: every pending ledger row, read page by page, sent by a bounded number of workers, the results
// committed in batches. A row becomes `sent` only after the server accepted the message, so a crash can only make
// a later run send again what was in flight (one message per connection at most) — never lose one.
import { setTimeout as sleep } from 'node:timers/promises';
import type { SiteConfig } from '../config/schema.js';
import { DeliveryError } from '../errors.js';
import { nothingInSections, type DeliveryCursor, type DeliveryOutcome, type PendingDelivery, type ReaderState, type Store } from '../store/types.js';
import { watchHeap } from './heap.js';
import { prepareDigestMessages, type DigestMessages } from './message.js';
import { defaultDeliverySettings, type DeliverySettings } from './settings.js';
import { SendFailure, type Transport } from './transport.js';

/** A row that failed temporarily this many times over all runs is given up as `failed`. */
const maxTotalAttempts = 30;
/**
 * This many 5xx refusals in a row, with no message accepted in between, are not bad addresses but a server that
 * refuses everyone (relay denied, sending quota): the run stops and nobody is marked bounced.
 */
const bounceStreakLimit = 25;
const pageSize = 500;
/** The store's name of `newsletter.rate`, shared by every sender on a database. */
const fleetRateName = 'newsletter';

/** Where a run stands, for a progress bar or log line. */
export interface SendProgress {
  /** Rows pending when the run started. */
  total: number;
  /** Rows settled this run (sent, bounced, failed, skipped) or left pending after their last attempt. */
  done: number;
  sent: number;
  bounced: number;
  failed: number;
  skipped: number;
  /** Rows waiting for a retry. */
  retrying: number;
  /** Messages accepted per second so far. */
  ratePerSecond: number;
  /** Seconds left at the current rate, or null before there is a rate. */
  etaSeconds: number | null;
}

/** What a run did. */
export interface DeliverySummary {
  sent: number;
  bounced: number;
  failed: number;
  skipped: number;
  /** Rows still pending in the ledger after the run; a later `send` delivers them. */
  pending: number;
  /** Temporary failures met (each one retried, or left pending). */
  deferred: number;
  durationMs: number;
  ratePerSecond: number;
  /** Stopped by a signal before every row was tried. */
  interrupted: boolean;
  /** Why the run stopped taking rows early, or null. */
  stoppedEarly: string | null;
  /** Messages per second the run was slowed to after a 421/454, or null. */
  slowedTo: number | null;
  /** The cause of the last message that failed or must be retried (`ECONNRESET`, a 4xx answer), or null. */
  lastFailure: string | null;
  /** Where the messages went. */
  transport: string;
}

/** How `sendPending` runs. */
export interface SendPendingOptions {
  /** The token secret (`resolveSecret`). */
  secret: string;
  settings?: DeliverySettings;
  /** Stops taking rows; what is in flight finishes and is recorded. */
  signal?: AbortSignal;
  onProgress?: (progress: SendProgress) => void;
  /** Delay before the first retry and the cap (ms); each retry doubles it, with jitter. */
  backoff?: { baseMs: number; maxMs: number };
  clock?: () => Date;
  /**
   * Cooperative sending (PostgreSQL): rows come from claims rather than from reading every pending row, and the
   * run ends when nothing is left to claim. See `withClaims`.
   */
  claim?: (limit: number) => Promise<PendingDelivery[]>;
  /** With `claim`: how many rows are left for a later send (the summary's `pending`); others' claims excluded. */
  pending?: () => Promise<number>;
  /** `newsletter.rate`: messages per second for the whole fleet, paced through the store; null: no limit. */
  fleetRate?: number | null;
}

interface Job {
  row: PendingDelivery;
  /** Attempts this run. */
  tries: number;
  dueAt: number;
}

/**
 * Gathers what is asked for in one turn of the event loop and hands it all to `run` at once: one commit, or one
 * query, a turn instead of one per message.
 */
class TurnBatch<I, R> {
  private items: I[] = [];
  private running: Promise<R> | null = null;

  constructor(private readonly run: (items: I[]) => Promise<R>) {}

  /** Resolves with `run`'s result for the batch `item` went into. */
  add(item: I): Promise<R> {
    this.items.push(item);
    this.running ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const items = this.items;
      this.items = [];
      this.running = null;
      return this.run(items);
    });
    return this.running;
  }

  /** Resolves once the batch being gathered, if any, has run. */
  async settled(): Promise<void> {
    await this.running;
  }
}

/**
 * Commits outcomes in one transaction per turn of the event loop: every result that arrived in the same turn goes
 * into the same batch. A worker waits for its result to be committed before it takes the next row, so at any
 * moment a connection has at most one message that the ledger does not know was accepted: a crash re-sends at
 * most one message per connection. A failed commit stops the run (`onError`); the promise still resolves.
 */
function ledgerWriter(store: Store, onError: (error: unknown) => void): TurnBatch<DeliveryOutcome, void> {
  return new TurnBatch(async (batch) => {
    try {
      await store.recordDeliveries(batch);
    } catch (error) {
      onError(error);
    }
  });
}

/**
 * Reads readers' status just before their messages go out, for every worker that asks in the same turn of the
 * event loop in one query (workers whose results were committed together ask together).
 */
function readerCheck(store: Store): TurnBatch<number, Map<number, ReaderState>> {
  return new TurnBatch((ids) => store.readerStates(ids));
}

/** Rows waiting for their retry, earliest first. */
class RetryQueue {
  private readonly jobs: Job[] = [];

  get size(): number {
    return this.jobs.length;
  }

  add(job: Job): void {
    let low = 0;
    let high = this.jobs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.jobs[mid] as Job).dueAt <= job.dueAt) low = mid + 1;
      else high = mid;
    }
    this.jobs.splice(low, 0, job);
  }

  /** The earliest job when it is due, else how long until it is (ms), or null when there is none. */
  take(now: number): Job | number | null {
    const first = this.jobs[0];
    if (!first) return null;
    if (first.dueAt > now) return first.dueAt - now;
    return this.jobs.shift() ?? null;
  }
}

class SendRun {
  private readonly settings: DeliverySettings;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly clock: () => Date;
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;
  private readonly ledger: TurnBatch<DeliveryOutcome, void>;
  private readonly readers: TurnBatch<number, Map<number, ReaderState>>;
  private readonly retries = new RetryQueue();
  private readonly digests = new Map<number, Promise<DigestMessages | null>>();
  private page: PendingDelivery[] = [];
  private pageAt = 0;
  /** The page being read, so that workers needing rows at once wait for one read instead of each reading it. */
  private reading: Promise<void> | null = null;
  private cursor: DeliveryCursor | undefined;
  private exhausted = false;
  private fatal: unknown = null;
  private readonly started = performance.now();
  private rate: number;
  private nextSlot = 0;
  private lastSlowDown = -Infinity;
  private failureStreak = 0;
  /** 5xx refusals not yet recorded: they become bounces once the server accepts another message. */
  private refused: { job: Job; detail: string }[] = [];
  private total = 0;
  private readonly counts = { sent: 0, bounced: 0, failed: 0, skipped: 0, left: 0, deferred: 0 };
  private slowedTo: number | null = null;
  private stoppedEarly: string | null = null;
  private lastFailure: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly transport: Transport,
    private readonly config: SiteConfig,
    private readonly options: SendPendingOptions,
  ) {
    this.settings = options.settings ?? defaultDeliverySettings;
    this.backoff = options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
    this.clock = options.clock ?? (() => new Date());
    this.rate = this.settings.ratePerSecond;
    this.signal = options.signal ? AbortSignal.any([options.signal, this.stop.signal]) : this.stop.signal;
    this.ledger = ledgerWriter(store, (error) => this.fail(error));
    this.readers = readerCheck(store);
  }

  async run(): Promise<DeliverySummary> {
    this.total = (await this.store.deliveryCounts()).pending;
    const unwatch = watchHeap();
    try {
      await Promise.all(Array.from({ length: Math.max(1, this.settings.maxConnections) }, () => this.work()));
    } finally {
      unwatch();
    }
    if (this.fatal === null) await this.settleRefused();
    await this.ledger.settled();
    if (this.fatal !== null) throw this.fatal;
    const durationMs = performance.now() - this.started;
    return {
      sent: this.counts.sent,
      bounced: this.counts.bounced,
      failed: this.counts.failed,
      skipped: this.counts.skipped,
      pending: this.options.pending ? await this.options.pending() : (await this.store.deliveryCounts()).pending,
      deferred: this.counts.deferred,
      durationMs: Math.round(durationMs),
      ratePerSecond: Math.round(this.acceptedPerSecond()),
      interrupted: this.options.signal?.aborted ?? false,
      stoppedEarly: this.stoppedEarly,
      slowedTo: this.slowedTo,
      lastFailure: this.lastFailure,
      transport: this.transport.description,
    };
  }

  private fail(error: unknown): void {
    this.fatal ??= error;
    this.stop.abort();
  }

  private async work(): Promise<void> {
    for (;;) {
      const job = await this.next();
      if (!job || !(await this.pace())) return;
      await this.attempt(job);
    }
  }

  /** The next row to try: a due retry first, then a fresh row; waits for a retry when only those are left. */
  private async next(): Promise<Job | null> {
    for (;;) {
      if (this.signal.aborted) return null;
      const retry = this.retries.take(performance.now());
      if (retry !== null && typeof retry !== 'number') return retry;
      const row = await this.fresh();
      if (row) return { row, tries: 0, dueAt: 0 };
      if (retry === null) return null;
      if (!(await this.wait(retry))) return null;
    }
  }

  private async fresh(): Promise<PendingDelivery | null> {
    while (this.pageAt >= this.page.length) {
      if (this.exhausted) return null;
      this.reading ??= this.readPage().finally(() => {
        this.reading = null;
      });
      await this.reading;
    }
    return this.page[this.pageAt++] ?? null;
  }

  private async readPage(): Promise<void> {
    if (this.options.claim) {
      // A claim per few rows a connection: the fleet shares out the end of a send evenly.
      this.page = await this.options.claim(Math.min(pageSize, 10 * this.settings.maxConnections));
      this.pageAt = 0;
      if (this.page.length === 0) this.exhausted = true;
      return;
    }
    this.page = await this.store.pendingDeliveries(pageSize, this.cursor);
    this.pageAt = 0;
    const last = this.page.at(-1);
    if (!last || this.page.length < pageSize) this.exhausted = true;
    if (last) this.cursor = { digestNumber: last.digestNumber, subscriberId: last.subscriberId };
  }

  /** Sleeps unless the run is stopped; false when it was. */
  private async wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.signal });
      return true;
    } catch {
      return false;
    }
  }

  /** Keeps to the rate limits, this process's and the fleet's; false when the run was stopped while waiting. */
  private async pace(): Promise<boolean> {
    if (this.rate > 0) {
      const now = performance.now();
      const at = Math.max(now, this.nextSlot);
      this.nextSlot = at + 1000 / this.rate;
      if (at > now && !(await this.wait(at - now))) return false;
    }
    const fleetRate = this.options.fleetRate ?? null;
    if (fleetRate !== null && fleetRate > 0 && !this.signal.aborted) {
      const start = await this.store.reserveRateSlot(fleetRateName, 1000 / fleetRate, new Date());
      const delay = start - Date.now();
      if (delay > 0) return this.wait(delay);
    }
    return !this.signal.aborted;
  }

  private acceptedPerSecond(): number {
    const seconds = (performance.now() - this.started) / 1000;
    return seconds > 0 ? this.counts.sent / seconds : 0;
  }

  /** A 421/454 halves the pace of the whole run (at most once a second), down to one message a second. */
  private slowDown(): void {
    const now = performance.now();
    if (now - this.lastSlowDown < 1000) return;
    this.lastSlowDown = now;
    const current = this.rate > 0 ? this.rate : Math.max(this.acceptedPerSecond(), this.settings.maxConnections);
    this.rate = Math.max(1, current / 2);
    this.slowedTo = Math.round(this.rate * 10) / 10;
  }

  private messagesFor(digestNumber: number): Promise<DigestMessages | null> {
    let messages = this.digests.get(digestNumber);
    if (!messages) {
      messages = this.store
        .getDigest(digestNumber)
        .then((digest) => (digest ? prepareDigestMessages(digest, this.config, this.options.secret) : null));
      this.digests.set(digestNumber, messages);
    }
    return messages;
  }

  private record(job: Job, result: DeliveryOutcome['result'], detail: string | null): Promise<void> {
    const committed = this.ledger.add({ digestNumber: job.row.digestNumber, subscriberId: job.row.subscriberId, result, detail, at: this.clock() });
    if (result === 'failed' || result === 'retry') this.lastFailure = detail;
    if (result !== 'retry') {
      this.counts[result]++;
      this.report();
    }
    return committed;
  }

  private async attempt(job: Job): Promise<void> {
    const { row } = job;
    // The page may be minutes old by now: a reader who left since is skipped, not sent.
    const subscriber = (await this.readers.add(row.subscriberId)).get(row.subscriberId);
    const status = subscriber?.status ?? 'unsubscribed';
    if (status !== 'active') return this.record(job, 'skipped', `subscriber is ${status}`);
    try {
      const messages = await this.messagesFor(row.digestNumber);
      if (!messages) return this.record(job, 'failed', `digest ${row.digestNumber} is missing`);
      const message = messages({ ...row, sections: subscriber?.sections ?? row.sections }, this.clock());
      // The reader changed their sections since the digest was made, and none of its articles is in them now.
      if (message === null) return this.record(job, 'skipped', nothingInSections);
      // Stopped while this row waited (a lapsed lease or claim above all): it stays pending, for whoever holds it now.
      if (this.signal.aborted) return;
      const answer = await this.transport.send(message);
      this.failureStreak = 0;
      await this.bounceRefused();
      return this.record(job, 'sent', answer);
    } catch (error) {
      if (!(error instanceof SendFailure)) return this.fail(error);
      if (error.kind === 'temporary') return this.deferred(job, error);
      if (error.responseCode === null) return this.record(job, 'failed', error.message);
      return this.refuse(job, error);
    }
  }

  /** Holds a 5xx back until the server shows it accepts mail at all; too many in a row stop the run. */
  private refuse(job: Job, error: SendFailure): void {
    this.refused.push({ job, detail: error.message });
    if (this.refused.length >= bounceStreakLimit) {
      this.fail(
        new DeliveryError(
          `the SMTP server refused ${this.refused.length} recipients in a row (the last: ${error.message}); that is the server ` +
            'refusing everyone (relay, login or sending quota), not bad addresses, so nobody was marked bounced — fix it and run "gazette send" again',
        ),
      );
    }
  }

  /**
   * At the end of a run, refusals still held bounce only if the server accepted mail in this run: a small list
   * on a server that refuses everyone never reaches the streak limit, and must not lose its readers to it.
   */
  private async settleRefused(): Promise<void> {
    if (this.counts.sent > 0) return this.bounceRefused();
    const refused = this.refused;
    this.refused = [];
    const why = 'kept pending: the server accepted no message in this run, so the refusal may not be about this address';
    await Promise.all(refused.map(({ job, detail }) => this.record(job, 'retry', `${detail} (${why})`)));
  }

  private async bounceRefused(): Promise<void> {
    const refused = this.refused;
    this.refused = [];
    await Promise.all(refused.map(({ job, detail }) => this.record(job, 'bounced', detail)));
  }

  private deferred(job: Job, error: SendFailure): Promise<void> {
    this.counts.deferred++;
    job.tries++;
    if (error.slowDown) this.slowDown();
    if (job.row.attempts + job.tries >= maxTotalAttempts) {
      return this.record(job, 'failed', `gave up after ${maxTotalAttempts} temporary failures: ${error.message}`);
    }
    const committed = this.record(job, 'retry', error.message);
    if (++this.failureStreak >= Math.max(25, 5 * this.settings.maxConnections) && this.stoppedEarly === null) {
      this.stoppedEarly = `${this.failureStreak} temporary failures in a row, the last: ${error.message}`;
      this.stop.abort();
    }
    if (job.tries < this.settings.maxAttempts && !this.signal.aborted) {
      const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (job.tries - 1));
      job.dueAt = performance.now() + delay * (0.5 + Math.random() / 2);
      this.retries.add(job);
    } else {
      this.counts.left++;
    }
    this.report();
    return committed;
  }

  private report(): void {
    if (!this.options.onProgress) return;
    const { sent, bounced, failed, skipped, left } = this.counts;
    const done = sent + bounced + failed + skipped + left;
    const seconds = (performance.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    this.options.onProgress({
      total: this.total,
      done,
      sent,
      bounced,
      failed,
      skipped,
      retrying: this.retries.size,
      ratePerSecond: this.acceptedPerSecond(),
      etaSeconds: rate > 0 ? Math.max(0, this.total - done) / rate : null,
    });
  }
}

/**
 * Delivers every pending ledger row: skips readers who are no longer active, retries temporary failures with
 * exponential backoff and jitter (`maxAttempts` per run, the row stays pending after that), bounces the reader
 * on a permanent 5xx, slows the whole run on 421/454. Resolves with what it did once every row was tried or the
 * signal stopped it; rejects with the transport's DeliveryError (after recording what was done) when sending
 * cannot work at all.
 */
export function sendPending(
  store: Store,
  transport: Transport,
  config: SiteConfig,
  options: SendPendingOptions,
): Promise<DeliverySummary> {
  return new SendRun(store, transport, config, options).run();
}
