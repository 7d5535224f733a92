import { describe, expect, it } from 'vitest';
import { resolveInboundPort, resolveOptions } from '../../src/config/options.js';
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
      trustProxy: false,
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
    expect(() => resolveOptions({}, { GAZETTE_DB: 'postgres:news' })).toThrow(/a postgres: database/);
    expect(() => resolveOptions({ db: 'sqlite:///srv/gazette.db' }, {})).toThrow(/names a SQLite database as a sqlite: URL — give the file's path/);
    expect(() => resolveOptions({ db: 'file:gazette.db' }, {})).toThrow(/as a file: URL/);
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
    expect(resolveOptions({ out: 'notes:2026', content: 'C:\\desk\\content' }, {})).toMatchObject({ outDir: 'notes:2026', contentDir: 'C:\\desk\\content' });
  });

  it('refuses an output folder that holds the content, the database or the outbox, or lies in the content folder', () => {
    expect(() => resolveOptions({ out: '.' }, {})).toThrow(
      '--out . holds the content folder ./content: `gazette serve` and any static host would publish its drafts and files — build into a folder of its own, e.g. --out ./public',
    );
    expect(() => resolveOptions({ out: 'site', content: 'site/content' }, {})).toThrow(/--out site holds the content folder site\/content/);
    expect(() => resolveOptions({ out: 'content' }, {})).toThrow('--out content is in the content folder ./content: the pages would be read back as articles');
    expect(() => resolveOptions({}, { GAZETTE_OUT: './content/public/' })).toThrow(/is in the content folder/);
    expect(() => resolveOptions({ out: 'data', content: 'desk' }, {})).toThrow(/--out data holds the database \.\/data\/gazette\.db: .* every reader's address/);
    expect(() => resolveOptions({ out: 'mail', content: 'desk', db: 'gazette.db', outbox: 'mail/outbox' }, {})).toThrow(/--out mail holds the outbox mail\/outbox/);
    // Beside one another, or a name that merely starts alike, is apart; PostgreSQL is no file.
    expect(resolveOptions({ out: 'public', content: 'public-content', db: 'public.db' }, {}).outDir).toBe('public');
    expect(resolveOptions({ out: 'srv', content: 'desk', outbox: 'outbox' }, { GAZETTE_DB: 'postgres://localhost/srv' }).outDir).toBe('srv');
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

  it('trusts a proxy only when GAZETTE_TRUST_PROXY says so', () => {
    expect(resolveOptions({}, { GAZETTE_TRUST_PROXY: '1' }).trustProxy).toBe(true);
    expect(resolveOptions({}, { GAZETTE_TRUST_PROXY: 'no' }).trustProxy).toBe(false);
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
