// Cooperative sending on PostgreSQL: several `gazette send` processes work one ledger; one killed with SIGKILL
// midway loses nothing, repeats at most its in-flight messages, and its rows come back when its claims expire.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { setUpSend, type SendSetup } from '../delivery/fixtures.js';
import { type Sink } from '../delivery/smtp-sink.js';
import { createPostgresDatabase, type TestDatabase } from '../store/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readers = 600;
const claimSeconds = 3;
const connections = 2;
let setup: SendSetup;
let dir: string;
let database: TestDatabase;
let sink: Sink;

beforeEach(async () => {
  setup = await setUpSend('gazette-fleet-', readers, () => createPostgresDatabase(), { delayMs: 20 });
  ({ dir, database, sink } = setup);
}, 120_000);
afterEach(() => setup.dispose(), 120_000);

interface Sender {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

function startSend(): Sender {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'send', '--json', '--content', join(dir, 'content'), '--db', database.db], {
    cwd: root,
    env: {
      ...process.env,
      SMTP_URL: sink.url,
      GAZETTE_SECRET: 'fleet-secret-0123456789abcdefghijklmn',
      GAZETTE_CLAIM_SECONDS: String(claimSeconds),
      SMTP_MAX_CONNECTIONS: String(connections),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: database.db });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

it('three senders share the ledger; one killed midway repeats at most its in-flight messages, and its rows wait no longer than its claims', async () => {
  const senders = [startSend(), startSend(), startSend()];
  const [victim] = senders;
  const killedAt = await new Promise<number>((resolve) => {
    const onReceived = (): void => {
      if (sink.received.length < readers / 4) return;
      sink.events.off('received', onReceived);
      victim!.child.kill('SIGKILL');
      resolve(Date.now());
    };
    sink.events.on('received', onReceived);
  });
  const [killed, ...survivors] = await Promise.all(senders.map((s) => s.done));
  expect(killed?.signal).toBe('SIGKILL');

  // The dead sender's claims end at most one claim time after its death (they were last renewed before it).
  const [dead] = await query<{ until: string | null; rows: string }>(
    "SELECT max(claimed_until) AS until, count(*) AS rows FROM deliveries WHERE status = 'pending' AND claimed_by LIKE $1",
    [`%:${victim!.child.pid}:%`],
  );
  if (dead?.until != null) expect(Number(dead.until)).toBeLessThanOrEqual(killedAt + claimSeconds * 1000);

  // Both survivors sent their share of the rows.
  for (const survivor of survivors) {
    // Rows the dead sender still holds are not left over for them: they exit 0 when nothing is left to claim.
    expect(survivor.code, survivor.stderr).toBe(0);
    expect((JSON.parse(survivor.stdout) as { delivery: { sent: number } }).delivery.sent).toBeGreaterThan(0);
  }

  // Once the dead sender's claims have expired, a send finds its rows and finishes them.
  await sleep(Math.max(0, killedAt + claimSeconds * 1000 + 200 - Date.now()));
  const last = await startSend().done;
  expect(last.code, last.stdout).toBe(0);
  expect(JSON.parse(last.stdout)).toMatchObject({ delivery: { pending: 0 } });

  const perAddress = sink.countByAddress();
  expect(perAddress.size).toBe(readers);
  const repeated = [...perAddress.values()].filter((n) => n > 1);
  expect(repeated.every((n) => n === 2)).toBe(true);
  expect(repeated.length).toBeLessThanOrEqual(connections);
  const byMessageId = new Set(sink.received.map((m) => m.messageId));
  expect(byMessageId.size).toBe(readers);
}, 180_000);
