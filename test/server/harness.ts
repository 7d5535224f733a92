// A real server for the tests: a built-looking --out folder, a SQLite file, a real SMTP sink for the mail, and
// the app listening on 127.0.0.1 at a free port. Raw requests go through node:http, which (unlike fetch) sends
// a path exactly as written.
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { parseSiteConfig } from '../../src/config/load.js';
import { localProxies } from '../../src/config/options.js';
import type { SiteConfig } from '../../src/config/schema.js';
import { createTransport } from '../../src/delivery/index.js';
import type { Transport } from '../../src/delivery/transport.js';
import type { Logger } from '../../src/log.js';
import { BackgroundTasks, startServer, type RunningServer, type ServerTimeouts, type SubscribeLimits } from '../../src/server/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { createTestDatabase } from '../store/databases.js';

/** Text that only the file outside --out contains: a response carrying it escaped the folder. */
export const outsideMarker = 'OUTSIDE-THE-OUT-FOLDER';
export const secret = 'server-test-secret';

/** Everything a server test needs, and `stop()` to tear it down. */
export interface Harness {
  dir: string;
  /** The `--db` value of the test's database (SQLite or PostgreSQL, as the vitest project runs). */
  db: string;
  outDir: string;
  store: Store;
  config: SiteConfig;
  sink: Sink;
  transport: Transport;
  background: BackgroundTasks;
  server: RunningServer;
  url: string;
  /** The next mail the sink accepts (or one already there that was not taken yet), parsed. */
  nextMail(): Promise<ParsedMail & { raw: Buffer }>;
  stop(): Promise<void>;
}

/** A page body big enough to be compressed. */
export const longHtml = `<!doctype html><title>Home</title>${'<p>Readable news, every day.</p>\n'.repeat(100)}`;

/** Starts a server over a fresh folder and database. */
export async function startHarness(
  options: {
    limits?: SubscribeLimits;
    /** Proxies whose X-Forwarded-For is believed: true for those of `GAZETTE_TRUST_PROXY=1` (the tests' own client among them). */
    trustProxy?: boolean | readonly string[];
    health?: () => Promise<Record<string, unknown>>;
    timeouts?: ServerTimeouts;
    adminToken?: string;
    now?: () => Date;
    logger?: Logger;
    language?: string;
    /** `feeds.websubHub` of the site config. */
    websubHub?: string;
    /** `newsletter.editions` of the site config. */
    editions?: { id: string; name: string; schedule: string }[];
    /** The store the server is given, made of the harness's own (a fault put in one method). */
    wrapStore?: (store: Store) => Store;
  } = {},
): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'gazette-server-'));
  const outDir = join(dir, 'public');
  await mkdir(join(outDir, 'sections', 'world'), { recursive: true });
  await mkdir(join(outDir, 'articles', 'first'), { recursive: true });
  await writeFile(join(dir, 'secret.txt'), outsideMarker);
  await writeFile(join(outDir, 'index.html'), longHtml);
  await writeFile(join(outDir, 'feed.xml'), '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title></channel></rss>');
  await writeFile(join(outDir, 'atom.xml'), '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title></feed>');
  await writeFile(join(outDir, 'feed.json'), '{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[]}');
  await writeFile(join(outDir, 'sections', 'world', 'feed.xml'), '<?xml version="1.0"?><rss version="2.0"/>');
  await writeFile(join(outDir, 'articles', 'first', 'index.html'), '<!doctype html><title>First</title>');
  await writeFile(join(outDir, '.gazette-manifest.json'), `{"note":"${outsideMarker}"}`);

  const database = await createTestDatabase(dir);
  const store = await openStore({ dbPath: database.db });
  const config = parseSiteConfig({
    title: 'Example News',
    baseUrl: 'https://news.example.org',
    author: { name: 'Desk' },
    newsletter: { from: 'Example News <news@example.org>', postalAddress: '1 Example Street', ...(options.editions ? { editions: options.editions } : {}) },
    ...(options.language ? { language: options.language } : {}),
    ...(options.websubHub ? { feeds: { websubHub: options.websubHub } } : {}),
  });
  const sink = await startSink();
  const transport = createTransport({ smtpUrl: sink.url, outboxDir: join(dir, 'outbox'), dkim: null });
  const background = new BackgroundTasks();
  const server = await startServer({
    store: options.wrapStore ? options.wrapStore(store) : store,
    config,
    options: { outDir, secret },
    transport,
    background,
    port: 0,
    hostname: '127.0.0.1',
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.trustProxy ? { trustProxy: options.trustProxy === true ? localProxies : options.trustProxy } : {}),
    ...(options.health ? { health: options.health } : {}),
    ...(options.adminToken ? { adminToken: options.adminToken } : {}),
    ...(options.timeouts ? { timeouts: options.timeouts } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  let taken = 0;
  return {
    dir,
    db: database.db,
    outDir,
    store,
    config,
    sink,
    transport,
    background,
    server,
    url: server.url,
    async nextMail() {
      while (sink.received.length <= taken) await once(sink.events, 'received');
      const raw = sink.received[taken++]?.raw ?? Buffer.alloc(0);
      return Object.assign(await simpleParser(raw), { raw });
    },
    async stop() {
      await server.close();
      await transport.close();
      await sink.close();
      await store.close();
      await database.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A raw HTTP exchange: status, headers and the body bytes exactly as sent (not decompressed). */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends a request with `path` exactly as given (no normalisation of `..` or percent-escapes). */
export async function rawRequest(url: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  const req = request({ hostname, port, path, method: init.method ?? 'GET', headers: init.headers ?? {} });
  req.end(init.body);
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) };
}
