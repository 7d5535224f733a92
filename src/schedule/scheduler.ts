// The daemon's clock: node-cron fires the schedules of site.json (and a timer the slots in a gap the clocks skip,
// which node-cron never fires: see gaps.ts); a run coordinator on the store's run lease decides which process runs a
// fire; the stored next slot gives one catch-up run after an outage.
import { randomUUID } from 'node:crypto';
import { Mutex } from 'async-mutex';
import cron, { type RunCoordinator, type ScheduledTask } from 'node-cron';
import { editionsOf } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { holderId } from '../processes.js';
import { clockToleranceMs, defaultLeaseTtlMs, Lease, runLeaseName } from '../store/lease.js';
import { nextGapFire } from './gaps.js';
import {
  editionScheduleName,
  readScheduleState,
  writeScheduleState,
  type RunReason,
  type RunRecord,
  type RunResult,
  type ScheduleName,
  type ScheduleState,
} from './state.js';

/** What a job is given for one run. */
export interface RunContext {
  /** Aborted on shutdown or when the run lease is lost: finish what is in flight, record it, return. */
  signal: AbortSignal;
  runId: string;
  /** Carries `runId` and the schedule name on every line. */
  logger: Logger;
  /** The cron slot this run stands for. */
  slot: Date;
  reason: RunReason;
}

/** What a job reports: counts for logs and /healthz, and whether work is left for a later run. */
export interface JobReport {
  counts: Record<string, unknown>;
  /** Deliveries left pending (temporary failures, or stopped by a signal): the next run resumes them. */
  unfinished?: boolean;
}

/** A scheduled job. */
export type Job = (run: RunContext) => Promise<JobReport>;

/** The work the schedules run. */
export interface SchedulerJobs {
  /** Each edition's schedule: build feeds and site, make a digest of the edition if anything is new, deliver it. */
  publish: (run: RunContext, edition: string) => Promise<JobReport>;
  /** `feeds.schedule`: rebuild feeds and pages, send nothing. */
  build: Job;
  /**
   * Sends what is pending alongside the process that holds the run lease (PostgreSQL's claims), without making a
   * digest or recording the slot; null when it found nothing to send. Absent where one process sends at a time (SQLite).
   */
  help?: (run: Pick<RunContext, 'signal' | 'logger'>) => Promise<JobReport | null>;
}

/** Everything the scheduler needs; tests inject their own jobs and a short lease. */
export interface SchedulerOptions {
  config: Pick<SiteConfig, 'title' | 'timezone' | 'newsletter' | 'feeds'>;
  store: Store;
  logger: Logger;
  jobs: SchedulerJobs;
  /** How long a silent holder of the run lease is waited for before a standby takes over. */
  leaseTtlMs?: number;
  /** This process's lease holder id; one is made when omitted. */
  holder?: string;
}

/** A run in progress. */
export interface RunningInfo {
  schedule: ScheduleName;
  slot: string;
  reason: RunReason;
  runId: string;
  startedAt: string;
}

/** One schedule as /healthz shows it. */
export interface ScheduleHealth {
  name: ScheduleName;
  pattern: string;
  timezone: string;
  /** Next cron fire, or null once stopped. */
  next: string | null;
  /** A slot waiting for the run lease (another process is running), or null. */
  waiting: string | null;
  /** The last finished run of this schedule by any process on this database, without its holder (see HealthInfo). */
  lastRun: Omit<RunRecord, 'holder'> | null;
}

/**
 * The scheduler's state for /healthz, which answers anyone: no lease holder anywhere in it (a machine's name, boot id
 * and pid), which the logs give the operator.
 */
export interface HealthInfo {
  running: RunningInfo | null;
  schedules: ScheduleHealth[];
}

/** A started scheduler. */
export interface Scheduler {
  /** Stops the schedules, aborts the run in progress and resolves once it has finished and been recorded. */
  stop(): Promise<void>;
  health(): Promise<HealthInfo>;
}

