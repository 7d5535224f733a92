// Showing a send as it runs: a progress bar (count, rate, ETA) on a terminal, a log line every few seconds
// otherwise (CI, cron, systemd), so a long run is never silent.
import { SingleBar } from 'cli-progress';
import type { Logger } from '../log.js';
import type { SendProgress } from './send.js';

/** Receives progress and is told when the run is over. */
export interface ProgressReporter {
  update(progress: SendProgress): void;
  stop(): void;
}

/** The numbers of a progress line: `1,200/20,000 · 950 msg/s · ETA 18 s`. */
export function formatProgress(p: SendProgress): string {
  const eta = p.etaSeconds === null ? '' : ` · ETA ${Math.ceil(p.etaSeconds)} s`;
  const troubles = [p.bounced && `${p.bounced} bounced`, p.retrying && `${p.retrying} retrying`].filter(Boolean);
  const extra = troubles.length > 0 ? ` · ${troubles.join(' · ')}` : '';
  return `${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} · ${Math.round(p.ratePerSecond)} msg/s${eta}${extra}`;
}

/** A cli-progress bar on a terminal stream. */
function progressBar(stream: NodeJS.WritableStream): ProgressReporter {
  const bar = new SingleBar({
    stream,
    format: 'sending [{bar}] {percentage}% · {value}/{total} · {rate} msg/s · ETA {eta_formatted}{troubles}',
    hideCursor: true,
    clearOnComplete: false,
    fps: 5,
  });
  let started = false;
  return {
    update(p) {
      const payload = {
        rate: Math.round(p.ratePerSecond),
        troubles: [p.bounced && ` · ${p.bounced} bounced`, p.retrying && ` · ${p.retrying} retrying`].filter(Boolean).join(''),
      };
      if (!started) {
        started = true;
        bar.start(p.total, p.done, payload);
      } else bar.update(p.done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** A log line at most every `intervalMs`, and one for the last state. */
function progressLog(logger: Logger, intervalMs: number): ProgressReporter {
  let last: SendProgress | null = null;
  let logged: SendProgress | null = null;
  const log = (): void => {
    if (!last || last === logged) return;
    logged = last;
    logger.info({ ...last, ratePerSecond: Math.round(last.ratePerSecond) }, `sending ${formatProgress(last)}`);
  };
  const timer = setInterval(log, intervalMs);
  timer.unref();
  return {
    update(p) {
      last = p;
    },
    stop() {
      clearInterval(timer);
      log();
    },
  };
}

/** A bar when `stream` is a terminal, else log lines through `logger` every `intervalMs` (default 5 s). */
export function createProgressReporter(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  logger: Logger,
  intervalMs = 5000,
): ProgressReporter {
  return stream.isTTY ? progressBar(stream) : progressLog(logger, intervalMs);
}
