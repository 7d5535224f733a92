import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const content = fileURLToPath(new URL('../fixtures/subscribers/content/', import.meta.url));
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-serve-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function waitFor<T>(probe: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('gazette serve', () => {
  it('serves --out, takes a subscription into the outbox, and stops cleanly on SIGTERM', async () => {
    const out = join(dir, 'public');
    const outbox = join(dir, 'outbox');
    await mkdir(out);
    await writeFile(join(out, 'feed.xml'), '<rss version="2.0"/>');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'src/cli/bin.ts'), 'serve', '--port', '0', '--content', content, '--out', out, '--db', join(dir, 'gazette.db'), '--outbox', outbox],
      // cwd: the project, where `--import tsx` resolves; every path is passed explicitly.
      { cwd: root, env: { ...process.env, SMTP_URL: '', GAZETTE_SECRET: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'close');
    try {
      const url = await waitFor(async () => {
        if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${stderr}`);
        return /at (http:\/\/\S+)/.exec(stdout)?.[1] ?? null;
      });
      expect(stdout).toContain(`mail through ${outbox}`);
      // A folder with a feed but no index.html is one no build wrote: its pages would answer 404 without a word.
      expect(await waitFor(async () => (stderr.includes('warning:') ? stderr : null))).toContain(
        `warning: ${out}: no site here yet (no index.html): every page answers 404 until a build writes one — run "gazette build"`,
      );

      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ status: 'ok' });
      const feed = await fetch(`${url}/feed.xml`);
      expect(feed.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');

      const subscribed = await fetch(`${url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email: 'ada@example.org' }) });
      expect(subscribed.status).toBe(200);
      const file = await waitFor(async () => (await readdir(outbox).catch(() => [])).find((f) => f.endsWith('.eml')) ?? null);
      const mail = await readFile(join(outbox, file), 'utf8');
      expect(mail).toMatch(/^To: ada@example\.org/m);
      expect(mail).toContain('https://news.example.org/confirm?token=');
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  });
});
