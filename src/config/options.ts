// Flags and environment variables resolved in one place (SPEC "Environment and flags").
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { isIP } from 'node:net';
import { UsageError } from '../errors.js';

/** Command-line flags that override the environment. */
export interface OptionFlags {
  content?: string | undefined;
  out?: string | undefined;
  db?: string | undefined;
  outbox?: string | undefined;
  port?: string | undefined;
}

/** DKIM signing settings from `DKIM_*`; the key is inline or in a file read by the delivery stage. */
export type DkimOptions = { domainName: string; keySelector: string } & (
  | { privateKey: string; privateKeyFile: null }
  | { privateKey: null; privateKeyFile: string }
);

/** Everything about where Gazette reads and writes, after flags, environment and defaults. */
export interface RuntimeOptions {
  contentDir: string;
  outDir: string;
  dbPath: string;
  outboxDir: string;
  port: number;
  /** `smtp://…` or `smtps://…`; null sends to the outbox folder. */
  smtpUrl: string | null;
  /** HMAC secret for tokens; null means "generate once and keep in the database". */
  secret: string | null;
  dkim: DkimOptions | null;
  /** The reverse proxies (addresses, CIDR blocks) whose X-Forwarded-For names the client (`GAZETTE_TRUST_PROXY`); empty: none. */
  trustProxy: string[];
  /** `GAZETTE_ADMIN_TOKEN`: turns on /admin for whoever shows it; null leaves the dashboard off. */
  adminToken: string | null;
}

/** The proxies `GAZETTE_TRUST_PROXY=1` trusts: those on this machine or a private network (RFC 1918, RFC 4193). */
export const localProxies = ['127.0.0.0/8', '::1', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

/**
 * The proxies `GAZETTE_TRUST_PROXY` names: none when unset (or `0`, `no`, `false`), localProxies for `1` (`yes`,
 * `true`), else its comma-separated addresses and CIDR blocks. A client that reaches the port around the proxy is
 * then limited by its own address, whatever X-Forwarded-For it sends.
 */
export function resolveTrustedProxies(value: string | undefined): string[] {
  const given = value?.trim() ?? '';
  if (/^(|0|no|false)$/i.test(given)) return [];
  if (/^(1|yes|true)$/i.test(given)) return [...localProxies];
  return given.split(',').map((block) => {
    const trimmed = block.trim();
    const [address = '', prefix, ...more] = trimmed.split('/');
    const family = isIP(address);
    const bits = family === 6 ? 128 : 32;
    if (family !== 0 && more.length === 0 && (prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))) return trimmed;
    throw new UsageError(
      `GAZETTE_TRUST_PROXY: "${trimmed}" is no address or CIDR block — set 1 to trust proxies on this machine or a private network, or list your proxies' addresses, e.g. 10.0.0.5,192.168.1.0/24`,
    );
  });
}

/** The shortest admin token accepted: long enough that the rate limit makes guessing hopeless. */
export const minAdminTokenLength = 20;

function nonEmpty(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value;
}

/** The shortest `GAZETTE_SECRET` accepted: 32 characters of `openssl rand -base64 32` carry 192 bits. */
export const minSecretLength = 32;

/** `GAZETTE_SECRET`, refused when short or repetitive enough to guess (every token is an HMAC under it). */
function strongSecret(value: string | undefined): string | null {
  const secret = nonEmpty(value);
  if (secret === null) return null;
  const distinct = new Set(secret).size;
  if (secret.length < minSecretLength || distinct < 8) {
    const why = secret.length < minSecretLength ? `${secret.length} characters` : `only ${distinct} different characters`;
    throw new UsageError(
      `GAZETTE_SECRET is too weak (${why}) — set at least ${minSecretLength} random characters, e.g. the output of "openssl rand -base64 32", or unset it to let Gazette generate one and keep it in the database`,
    );
  }
  return secret;
}

