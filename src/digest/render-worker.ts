// The email render thread (render-thread.ts): renders each template and view it is sent, one answer per request.
import { parentPort } from 'node:worker_threads';
import { renderEmailHtml, type EmailTemplate } from './email.js';

/** One render: the request's id comes back with its HTML or its error. */
export interface RenderRequest {
  id: number;
  name: EmailTemplate;
  view: object;
}

/** The answer to a RenderRequest. */
export type RenderAnswer = { id: number; html: string } | { id: number; error: unknown };

// The thread exists to render: MJML starts loading as soon as it starts, before the first request.
void import('mjml');

parentPort?.on('message', ({ id, name, view }: RenderRequest) => {
  renderEmailHtml(name, view).then(
    (html) => parentPort?.postMessage({ id, html } satisfies RenderAnswer),
    (error: unknown) => parentPort?.postMessage({ id, error } satisfies RenderAnswer),
  );
});
