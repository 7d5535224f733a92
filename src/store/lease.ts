// The run lease: one row in the store that says which process may publish or send from a database right now.
// Every path that sends (the daemon's schedules, `publish`, `send`) goes through here, so two never overlap.
import { BusyError, StoreError } from '../errors.js';
import { isDeadLocalHolder } from '../processes.js';
import type { PendingDelivery, Store } from './types.js';

/** Name of the lease held by whatever publishes, sends or rebuilds from a database. */
export const runLeaseName = 'run';

/** How long a silent holder keeps the lease before another process may take it over. */
export const defaultLeaseTtlMs = 30_000;

/**
 * How long this process may trust that its ledger claims are still its own, on its own monotonic clock: until nine
 * tenths of `ttlMs` after the last renewal began (the tenth covers the time that renewal took to land). A process
 * frozen past it (SIGSTOP, swapping) hears so from its first timer on waking, before it sends what it read while it
 * held them; a renewal that lands after that cannot revive it, as other senders may have taken some of the rows.
 */
class Hold {
  private timer: NodeJS.Timeout | null = null;
  private over = false;
  private until = Infinity;

  constructor(
    private readonly ttlMs: number,
    private readonly onLapse: () => void,
  ) {
    this.renewed(performance.now());
  }

  /**
   * A renewal that began at `startedAt` (performance.now()) succeeded. One that began after the hold lapsed
   * revives nothing, though its timer has not fired yet (a renewal that a frozen process's overdue interval
   * started on waking).
   */
  renewed(startedAt: number): void {
    if (this.over) return;
    if (startedAt >= this.until) return this.lapse();
    this.stop();
    this.until = startedAt + this.ttlMs * 0.9;
    const left = this.until - performance.now();
    if (left <= 0) return this.lapse();
    this.timer = setTimeout(() => this.lapse(), left);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private lapse(): void {
    this.over = true;
    this.stop();
    this.onLapse();
  }
}

/**
 * Runs `task` every `periodMs`, one run at a time (a slow database must not pile renewals up behind each other);
 * the timer keeps no process alive. Returns how to stop it. `task` handles its own failures.
 */
function everyInTurn(periodMs: number, task: () => Promise<void>): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void task().finally(() => (running = false));
  }, Math.max(1, Math.floor(periodMs)));
  timer.unref();
  return () => clearInterval(timer);
}

/** How far apart the clocks of the machines sharing a database may be (see checkClock). */
export const clockToleranceMs = 2_000;

/**
 * Refuses to work on a database whose server's clock is far from this machine's. Leases and claims are written with
 * the clock of the machine that takes them and read by every other, and a holder trusts them for nine tenths of
 * their time to live: a sender a minute ahead took live claims as expired and sent their rows twice. The limit is
 * a tenth of `ttlMs`, at most 2 s; machines kept by NTP are within milliseconds.
 */
export async function checkClock(store: Store, ttlMs: number): Promise<void> {
  const offset = await store.clockOffsetMs();
  const limit = Math.min(clockToleranceMs, ttlMs / 10);
  if (Math.abs(offset) <= limit) return;
  const by = `${(Math.abs(offset) / 1000).toFixed(1)} s ${offset > 0 ? 'behind' : 'ahead of'}`;
  throw new StoreError(
    `this machine's clock is ${by} the database server's; senders time their leases and ledger claims by their clocks, which must agree with the server's within ${limit} ms — set this machine's time (timedatectl set-ntp true), then run the command again`,
  );
}

/** Options of a lease: its time to live and the clock (tests pin it). */
export interface LeaseOptions {
  ttlMs?: number;
  now?: () => Date;
}

/** One named lease as seen by one holder. */
export class Lease {
  readonly ttlMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: Store,
    readonly name: string,
    readonly holder: string,
    options: LeaseOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? defaultLeaseTtlMs;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Takes the lease, or renews it when this holder has it; takes it over at once from a dead process of this
   * host; false when another live holder has it.
   */
  async acquire(): Promise<boolean> {
    if (await this.store.acquireLease(this.name, this.holder, this.ttlMs, this.now())) return true;
    const current = await this.store.getLease(this.name);
    if (!current || !isDeadLocalHolder(current.holder)) return false;
    return this.store.takeOverLease(this.name, current.holder, this.holder, this.ttlMs, this.now());
  }

  /** Extends the lease while this holder still has it; false once another holder took it (or it was given up). */
  renew(): Promise<boolean> {
    return this.store.takeOverLease(this.name, this.holder, this.holder, this.ttlMs, this.now());
  }

  /** Gives the lease up; does nothing when another holder has it by now. */
  release(): Promise<void> {
    return this.store.releaseLease(this.name, this.holder);
  }

