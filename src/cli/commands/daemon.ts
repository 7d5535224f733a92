import { resolve } from 'node:path';
import { defineCommand, type CommandContext } from 'citty';
import { resolveInboundPort } from '../../config/options.js';
import { resolveDeliverySettings } from '../../delivery/settings.js';
import { formatProblem, UsageError } from '../../errors.js';
import type { RunningInbound } from '../../inbound/index.js';
import { defaultLeaseTtlMs } from '../../store/lease.js';
import type { Scheduler } from '../../schedule/scheduler.js';
import type { RunningServer } from '../../server/index.js';
import { resolveSecret } from '../../subscribers/tokens.js';
import { ioOf, optionArgs, publishingOptionsOf } from '../context.js';
import { smtpPortArg } from './inbound.js';

/** How long a graceful stop may take before the daemon gives up waiting (exit 1). */
const shutdownTimeoutMs = 30_000;

/** Exit status after a second signal: 128 + the signal number, as a shell reports a process killed by it. */
const killedStatus = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof killedStatus;

/** The first and the second SIGINT/SIGTERM from now on. */
function watchSignals(): { first: Promise<StopSignal>; second: Promise<StopSignal>; dispose(): void } {
  const seen: ((signal: StopSignal) => void)[] = [];
  const first = new Promise<StopSignal>((done) => seen.push(done));
  const second = new Promise<StopSignal>((done) => seen.push(done));
  const onSignal = (signal: StopSignal): void => {
    seen.shift()?.(signal);
  };
  for (const name of Object.keys(killedStatus)) process.on(name, onSignal);
  return {
    first,
    second,
    dispose() {
      for (const name of Object.keys(killedStatus)) process.off(name, onSignal);
    },
  };
}

function leaseMs(text: string | undefined): number {
  if (text === undefined) return defaultLeaseTtlMs;
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 1 || seconds > 3600) {
    throw new UsageError(`--lease "${text}" is not a whole number of seconds from 1 to 3600`);
  }
  return seconds * 1000;
}

