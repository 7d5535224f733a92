import { describe, expect, it } from 'vitest';
import { run } from './run.js';

describe('main', () => {
  it('lists every SPEC command in --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['build', 'preview', 'publish', 'send', 'subscribers', 'serve', 'daemon']) {
      expect(stdout).toContain(command);
    }
    expect(stdout).not.toContain("\u001b[");
  });

  it('shows help for each command and subcommand', async () => {
    for (const argv of [['build'], ['publish'], ['send'], ['preview'], ['serve'], ['daemon'], ['subscribers', 'import']]) {
      const { code, stdout } = await run([...argv, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain('USAGE');
    }
    expect((await run(['publish', '--help'])).stdout).toContain('--json');
    expect((await run(['subscribers', 'list', '--help'])).stdout).toContain('--status');
  });

  it('names each command in its help as it is typed, with the version', async () => {
    for (const argv of [['build'], ['subscribers'], ['subscribers', 'list'], ['db'], ['db', 'migrate']]) {
      const { stdout } = await run([...argv, '--help']);
      expect(stdout).toContain(`(gazette ${argv.join(' ')} v0.1.0)`);
      expect(stdout).toMatch(new RegExp(`USAGE gazette ${argv.join(' ')}\\b`));
    }
  });

  it('exits 2 on an unknown command, option or missing command', async () => {
    expect(await run(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "frobnicate"') });
    expect(await run(['build', '--contnet', 'x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option "--contnet"') });
    expect(await run([])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing command') });
    expect(await run(['subscribers'])).toMatchObject({ code: 2 });
    expect(await run(['build', '--out'])).toMatchObject({ code: 2, stderr: expect.stringContaining('needs a value') });
  });

  it('suggests the command or option a slip of the keyboard meant, and none for a name that is nothing like one', async () => {
    expect((await run(['biuld'])).stderr).toBe(
      'gazette: unknown command "biuld" — did you mean "build"? (one of: build, preview, publish, send, subscribers, serve, daemon, inbound, stats, db; see "gazette --help")\n',
    );
    expect((await run(['subscribers', 'ad', 'a@example.org'])).stderr).toContain('unknown command "ad" — did you mean "add"?');
    expect((await run(['build', '--outt', 'x'])).stderr).toBe('gazette: unknown option "--outt" — did you mean --out? (see "gazette build --help" for the options of this command)\n');
    expect((await run(['build', '--CONTENT=x'])).stderr).toContain('did you mean --content?');
    expect((await run(['build', '--zzz'])).stderr).toBe('gazette: unknown option "--zzz" — see "gazette build --help" for the options of this command\n');
    expect((await run(['frobnicate'])).stderr).not.toContain('did you mean');
    expect((await run(['--verison'])).stderr).toBe('gazette: unknown option "--verison" — did you mean --version? (run "gazette --help" to see the commands)\n');
    expect((await run(['publish', '--hepl'])).stderr).toContain('unknown option "--hepl" — did you mean --help?');
  });

  it('refuses a long option with one dash, which citty read as letters and dropped: the import went to the default database', async () => {
    expect(await run(['subscribers', 'import', 'list.csv', '-db', 'other.db'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gazette: unknown option "-db" — a long option takes two dashes: --db\n',
    });
    expect((await run(['stats', '-json'])).stderr).toBe('gazette: unknown option "-json" — a long option takes two dashes: --json\n');
    expect((await run(['build', '-zz'])).stderr).toBe('gazette: unknown option "-zz" — see "gazette build --help" for the options of this command\n');
  });

  it('refuses an option given twice, whose last value won without a word', async () => {
    expect(await run(['db', 'copy', '--from', 'a.db', '--to', 'b.db', '--from', 'c.db'])).toEqual({ code: 2, stdout: '', stderr: 'gazette: option --from is given twice — give it once\n' });
    expect((await run(['subscribers', 'list', '--status', 'bounced', '--status=active'])).stderr).toBe('gazette: option --status is given twice — give it once\n');
  });

  it('exits 2 naming a required option left out, with no trace', async () => {
    expect(await run(['db', 'copy', '--to', 'b.db'])).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gazette: missing option --from FILE|URL: the database to copy (SQLite file or postgres:// URL) — see "gazette db copy --help"\n',
    });
    expect(await run(['db', 'copy', '--from=a.db'])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing option --to FILE|URL') });
    // Given empty (`--from "$SRC"` with SRC unset), it is named, not taken for --db.
    expect(await run(['db', 'copy', '--from=', '--to', 'b.db'])).toMatchObject({ code: 2, stderr: 'gazette: option "--from=" needs a value\n' });
    expect(await run(['db', 'copy', '--from', '', '--to', 'b.db'])).toMatchObject({ code: 2, stderr: 'gazette: option "--from" needs a value\n' });
  });

  it('exits 2 naming the option when db copy is given a database URL of a kind it has no driver for', async () => {
    const refused = await run(['db', 'copy', '--from', 'a.db', '--to', 'mysql://news:s3cret@db.example.org/news']);
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('gazette: --to names a mysql: database, which Gazette cannot use') });
    expect(refused.stderr).not.toContain('s3cret');
    expect(await run(['db', 'copy', '--from', 'sqlite:a.db', '--to', 'b.db'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--from names a SQLite database as a sqlite: URL') });
  });

  it('exits 2 with the variable named when the environment is malformed', async () => {
    const { code, stderr } = await run(['build'], { PORT: 'eighty' });
    expect(code).toBe(2);
    expect(stderr).toContain('fix --port or PORT');
    expect(stderr).not.toContain('    at ');
  });

  it('prints its version', async () => {
    expect((await run(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
