// `gazette publish` and `gazette send` end to end through main(): JSON output, outbox files, exit codes.
import { generateKeyPairSync } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockOutDir } from '../../src/site/lock.js';
import { openStore } from '../../src/store/index.js';
import { run } from '../cli/run.js';
import { addReaders } from './fixtures.js';
import { startSink, type Sink } from './smtp-sink.js';
import { createTestDatabase, testStoreKind, type TestDatabase } from '../store/databases.js';

const contentFixture = fileURLToPath(new URL('../fixtures/delivery/content/', import.meta.url));
let dir: string;
let database: TestDatabase;
let sink: Sink | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-cli-delivery-'));
  database = await createTestDatabase(dir);
  await cp(contentFixture, join(dir, 'content'), { recursive: true });
  const store = await openStore({ dbPath: database.db });
  await addReaders(store, 12);
  await store.close();
});
afterEach(async () => {
  await sink?.close();
  sink = null;
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

function gazette(args: string[], env: Record<string, string> = {}, options: Parameters<typeof run>[2] = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const flags = ['--content', join(dir, 'content'), '--out', join(dir, 'public'), '--db', database.db, '--outbox', join(dir, 'outbox')];
  return run([...args, ...flags], { GAZETTE_SECRET: 'cli-secret-0123456789abcdefghijklmnop', ...env }, options);
}

/** How many digests the database holds. */
async function digestsMade(): Promise<number> {
  const store = await openStore({ dbPath: database.db });
  try {
    return (await store.listDigests()).length;
  } finally {
    await store.close();
  }
}

describe('gazette publish', () => {
  it('builds, makes a digest and writes one message per reader to the outbox; again, it makes nothing', async () => {
    // Before any digest, the archive every page links to is the build's page saying so.
    const build = (): Promise<{ code: number }> => run(['build', '--content', join(dir, 'content'), '--out', join(dir, 'public')]);
    expect((await build()).code).toBe(0);
    const archive = (): Promise<string> => readFile(join(dir, 'public', 'digests', 'index.html'), 'utf8');
    expect(await archive()).toContain('No issue of the newsletter has been sent yet.');
    const first = await gazette(['publish', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout) as { digest: unknown; delivery: Record<string, unknown> };
    expect(report.digest).toEqual({ number: 1, edition: 'newsletter', articles: 2, recipients: 12, nothingInSections: 0 });
    expect(report.delivery).toMatchObject({ sent: 12, bounced: 0, failed: 0, pending: 0 });
    expect(await readdir(join(dir, 'outbox'))).toHaveLength(12);
    expect(await readdir(join(dir, 'public'))).toContain('feed.xml');
    const web = await readFile(join(dir, 'public', 'digests', '1', 'index.html'), 'utf8');
    expect(web).not.toContain('%%GZ_');
    expect(web).not.toContain('unsubscribe?token');
    expect(await archive()).toContain('digests/1/');
    expect(await archive()).not.toContain('No issue');
    // A build leaves publish's archive as it is.
    expect((await build()).code).toBe(0);
    expect(await archive()).toContain('digests/1/');

    const second = await gazette(['publish', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toMatchObject({ digest: null, delivery: { sent: 0, pending: 0 } });
    expect(await readdir(join(dir, 'outbox'))).toHaveLength(12);
  });

  it('says on stderr that its build waits for another build into the same folder, then publishes', async () => {
    const { release } = await lockOutDir(join(dir, 'public'));
    // Released once publish says it waits (a fixed delay was shorter than publish's start on a busy machine).
    let released: Promise<void> | undefined;
    const publishing = gazette(['publish', '--json'], {}, { onStderr: (text) => void (text.includes('waiting for it to finish') && (released ??= release())) });
    const { code, stdout, stderr } = await publishing;
    await released;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`gazette: another Gazette build is writing into ${join(dir, 'public')}: waiting for it to finish`);
    expect(JSON.parse(stdout)).toMatchObject({ digest: { number: 1 }, delivery: { sent: 12 } });
  });

  it('makes no digest when stopped (Ctrl-C) before one is made, and says so with exit 75', async () => {
    const listeners = process.listenerCount('SIGINT');
    const publishing = gazette(['publish', '--json']);
    while (process.listenerCount('SIGINT') === listeners) await new Promise((resolve) => setTimeout(resolve, 5));
    process.emit('SIGINT', 'SIGINT');
    const { code, stderr } = await publishing;
    expect(code, stderr).toBe(75);
    expect(stderr).toContain('before any digest was made: nothing was recorded or sent');
    expect(await digestsMade()).toBe(0);
  });

  it('refuses a DKIM key that is not one before any digest is made (exit 2)', async () => {
    const { code, stderr } = await gazette(['publish', '--json'], { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: 'garbage' });
    expect(code).toBe(2);
    expect(stderr).toContain('the DKIM private key is not a PEM private key');
    expect(await digestsMade()).toBe(0);
  });

  it('warns at publish and at send when the mail is signed for a domain that does not align with newsletter.from, and sends it all the same', async () => {
    const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const signedFor = (domain: string, command = 'publish'): Promise<{ code: number; stderr: string }> =>
      gazette([command, '--json'], { DKIM_DOMAIN: domain, DKIM_SELECTOR: 's1', DKIM_PRIVATE_KEY: key });
    const warning = 'warning: DKIM_DOMAIN: the mail is signed for mail.othersite.net, which is not example.org (newsletter.from) or a domain of the same organization';
    const misaligned = await signedFor('mail.othersite.net');
    expect(misaligned.code, misaligned.stderr).toBe(0);
    expect(misaligned.stderr).toContain(warning);
    expect(await readdir(join(dir, 'outbox'))).toHaveLength(12);
    // A subdomain of the From domain aligns (relaxed).
    expect((await signedFor('mail.example.org')).stderr).not.toContain('DKIM_DOMAIN');
    // A send (resuming a publish, perhaps with another key) says so too, with nothing left to send.
    const resumed = await signedFor('mail.othersite.net', 'send');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(warning);
    expect((await signedFor('mail.example.org', 'send')).stderr).not.toContain('DKIM_DOMAIN');
  });

  it('prints a readable summary without --json', async () => {
    const { code, stdout } = await gazette(['publish']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/digest 1: 2 articles for 12 readers/);
    expect(stdout).toMatch(/sent 12 · bounced 0 · failed 0 · skipped 0 · pending 0/);
  });
});

describe('gazette send', () => {
  it('prints the JSON and exits 75 when rows stay pending after temporary failures', async () => {
    sink = await startSink({ rcpt: (address) => (address === 'r5@example.net' ? { code: 451, message: '4.3.0 try again later' } : null) });
    const env = { SMTP_URL: sink.url, GAZETTE_SEND_ATTEMPTS: '1' };
    const published = await gazette(['publish', '--json'], env);
    expect(published.code).toBe(75);
    expect(JSON.parse(published.stdout)).toMatchObject({ digest: { number: 1 }, delivery: { sent: 11, pending: 1 } });
    expect(published.stderr).toMatch(/1 delivery is still pending/);

    const sent = await gazette(['send', '--json'], env);
    expect(sent.code).toBe(75);
    expect(JSON.parse(sent.stdout)).toMatchObject({ digest: null, delivery: { sent: 0, pending: 1 } });
    expect(sink.received).toHaveLength(11);
  });

  it.runIf(testStoreKind().name === 'SQLite')('refuses to send from a database file that is not there, and makes none', async () => {
    const typo = join(dir, 'gazete.db');
    const result = await run(['send', '--content', join(dir, 'content'), '--db', typo, '--outbox', join(dir, 'outbox')], { GAZETTE_SECRET: 'cli-secret-0123456789abcdefghijklmnop' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`gazette: --db ${typo}: no such database file — check --db or GAZETTE_DB (publish, subscribers add and import make one)\n`);
    await expect(readdir(dir)).resolves.not.toContain('gazete.db');
  });

  it.runIf(testStoreKind().name === 'SQLite')('exits 75 without sending when another process holds the run lease', async () => {
    const store = await openStore({ dbPath: database.db });
    await store.acquireLease('run', 'someone-else', 60_000, new Date());
    await store.close();
    const { code, stderr } = await gazette(['send']);
    expect(code).toBe(75);
    expect(stderr).toMatch(/another Gazette process/);
  });

  it.runIf(testStoreKind().name === 'PostgreSQL')('sends alongside another process that holds the run lease, and leaves it the digest', async () => {
    const store = await openStore({ dbPath: database.db });
    await store.acquireLease('run', 'someone-else', 60_000, new Date());
    await store.close();
    sink = await startSink();
    const published = await gazette(['publish', '--json'], { SMTP_URL: sink.url });
    expect(published.code, published.stderr).toBe(0);
    // The lease holder is making the digest: this publish builds and sends what is pending, which is nothing yet.
    expect(JSON.parse(published.stdout)).toMatchObject({ digest: null, delivery: { sent: 0, pending: 0 } });
  });

  it.each([
    ['send', 'SMTP_MAX_CONNECTIONS'],
    ['send', 'SMTP_MESSAGES_PER_CONNECTION'],
    ['serve', 'SMTP_MESSAGES_PER_CONNECTION'],
  ])('%s refuses a bad %s with exit 2', async (command, name) => {
    // serve on a free port: were the value not checked, it would start serving instead of exiting.
    const { code, stderr } = await gazette(command === 'serve' ? ['serve', '--port', '0'] : [command], { [name]: 'lots' });
    expect(code).toBe(2);
    expect(stderr).toContain(name);
  });
});
