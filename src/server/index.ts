// Running the HTTP face: `serve` and the daemon start it here and stop it cleanly.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { UsageError } from '../errors.js';
import { BackgroundTasks, createApp, type AppDeps } from './app.js';

export { missingSiteWarning } from './static.js';
export { BackgroundTasks, createApp, defaultSubscribeLimits, resolveSubscribeLimits, type AppDeps, type SubscribeLimits } from './app.js';

/** How long a client may take: a slow or stalled one cannot hold a connection open (Node's default is 300 s). */
export interface ServerTimeouts {
  /** To send the request line and headers. */
  headersMs: number;
  /** To send the whole request, body included. */
  requestMs: number;
  /** How often connections are checked against the two limits above. */
  checkEveryMs: number;
}

/** 10 s for the headers, 30 s for a whole request (a subscription is two short fields), checked every second. */
export const defaultTimeouts: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, checkEveryMs: 1000 };

/** How long `close` lets requests in progress finish before cutting their connections. */
const closeGraceMs = 5000;

/** A listening server and how to stop it. */
export interface RunningServer {
  server: Server;
  /** `http://host:port` as bound (port 0 becomes the real port; `localhost` when bound to every interface). */
  url: string;
  /** Where it listens, as `serve` and the daemon say it: `on every network interface at http://localhost:8080`, or `at <url>`. */
  listening: string;
  port: number;
  /** Stops accepting, ends idle connections, and waits for confirmation mails still being sent. */
  close(): Promise<void>;
}

/**
 * Answers `OPTIONS *` (the server as a whole, RFC 9110 §9.3.7) with 204 and the methods some resource takes: the
 * adapter refuses a target that is no path with 400 before the app could see it.
 */
function answerServerWideOptions(server: Server): void {
  const handlers = server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'OPTIONS' && request.url === '*') {
      response.writeHead(204, { Allow: 'GET, HEAD, POST', 'Cache-Control': 'no-store' }).end();
      return;
    }
    for (const handle of handlers) handle(request, response);
  });
}

/** Starts the app on `port` (0: any free one) and `hostname` (default: every interface). */
export async function startServer(deps: AppDeps & { port: number; hostname?: string; timeouts?: ServerTimeouts }): Promise<RunningServer> {
  const background = deps.background ?? new BackgroundTasks();
  const app = await createApp({ ...deps, background });
  const timeouts = deps.timeouts ?? defaultTimeouts;
  // Keep the standard Request/Response globals: the daemon shares this process with other code.
  const server = createAdaptorServer({
    fetch: app.fetch,
    // The host of an HTTP/1.0 request, which need not name one (Node refuses an HTTP/1.1 request without Host itself).
    hostname: 'localhost',
    overrideGlobalObjects: false,
    serverOptions: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
    },
  }) as Server;
  answerServerWideOptions(server);
  await new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException): void => {
      const hint = error.code === 'EADDRINUSE' ? 'another program uses it: pass --port N or set PORT' : 'check --port / PORT';
      reject(new UsageError(`cannot listen on port ${deps.port}: ${error.message} — ${hint}`, { cause: error }));
    };
    server.once('error', failed);
    server.listen(deps.port, deps.hostname, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const everyInterface = address === '::' || address === '0.0.0.0';
  const host = everyInterface ? 'localhost' : address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}`;
  return {
    server,
    url,
    listening: `${everyInterface ? 'on every network interface ' : ''}at ${url}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // close() only ends connections idle at that moment; a keep-alive connection finishing its answer would
      // otherwise stay open until its timeout. Sweep until all are gone; cut what is still busy after a grace period.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const cut = setTimeout(() => server.closeAllConnections(), closeGraceMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(cut);
      await background.settle();
    },
  };
}
