// `npm run bench -- publish`: `gazette publish` as a user runs it (a whole process: build, digest, delivery) to
// 10,000 readers over loopback SMTP, against a bare nodemailer pool process sending the same digest HTML to the
// same addresses, in the same run, paired and alternating (medians of RUNS). Goal: Gazette ≥ 2× the pool's rate.
// Then peak RSS (GNU time) of `gazette publish` and of `gazette send` at 100,000 readers: budget 150 MB each (the
// send delivers the rows of a publish whose server refused every connection). Both sides use 5 SMTP connections to one
// smtp-server sink in its own process. Readers are imported with `gazette subscribers import`.
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { buildGazette } from './compile.js';

const readers = Number(process.env.BENCH_READERS ?? 10_000);
const bigList = Number(process.env.BENCH_BIG_LIST ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const connections = 5;
const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
const gazetteBin = join(root, 'dist/bin.js');
const gnuTime = '/usr/bin/time';

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
  server.listen(0, '127.0.0.1', () => {
    const address = server.server.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', () => process.send?.({ accepted }));
  process.on('disconnect', () => server.close(() => process.exit(0)));
}

// ---- the baseline: a bare nodemailer pool, plain JavaScript in its own process ----

const baselineScript = `
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
const [port, count, htmlFile] = process.argv.slice(1);
const html = readFileSync(htmlFile, 'utf8');
const mailer = nodemailer.createTransport({ host: '127.0.0.1', port: Number(port), pool: true, maxConnections: ${connections}, ignoreTLS: true });
const window = new Set();
for (let i = 0; i < Number(count); i++) {
  const sending = mailer.sendMail({ from: 'Example News <news@example.org>', to: 'reader' + i + '@example.net', subject: 'Example News', html });
  window.add(sending);
  sending.finally(() => window.delete(sending));
  if (window.size >= ${2 * connections}) await Promise.race(window);
}
await Promise.all(window);
mailer.close();
`;

// ---- helpers ----

interface Measured {
  ms: number;
  rssMb: number;
  status: number | null;
}

/** Runs a whole process under GNU time: wall time, peak RSS and exit status (75, rows left pending, is accepted when `pendingOk`). */
function measure(command: string, args: string[], env: Record<string, string>, pendingOk = false): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(gnuTime, ['-f', '%M', command, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      const kb = Number(/(\d+)\s*$/.exec(stderr)?.[1]);
      if (status !== 0 && !(pendingOk && status === 75)) reject(new Error(`${command} ${args.join(' ')} exited ${status}: ${stderr}`));
      else resolve({ ms: performance.now() - started, rssMb: kb / 1024, status });
    });
  });
}

function gazette(args: string[], env: Record<string, string>): void {
  const result = spawnSync(process.execPath, [gazetteBin, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`gazette ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  buildGazette();
  const sinkProcess: ChildProcess = fork(here, ['--sink'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => sinkProcess.once('message', (m: { port: number }) => resolve(m.port)));
  const accepted = (): Promise<number> =>
    new Promise((resolve) => {
      sinkProcess.once('message', (m: { accepted: number }) => resolve(m.accepted));
      sinkProcess.send('count');
    });
  const work = await mkdtemp(join(tmpdir(), 'gazette-bench-publish-'));
  try {
    const content = join(work, 'content');
    await cp(join(root, 'content'), content, { recursive: true });
    const env = { GAZETTE_CONTENT: content, GAZETTE_SECRET: 'bench-secret-0123456789abcdefghijklmnop', SMTP_URL: `smtp://127.0.0.1:${port}`, SMTP_MAX_CONNECTIONS: String(connections) };
    /** A database with `count` active readers, imported as a user would. */
    const seeded = async (count: number): Promise<string> => {
      const csv = join(work, `readers-${count}.csv`);
      await writeFile(csv, `email,name\n${Array.from({ length: count }, (_, i) => `reader${i}@example.net,${i % 3 === 0 ? `Reader ${i}` : ''}`).join('\n')}\n`);
      const db = join(work, `seeded-${count}.db`);
      gazette(['subscribers', 'import', csv, '--db', db], env);
      return db;
    };
    const small = await seeded(readers);
    const html = join(work, 'digest.html');
    gazette(['preview', '--output', html, '--db', join(work, 'none.db')], env);
    console.log(`digest of content/ (${((await readFile(html)).length / 1024).toFixed(1)} KB HTML), ${connections} SMTP connections, sink in its own process`);

    const results = { gazette: [] as Measured[], baseline: [] as Measured[] };
    for (let run = 0; run < RUNS; run++) {
      const db = join(work, `run-${run}.db`);
      await cp(small, db);
      const before = await accepted();
      const pair = [
        async () => results.gazette.push(await measure(process.execPath, [gazetteBin, 'publish', '--db', db, '--out', join(work, `out-${run}`)], env)),
        async () => results.baseline.push(await measure(process.execPath, ['--input-type=module', '-e', baselineScript, String(port), String(readers), html], env)),
      ];
      for (const step of run % 2 === 0 ? pair : pair.reverse()) await step();
      const sent = (await accepted()) - before;
      if (sent !== 2 * readers) throw new Error(`the sink accepted ${sent} messages, expected ${2 * readers}`);
    }
    const rate = (list: Measured[]): number => readers / (median(list.map((m) => m.ms)) / 1000);
    const rss = (list: Measured[]): string => `${median(list.map((m) => m.rssMb)).toFixed(0)} MB`;
    console.log(`${readers.toLocaleString('en')} readers, whole processes, median of ${RUNS} paired runs (alternating order)`);
    console.log(`nodemailer pool        ${(median(results.baseline.map((m) => m.ms)) / 1000).toFixed(2)} s  ${rate(results.baseline).toFixed(0)} msg/s  peak RSS ${rss(results.baseline)}`);
    console.log(`gazette publish        ${(median(results.gazette.map((m) => m.ms)) / 1000).toFixed(2)} s  ${rate(results.gazette).toFixed(0)} msg/s  peak RSS ${rss(results.gazette)}`);
    console.log(`ratio ${(rate(results.gazette) / rate(results.baseline)).toFixed(2)}× the pool (goal ≥ 2×)`);

    if (bigList > 0) {
      const big = await seeded(bigList);
      const fullDb = join(work, 'full.db');
      await cp(big, fullDb);
      const full = await measure(process.execPath, [gazetteBin, 'publish', '--db', fullDb, '--out', join(work, 'out-big')], env);
      // A publish whose server refuses connections leaves every row pending (exit 75); send then delivers them all.
      const resumeDb = join(work, 'resume.db');
      await cp(big, resumeDb);
      const refused = { ...env, SMTP_URL: 'smtp://127.0.0.1:9', GAZETTE_SEND_ATTEMPTS: '1' };
      const stopped = await measure(process.execPath, [gazetteBin, 'publish', '--db', resumeDb, '--out', join(work, 'out-resume')], refused, true);
      const resumed = await measure(process.execPath, [gazetteBin, 'send', '--db', resumeDb], env);
      const line = (label: string, m: Measured): string => `${label} ${(m.ms / 1000).toFixed(1).padStart(5)} s  peak RSS ${m.rssMb.toFixed(0)} MB ${m.rssMb <= 150 ? '(≤ 150 MB: ok)' : '(OVER 150 MB)'}`;
      console.log(`${bigList.toLocaleString('en')} readers:`);
      console.log(line('  gazette publish             ', full));
      console.log(line(`  gazette send (all pending: publish to a refused port exited ${stopped.status})`, resumed));
    }
  } finally {
    sinkProcess.disconnect();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--sink') await runSink();
else await main();
