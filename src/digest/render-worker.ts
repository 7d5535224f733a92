// The email render thread (render-thread.ts): renders each template and view it is sent, one answer per request.
import Module, { createRequire } from 'node:module';
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

/**
 * cheerio's entry point loads undici for its `fromURL`, which MJML and juice never call: about 20 MB and 0.1 s of
 * this thread's start, twice (juice has a cheerio and an undici of its own), while the build runs beside it. Each
 * gets an empty stand-in in the require cache instead.
 */
function skipUndici(): void {
  const mjmlCore = createRequire(createRequire(createRequire(import.meta.url).resolve('mjml')).resolve('mjml-core'));
  const juice = createRequire(mjmlCore.resolve('juice'));
  for (const cheerio of new Set([mjmlCore.resolve('cheerio'), juice.resolve('cheerio')])) {
    const undici = createRequire(cheerio).resolve('undici');
    const standIn = new Module(undici);
    standIn.loaded = true;
    mjmlCore.cache[undici] = standIn;
  }
}

// The thread exists to render: MJML starts loading as soon as it starts, before the first request.
skipUndici();
void import('mjml');

parentPort?.on('message', ({ id, name, view }: RenderRequest) => {
  renderEmailHtml(name, view).then(
    (html) => parentPort?.postMessage({ id, html } satisfies RenderAnswer),
    (error: unknown) => parentPort?.postMessage({ id, error } satisfies RenderAnswer),
  );
});
