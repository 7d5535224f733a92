// Delivery speed and memory (`npm run bench -- delivery`).
//
// Setup: one real smtp-server in its own child process on 127.0.0.1 (so it never shares an event loop or a core's
// time slice with the sender), counting accepted messages and discarding them. The digest is made by the real
// pipeline from content/ (loadArticles → makeDigest). Both senders use the same number of connections.
//   baseline: a bare nodemailer pool (`pool: true`), one sendMail per reader with the personalized HTML and text
//             and the same List-* headers, at most 2 × connections messages queued; no ledger, no status checks.
//   gazette:  sendPending over the SQLite ledger — reads rows page by page, re-checks each reader, composes from
//             the per-digest template, commits results in batches.
// The two run alternately, twice each, to 20,000 readers; the best run of each is reported with the ratio. The pool
// replaces a session after 100 messages (its default `maxMessages`), Gazette after 500 (`SMTP_MESSAGES_PER_CONNECTION`),
// and the sink, like any smtp-server, holds its greeting 100 ms: so the pool also runs with 500, for the like-for-like ratio.
// Then a fresh process sends a digest to 100,000 readers (same kind of SMTP sink) and reports its peak RSS. That
// process runs this file and src/ transpiled to plain JavaScript (TypeScript's transpileModule, into
// node_modules/.cache), as `gazette send` runs from dist/: under tsx the loader alone adds about 37 MB.
import { fork, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSiteConfig } from '../src/config/load.js';
import type { SiteConfig } from '../src/config/schema.js';
import { createTransport } from '../src/delivery/index.js';
import { defaultMessagesPerConnection } from '../src/delivery/settings.js';
import { sendPending } from '../src/delivery/send.js';
import { openStore } from '../src/store/index.js';
import type { DigestRecord, Store } from '../src/store/types.js';

// Only what the 100,000-reader child needs is imported statically; the rest loads in the parent, on use.
const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('../', import.meta.url));
const contentDir = join(root, 'content');
const readers = 20_000;
const bigList = 100_000;
const connections = 5;
/** nodemailer's pool replaces a session after this many messages by default (`maxMessages`). */
const poolMaxMessages = 100;
const secret = 'bench-secret';
const now = new Date('2026-11-30T07:00:00Z');

// ---- the SMTP sink (child process) ----

async function runSink(): Promise<void> {
  const { SMTPServer } = await import('smtp-server');
  let accepted = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        accepted++;
        callback(null, 'queued');
      });
      stream.resume();
    },
  });
  server.on('error', () => {});
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'count') process.send?.({ accepted });
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
}

interface SinkHandle {
  url: string;
  port: number;
  accepted(): Promise<number>;
  stop(): void;
}

