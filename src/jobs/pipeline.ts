// The daemon's jobs: the same library calls as `gazette publish` and `gazette build`, run under the lease the
// scheduler already holds, reporting through the run's logger.
import type { RuntimeOptions } from '../config/options.js';
import { createProgressReporter } from '../delivery/progress.js';
import { announceFeeds } from './announce.js';
import { buildCounts, runJson } from './report.js';
import { cooperative, publishWith, sendWith, type RunHooks } from './run.js';
import type { SendProgress } from '../delivery/send.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { formatProblem } from '../errors.js';
import type { Logger } from '../log.js';
import { buildSite, type BuildResult } from '../site/build.js';
import type { Store } from '../store/index.js';
import type { SchedulerJobs } from '../schedule/scheduler.js';

/** What the pipeline jobs run on. */
export interface PipelineDeps {
  store: Store;
  options: RuntimeOptions;
  settings: DeliverySettings;
  /** Where a send shows its progress: a bar on a terminal, else log lines through the run's logger. */
  progressStream: NodeJS.WritableStream & { isTTY?: boolean };
  /** The config warnings (site.json's, the catalogues') logged already, as `formatProblem` words them: the daemon's at start. */
  heard?: Set<string>;
}

/**
 * A build's content problems (files left out), section label warnings and its other warnings (a damaged manifest,
 * readers of editions site.json no longer names). Config warnings (site.json's, the catalogues') are logged once each
 * (`heard`): every scheduled build reads them again, and a key written twice since the last one is new.
 */
function logProblems(logger: Logger, build: Pick<BuildResult, 'problems' | 'sectionWarnings' | 'warnings' | 'config'> | null, heard: Set<string>): void {
  for (const problem of build?.problems ?? []) logger.warn({ problem: formatProblem(problem) }, 'content file left out');
  for (const warning of build?.sectionWarnings ?? []) logger.warn({ problem: formatProblem(warning) }, 'section labels');
  for (const warning of build?.warnings ?? []) {
    const text = formatProblem(warning);
    const fromConfig = build?.config.warnings.includes(warning) === true;
    if (fromConfig && heard.has(text)) continue;
    if (fromConfig) heard.add(text);
    logger.warn({ problem: text }, 'build');
  }
}

/** Runs `work` with delivery hooks whose progress goes to the run's logger (or a bar on a terminal). */
async function withProgress<T>(deps: PipelineDeps, logger: Logger, signal: AbortSignal, work: (hooks: RunHooks) => Promise<T>): Promise<T> {
  const progress = createProgressReporter(deps.progressStream, logger);
  try {
    return await work({ signal, settings: deps.settings, onProgress: (p: SendProgress) => progress.update(p), onBuildWait: (notice) => logger.info(notice) });
  } finally {
    progress.stop();
  }
}

/** `publish` (build, digest if anything is new, deliver) and `build` as scheduler jobs. */
export function pipelineJobs(deps: PipelineDeps): SchedulerJobs {
  const { store, options } = deps;
  const heard = deps.heard ?? new Set<string>();
  return {
    async publish({ signal, logger }, edition) {
      const report = await withProgress(deps, logger, signal, (hooks) => publishWith(store, options, new Date(), { ...hooks, editions: [edition] }));
      logProblems(logger, report.build, heard);
      for (const warning of report.warnings) logger.warn({ problem: formatProblem(warning) }, 'sending');
      // The counts are what `publish --json` prints.
      const counts = runJson(report);
      return report.delivery.pending > 0 ? { counts, unfinished: true } : { counts };
    },
    async build({ signal, logger }) {
      const hooks = { signal, onWait: (notice: string) => logger.info(notice) };
      const result = await buildSite(options, new Date(), hooks);
      logProblems(logger, result, heard);
      // The daemon's build is what publishes a scheduled article when its time comes: the hub hears of it here.
      const hub = result.config.feeds.websubHub;
      const pings = hub === null ? [] : await announceFeeds(options.outDir, hub, hooks);
      for (const ping of pings) {
        if (!ping.ok) logger.warn({ feed: ping.feedUrl, status: ping.status, error: ping.error }, 'the WebSub hub did not take the ping; the next build tries again');
      }
      return { counts: { ...buildCounts(result), ...(hub === null ? {} : { pinged: pings.filter((ping) => ping.ok).length }) } };
    },
    ...(cooperative(options)
      ? {
          async help({ signal, logger }) {
            const report = await withProgress(deps, logger, signal, (hooks) => sendWith(store, options, hooks));
            const { sent, bounced, failed, skipped } = report.delivery;
            return sent + bounced + failed + skipped === 0 ? null : { counts: runJson(report) };
          },
        }
      : {}),
  };
}
