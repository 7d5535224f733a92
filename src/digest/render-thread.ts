// MJML on a thread of its own for a publish: MJML and its minifier (tens of MB resident, see email.ts) load on the
// thread, and leave with it when it ends, before the send; the main thread only sends views and receives HTML.
import type { Worker } from 'node:worker_threads';
import { startWorker, workerModule } from '../threads.js';
import type { EmailTemplate, RenderHtml } from './email.js';
import type { RenderAnswer, RenderRequest } from './render-worker.js';

/** Email rendering on a worker thread, started by the first render; `close` ends the thread and its memory. */
export interface EmailThread {
  render: RenderHtml;
  /** Starts the thread now, so that MJML loads there while the caller does other work. */
  warm(): void;
  close(): Promise<void>;
}

/**
 * A small young generation: the thread lives for a few renders, and V8's default (up to 16 MB semi-spaces) adds to
 * the peak of a publish for nothing (measured at 20,000 readers: 191 MB with the default, 173 with 8 MB, 167 with 2).
 */
const limits = { resourceLimits: { maxYoungGenerationSizeMb: 2 } };


/** Starts (lazily) a thread that renders emails as `renderEmailHtml` does; a thread that fails or exits rejects every render waiting on it. */
export function startEmailThread(): EmailThread {
  let worker: Worker | null = null;
  let nextId = 0;
  const waiting = new Map<number, { resolve: (html: string) => void; reject: (error: unknown) => void }>();
  const start = (): Worker => {
    const thread = startWorker(workerModule('render-worker', import.meta.url), limits);
    const failAll = (error: Error): void => {
      if (worker !== thread) return;
      worker = null;
      for (const { reject } of waiting.values()) reject(error);
      waiting.clear();
    };
    thread.on('message', (answer: RenderAnswer) => {
      const request = waiting.get(answer.id);
      waiting.delete(answer.id);
      // An idle thread does not keep the process alive; one with renders to answer does.
      if (waiting.size === 0) thread.unref();
      if ('html' in answer) request?.resolve(answer.html);
      else request?.reject(answer.error);
    });
    thread.on('error', (error) => failAll(new Error(`the email render thread failed: ${error.message}`, { cause: error })));
    thread.on('exit', (code) => failAll(new Error(`the email render thread stopped (exit code ${code}) before it answered`)));
    return thread;
  };
  return {
    render: (name: EmailTemplate, view: object) =>
      new Promise<string>((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        worker ??= start();
        worker.ref();
        worker.postMessage({ id, name, view } satisfies RenderRequest);
      }),
    warm() {
      worker ??= start();
      if (waiting.size === 0) worker.unref();
    },
    async close() {
      // Its exit rejects whatever still waits on it.
      await worker?.terminate();
    },
  };
}
