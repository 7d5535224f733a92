// User mistakes and a hostile machine through the real CLI: each ends with a message that says what and how to
// fix it, the right exit status, and never a stack trace.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { once } from 'node:events';
import { chmod, chown, cp, mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startSink, type Sink } from '../delivery/smtp-sink.js';
import { closedPort } from '../fixtures/ports.js';
import { run } from './run.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const deliveryContent = fileURLToPath(new URL('../fixtures/delivery/content/', import.meta.url));
const secret = 'errors-test-secret-0123456789abcdefghij';
let dir: string;
let sink: Sink | null = null;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-cli-errors-'));
});
afterEach(async () => {
  await sink?.close();
  sink = null;
  await rm(dir, { recursive: true, force: true });
});

const noTrace = (text: string): void => {
  expect(text).not.toContain('    at ');
  expect(text).not.toContain('internal error');
};

/** Runs bin.ts in a child process with stdout going to `stdout` (a file descriptor) or a pipe. */
function child(args: string[], options: { stdout?: number; uid?: number; env?: Record<string, string> } = {}) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), ...args], {
    cwd: root,
    env: { ...process.env, GAZETTE_SECRET: secret, SMTP_URL: '', ...options.env },
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
  });
  let stderr = '';
  proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = once(proc, 'close').then(([code]) => ({ code: code as number | null, stderr }));
  return { proc, done };
}