/** Starts the schedules of `config` (and a catch-up run for any slot missed while no daemon ran). */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const scheduler = new CronScheduler(options);
  await scheduler.start();
  return scheduler;
}

interface Schedule {
  name: ScheduleName;
  pattern: string;
  timezone: string;
  job: Job;
  task: ScheduledTask;
  /** A newsletter slot is never dropped for want of the lease: it waits. A feeds slot just skips. */
  waits: boolean;
}

interface Current extends RunningInfo {
  finished: Promise<void>;
  resolveFinished: () => void;
}

type Refusal = 'stopped' | 'running' | 'behind-build' | 'lease-held' | 'done' | 'store-error';

// A beat this late still runs its slot (if the next slot has not come): a busy event loop must not drop a digest.
const missedTolerance = 60_000;

// How long a gap timer waits at most before it looks again (a timer cannot wait past 24.8 days).
const gapLookAgain = 24 * 60 * 60 * 1000;

class CronScheduler implements Scheduler {
  private readonly store: Store;
  private readonly logger: Logger;
  private readonly holder: string;
  private readonly lease: Lease;
  private readonly schedules: Schedule[] = [];
  private readonly stopping = new AbortController();
  private readonly waiting = new Map<ScheduleName, { slot: Date; timer: NodeJS.Timeout | null }>();
  private readonly gapTimers = new Map<ScheduleName, NodeJS.Timeout>();
  /** Each schedule's next gap fire (see gaps.ts) and from when it was looked for: /healthz asks often. */
  private readonly gapFires = new Map<ScheduleName, { from: number; fire: Date | null }>();
  private current: Current | null = null;
  /** The send this process is helping another process's run with, or null. */
  private helping: Promise<void> | null = null;
  private readonly help: SchedulerJobs['help'];
  // Claims are asynchronous now: one at a time, so two fires never both see no run in progress.
  private readonly claiming = new Mutex();

  constructor(options: SchedulerOptions) {
    this.store = options.store;
    this.logger = options.logger;
    this.holder = options.holder ?? holderId();
    this.lease = new Lease(this.store, runLeaseName, this.holder, { ttlMs: options.leaseTtlMs ?? defaultLeaseTtlMs });
    const { config, jobs } = options;
    this.help = jobs.help;
    // One schedule per edition; the one edition of a site without editions keeps the name (and state) `newsletter`.
    for (const edition of editionsOf(config)) {
      this.add(editionScheduleName(config, edition.id), edition.schedule, config.newsletter.timezone, (run) => jobs.publish(run, edition.id), true);
    }
    if (config.feeds.schedule !== null) this.add('feeds', config.feeds.schedule, config.timezone, jobs.build, false);
  }

  /** Starts the cron tasks, after bringing the stored state up to date, and the catch-up runs due. */
  async start(): Promise<void> {
    const due: Schedule[] = [];
    for (const schedule of this.schedules) if (await this.prepareState(schedule)) due.push(schedule);
    for (const schedule of this.schedules) {
      void schedule.task.start();
      this.armGap(schedule);
      this.logger.info(
        { schedule: schedule.name, pattern: schedule.pattern, timezone: schedule.timezone, next: this.nextFire(schedule), holder: this.holder },
        'schedule started',
      );
    }
    // Newsletter first: its publish rebuilds too, so a feeds catch-up behind it is skipped.
    for (const schedule of due) {
      const slot = new Date((await this.state(schedule)).nextSlot);
      this.logger.info({ schedule: schedule.name, missedSince: slot.toISOString() }, 'slots were missed while no daemon ran: one catch-up run now');
      // Claimed before start resolves, so that the catch-up is the run in progress from then on.
      if (await this.admit(schedule, slot, 'catch-up')) void this.runClaimed();
    }
  }

  async stop(): Promise<void> {
    if (!this.stopping.signal.aborted) {
      for (const schedule of this.schedules) void schedule.task.destroy();
      for (const timer of this.gapTimers.values()) clearTimeout(timer);
      for (const wait of this.waiting.values()) if (wait.timer) clearTimeout(wait.timer);
      this.waiting.clear();
      this.stopping.abort();
      this.logger.info({ running: this.current?.runId ?? null }, 'schedules stopped');
    }
    await Promise.all([this.current?.finished, this.helping]);
  }