/** Resolves flags over environment over defaults; a malformed value is a UsageError naming its source. */
export function resolveOptions(flags: OptionFlags, env: Readonly<Record<string, string | undefined>>): RuntimeOptions {
  // An empty path (`--out ""`, an unset shell variable) names no folder: it would be mkdir('') deep inside a command.
  const empty = (['content', 'out', 'db', 'outbox'] as const).find((flag) => flags[flag]?.trim() === '');
  if (empty !== undefined) throw new UsageError(`--${empty} is empty — give it a path, or leave it out for the default`);
  const portText = flags.port ?? nonEmpty(env.PORT) ?? '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    throw new UsageError(`port "${portText}" is not a number from 0 to 65535 — fix --port or PORT`);
  }
  const smtpUrl = nonEmpty(env.SMTP_URL);
  if (smtpUrl !== null && (!/^smtps?:\/\/[^/]/.test(smtpUrl) || !URL.canParse(smtpUrl))) {
    throw new UsageError(
      'SMTP_URL must look like smtp://user:pass@host:587 or smtps://user:pass@host:465 (percent-encode @ : / # in the user and password)',
    );
  }
  // The ports whose TLS is fixed (RFC 8314): the other scheme fails in OpenSSL's words ("wrong version number"), or
  // waits 30 s for a greeting, and either looked like a server to try again later.
  const smtpPort = smtpUrl === null ? null : new URL(smtpUrl).port;
  if (smtpUrl?.startsWith('smtp:') && smtpPort === '465') {
    throw new UsageError('SMTP_URL: port 465 speaks TLS from the first byte — write smtps://…:465 (smtp:// is for 587 and 25, which upgrade with STARTTLS)');
  }
  if (smtpUrl?.startsWith('smtps:') && (smtpPort === '587' || smtpPort === '25')) {
    throw new UsageError(`SMTP_URL: port ${smtpPort} starts plain and upgrades with STARTTLS — write smtp://…:${smtpPort} (smtps:// is for 465)`);
  }
  const dbPath = flags.db ?? nonEmpty(env.GAZETTE_DB) ?? './data/gazette.db';
  checkDatabaseName(dbPath, '--db / GAZETTE_DB');
  return {
    contentDir: localFolder(flags.content ?? nonEmpty(env.GAZETTE_CONTENT) ?? './content', '--content / GAZETTE_CONTENT'),
    outDir: localFolder(flags.out ?? nonEmpty(env.GAZETTE_OUT) ?? './public', '--out / GAZETTE_OUT'),
    dbPath,
    outboxDir: localFolder(flags.outbox ?? nonEmpty(env.GAZETTE_OUTBOX) ?? './data/outbox', '--outbox / GAZETTE_OUTBOX'),
    port,
    smtpUrl,
    secret: strongSecret(env.GAZETTE_SECRET),
    dkim: resolveDkim(env),
    trustProxy: resolveTrustedProxies(env.GAZETTE_TRUST_PROXY),
    adminToken: resolveAdminToken(env),
  };
}

/** `path` as the file system finds it: its nearest existing folder with links followed, then the rest as written. */
function realPath(path: string): string {
  const absolute = resolve(path);
  for (let known = absolute, rest = ''; ; rest = join(basename(known), rest), known = dirname(known)) {
    try {
      return join(realpathSync.native(known), rest);
    } catch {
      if (dirname(known) === known) return absolute;
    }
  }
}

/** Whether the path `inner` is `outer` or lies under it, links followed (`ln -s . here` is the folder itself). */
function isWithin(inner: string, outer: string): boolean {
  const [a, b] = [realPath(inner), realPath(outer)];
  return a === b || a.startsWith(b.endsWith(sep) ? b : b + sep);
}

/**
 * Refuses an output folder that holds the content, the SQLite database or the outbox, or lies in the content folder,
 * for a command that writes or serves it. With `--out .` beside them, `gazette serve` (and any static host) served
 * `data/gazette.db` (every reader, the token secret), the drafts and the outbox's mail with its readers' links; built
 * into the content folder, the site's `robots.txt` was read as an article at every build. The database and the outbox
 * count when the command uses them (`uses`), or when they are there.
 */
export function checkOutApart(options: Pick<RuntimeOptions, 'contentDir' | 'outDir' | 'dbPath' | 'outboxDir' | 'smtpUrl'>, uses: { database: boolean; outbox: boolean }): void {
  const { contentDir, outDir, dbPath, outboxDir } = options;
  const fix = 'build into a folder of its own, e.g. --out ./public';
  if (isWithin(outDir, contentDir)) {
    throw new UsageError(`--out ${outDir} is in the content folder ${contentDir}: the pages would be read back as articles — ${fix}`);
  }
  const published = `--out ${outDir} holds`;
  const served = '`gazette serve` and any static host would publish';
  if (isWithin(contentDir, outDir)) throw new UsageError(`${published} the content folder ${contentDir}: ${served} its drafts and files — ${fix}`);
  const sqlite = !/^postgres(?:ql)?:\/\//i.test(dbPath);
  if (sqlite && (uses.database || existsSync(dbPath)) && isWithin(dbPath, outDir)) {
    throw new UsageError(`${published} the database ${dbPath}: ${served} every reader's address and the secret of their links — ${fix}, or move the database (--db)`);
  }
  if (((uses.outbox && options.smtpUrl === null) || existsSync(outboxDir)) && isWithin(outboxDir, outDir)) {
    throw new UsageError(`${published} the outbox ${outboxDir}: ${served} the mail in it, readers' links included — ${fix}, or move the outbox (--outbox)`);
  }
}

/**
 * `folder`, refused when it is a URL (`s3://bucket/site`, `sftp://…`): it was taken for a path, and the build said it
 * had written the site to s3://bucket/site, which was a folder `s3:` here. The URL is not echoed: it may hold a password.
 */
