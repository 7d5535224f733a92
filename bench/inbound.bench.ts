// Inbound listener throughput (`npm run bench -- inbound`): reports per second taken and recorded.
//
// Setup: the server under test runs in its own child process on 127.0.0.1; this process is the senders: 10
// connections, each delivering reports one after another over one SMTP session (MAIL, RCPT, DATA, RSET), as a
// busy MTA flushing its bounce queue would.
//   baseline: a bare smtp-server that takes every message and discards it (no parsing, no store).
//   gazette:  `startInboundListener` over a SQLite store of 20,000 active readers: each message is a Postfix DSN
//             at a reader's VERP address — MIME parsed, token verified, event recorded, reader bounced.
// Each runs twice, alternately; the best run of each is reported with the ratio.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bounceAddress, unsubscribeAddress } from '../src/inbound/verp.js';
import { SmtpClient } from '../test/inbound/smtp-client.js';

const here = fileURLToPath(import.meta.url);
const readers = 20_000;
const messagesPerRun = 2_000;
const connections = 10;
const secret = 'bench-secret';
const returnPath = 'bounces@mail.example.org';
const template = readFileSync(new URL('../test/fixtures/inbound/postfix-bounce.eml', import.meta.url), 'utf8').replace(/\r?\n/g, '\r\n');

// ---- the servers (child process) ----

async function runServer(kind: string, dbPath: string): Promise<void> {
  let port: number;
  if (kind === 'baseline') {
    const { SMTPServer } = await import('smtp-server');
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        stream.on('end', () => callback(null, 'discarded'));
        stream.resume();
      },
    });
    server.on('error', () => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  } else {
    const [{ startInboundListener }, { createLogger }, { openStore }] = await Promise.all([
      import('../src/inbound/listener.js'),
      import('../src/log.js'),
      import('../src/store/index.js'),
    ]);
    const store = await openStore({ dbPath });
    const devNull = { write: () => true } as unknown as NodeJS.WritableStream;
    const listener = await startInboundListener({
      returnPath,
      secret,
      logger: createLogger(devNull),
      record: (event) => store.recordReturnEvent(event),
      port: 0,
      hostname: '127.0.0.1',
    });
    port = listener.port;
  }
  process.send?.({ port });
  process.on('disconnect', () => process.exit(0));
}

// ---- the senders ----

function report(reader: number): { to: string; body: string } {
  const verp = bounceAddress(returnPath, secret, 1, reader);
  const body = template
    .replaceAll('{{VERP}}', verp)
    .replaceAll('{{UNSUB}}', unsubscribeAddress(returnPath, secret, reader))
    .replaceAll('{{READER}}', `reader${reader}@example.net`)
    .replace('<20261130072000.4B1C2D3E4F@mx1.example.net>', `<bench.${reader}@mx1.example.net>`);
  return { to: verp, body };
}

async function blast(port: number, ids: number[]): Promise<number> {
  let next = 0;
  let taken = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const { client } = await SmtpClient.open(port);
      await client.command('EHLO mx.example.net');
      for (;;) {
        const id = ids[next++];
        if (id === undefined) break;
        const { to, body } = report(id);
        await client.command('MAIL FROM:<>');
        await client.command(`RCPT TO:<${to}>`);
        await client.command('DATA');
        if ((await client.data(body)).code === 250) taken++;
        await client.command('RSET');
      }
      await client.quit();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (taken !== ids.length) throw new Error(`only ${taken} of ${ids.length} reports were taken`);
  return ids.length / seconds;
}

async function start(kind: string, dbPath: string): Promise<{ port: number; child: ChildProcess }> {
  const child = fork(here, ['--server', kind, dbPath], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  return { port, child };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'gazette-bench-inbound-'));
  try {
    const { openStore } = await import('../src/store/index.js');
    const dbPath = join(dir, 'gazette.db');
    const store = await openStore({ dbPath });
    const now = new Date('2026-11-30T07:00:00Z');
    for (let from = 0; from < readers; from += 10_000) {
      const batch = Array.from({ length: 10_000 }, (_, i) => ({ email: `reader${from + i + 1}@example.net`, name: null, status: 'active' as const }));
      await store.upsertSubscribers(batch, now);
    }
    await store.close();
    const best = { baseline: 0, gazette: 0 };
    for (let round = 0; round < 2; round++) {
      const ids = Array.from({ length: messagesPerRun }, (_, i) => round * messagesPerRun + i + 1);
      for (const kind of ['baseline', 'gazette'] as const) {
        const { port, child } = await start(kind, dbPath);
        const rate = await blast(port, ids);
        child.disconnect();
        best[kind] = Math.max(best[kind], rate);
        console.log(`round ${round + 1} ${kind}: ${rate.toFixed(0)} reports/s`);
      }
    }
    console.log(`bare smtp-server, discarding (baseline): ${best.baseline.toFixed(0)} reports/s`);
    console.log(`gazette inbound, parsed and recorded:    ${best.gazette.toFixed(0)} reports/s`);
    console.log(`ratio: ${(best.gazette / best.baseline).toFixed(2)}×`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--server') await runServer(process.argv[3] ?? '', process.argv[4] ?? '');
else await main();