  async health(): Promise<HealthInfo> {
    // What runs now is taken before reading the store, which may take long enough for the run to end.
    const running = this.current && {
      schedule: this.current.schedule,
      slot: this.current.slot,
      reason: this.current.reason,
      runId: this.current.runId,
      startedAt: this.current.startedAt,
    };
    const lastRuns = new Map<ScheduleName, Omit<RunRecord, 'holder'> | null>();
    for (const schedule of this.schedules) {
      const lastRun = (await readScheduleState(this.store, schedule.name))?.lastRun;
      if (!lastRun) {
        lastRuns.set(schedule.name, null);
        continue;
      }
      const { holder: _holder, ...shown } = lastRun;
      lastRuns.set(schedule.name, shown);
    }
    return {
      running,
      schedules: this.schedules.map((schedule) => ({
        name: schedule.name,
        pattern: schedule.pattern,
        timezone: schedule.timezone,
        next: this.stopping.signal.aborted ? null : this.nextFire(schedule),
        waiting: this.waiting.get(schedule.name)?.slot.toISOString() ?? null,
        lastRun: lastRuns.get(schedule.name) ?? null,
      })),
    };
  }

  private add(name: ScheduleName, pattern: string, timezone: string, job: Job, waits: boolean): void {
    const log = this.logger.child({ schedule: name });
    const coordinator: RunCoordinator = {
      // node-cron's key is `<task name>:<slot ISO>`.
      shouldRun: async (key) => {
        const slot = new Date(key.slice(name.length + 1));
        const refusal = await this.claim(schedule, slot, 'scheduled');
        if (refusal) this.refused(schedule, slot, refusal);
        return refusal === null;
      },
      onComplete: () => this.finish(),
    };
    const task = cron.createTask(pattern, () => this.execute(), {
      name,
      timezone,
      distributed: true,
      runCoordinator: coordinator,
      distributedLease: this.lease.ttlMs,
      missedExecutionTolerance: missedTolerance,
      logger: {
        info: (message) => log.info(message),
        warn: (message) => log.warn(message),
        error: (message, error) => log.error({ err: error ?? message }, typeof message === 'string' ? message : 'node-cron error'),
        debug: (message) => log.debug(typeof message === 'string' ? message : message.message),
      },
    });
    task.on('execution:missed', (context) => {
      if (!waits) return;
      log.warn({ slot: context.date.toISOString() }, 'the event loop was too busy at the fire time: running the slot late');
      void this.attempt(schedule, context.date, 'deferred');
    });
    const schedule: Schedule = { name, pattern, timezone, job, task, waits };
    this.schedules.push(schedule);
  }

  /**
   * Makes sure the schedule has state for its current pattern; true when a slot was missed meanwhile. A slot the
   * old pattern left due (missed while no daemon ran, or a run stopped or failed, its readers still pending) is
   * still caught up once after the pattern or time zone changed: starting afresh left 2,552 of 3,000 copies of a
   * stopped run pending until the new schedule's first fire, a week on.
   */
  private async prepareState(schedule: Schedule): Promise<boolean> {
    const state = await this.checkedState(schedule, await readScheduleState(this.store, schedule.name));
    const due = state !== null && new Date(state.nextSlot).getTime() <= Date.now();
    if (state && state.pattern === schedule.pattern && state.timezone === schedule.timezone) return due;
    if (state) {
      const fields = { schedule: schedule.name, was: state.pattern, wasTimezone: state.timezone };
      this.logger.info(fields, due ? 'schedule changed: the slot the old one left due is caught up first' : 'schedule changed: it starts afresh');
    }
    await writeScheduleState(this.store, schedule.name, {
      pattern: schedule.pattern,
      timezone: schedule.timezone,
      nextSlot: due ? state.nextSlot : this.nextFire(schedule),
      lastRun: state?.lastRun ?? null,
    });
    return due;
  }