async function startSink(): Promise<SinkHandle> {
  const child: ChildProcess = fork(here, ['--sink'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    accepted: () =>
      new Promise((resolve) => {
        child.once('message', (m: { accepted: number }) => resolve(m.accepted));
        child.send({ type: 'count' });
      }),
    stop: () => child.disconnect(),
  };
}

// ---- set-up shared by the runs ----

async function seed(store: Store, count: number): Promise<void> {
  for (let from = 0; from < count; from += 10_000) {
    const size = Math.min(10_000, count - from);
    await store.upsertSubscribers(
      Array.from({ length: size }, (_, i) => ({
        email: `reader${from + i}@example.net`,
        name: (from + i) % 3 === 0 ? `Reader ${from + i}` : null,
        status: 'active' as const,
      })),
      now,
    );
  }
}

/** Makes a digest of content/ and returns it; later rounds store copies of it under new slugs. */
async function firstDigest(store: Store, config: SiteConfig): Promise<DigestRecord> {
  const [{ loadArticles, selectPublished }, { makeDigest }] = await Promise.all([
    import('../src/content/index.js'),
    import('../src/digest/make.js'),
  ]);
  const { articles } = await loadArticles(contentDir, { timezone: config.timezone });
  const digest = await makeDigest(store, selectPublished(articles, now), config, now);
  if (!digest) throw new Error('content/ has no article to make a digest of');
  return digest;
}

async function anotherDigest(store: Store, digest: DigestRecord, round: number): Promise<DigestRecord> {
  const { subject, html, text, blocks, edition } = digest;
  const next = { number: await store.nextDigestNumber(), edition, issue: await store.nextIssueNumber(edition), defaultEdition: true };
  return store.createDigest({ ...next, createdAt: now, subject, html, text, blocks, carried: [`bench-round-${round}`], passedOver: [] });
}

// ---- the two senders ----

async function baseline(sink: SinkHandle, store: Store, config: SiteConfig, digest: DigestRecord, maxMessages: number): Promise<number> {
  const [{ default: nodemailer }, { digestMessageId, listId }, { personalize }, { digestWebUrl }, { unsubscribeUrl }, { fullCopy }] =
    await Promise.all([
      import('nodemailer'),
      import('../src/delivery/message.js'),
      import('../src/digest/personalize.js'),
      import('../src/digest/urls.js'),
      import('../src/subscribers/tokens.js'),
      import('../src/digest/assemble.js'),
    ]);
  const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: sink.port, pool: true, maxConnections: connections, maxMessages, ignoreTLS: true });
  const from = { name: 'Example News', address: 'news@example.org' };
  const started = performance.now();
  const window = new Set<Promise<unknown>>();
  for await (const reader of store.listSubscribers({ status: 'active' })) {
    const https = unsubscribeUrl(config.baseUrl, secret, reader.publicId);
    const body = personalize(fullCopy(digest), { name: reader.name, unsubscribeUrl: https, preferencesUrl: https, webUrl: digestWebUrl(config, digest) });
    const sending = mailer.sendMail({
      from,
      to: { name: reader.name ?? '', address: reader.email },
      subject: digest.subject,
      messageId: digestMessageId(digest, reader.publicId, from),
      html: body.html,
      text: body.text,
      headers: {
        'List-Id': listId(config, digest.edition),
        'List-Unsubscribe': `<${https}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        Precedence: 'bulk',
        'Auto-Submitted': 'auto-generated',
      },
    });
    window.add(sending);
    void sending.finally(() => window.delete(sending));
    if (window.size >= 2 * connections) await Promise.race(window);
  }
  await Promise.all(window);
  const seconds = (performance.now() - started) / 1000;
  mailer.close();
  return readers / seconds;
}

async function gazette(sink: SinkHandle, store: Store, config: SiteConfig): Promise<number> {
  const transport = createTransport({ smtpUrl: sink.url, outboxDir: '', dkim: null }, { maxConnections: connections });
  const started = performance.now();
  const summary = await sendPending(store, transport, config, {
    secret,
    settings: { maxConnections: connections, ratePerSecond: 0, maxAttempts: 3 },
  });
  const seconds = (performance.now() - started) / 1000;
  await transport.close();
  if (summary.sent !== readers || summary.pending !== 0) throw new Error(`gazette sent ${summary.sent}, left ${summary.pending}`);
  return readers / seconds;
}

// ---- peak memory at 100,000 readers (child process) ----

async function runRss(dbPath: string, url: string, content: string): Promise<void> {
  const config = await loadSiteConfig(content);
  const store = await openStore({ dbPath });
  const transport = createTransport({ smtpUrl: url, outboxDir: '', dkim: null }, { maxConnections: connections });
  const started = performance.now();
  const summary = await sendPending(store, transport, config, {
    secret,
    settings: { maxConnections: connections, ratePerSecond: 0, maxAttempts: 3 },
  });
  await transport.close();
  await store.close();
  const seconds = (performance.now() - started) / 1000;
  process.send?.({ sent: summary.sent, seconds, maxRssKb: process.resourceUsage().maxRSS });
}

/** Transpiles src/ and this file to JavaScript under node_modules/.cache (so packages resolve) and returns this file's copy. */
async function transpiled(): Promise<string> {
  const { default: ts } = await import('typescript');
  const out = join(root, 'node_modules', '.cache', 'gazette-bench-delivery');
  await rm(out, { recursive: true, force: true });
  const sources = (await readdir(join(root, 'src'), { recursive: true }))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(root, 'src', name));
  for (const file of [...sources, here]) {
    const { outputText } = ts.transpileModule(await readFile(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(join(out, 'package.json'), '{ "type": "module" }\n');
  // The code finds its message catalogues and templates beside src/, as in the package.
  await cp(join(root, 'templates'), join(out, 'templates'), { recursive: true });
  return join(out, relative(root, here)).replace(/\.ts$/, '.js');
}

async function measureRss(dir: string, config: SiteConfig, sink: SinkHandle): Promise<void> {
  const dbPath = join(dir, 'big.db');
  const store = await openStore({ dbPath });
  await seed(store, bigList);
  await firstDigest(store, config);
  await store.close();
  const child = fork(await transpiled(), ['--rss', dbPath, sink.url, contentDir], { execArgv: [] });
  const result = await new Promise<{ sent: number; seconds: number; maxRssKb: number }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`the 100k child exited with ${code}`)));
  });
  child.disconnect();
  const mb = result.maxRssKb / 1024;
  console.log(
    `peak RSS, Gazette send to ${bigList.toLocaleString('en')} readers over SMTP (fresh process, compiled JS): ${mb.toFixed(0)} MB ` +
      `(${result.sent.toLocaleString('en')} sent in ${result.seconds.toFixed(1)} s) — budget 150 MB: ${mb < 150 ? 'ok' : 'OVER'}`,
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gazette-bench-delivery-'));
  const sink = await startSink();
  try {
    const config = await loadSiteConfig(contentDir);
    const store = await openStore({ dbPath: join(dir, 'gazette.db') });
    await seed(store, readers);
    const digest = await firstDigest(store, config);
    console.log(
      `${readers.toLocaleString('en')} readers, digest of ${digest.articleSlugs.length} articles ` +
        `(${(Buffer.byteLength(digest.html) / 1024).toFixed(1)} KB HTML), ${connections} SMTP connections, sink in a child process`,
    );
    const results = { baseline: [] as number[], matched: [] as number[], gazette: [] as number[] };
    for (let round = 0; round < 2; round++) {
      const before = await sink.accepted();
      results.baseline.push(await baseline(sink, store, config, digest, poolMaxMessages));
      results.matched.push(await baseline(sink, store, config, digest, defaultMessagesPerConnection));
      if (round > 0) await anotherDigest(store, digest, round);
      results.gazette.push(await gazette(sink, store, config));
      const accepted = (await sink.accepted()) - before;
      if (accepted !== 3 * readers) throw new Error(`the sink accepted ${accepted} messages, expected ${3 * readers}`);
      console.log(
        `  round ${round + 1}: nodemailer pool ${results.baseline[round]?.toFixed(0)} msg/s (${results.matched[round]?.toFixed(0)} with ` +
          `${defaultMessagesPerConnection} messages a session), Gazette ${results.gazette[round]?.toFixed(0)} msg/s`,
      );
    }
    await store.close();
    const best = { baseline: Math.max(...results.baseline), matched: Math.max(...results.matched), gazette: Math.max(...results.gazette) };
    console.log(`nodemailer pool (baseline):  ${best.baseline.toFixed(0)} msg/s (${best.matched.toFixed(0)} with ${defaultMessagesPerConnection} messages a session)`);
    console.log(`Gazette send with ledger:    ${best.gazette.toFixed(0)} msg/s`);
    console.log(
      `ratio: ${(best.gazette / best.baseline).toFixed(2)}× (goal: keep ≥ 2.7×); ${(best.gazette / best.matched).toFixed(2)}× the pool with Gazette's session length`,
    );
    await measureRss(dir, config, sink);
  } finally {
    sink.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
if (mode === '--sink') await runSink();
else if (mode === '--rss') await runRss(process.argv[3] ?? '', process.argv[4] ?? '', process.argv[5] ?? '');
else await main();