  /**
   * Runs `fn` while renewing the lease every third of its time to live. If a renewal fails (another process took
   * the lease over, or gave it up after taking it, or the database could not be written), `fn`'s signal is aborted
   * so it stops after what is in flight, and `keep` then throws a BusyError. The caller acquires before and
   * releases after. A renewal that comes late succeeds while nobody took the lease meanwhile: a run that waited on
   * another program's SQLite lock goes on. (Claims, which are taken row by row, lapse by time: see withClaims.)
   */
  async keep<T>(fn: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const lost = new AbortController();
    const stop = everyInTurn(this.ttlMs / 3, async () => {
      // An unwritable database is as good as a lost lease: stop rather than risk two senders.
      const renewed = await this.renew().catch(() => false);
      if (renewed || lost.signal.aborted) return;
      stop();
      lost.abort(
        new BusyError(
          `lost the "${this.name}" lease to another process; the work is left to whoever holds it now (at most the messages that were in flight may reach their readers twice)`,
        ),
      );
    });
    try {
      const result = await fn(signal ? AbortSignal.any([signal, lost.signal]) : lost.signal);
      if (lost.signal.aborted) throw lost.signal.reason as BusyError;
      return result;
    } finally {
      stop();
    }
  }
}

/**
 * Runs `fn` holding the named lease: takes it (BusyError when another live process has it; StoreError when this
 * machine's clock is far from the database server's, see checkClock), renews it while `fn` runs (see `Lease.keep`)
 * and gives it up at the end. `publish` and `send` call this with `runLeaseName`.
 */
export async function withLease<T>(
  store: Store,
  name: string,
  holder: string,
  ttlMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
  options: { signal?: AbortSignal; now?: () => Date } = {},
): Promise<T> {
  await checkClock(store, ttlMs);
  const lease = new Lease(store, name, holder, { ttlMs, ...(options.now ? { now: options.now } : {}) });
  if (!(await lease.acquire())) {
    throw new BusyError(
      `another Gazette process (a daemon, publish or send) is working on this database — try again when it has finished; one that crashed on another machine is taken over after ${Math.ceil(lease.ttlMs / 1000)} s`,
    );
  }
  try {
    return await lease.keep(fn, options.signal);
  } finally {
    await lease.release();
  }
}

/** How long a sender's claim on ledger rows lasts unless renewed (`GAZETTE_CLAIM_SECONDS`). */
export const defaultClaimTtlMs = 60_000;

/** What a sender gets from `withClaims`. */
export interface Claims {
  /** Claims up to `limit` pending rows that no live sender holds. */
  claim: (limit: number) => Promise<PendingDelivery[]>;
  /** How many rows are left for a later send, others' live claims excluded. */
  pending: () => Promise<number>;
  /** Aborted when this sender's claims lapsed (see Hold): it must stop before sending another row it claimed. */
  signal: AbortSignal;
}

/**
 * Runs `fn` with a way to claim ledger rows for `holder` (PostgreSQL's cooperative sending): the claims are
 * renewed every third of their time to live while `fn` runs, and given back when it ends, so that only a
 * process that dies leaves rows claimed, and only until the claims expire. A sender whose claims lapse (its
 * renewals failing, or the process frozen past them) is stopped through `signal`, and `withClaims` then throws
 * a BusyError: the rows it read go to the other senders, not out twice.
 */
export async function withClaims<T>(store: Store, holder: string, ttlMs: number, fn: (claims: Claims) => Promise<T>): Promise<T> {
  await checkClock(store, ttlMs);
  const lapsed = new AbortController();
  const hold = new Hold(ttlMs, () =>
    lapsed.abort(
      new BusyError(
        `this sender's claims on the ledger lapsed (${Math.round(ttlMs / 1000)} s without a renewal: the database did not answer, or the process was frozen); it stopped, and the rows it held go to the other senders`,
      ),
    ),
  );
  const stop = everyInTurn(ttlMs / 3, async () => {
    const startedAt = performance.now();
    // A failed renewal lets the hold lapse, which stops this sender before the rows go to another.
    await store.renewClaims(holder, ttlMs, new Date()).then(
      () => hold.renewed(startedAt),
      () => undefined,
    );
  });
  // When this sender last looked for rows: what it leaves is counted as of then.
  let lookedAt = new Date();
  try {
    const result = await fn({
      claim: (limit) => {
        lookedAt = new Date();
        return store.claimDeliveries(holder, limit, ttlMs, lookedAt);
      },
      // What is left for a later send: rows other senders held when this one last looked are theirs to finish (a dead
      // sender's, the next send's once its claims expire). Counted at that time, not now: a claim that expired since
      // would count as left behind by a sender that found nothing to take, and make it exit 75.
      pending: () => store.countUnclaimed(holder, lookedAt),
      signal: lapsed.signal,
    });
    if (lapsed.signal.aborted) throw lapsed.signal.reason as BusyError;
    return result;
  } finally {
    stop();
    hold.stop();
    await store.releaseClaims(holder);
  }
}
