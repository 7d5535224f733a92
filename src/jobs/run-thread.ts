// `gazette publish` and `gazette send` do their work (build, digest, the send loop) on a worker thread with a small
// young generation, and the main thread keeps the terminal: signals, progress, the summary. V8 grows a thread's
// young generation up to 16 MB semi-spaces under the send loop's allocation rate, tens of MB of a process's peak
// that buy no speed here (`--max-semi-space-size` would cap it, but a program cannot set it on itself once started).
import type { Worker } from 'node:worker_threads';
import { onExit } from 'signal-exit';
import type { RuntimeOptions } from '../config/options.js';
import type { SendProgress } from '../delivery/send.js';
import type { DeliverySettings } from '../delivery/settings.js';
import { BusyError, DeliveryError, FileError, InputError, PendingError, StoreError, UsageError, type Problem } from '../errors.js';
import { removeLockFolder, type LockFolder } from '../site/lock.js';
import { startWorker, workerModule } from '../threads.js';
import type { RunHooks, RunReport } from './run.js';

/** What the thread runs: `publish` (of `editions`, default all, at `now`) or `send`. */
export interface RunRequest {
  kind: 'publish' | 'send';
  options: RuntimeOptions;
  now: Date;
  editions?: readonly string[];
  settings?: DeliverySettings;
}

/** An error as it crosses from the thread: enough to rebuild Gazette's own classes, and the trace of any other. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  path?: string;
  problems?: Problem[];
}

/**
 * What the thread posts: that its build waits for another's lock, the build lock it holds (null once given up), progress
 * while it sends, then its report or its error.
 */
export type RunAnswer = { buildWait: string } | { buildLock: LockFolder | null } | { progress: SendProgress } | { report: RunReport } | { error: ThreadError };

/** Measured at 100,000 readers (`gazette send`): 175 MB peak with V8's default, 154 with 8 MB, 145 with 4, at the same rate. */
const limits = { resourceLimits: { maxYoungGenerationSizeMb: 4 } };

/** An error, taken apart for postMessage (which keeps neither the class nor the fields of one). */
export function toThreadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const { code, path } = error as NodeJS.ErrnoException;
  const problems = error instanceof InputError ? [...error.problems] : undefined;
  return {
    name: error.name,
    message: error.message,
    ...(error.stack === undefined ? {} : { stack: error.stack }),
    ...(typeof code === 'string' ? { code } : {}),
    ...(path === undefined ? {} : { path }),
    ...(problems ? { problems } : {}),
  };
}

const gazetteErrors: Record<string, new (message: string) => Error> = { UsageError, StoreError, DeliveryError, PendingError, BusyError, FileError };

/** The error the thread met, as the class it was (Gazette's own), or an Error with its trace and code. */
export function fromThreadError(error: ThreadError): Error {
  if (error.name === 'InputError' && error.problems) return new InputError(error.code === 'E_CONTENT' ? 'E_CONTENT' : 'E_CONFIG', error.problems);
  const known = gazetteErrors[error.name];
  if (known) return new known(error.message);
  const rebuilt = Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code }, error.path === undefined ? {} : { path: error.path });
  rebuilt.name = error.name;
  if (error.stack !== undefined) rebuilt.stack = error.stack;
  return rebuilt;
}

/**
 * Runs a publish or send on a thread of its own: `hooks.signal` stops it as it stops the loop (what is in flight
 * finishes and is recorded), `hooks.onProgress` hears its progress, `hooks.onBuildWait` a wait for another build's
 * lock, `hooks.settings` go with the request. Resolves with its report, rejects with its error. The build lock the
 * thread holds goes when the thread is ended first: by an error, or by a signal that ends the process (a second
 * Ctrl-C, SIGTERM, SIGHUP), which would skip its clean-up.
 */
export function runOnThread(request: Omit<RunRequest, 'settings'>, hooks: Pick<RunHooks, 'signal' | 'onProgress' | 'settings' | 'onBuildWait'> = {}): Promise<RunReport> {
  const workerData: RunRequest = { ...request, ...(hooks.settings ? { settings: hooks.settings } : {}) };
  const worker: Worker = startWorker(workerModule('run-worker', import.meta.url), { ...limits, workerData });
  const stop = (): void => worker.postMessage('stop');
  hooks.signal?.addEventListener('abort', stop, { once: true });
  let buildLock: LockFolder | null = null;
  const removeBuildLock = (): void => {
    if (buildLock !== null) removeLockFolder(buildLock);
    buildLock = null;
  };
  const offExit = onExit(removeBuildLock);
  return new Promise<RunReport>((resolve, reject) => {
    worker.on('message', (answer: RunAnswer) => {
      if ('buildWait' in answer) hooks.onBuildWait?.(answer.buildWait);
      else if ('buildLock' in answer) buildLock = answer.buildLock;
      else if ('progress' in answer) hooks.onProgress?.(answer.progress);
      else if ('report' in answer) resolve(answer.report);
      else reject(fromThreadError(answer.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the ${request.kind} thread stopped (exit code ${code}) before it reported`)));
    if (hooks.signal?.aborted) stop();
  }).finally(async () => {
    hooks.signal?.removeEventListener('abort', stop);
    await worker.terminate();
    removeBuildLock();
    offExit();
  });
}