function localFolder(folder: string, source: string): string {
  const scheme = /^([a-z][a-z0-9+.-]+):\/\//i.exec(folder.trim())?.[1];
  if (scheme === undefined) return folder;
  // An outbox given a mail server's URL was meant as the server to send through.
  const instead = /^smtps?$/i.test(scheme) ? 'to send through a mail server, set SMTP_URL instead' : `copy a built folder to ${scheme}:// with that service's own tools`;
  throw new UsageError(`${source} names a URL (${scheme}://), and Gazette reads and writes folders on this machine — give a folder's path (${instead})`);
}

/**
 * Refuses a database (`--db`, named by `source` in the message) that is not a SQLite file's path or a valid PostgreSQL URL. A URL of another kind
 * (`mysql://…`, `sqlite:///…`, a misspelt `postgress://…`) was taken for a path: the readers went into a new SQLite
 * file at `mysql:/user:password@host/db`, and the command said it had added them. The value is not echoed: it may hold a password.
 */
export function checkDatabaseName(given: string, source: string): void {
  // A space before a URL (a quoted variable) must not make it a file name that holds its password.
  const db = given.trim();
  if (db === ':memory:' || db === '') {
    throw new UsageError(`${source} ${db === '' ? 'is blank' : "is SQLite's in-memory database, which is gone when the command ends"} — give a SQLite file's path, e.g. ./data/gazette.db`);
  }
  if (/^postgres(?:ql)?:/i.test(db)) {
    if (/^postgres(?:ql)?:\/\//i.test(db) && URL.canParse(db)) return;
    throw new UsageError(
      `${source} is not a valid PostgreSQL URL — write postgres://user:password@host:5432/database (percent-encode @ : / # in the user and password)`,
    );
  }
  // Two letters at least: `C:\data\gazette.db` is a Windows path.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(db)?.[1]?.toLowerCase();
  if (scheme === undefined) return;
  const file = 'write a file whose name has a colon as ./name';
  if (scheme === 'sqlite' || scheme === 'sqlite3' || scheme === 'file') {
    throw new UsageError(`${source} names a SQLite database as a ${scheme}: URL — give the file's path, e.g. ./data/gazette.db (${file})`);
  }
  throw new UsageError(
    `${source} names a ${scheme}: database, which Gazette cannot use — give a SQLite file's path (./data/gazette.db) or a PostgreSQL URL (postgres://user:password@host:5432/database); ${file}`,
  );
}

function resolveAdminToken(env: Readonly<Record<string, string | undefined>>): string | null {
  const token = nonEmpty(env.GAZETTE_ADMIN_TOKEN);
  if (token !== null && token.length < minAdminTokenLength) {
    throw new UsageError(
      `GAZETTE_ADMIN_TOKEN is ${token.length} characters; use at least ${minAdminTokenLength} random ones (e.g. \`openssl rand -base64 30\`) or unset it to keep /admin off`,
    );
  }
  return token;
}

/** The inbound listener's port: `--smtp-port`, else `GAZETTE_INBOUND_PORT`, else 2525. */
export function resolveInboundPort(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): number {
  const text = flag ?? nonEmpty(env.GAZETTE_INBOUND_PORT) ?? '2525';
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`inbound port "${text}" is not a number from 0 to 65535 — fix --smtp-port or GAZETTE_INBOUND_PORT`);
  }
  return port;
}

function resolveDkim(env: Readonly<Record<string, string | undefined>>): DkimOptions | null {
  const domainName = nonEmpty(env.DKIM_DOMAIN);
  const keySelector = nonEmpty(env.DKIM_SELECTOR);
  const privateKey = nonEmpty(env.DKIM_PRIVATE_KEY);
  const privateKeyFile = nonEmpty(env.DKIM_PRIVATE_KEY_FILE);
  if (!domainName && !keySelector && !privateKey && !privateKeyFile) return null;
  if (!domainName || !keySelector || (!privateKey && !privateKeyFile)) {
    throw new UsageError(
      'DKIM is half configured — set all of DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY (or DKIM_PRIVATE_KEY_FILE), or none',
    );
  }
  if (privateKey && privateKeyFile) {
    throw new UsageError('both DKIM_PRIVATE_KEY and DKIM_PRIVATE_KEY_FILE are set — keep one');
  }
  // Both go into the signature's tags as they are: a `;` or a space would be dropped there, and the signature name
  // a domain or selector other than the one in DNS.
  if (!/^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(?:\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))+$/.test(domainName)) {
    throw new UsageError(`DKIM_DOMAIN "${domainName}" is not a domain name — write the domain of newsletter.from, e.g. example.org`);
  }
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(keySelector)) {
    throw new UsageError(`DKIM_SELECTOR "${keySelector}" is not a selector — write the name the key's DNS record has before ._domainkey, e.g. s1`);
  }
  return privateKey
    ? { domainName, keySelector, privateKey: privateKey.replace(/\\n/g, '\n'), privateKeyFile: null }
    : { domainName, keySelector, privateKey: null, privateKeyFile: privateKeyFile ?? '' };
}
