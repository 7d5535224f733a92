// Writers take turns: a large import runs while `serve` takes subscriptions and `publish` sends, each its own
// process on one SQLite file, and none of them fails or loses a row.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { run } from '../cli/run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const contentFixture = fileURLToPath(new URL('../fixtures/delivery/content/', import.meta.url));
// Trusting X-Forwarded-For lets each subscription come from its own client, under the per-client limit; the
// site-wide cap on confirmation mail is raised so that every request mails.
const env = { GAZETTE_SECRET: 'concurrency-test-secret-0123456789abcdef', SMTP_URL: '', GAZETTE_TRUST_PROXY: '1', GAZETTE_CONFIRM_PER_HOUR: '100000' };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-concurrency-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `gazette ARGS` as its own process; `stdout` fills as it prints. */
function gazette(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (out.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const done = once(child, 'close').then(([code]) => ({ code: code as number | null, ...out }));
  return { child, out, done };
}

describe('concurrent writers on one SQLite file', () => {
  it('imports 100,000 rows while serve takes subscriptions and publish runs: no error, nothing lost', { timeout: 240_000 }, async () => {
    const content = join(dir, 'content');
    await cp(contentFixture, content, { recursive: true });
    const db = join(dir, 'gazette.db');
    const paths = ['--db', db, '--content', content, '--out', join(dir, 'public'), '--outbox', join(dir, 'outbox')];
    for (const email of ['a@example.org', 'b@example.org', 'c@example.org']) expect((await run(['subscribers', 'add', email, '--db', db], env)).code).toBe(0);
    const rows = 100_000;
    await writeFile(join(dir, 'big.csv'), ['email,name', ...Array.from({ length: rows }, (_, i) => `reader${i}@example.net,Reader ${i}`)].join('\n'));

    const serve = gazette(['serve', '--port', '0', ...paths]);
    try {
      while (!/at (http:\/\/\S+)/.test(serve.out.stdout)) {
        if (serve.child.exitCode !== null) throw new Error(`serve exited: ${serve.out.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const url = /at (http:\/\/\S+)/.exec(serve.out.stdout)?.[1] ?? '';

      const importing = gazette(['subscribers', 'import', join(dir, 'big.csv'), '--db', db]);
      const publishing = gazette(['publish', '--json', ...paths]);
      let importDone = false;
      const imported = importing.done.finally(() => (importDone = true));
      const statuses: number[] = [];
      // Subscriptions keep coming for as long as the import runs (and at least 20).
      for (let i = 0; !importDone || i < 20; i++) {
        const res = await fetch(`${url}/subscribe`, {
          method: 'POST',
          body: new URLSearchParams({ email: `web${i}@example.org` }),
          headers: { 'X-Forwarded-For': `10.0.${i >> 8}.${i & 255}` },
        });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      const [importResult, publishResult] = await Promise.all([imported, publishing.done]);

      expect(importResult.stderr).toBe('');
      expect(importResult.code).toBe(0);
      expect(importResult.stdout).toBe('imported 100,000 (100,000 new, 0 updated, 0 unchanged), 0 rejected, 0 kept unsubscribed or bounced\n');
      expect(publishResult.code, publishResult.stderr).toBe(0);
      expect(JSON.parse(publishResult.stdout)).toMatchObject({ delivery: { failed: 0, pending: 0 } });
      expect(statuses.filter((status) => status !== 200)).toEqual([]);

      const store = await openSqliteStore(db);
      try {
        expect(await store.countSubscribers()).toMatchObject({ active: 3 + rows, pending: statuses.length });
      } finally {
        await store.close();
      }
    } finally {
      serve.child.kill('SIGTERM');
      await serve.done;
    }
  });
});
