// The daemon's jobs: the same library calls as `gazette publish` and `gazette build`, run under the lease the
// scheduler already holds, reporting through the run's logger.
import type { RuntimeOptions } from '../config/options.js';
import { createProgressReporter } from '../delivery/progress.js';
import { buildCounts, runJson } from './report.js';
import { publishWith } from './run.js';
import type { SendProgress } from '../delivery/send.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { formatProblem, type Problem } from '../errors.js';
import type { Logger } from '../log.js';
import { buildSite } from '../site/build.js';
import type { Store } from '../store/index.js';
import type { SchedulerJobs } from '../schedule/scheduler.js';

/** What the pipeline jobs run on. */
export interface PipelineDeps {
  store: Store;
  options: RuntimeOptions;
  settings: DeliverySettings;
  /** Where a send shows its progress: a bar on a terminal, else log lines through the run's logger. */
  progressStream: NodeJS.WritableStream & { isTTY?: boolean };
}

function logProblems(logger: Logger, problems: readonly Problem[]): void {
  for (const problem of problems) logger.warn({ problem: formatProblem(problem) }, 'content file left out');
}

/** `publish` (build, digest if anything is new, deliver) and `build` as scheduler jobs. */
export function pipelineJobs(deps: PipelineDeps): SchedulerJobs {
  const { store, options, settings } = deps;
  return {
    async publish({ signal, logger }, edition) {
      const progress = createProgressReporter(deps.progressStream, logger);
      try {
        const hooks = { signal, settings, editions: [edition], onProgress: (p: SendProgress) => progress.update(p) };
        const report = await publishWith(store, options, new Date(), hooks);
        logProblems(logger, report.build?.problems ?? []);
        // The counts are what `publish --json` prints.
        const counts = runJson(report);
        return report.delivery.pending > 0 ? { counts, unfinished: true } : { counts };
      } finally {
        progress.stop();
      }
    },
    async build({ logger }) {
      const result = await buildSite(options, new Date());
      logProblems(logger, result.problems);
      return { counts: buildCounts(result) };
    },
  };
}
