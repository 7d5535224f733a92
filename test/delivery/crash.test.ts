// kill -9 in the middle of a send loses nothing: a second `send` delivers every row not confirmed sent, and only
// messages that were in flight at the kill (one per connection at most) arrive twice, with the same Message-ID.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { defaultDeliverySettings } from '../../src/delivery/settings.js';
import { setUpSend, type SendSetup } from './fixtures.js';
import { type Sink } from './smtp-sink.js';
import { createTestDatabase, testStoreKind, type TestDatabase } from '../store/databases.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readers = 400;
const claimSeconds = 2;
let setup: SendSetup;
let dir: string;
let database: TestDatabase;
let sink: Sink;

beforeEach(async () => {
  setup = await setUpSend('gazette-crash-', readers, createTestDatabase);
  ({ dir, database, sink } = setup);
}, 120_000);
afterEach(() => setup.dispose(), 120_000);

/** Runs `gazette send` in a child process; `killWhen` decides, per message received, when to send it `signal`. */
function send(
  killWhen: (received: number) => boolean = () => false,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<{ code: number | null; signal: string | null; stdout: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/bin.ts', 'send', '--json', '--content', join(dir, 'content'), '--db', database.db],
    {
      cwd: root,
      env: { ...process.env, SMTP_URL: sink.url, GAZETTE_SECRET: 'crash-secret-0123456789abcdefghijklm', GAZETTE_CLAIM_SECONDS: String(claimSeconds) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const onReceived = (): void => {
    if (killWhen(sink.received.length)) child.kill(signal);
  };
  sink.events.on('received', onReceived);
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      sink.events.off('received', onReceived);
      resolve({ code, signal, stdout });
    });
  });
}

it('loses nothing to kill -9, and sends twice at most what was in flight', async () => {
  const killed = await send((received) => received === 60);
  expect(killed.signal).toBe('SIGKILL');
  const beforeRestart = sink.received.length;
  expect(beforeRestart).toBeLessThan(readers);

  // SQLite: the dead process's lease is taken over at once (a process of this host that no longer exists).
  // PostgreSQL: the rows it had claimed come back once its claims expire.
  if (testStoreKind().name === 'PostgreSQL') await sleep(claimSeconds * 1000 + 200);
  const resumed = await send();
  expect(resumed.code).toBe(0);
  const summary = JSON.parse(resumed.stdout) as { delivery: { sent: number; pending: number } };
  expect(summary.delivery.pending).toBe(0);

  const perAddress = sink.countByAddress();
  expect(perAddress.size).toBe(readers);
  const byMessageId = new Map<string, number>();
  for (const m of sink.received) byMessageId.set(m.messageId, (byMessageId.get(m.messageId) ?? 0) + 1);
  expect(byMessageId.size).toBe(readers);
  const duplicates = sink.received.length - readers;
  expect([...perAddress.values()].every((n) => n <= 2)).toBe(true);
  // A connection takes its next row only after the last result is committed: at most one message each in flight.
  expect(duplicates).toBeLessThanOrEqual(defaultDeliverySettings.maxConnections);
  expect(summary.delivery.sent).toBe(readers - (beforeRestart - duplicates));
}, 120_000);

it('on SIGTERM finishes and records the messages in flight, exits 75, and the next send sends only the rest', async () => {
  let signalled = false;
  const stopped = await send((received) => {
    if (signalled || received < 60) return false;
    signalled = true;
    return true;
  }, 'SIGTERM');
  expect(stopped.code).toBe(75);
  const first = JSON.parse(stopped.stdout) as { delivery: { sent: number; pending: number; interrupted: boolean } };
  expect(first.delivery.interrupted).toBe(true);
  // Everything the server accepted is recorded as sent: nothing is left to arrive twice.
  expect(first.delivery.sent).toBe(sink.received.length);
  expect(first.delivery.pending).toBe(readers - sink.received.length);

  const resumed = await send();
  expect(resumed.code).toBe(0);
  expect(sink.received).toHaveLength(readers);
  expect(sink.countByAddress().size).toBe(readers);
}, 120_000);