describe('command-line mistakes', () => {
  it('says which argument is missing when "subscribers add" gets no address (exit 2)', async () => {
    const { code, stderr } = await run(['subscribers', 'add', '--db', join(dir, 'g.db')]);
    expect(code).toBe(2);
    expect(stderr).toBe('gazette: missing EMAIL (email address) — see "gazette subscribers add --help"\n');
  });

  it('refuses a --status that is no status, showing control characters escaped, not run by the terminal', async () => {
    const { code, stderr } = await run(['subscribers', 'list', '--status', '\u001b[31mweird', '--db', join(dir, 'g.db')]);
    expect(code).toBe(2);
    expect(stderr).toBe('gazette: option --status does not take "\\u001b[31mweird" — use one of: pending, active, unsubscribed, bounced\n');
  });

  it('hints the command as it is typed: "gazette subscribers --help"', async () => {
    const { code, stderr } = await run(['subscribers']);
    expect(code).toBe(2);
    expect(stderr).toContain('run "gazette subscribers --help"');
    expect(stderr).not.toContain('gazette gazette');
  });

  it('names the argument that is one too many, not the value of a flag after it', async () => {
    const { code, stderr } = await run(['subscribers', 'add', 'a@example.org', 'b@example.org', '--db', join(dir, 'g.db')]);
    expect(code).toBe(2);
    expect(stderr).toContain('unexpected argument "b@example.org"');
  });

  it('counts the arguments after "--": one too many is refused, not dropped; one that looks like a flag is taken', async () => {
    const db = join(dir, 'g.db');
    const extra = await run(['subscribers', 'add', '--db', db, '--', 'a@example.org', 'b@example.org']);
    expect(extra.code).toBe(2);
    expect(extra.stderr).toContain('unexpected argument "b@example.org"');
    expect(existsSync(db)).toBe(false);
    expect(await run(['subscribers', 'add', '--db', db, '--', '-dash@example.org'])).toMatchObject({ code: 0, stdout: 'added -dash@example.org (active; sections: all; editions: default)\n' });
  });

  it('refuses --out naming a file, before writing anything (exit 2)', async () => {
    await writeFile(join(dir, 'public'), 'not a folder');
    const { code, stderr } = await run(['build', '--content', deliveryContent, '--out', join(dir, 'public')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--out .*public is not a folder .* — pass --out DIR/);
    noTrace(stderr);
    expect(await readFile(join(dir, 'public'), 'utf8')).toBe('not a folder');
  });

  it('says why a database path cannot be opened, with exit 2 and no option it was not given by: a folder, another kind of file', async () => {
    const notes = join(dir, 'notes.txt');
    await writeFile(notes, 'not a database, though long enough to have a header of one: '.repeat(4));
    expect((await run(['subscribers', 'add', 'ada@example.org', '--db', join(dir, 'source.db')])).code).toBe(0);
    const copied = await run(['db', 'copy', '--from', join(dir, 'source.db'), '--to', notes]);
    expect(copied.code).toBe(2);
    expect(copied.stderr).toBe(`gazette: cannot open the database ${notes}: it is not a SQLite database — name the database file, or a path where none is yet to make one\n`);
    const folder = await run(['stats', '--db', dir]);
    expect(folder).toMatchObject({ code: 2, stderr: `gazette: cannot open the database ${dir}: it is a folder — name a file, e.g. ${join(dir, 'gazette.db')}\n` });
  });
});

describe('what the machine does', () => {
  it('ends with a clear message and exit 1 on a full disk (ENOSPC)', async () => {
    const db = join(dir, 'g.db');
    await run(['subscribers', 'add', 'ada@example.org', '--db', db]);
    const full = await open('/dev/full', 'w');
    try {
      const { code, stderr } = await child(['subscribers', 'export', '--db', db], { stdout: full.fd }).done;
      expect(code).toBe(1);
      expect(stderr).toBe('gazette: no space left on the device (ENOSPC) — free some space, then run the command again\n');
    } finally {
      await full.close();
    }
  });

  it('ends quietly when the reader of its output goes away (export | head)', async () => {
    const db = join(dir, 'g.db');
    const csv = ['email', ...Array.from({ length: 20_000 }, (_, i) => `r${i}@example.org`)].join('\n');
    await writeFile(join(dir, 'many.csv'), csv);
    expect((await run(['subscribers', 'import', join(dir, 'many.csv'), '--db', db])).code).toBe(0);
    const { proc, done } = child(['subscribers', 'export', '--db', db]);
    // Like `head -1`: read the first chunk, then close the pipe.
    await once(proc.stdout!, 'data');
    proc.stdout!.destroy();
    const { code, stderr } = await done;
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('prints the cause of the SMTP failures that leave deliveries pending', async () => {
    sink = await startSink({ rcpt: () => ({ code: 451, message: '4.7.1 greylisted by policy, come back later' }) });
    const content = join(dir, 'content');
    await cp(deliveryContent, content, { recursive: true });
    const db = join(dir, 'g.db');
    for (const email of ['a@example.org', 'b@example.org']) await run(['subscribers', 'add', email, '--db', db]);
    const env = { GAZETTE_SECRET: secret, SMTP_URL: sink.url, GAZETTE_SEND_ATTEMPTS: '1' };
    const { code, stdout, stderr } = await run(['publish', '--content', content, '--out', join(dir, 'public'), '--db', db], env);
    expect(code).toBe(75);
    expect(stdout).toMatch(/the last failure: .*451 .*greylisted by policy/);
    expect(stderr).toMatch(/2 deliveries are still pending after temporary failures \(the last: .*greylisted by policy.*\) — run "gazette send"/);
  });

  it('says how to go on when the outbox folder cannot be made, and a later send delivers what waited', async () => {
    const content = join(dir, 'content');
    await cp(deliveryContent, content, { recursive: true });
    const db = join(dir, 'g.db');
    await run(['subscribers', 'add', 'a@example.org', '--db', db]);
    await writeFile(join(dir, 'file'), '');
    const outbox = join(dir, 'file', 'outbox');
    const env = { GAZETTE_SECRET: secret, SMTP_URL: '' };
    const { code, stderr } = await run(['publish', '--content', content, '--out', join(dir, 'public'), '--db', db, '--outbox', outbox], env);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `gazette: cannot create the outbox folder ${outbox}: it, or a folder above it, is a file — pass --outbox DIR (env GAZETTE_OUTBOX) naming a folder this user can write, or set SMTP_URL to send by SMTP; what was to go out stays pending in the database, and "gazette send" delivers it\n`,
    );
    // Under /proc, where Node's own recursive mkdir never returns: refused at once, the rows still pending.
    const proc = await run(['send', '--db', db, '--outbox', '/proc/gazette-no-such/outbox'], env);
    expect(proc.code).toBe(1);
    expect(proc.stderr).toContain('gazette: cannot create the outbox folder /proc/gazette-no-such/outbox: it cannot be made (ENOENT) — pass --outbox DIR');
    const sent = await run(['send', '--db', db, '--outbox', join(dir, 'outbox')], env);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('sent 1 · bounced 0 · failed 0 · skipped 0 · pending 0');
  });

  it('points at SMTP_URL when no mail server answers there, rather than only at a later send', async () => {
    const port = await closedPort();
    const content = join(dir, 'content');
    await cp(deliveryContent, content, { recursive: true });
    const db = join(dir, 'g.db');
    await run(['subscribers', 'add', 'a@example.org', '--db', db]);
    const env = { GAZETTE_SECRET: secret, SMTP_URL: `smtp://127.0.0.1:${port}`, GAZETTE_SEND_ATTEMPTS: '1' };
    const { code, stderr } = await run(['publish', '--content', content, '--out', join(dir, 'public'), '--db', db], env);
    expect(code).toBe(75);
    expect(stderr).toContain(
      `gazette: 1 delivery is still pending after temporary failures (the last: connect ECONNREFUSED 127.0.0.1:${port}) — no mail server answered at smtp://127.0.0.1:${port}: check that it is running and that SMTP_URL names its host and port, then run "gazette send" to finish them`,
    );
  });
});

describe('signals', () => {
  it('leaves no partial copy of the list behind when an export to a file is stopped with Ctrl-C', async () => {
    const db = join(dir, 'g.db');
    const store = await openSqliteStore(db);
    try {
      for (let batch = 0; batch < 5; batch++) {
        const readers = Array.from({ length: 20_000 }, (_, i) => ({ email: `r${batch}-${i}@example.org`, name: `Reader ${i}`, status: 'active' as const }));
        await store.upsertSubscribers(readers, new Date());
      }
    } finally {
      await store.close();
    }
    const exporting = child(['subscribers', 'export', join(dir, 'backup.csv'), '--db', db]);
    const temporary = (): boolean => readdirSync(dir).some((name) => name.endsWith('.tmp'));
    while (!temporary() && exporting.proc.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(temporary(), 'the export finished before its temporary file was seen').toBe(true);
    exporting.proc.kill('SIGINT');
    await exporting.done;
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

describe('content', () => {
  it('reports an unreadable subfolder by its own path and still builds the rest (exit 2), keeping what the last build read from it', async () => {
    const content = join(dir, 'content');
    await cp(deliveryContent, content, { recursive: true });
    await mkdir(join(content, 'locked'));
    await writeFile(join(content, 'locked', '2026-11-20-hidden.md'), '---\ntitle: Hidden\ndate: 2026-11-20\n---\nHidden.\n');
    const out = join(dir, 'public');
    // root reads any folder: run as nobody then, in a folder nobody may write.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await chown(dir, 65534, 65534);
    const build = () => child(['build', '--content', content, '--out', out], asRoot ? { uid: 65534 } : {}).done;
    const message =
      'locked/: cannot read this folder (EACCES); its articles stay as the last build made them, and nothing new in it is published — give Gazette permission to read it, or move it out of the content folder\n';

    /** A build while the folder cannot be read. */
    const lockedBuild = async (): Promise<{ code: number | null; stderr: string }> => {
      await chmod(join(content, 'locked'), 0o000);
      try {
        return await build();
      } finally {
        await chmod(join(content, 'locked'), 0o755);
      }
    };

    // The first build cannot read it: nothing from it is published.
    const first = await lockedBuild();
    expect(first.stderr).toBe(message);
    expect(first.code).toBe(2);
    expect(await readFile(join(out, 'feed.xml'), 'utf8')).toContain('bridge');
    expect(await readFile(join(out, 'feed.xml'), 'utf8')).not.toContain('Hidden');

    // Read once, then unreadable again (a deploy's passing permissions): its article stays on the site and in the feeds.
    expect((await build()).code).toBe(0);
    const again = await lockedBuild();
    expect(again.stderr).toBe(message);
    expect(again.code).toBe(2);
    expect(await readFile(join(out, 'feed.xml'), 'utf8')).toContain('Hidden');
    expect(await readFile(join(out, 'articles', '2026-11-20-hidden', 'index.html'), 'utf8')).toContain('Hidden.');
  });
});