  /**
   * The stored state, with a next slot beyond the schedule's next fire set back to that fire. Only a clock that ran
   * ahead when a run was recorded puts it there (a run stores the fire after its end), and left so every slot
   * until the wall clock caught up was refused as done, at debug level, across restarts.
   */
  private async checkedState<S extends ScheduleState | null>(schedule: Schedule, state: S): Promise<S> {
    if (state === null || state.pattern !== schedule.pattern || state.timezone !== schedule.timezone) return state;
    const next = this.nextFire(schedule);
    // Beyond by more than the clocks of a fleet may differ (checkClock): a daemon a second behind claiming just
    // before a fire sees the slot another recorded just after it.
    if (new Date(state.nextSlot).getTime() <= new Date(next).getTime() + clockToleranceMs) return state;
    const why = 'a clock ran ahead, or an earlier Gazette passed over a time the clocks skip';
    this.logger.warn({ schedule: schedule.name, stored: state.nextSlot, next }, `the stored next slot lies beyond the next fire (${why}): set back to it`);
    const fixed = { ...state, nextSlot: next };
    await writeScheduleState(this.store, schedule.name, fixed);
    return fixed;
  }

  private async state(schedule: Schedule): Promise<ScheduleState> {
    const state = await readScheduleState(this.store, schedule.name);
    if (!state) throw new Error(`the state of schedule ${schedule.name} vanished from the store`);
    return state;
  }

  /**
   * node-cron computes fires only forward from now, so the next slot is stored rather than derived. It is node-cron's
   * next fire, or the end of a gap before it that holds a time the pattern names (see gaps.ts).
   */
  private nextFire(schedule: Schedule): string {
    const [next] = schedule.task.getNextRuns(1);
    if (!next) throw new Error(`schedule ${schedule.name} has no next fire`);
    const gap = this.gapFire(schedule, Date.now());
    return (gap !== null && gap < next ? gap : next).toISOString();
  }

  /** The next gap fire after `now`, looked for again once it has passed (or, when there is none, a day later). */
  private gapFire(schedule: Schedule, now: number): Date | null {
    const known = this.gapFires.get(schedule.name);
    if (known && now >= known.from && (known.fire === null ? now < known.from + gapLookAgain : now < known.fire.getTime())) return known.fire;
    const fire = nextGapFire(schedule.pattern, schedule.timezone, new Date(now));
    this.gapFires.set(schedule.name, { from: now, fire });
    return fire;
  }

  /**
   * Runs the next slot node-cron skips in a gap (see gaps.ts) when the gap ends, through the same claim as the others;
   * node-cron's own fires in between change nothing.
   */
  private armGap(schedule: Schedule): void {
    clearTimeout(this.gapTimers.get(schedule.name));
    if (this.stopping.signal.aborted) return;
    const now = Date.now();
    const gap = this.gapFire(schedule, now);
    const timer = setTimeout(
      () => {
        if (gap === null || Date.now() < gap.getTime()) this.armGap(schedule);
        else void this.attempt(schedule, gap, 'scheduled').finally(() => this.armGap(schedule));
      },
      Math.min(gap === null ? gapLookAgain : gap.getTime() - now, gapLookAgain),
    );
    this.gapTimers.set(schedule.name, timer);
  }

  /** Decides whether this process runs `slot` now; on yes, holds the run lease and marks the run current. */
  private claim(schedule: Schedule, slot: Date, reason: RunReason): Promise<Refusal | null> {
    return this.claiming.runExclusive(() => this.claimNow(schedule, slot, reason));
  }

