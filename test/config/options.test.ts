import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutApart, localProxies, resolveInboundPort, resolveOptions, resolveTrustedProxies } from '../../src/config/options.js';
import { UsageError } from '../../src/errors.js';

describe('resolveOptions', () => {
  it('uses the SPEC defaults when nothing is set', () => {
    expect(resolveOptions({}, {})).toEqual({
      contentDir: './content',
      outDir: './public',
      dbPath: './data/gazette.db',
      outboxDir: './data/outbox',
      port: 8080,
      smtpUrl: null,
      secret: null,
      dkim: null,
      trustProxy: [],
      adminToken: null,
    });
  });

  it('takes GAZETTE_ADMIN_TOKEN, and refuses one too short to withstand guessing', () => {
    expect(resolveOptions({}, { GAZETTE_ADMIN_TOKEN: 'a'.repeat(20) }).adminToken).toBe('a'.repeat(20));
    expect(() => resolveOptions({}, { GAZETTE_ADMIN_TOKEN: 'short-token' })).toThrow(/at least 20/);
    expect(() => resolveOptions({}, { GAZETTE_ADMIN_TOKEN: 'short-token' })).toThrow(UsageError);
  });

  it('prefers flags over the environment', () => {
    const env = { GAZETTE_CONTENT: 'env-content', GAZETTE_OUT: 'env-out', PORT: '9000', GAZETTE_DB: 'env.db' };
    expect(resolveOptions({ content: 'flag-content', port: '9001' }, env)).toMatchObject({
      contentDir: 'flag-content',
      outDir: 'env-out',
      dbPath: 'env.db',
      port: 9001,
    });
  });

  it('reads SMTP, the secret and DKIM from the environment', () => {
    const options = resolveOptions(
      {},
      {
        SMTP_URL: 'smtps://u:p@mail.example.org:465',
        GAZETTE_SECRET: 's3cret-0123456789abcdefghijklmnopqrstuv',
        DKIM_DOMAIN: 'example.org',
        DKIM_SELECTOR: 'news',
        DKIM_PRIVATE_KEY_FILE: '/run/secrets/dkim.pem',
      },
    );
    expect(options).toMatchObject({
      smtpUrl: 'smtps://u:p@mail.example.org:465',
      secret: 's3cret-0123456789abcdefghijklmnopqrstuv',
      dkim: { domainName: 'example.org', keySelector: 'news', privateKey: null, privateKeyFile: '/run/secrets/dkim.pem' },
    });
  });

  it('rejects a malformed port, SMTP URL or half-set DKIM with a UsageError', () => {
    expect(() => resolveOptions({ port: 'eighty' }, {})).toThrow(UsageError);
    expect(() => resolveOptions({}, { PORT: '70000' })).toThrow(/fix --port or PORT/);
    expect(() => resolveOptions({}, { SMTP_URL: 'mail.example.org' })).toThrow(/SMTP_URL must look like/);
    expect(() => resolveOptions({}, { SMTP_URL: 'smtp://u:p#x@mail.example.org:587' })).toThrow(/percent-encode/);
    expect(() => resolveOptions({}, { DKIM_DOMAIN: 'example.org' })).toThrow(/DKIM is half configured/);
  });

  it('refuses an SMTP_URL whose scheme is not the TLS its well-known port speaks', () => {
    expect(() => resolveOptions({}, { SMTP_URL: 'smtp://u:p@mail.example.org:465' })).toThrow(/port 465 speaks TLS from the first byte — write smtps:/);
    expect(() => resolveOptions({}, { SMTP_URL: 'smtps://u:p@mail.example.org:587' })).toThrow(/port 587 starts plain and upgrades with STARTTLS — write smtp:/);
    expect(resolveOptions({}, { SMTP_URL: 'smtps://u:p@mail.example.org:465' }).smtpUrl).toBe('smtps://u:p@mail.example.org:465');
    expect(resolveOptions({}, { SMTP_URL: 'smtp://mail.example.org:2525' }).smtpUrl).toBe('smtp://mail.example.org:2525');
  });

  it('refuses a --db URL of a kind it has no driver for, rather than make a SQLite file at that path', () => {
    expect(() => resolveOptions({ db: 'mysql://news:s3cret@db.example.org/news' }, {})).toThrow(
      /names a mysql: database, which Gazette cannot use — give a SQLite file's path \(\.\/data\/gazette\.db\) or a PostgreSQL URL/,
    );
    expect(() => resolveOptions({}, { GAZETTE_DB: 'postgress://news@db.example.org/news' })).toThrow(/a postgress: database/);
    expect(() => resolveOptions({}, { GAZETTE_DB: 'postgres:news' })).toThrow(/is not a valid PostgreSQL URL/);
    expect(() => resolveOptions({ db: 'sqlite:///srv/gazette.db' }, {})).toThrow(/names a SQLite database as a sqlite: URL — give the file's path/);
    expect(() => resolveOptions({ db: 'file:gazette.db' }, {})).toThrow(/as a file: URL/);
    // A space before it (a quoted variable) does not make it a file name that holds the password.
    expect(() => resolveOptions({}, { GAZETTE_DB: ' mysql://news:s3cret@db.example.org/news' })).toThrow(/names a mysql: database/);
    expect(() => resolveOptions({ db: 'postgres:/news:s3cret@db.example.org/news' }, {})).toThrow(/is not a valid PostgreSQL URL/);
    expect(() => resolveOptions({ db: ':memory:' }, {})).toThrow("--db / GAZETTE_DB is SQLite's in-memory database, which is gone when the command ends");
    expect(() => resolveOptions({ db: '   ' }, {})).toThrow('--db is empty');
    // Never the password.
    expect(() => resolveOptions({ db: 'mysql://news:s3cret@db.example.org/news' }, {})).not.toThrow(/s3cret/);
    for (const path of ['./backup:2026.db', 'C:\\data\\gazette.db', 'data/gazette.db', '/srv/gazette.db', 'postgresql://localhost/news']) {
      expect(resolveOptions({ db: path }, {}).dbPath).toBe(path);
    }
  });

  it('refuses a folder given as a URL, rather than make a folder named after its scheme', () => {
    expect(() => resolveOptions({ out: 's3://news-site/public' }, {})).toThrow(
      "--out / GAZETTE_OUT names a URL (s3://), and Gazette reads and writes folders on this machine — give a folder's path",
    );
    expect(() => resolveOptions({}, { GAZETTE_CONTENT: 'sftp://desk:s3cret@files.example.org/content' })).toThrow(/^--content \/ GAZETTE_CONTENT names a URL \(sftp:\/\/\)/);
    expect(() => resolveOptions({}, { GAZETTE_CONTENT: 'sftp://desk:s3cret@files.example.org/content' })).not.toThrow(/s3cret/);
    expect(() => resolveOptions({ outbox: 'file:///srv/outbox' }, {})).toThrow(/--outbox \/ GAZETTE_OUTBOX names a URL \(file:\/\/\)/);
    expect(() => resolveOptions({ out: ' s3://key:s3cret@news-site/public' }, {})).toThrow(/names a URL \(s3:\/\/\)/);
    expect(() => resolveOptions({ outbox: 'smtp://mail.example.org:587' }, {})).toThrow('(to send through a mail server, set SMTP_URL instead)');
    expect(resolveOptions({ out: 'notes:2026', content: 'C:\\desk\\content' }, {})).toMatchObject({ outDir: 'notes:2026', contentDir: 'C:\\desk\\content' });
  });

  it('refuses, for a command that writes or serves it, an output folder that holds the content, or lies in it', () => {
    const options = (out: string, content = './content'): Parameters<typeof checkOutApart>[0] => ({ ...resolveOptions({ out, content }, {}), dbPath: 'db.sqlite', outboxDir: 'mail' });
    const none = { database: false, outbox: false };
    expect(() => checkOutApart(options('.'), none)).toThrow(
      '--out . holds the content folder ./content: `gazette serve` and any static host would publish its drafts and files — build into a folder of its own, e.g. --out ./public',
    );
    expect(() => checkOutApart(options('site', 'site/content'), none)).toThrow(/--out site holds the content folder site\/content/);
    expect(() => checkOutApart(options('content'), none)).toThrow('--out content is in the content folder ./content: the pages would be read back as articles');
    expect(() => checkOutApart(options('./content/public/'), none)).toThrow(/is in the content folder/);
    // Beside one another, or a name that merely starts alike, is apart.
    expect(() => checkOutApart(options('public', 'public-content'), { database: true, outbox: true })).not.toThrow();
  });

  it('refuses an output folder holding the database or outbox a command uses, or that are there, and follows links', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gazette-options-'));
    try {
      const at = (...parts: string[]): string => join(dir, ...parts);
      const options = { contentDir: at('content'), outDir: at('site'), dbPath: at('site', 'gazette.db'), outboxDir: at('site', 'outbox'), smtpUrl: null };
      expect(() => checkOutApart(options, { database: true, outbox: false })).toThrow(/holds the database .*gazette\.db: .* every reader's address/);
      expect(() => checkOutApart(options, { database: false, outbox: true })).toThrow(/holds the outbox .*outbox: .* readers' links included/);
      // A build uses neither: only a database or an outbox that is there counts; PostgreSQL is no file; with SMTP_URL no outbox is written.
      expect(() => checkOutApart(options, { database: false, outbox: false })).not.toThrow();
      expect(() => checkOutApart({ ...options, dbPath: 'postgres://localhost/news', smtpUrl: 'smtp://localhost:2525' }, { database: true, outbox: true })).not.toThrow();
      await mkdir(at('site', 'outbox'), { recursive: true });
      expect(() => checkOutApart(options, { database: false, outbox: false })).toThrow(/holds the outbox/);
      // A link to the folder holding the content is that folder.
      await mkdir(at('content'));
      await symlink(dir, at('here'));
      expect(() => checkOutApart({ ...options, outDir: at('here') }, { database: false, outbox: false })).toThrow(/holds the content folder/);
      await symlink(at('content'), at('link'));
      expect(() => checkOutApart({ ...options, outDir: at('link', 'site') }, { database: false, outbox: false })).toThrow(/is in the content folder/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an empty path flag (--out "") rather than fail deep inside a command', () => {
    for (const flag of ['content', 'out', 'db', 'outbox'] as const) {
      expect(() => resolveOptions({ [flag]: '' }, {})).toThrow(`--${flag} is empty — give it a path, or leave it out for the default`);
    }
  });

  it('refuses a DKIM domain or selector its signature tags could not carry as written', () => {
    const key = { DKIM_PRIVATE_KEY: 'k' };
    expect(() => resolveOptions({}, { ...key, DKIM_DOMAIN: 'example.org;x', DKIM_SELECTOR: 's1' })).toThrow(/DKIM_DOMAIN "example.org;x" is not a domain name/);
    expect(() => resolveOptions({}, { ...key, DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 's 1' })).toThrow(/DKIM_SELECTOR "s 1" is not a selector/);
    expect(resolveOptions({}, { ...key, DKIM_DOMAIN: 'mail.example.org', DKIM_SELECTOR: 'news-2026.a' }).dkim).toMatchObject({ domainName: 'mail.example.org', keySelector: 'news-2026.a' });
  });

  it('trusts the proxies GAZETTE_TRUST_PROXY names: those of this machine and private networks for 1, else the addresses listed', () => {
    expect(resolveOptions({}, { GAZETTE_TRUST_PROXY: '1' }).trustProxy).toEqual(localProxies);
    for (const none of ['no', '0', '', ' ']) expect(resolveOptions({}, { GAZETTE_TRUST_PROXY: none }).trustProxy).toEqual([]);
    expect(resolveOptions({}, {}).trustProxy).toEqual([]);
    expect(resolveTrustedProxies(' 10.0.0.5, 192.168.1.0/24,2001:db8::/32 ')).toEqual(['10.0.0.5', '192.168.1.0/24', '2001:db8::/32']);
    for (const bad of ['proxy.example.org', '10.0.0.0/33', '10.0.0.0/8/8', '10.0.0.5,', '::1/129']) {
      expect(() => resolveTrustedProxies(bad), bad).toThrow(/^GAZETTE_TRUST_PROXY: ".*" is no address or CIDR block — set 1 /);
    }
  });

  it('unescapes \\n in an inline DKIM key', () => {
    const options = resolveOptions({}, { DKIM_DOMAIN: 'e.org', DKIM_SELECTOR: 's', DKIM_PRIVATE_KEY: 'line1\\nline2' });
    expect(options.dkim?.privateKey).toBe('line1\nline2');
  });
});

describe('resolveInboundPort', () => {
  it('takes --smtp-port over GAZETTE_INBOUND_PORT over 2525, and refuses a non-number', () => {
    expect(resolveInboundPort(undefined, {})).toBe(2525);
    expect(resolveInboundPort(undefined, { GAZETTE_INBOUND_PORT: '25' })).toBe(25);
    expect(resolveInboundPort('2600', { GAZETTE_INBOUND_PORT: '25' })).toBe(2600);
    expect(() => resolveInboundPort('smtp', {})).toThrow(UsageError);
    expect(() => resolveInboundPort(undefined, { GAZETTE_INBOUND_PORT: '70000' })).toThrow(/GAZETTE_INBOUND_PORT/);
  });
});
