// The thread of run-thread.ts: runs the publish or send it is given (workerData), posts its latest progress every
// `progressMs` (a bar redraws 5 times a second, a log line every few seconds), then its report or its error; a 'stop'
// message stops it as a signal stops the CLI.
import { parentPort, workerData } from 'node:worker_threads';
import { startEmailThread } from '../digest/render-thread.js';
import type { SendProgress } from '../delivery/send.js';
import { toThreadError, type RunAnswer, type RunRequest } from './run-thread.js';
import type { RunHooks } from './run.js';

const request = workerData as RunRequest;
// A publish's MJML thread starts before this one loads the builder and the store: MJML's load is the longest step before the first message.
const emailThread = request.kind === 'publish' ? startEmailThread() : undefined;
emailThread?.warm();
const { publish, send } = await import('./run.js');

const port = parentPort;
if (!port) throw new Error('run-worker runs in a worker thread');
/** Posting every update cost a tenth of the send loop's CPU. */
const progressMs = 50;
const stop = new AbortController();
let latest: SendProgress | null = null;
const post = (answer: RunAnswer): void => port.postMessage(answer);
const flush = (): void => {
  if (latest) post({ progress: latest });
  latest = null;
};

port.on('message', (message: 'stop') => {
  if (message === 'stop') stop.abort();
});
const { kind, options, now, editions, settings } = request;
const hooks: RunHooks = {
  signal: stop.signal,
  onProgress(progress) {
    if (latest === null) setTimeout(flush, progressMs).unref();
    latest = progress;
  },
  onBuildLock: (lockDir) => post({ buildLock: lockDir }),
  onBuildWait: (notice) => post({ buildWait: notice }),
  ...(settings ? { settings } : {}),
  ...(editions ? { editions } : {}),
  ...(emailThread ? { emailThread } : {}),
};
(kind === 'publish' ? publish(options, now, hooks) : send(options, hooks)).then(
  (report) => {
    flush();
    // The CLI prints counts of the build, never its articles: they stay here rather than be copied over.
    post({ report: report.build ? { ...report, build: { ...report.build, published: [] } } : report });
  },
  (error: unknown) => {
    flush();
    post({ error: toThreadError(error) });
  },
);