  private async claimNow(schedule: Schedule, slot: Date, reason: RunReason): Promise<Refusal | null> {
    if (this.stopping.signal.aborted) return 'stopped';
    // A newsletter slot waits behind a rebuild or another edition's run; a second fire of the running schedule is skipped.
    if (this.current) return schedule.waits && this.current.schedule !== schedule.name ? 'behind-build' : 'running';
    let acquired = false;
    try {
      acquired = await this.lease.acquire();
      if (!acquired) return 'lease-held';
      // Read under the lease: a holder that just finished this slot recorded it before letting go.
      if (slot.getTime() < new Date((await this.checkedState(schedule, await this.state(schedule))).nextSlot).getTime()) {
        await this.lease.release();
        return 'done';
      }
    } catch (error) {
      this.logger.error({ schedule: schedule.name, err: error }, 'cannot read the schedule or take the run lease');
      if (acquired) await this.releaseLease();
      return 'store-error';
    }
    const wait = this.waiting.get(schedule.name);
    if (wait && wait.slot.getTime() <= slot.getTime()) this.stopWaiting(schedule.name);
    let resolveFinished = (): void => {};
    const finished = new Promise<void>((resolve) => {
      resolveFinished = resolve;
    });
    this.current = {
      schedule: schedule.name,
      slot: slot.toISOString(),
      reason,
      runId: randomUUID(),
      startedAt: new Date().toISOString(),
      finished,
      resolveFinished,
    };
    return null;
  }

  /** Logs why a slot was not run here and, for the newsletter, waits for its turn. */
  private refused(schedule: Schedule, slot: Date, refusal: Refusal, quiet = false): void {
    const fields = { schedule: schedule.name, slot: slot.toISOString() };
    const waits = schedule.waits && (refusal === 'lease-held' || refusal === 'behind-build');
    if (waits) this.waitFor(schedule, slot);
    if (waits && refusal === 'lease-held') this.helpSend(schedule, slot);
    if (quiet) return;
    switch (refusal) {
      case 'running':
        this.logger.warn({ ...fields, running: this.current?.runId }, 'skipped: a run is still in progress');
        break;
      case 'behind-build':
        this.logger.info(fields, this.current?.schedule === 'feeds' ? 'fire waits for the feeds rebuild in progress' : 'fire waits for the run in progress');
        break;
      case 'lease-held':
        this.logger.info(fields, waits ? 'another process holds the run lease: waiting to take over' : 'fire skipped: another process holds the run lease');
        break;
      case 'done':
        this.logger.debug(fields, 'slot already done by another process');
        break;
      case 'stopped':
      case 'store-error':
        break;
    }
  }

  /**
   * While another process holds the run lease for a slot this one waits for, sends the pending rows with it (when the
   * store lets senders share the ledger). Each retry of the wait helps again, so a digest made after this help
   * found nothing is helped with at the next retry.
   */
  private helpSend(schedule: Schedule, slot: Date): void {
    const help = this.help;
    if (!help || this.helping || this.stopping.signal.aborted) return;
    const logger = this.logger.child({ schedule: schedule.name, helping: slot.toISOString() });
    this.helping = (async () => {
      try {
        const report = await help({ signal: this.stopping.signal, logger });
        if (report) logger.info({ counts: report.counts }, 'helped another process send');
      } catch (error) {
        // The holder's run still sends everything: a failed help costs only speed.
        logger.error({ err: error }, 'helping another process send failed');
      } finally {
        this.helping = null;
      }
    })();
  }

  /** Retries a waiting slot every third of the lease TTL until it runs here or is done elsewhere. */
  private waitFor(schedule: Schedule, slot: Date): void {
    const wait = this.waiting.get(schedule.name);
    if (wait?.timer) clearTimeout(wait.timer);
    const timer = setTimeout(() => this.retry(schedule), Math.max(1, Math.floor(this.lease.ttlMs / 3)));
    this.waiting.set(schedule.name, { slot: wait && wait.slot.getTime() > slot.getTime() ? wait.slot : slot, timer });
  }

  private retry(schedule: Schedule): void {
    const wait = this.waiting.get(schedule.name);
    if (!wait) return;
    if (wait.timer) clearTimeout(wait.timer);
    wait.timer = null;
    void this.attempt(schedule, wait.slot, 'deferred', true);
  }

  private stopWaiting(name: ScheduleName): void {
    const wait = this.waiting.get(name);
    if (wait?.timer) clearTimeout(wait.timer);
    this.waiting.delete(name);
  }

