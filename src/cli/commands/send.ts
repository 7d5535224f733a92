import { defineCommand, type CommandContext } from 'citty';
import type { RuntimeOptions } from '../../config/options.js';
import { renderRunJson, renderRunSummary } from '../../jobs/report.js';
import type { RunHooks, RunReport } from '../../jobs/run.js';
import { resolveDeliverySettings } from '../../delivery/settings.js';
import { isUnreachableServer } from '../../delivery/transport.js';
import { PendingError } from '../../errors.js';
import { buildSummary } from './build.js';
import { ioOf, jsonArg, optionArgs, optionsOf, publishingOptionsOf, writeProblems, writeWarnings, type CliIO } from '../context.js';

/** The flags of `publish` and `send`. */
export const deliveryArgs = { content: optionArgs.content, out: optionArgs.out, db: optionArgs.db, outbox: optionArgs.outbox, ...jsonArg };

/**
 * Runs a publish or send for a command: progress on stderr, the first SIGINT/SIGTERM stops taking rows (a second
 * one kills as usual: nothing is lost either way), then the summary or JSON on stdout. Exit 75 (PendingError) when
 * rows stay pending, else 2 when content files had problems, else 0.
 */
export async function runDelivery(
  context: CommandContext<typeof deliveryArgs>,
  kind: 'publish' | 'send',
  work: (options: RuntimeOptions, hooks: RunHooks) => Promise<RunReport>,
): Promise<number> {
  const io: CliIO = ioOf(context);
  const options = kind === 'publish' ? publishingOptionsOf(context, { database: true, outbox: true }) : optionsOf(context);
  const settings = resolveDeliverySettings(io.env);
  const [{ createProgressReporter }, { createLogger }] = await Promise.all([import('../../delivery/progress.js'), import('../../log.js')]);
  const progress = createProgressReporter(io.stderr, createLogger(io.stderr));
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stop.signal.aborted) {
      // Raised again with this handler gone, so the process ends as killed, after the exit handlers heard it (the
      // build lock's). Removing the handler at the first signal would tell those handlers nobody else listens.
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.kill(process.pid, signal);
      return;
    }
    io.stderr.write(`\ngazette: ${signal}: finishing the messages in flight, then stopping (again to kill)\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let report: RunReport;
  try {
    const onBuildWait = (notice: string): void => void io.stderr.write(`gazette: ${notice}\n`);
    report = await work(options, { signal: stop.signal, settings, onProgress: (p) => progress.update(p), onBuildWait });
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (report.build) writeProblems(io, report.build.problems);
  writeWarnings(io, [...(report.build ? [...report.build.warnings, ...report.build.sectionWarnings] : []), ...report.warnings]);
  if (context.args.json === true) io.stdout.write(`${renderRunJson(report)}\n`);
  else {
    if (report.build) io.stdout.write(`${buildSummary(report.build, options.outDir)}\n`);
    io.stdout.write(renderRunSummary(report, kind));
  }
  const { pending } = report.delivery;
  if (pending > 0) {
    const rows = pending === 1 ? '1 delivery is' : `${pending.toLocaleString('en')} deliveries are`;
    const { lastFailure, interrupted, transport } = report.delivery;
    const cause = lastFailure === null ? '' : ` (the last: ${lastFailure})`;
    const why = interrupted ? 'after the stop (Ctrl-C or SIGTERM)' : `after temporary failures${cause}`;
    const next =
      !interrupted && lastFailure !== null && isUnreachableServer(lastFailure)
        ? `no mail server answered at ${transport}: check that it is running and that SMTP_URL names its host and port, then run "gazette send" to finish them`
        : 'run "gazette send" later to finish them';
    throw new PendingError(`${rows} still pending ${why} — ${next}`);
  }
  return (report.build?.problems.length ?? 0) > 0 ? 2 : 0;
}

/** `gazette send`: Deliver whatever is pending (resume after a crash or a failed run) */
export default defineCommand({
  meta: { name: 'send', description: 'Deliver whatever is pending (resume after a crash or a failed run)' },
  args: deliveryArgs,
  run(context) {
    return runDelivery(context, 'send', async (options, hooks) =>
      (await import('../../jobs/run-thread.js')).runOnThread({ kind: 'send', options, now: new Date() }, hooks),
    );
  },
});