/** `gazette daemon`: Run serve plus the schedules of site.json, and the inbound listener */
export default defineCommand({
  meta: {
    name: 'daemon',
    description: 'Run serve (the site, its forms, /admin, /webhooks) plus the schedules of site.json, and the inbound listener when newsletter.returnPath is set (SIGTERM or Ctrl-C stops it cleanly)',
  },
  args: {
    ...optionArgs,
    ...smtpPortArg,
    lease: {
      type: 'string',
      valueHint: 'SECONDS',
      description: `how long a silent process (crashed mid-send) keeps the run lease before this daemon takes over (default ${defaultLeaseTtlMs / 1000})`,
    },
  },
  async run(typed) {
    // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
    const context = typed as unknown as CommandContext;
    const io = ioOf(context);
    const options = publishingOptionsOf(context, { database: true, outbox: true });
    const leaseTtlMs = leaseMs(typed.args.lease);
    const inboundPort = resolveInboundPort(typed.args['smtp-port'], io.env);
    const settings = resolveDeliverySettings(io.env);
    const [
      { loadSiteConfig },
      { createTransport, dkimAlignmentWarning },
      { startReturnPath },
      { createLogger },
      { pipelineJobs },
      { startScheduler },
      { missingSiteWarning, resolveSubscribeLimits, startServer },
      { checkClock, openStore },
      { knownChoicesLoader, readUnknownEditions },
    ] = await Promise.all([
      import('../../config/load.js'),
      import('../../delivery/index.js'),
      import('../../inbound/index.js'),
      import('../../log.js'),
      import('../../jobs/pipeline.js'),
      import('../../schedule/scheduler.js'),
      import('../../server/index.js'),
      import('../../store/index.js'),
      import('../../subscribers/known.js'),
    ]);
    const limits = resolveSubscribeLimits(io.env);
    // An invalid schedule or time zone fails here, before anything starts (InputError, exit 2).
    const config = await loadSiteConfig(options.contentDir);
    const logger = createLogger(io.stderr);
    // At start, not only at the first scheduled build, which may be hours away; the builds log only those new since (heard).
    const heard = new Set(config.warnings.map(formatProblem));
    for (const warning of heard) logger.warn({ problem: warning }, 'site config');
    const store = await openStore(options);
    // Every run takes the lease or claims rows by this machine's clock: a skewed one is refused before anything starts.
    await checkClock(store, leaseTtlMs).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    // Once at start, as the catalogues: readers whose editions site.json no longer names.
    const orphans = await readUnknownEditions(store, config, options.contentDir);
    if (orphans) logger.warn({ problem: formatProblem(orphans) }, 'readers and editions');
    const transport = createTransport(options, settings);
    const misaligned = dkimAlignmentWarning(options.dkim, config.newsletter.from);
    if (misaligned) logger.warn({ problem: formatProblem(misaligned) }, 'DKIM');
    const signals = watchSignals();
    let scheduler: Scheduler | null = null;
    let server: RunningServer | null = null;
    let inbound: RunningInbound | null = null;
    let graceful = false;
    try {
      server = await startServer({
        store,
        config,
        options,
        choices: knownChoicesLoader(options.contentDir),
        transport,
        logger,
        limits,
        trustProxy: options.trustProxy,
        adminToken: options.adminToken,
        port: options.port,
        health: async () => ({ ...(await scheduler?.health()) }),
        webhooks: { env: io.env, record: (event) => store.recordReturnEvent(event) },
      });
      inbound = await startReturnPath({ store, config, secret: await resolveSecret(options.secret, store), logger, port: inboundPort });
      scheduler = await startScheduler({
        config,
        store,
        logger,
        leaseTtlMs,
        jobs: pipelineJobs({ store, options, settings, progressStream: io.stderr, heard }),
      });
      const unbuilt = missingSiteWarning(options.outDir, ' (each scheduled run of the daemon builds first)');
      if (unbuilt) logger.warn({ problem: formatProblem(unbuilt) }, 'site');
      const next = (await scheduler.health()).schedules.map((s) => `${s.name} "${s.pattern}" (${s.timezone}) next ${s.next ?? '—'}`);
      const returnPath = inbound ? `; return-path mail on port ${inbound.port}` : '';
      io.stdout.write(`serving ${resolve(options.outDir)} ${server.listening}; schedules: ${next.join('; ')}${returnPath}; SIGTERM or Ctrl-C stops\n`);

      const signal = await signals.first;
      logger.info({ signal }, 'stopping: schedules off, messages in flight finish and are recorded (a second signal exits at once)');
      const running = scheduler;
      const listening = server;
      const listeningForMail = inbound;
      const stopped = Promise.all([running.stop(), listening.close(), listeningForMail?.close()]).then(() => 'stopped' as const);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((done) => {
        timer = setTimeout(() => done('timeout'), shutdownTimeoutMs);
      });
      const outcome = await Promise.race([stopped, timedOut, signals.second]);
      clearTimeout(timer);
      if (outcome === 'stopped') {
        graceful = true;
        logger.info('stopped');
        return 0;
      }
      if (outcome === 'timeout') {
        logger.error({ afterMs: shutdownTimeoutMs }, 'could not stop in time: exiting with work in flight; the next run resumes from the ledger');
        return 1;
      }
      logger.warn({ signal: outcome }, 'second signal: exiting at once; the next run resumes from the ledger');
      return killedStatus[outcome];
    } catch (error) {
      // Startup failed (the port is taken, say): stop whatever did start.
      await scheduler?.stop();
      await server?.close();
      await inbound?.close();
      graceful = true;
      throw error;
    } finally {
      signals.dispose();
      // After a forced exit the work in flight still uses these; the process ends right after anyway.
      if (graceful) {
        await transport.close();
        await store.close();
      }
    }
  },
});