  /** Runs a slot outside node-cron's own fires (catch-up, deferred) through the same claim and finish. */
  private async attempt(schedule: Schedule, slot: Date, reason: RunReason, quiet = false): Promise<void> {
    if (await this.admit(schedule, slot, reason, quiet)) await this.runClaimed();
  }

  /** Claims a slot outside node-cron's fires; on a refusal, logs or waits as `refused` says and returns false. */
  private async admit(schedule: Schedule, slot: Date, reason: RunReason, quiet = false): Promise<boolean> {
    const refusal = await this.claim(schedule, slot, reason);
    if (refusal === 'done') this.stopWaiting(schedule.name);
    else if (refusal) this.refused(schedule, slot, refusal, quiet);
    return refusal === null;
  }

  /** Runs the claimed run and ends it. */
  private async runClaimed(): Promise<void> {
    try {
      await this.execute();
    } finally {
      await this.finish();
    }
  }

  /** Runs the current run's job while keeping the lease, then records how it ended. */
  private async execute(): Promise<void> {
    const run = this.current;
    const schedule = this.schedules.find((s) => s.name === run?.schedule);
    if (!run || !schedule || this.stopping.signal.aborted) return;
    const logger = this.logger.child({ runId: run.runId, schedule: schedule.name });
    const slot = new Date(run.slot);
    logger.info({ slot: run.slot, reason: run.reason }, 'run started');
    let result: RunResult;
    let counts: Record<string, unknown> | null = null;
    let error: string | null = null;
    try {
      const report = await this.lease.keep(
        (signal) => schedule.job({ signal, runId: run.runId, logger, slot, reason: run.reason }),
        this.stopping.signal,
      );
      counts = report.counts;
      result = !report.unfinished ? 'ok' : this.stopping.signal.aborted ? 'stopped' : 'unfinished';
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      result = this.stopping.signal.aborted ? 'stopped' : 'failed';
      if (result === 'failed') logger.error({ err: caught }, 'run failed');
    }
    try {
      await this.record(schedule, run, { result, counts, error });
    } catch (caught) {
      // The run's work is in the ledger either way; an unrecorded slot only means one more catch-up run.
      logger.error({ err: caught }, 'cannot record the run in the store');
    }
    const level = result === 'ok' ? 'info' : result === 'failed' ? 'error' : 'warn';
    logger[level]({ result, counts, ...(error === null ? {} : { error }) }, 'run finished');
  }

  /** Stores the run; only a complete run moves the next slot on, so a restart catches up on anything else. */
  private async record(schedule: Schedule, run: Current, end: Pick<RunRecord, 'result' | 'counts' | 'error'>): Promise<void> {
    const state = await this.state(schedule);
    const next = this.nextFire(schedule);
    const advance = end.result === 'ok' && next > state.nextSlot;
    await writeScheduleState(this.store, schedule.name, {
      ...state,
      nextSlot: advance ? next : state.nextSlot,
      lastRun: {
        slot: run.slot,
        reason: run.reason,
        runId: run.runId,
        holder: this.holder,
        startedAt: run.startedAt,
        finishedAt: new Date().toISOString(),
        ...end,
      },
    });
  }

  private async releaseLease(): Promise<void> {
    try {
      await this.lease.release();
    } catch (error) {
      // The lease then expires on its own after its TTL.
      this.logger.error({ err: error }, 'cannot release the run lease');
    }
  }

  /** Ends the current run: lets the lease go and gives a waiting slot its turn at once. */
  private async finish(): Promise<void> {
    const run = this.current;
    if (!run) return;
    // The lease goes before the run is cleared: a fire that came between would take the lease this run still held
    // (a renewal of its own), and the release meant for this run would then delete it under the new one.
    await this.releaseLease();
    this.current = null;
    run.resolveFinished();
    for (const schedule of this.schedules) {
      if (this.waiting.has(schedule.name)) setImmediate(() => this.retry(schedule));
    }
  }
}
