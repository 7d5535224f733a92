// The thread of run-thread.ts: runs the publish or send it is asked for, posts its progress at most once a turn of
// the event loop (the latest), then its report or its error; a 'stop' message stops it as a signal stops the CLI.
import { parentPort } from 'node:worker_threads';
import type { SendProgress } from '../delivery/send.js';
import { toThreadError, type RunAnswer, type RunRequest } from './run-thread.js';
import { publish, send, type RunHooks } from './run.js';

const port = parentPort;
if (!port) throw new Error('run-worker runs in a worker thread');
const stop = new AbortController();
let latest: SendProgress | null = null;
const post = (answer: RunAnswer): void => port.postMessage(answer);
const flush = (): void => {
  if (latest) post({ progress: latest });
  latest = null;
};

port.on('message', (message: RunRequest | 'stop') => {
  if (message === 'stop') return stop.abort();
  const { kind, options, now, editions, settings } = message;
  const hooks: RunHooks = {
    signal: stop.signal,
    onProgress(progress) {
      if (latest === null) setImmediate(flush);
      latest = progress;
    },
    ...(settings ? { settings } : {}),
    ...(editions ? { editions } : {}),
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
});
