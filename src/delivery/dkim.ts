// DKIM signing for every transport, so outbox files look exactly like what SMTP would carry.
import { createHash, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import { getDomain } from 'tldts';
import type { DkimOptions } from '../config/options.js';
import { UsageError, type Problem } from '../errors.js';
import { domainOf, toMailbox } from './compose.js';
import type { RawMessage, Transport } from './transport.js';

/** The header fields the signature covers: both List-Unsubscribe headers among them (RFC 8058). */
const signedHeaderFields = [
  'From',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Precedence',
  'Auto-Submitted',
];

/**
 * The fields listed once more than they occur (oversigned, RFC 6376 8.15): a relay or attacker who adds
 * another one, above or below, breaks the signature. An absent one (Reply-To) is listed once, so none can be added.
 */
const oversigned = new Set(['from', 'to', 'subject', 'date', 'message-id', 'reply-to', 'list-unsubscribe', 'list-unsubscribe-post']);

/** Signs a whole message, returning it with a DKIM-Signature header in front. */
export type Signer = (raw: Buffer) => Promise<Buffer>;

/** A header field canonicalized "relaxed" (RFC 6376 3.4.2), without its CRLF. */
function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const value = field.slice(colon + 1).replace(/\r\n(?=[ \t])/g, '').replace(/[ \t]+/g, ' ').trim();
  return `${field.slice(0, colon).trim().toLowerCase()}:${value}`;
}

/** A body canonicalized "relaxed" (RFC 6376 3.4.4), as latin1 text of its bytes. */
function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.at(-1) === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

/**
 * Makes a DKIM signer (relaxed/relaxed, RSA-SHA256 or Ed25519-SHA256 by key type) that oversigns the fields
 * a reader trusts. Written here because neither nodemailer's signer nor mailauth's can list a field more
 * often than it occurs.
 */
function dkimSigner(domainName: string, selector: string, key: KeyObject): Signer {
  const ed25519 = key.asymmetricKeyType === 'ed25519';
  // DKIM tag values cannot carry `;`, `=` or control characters.
  // eslint-disable-next-line no-control-regex
  const tag = (value: string): string => value.replace(/[\x00-\x20\x7f;=]/g, '');
  return async (raw) => {
    const source = raw.toString('latin1');
    const split = source.indexOf('\r\n\r\n');
    const head = split === -1 ? source : source.slice(0, split);
    const body = split === -1 ? '' : source.slice(split + 4);
    const fields = head.split(/\r\n(?![ \t])/).filter((field) => field.includes(':'));
    const byName = new Map<string, string[]>();
    for (const field of fields) {
      const name = field.slice(0, field.indexOf(':')).trim().toLowerCase();
      byName.set(name, [...(byName.get(name) ?? []), field]);
    }
    // Listed with a space after each colon (allowed whitespace), so the long list folds.
    const names: string[] = [];
    const signed: string[] = [];
    for (const name of signedHeaderFields.map((field) => field.toLowerCase())) {
      const present = byName.get(name) ?? [];
      // Bottom-up, as a verifier picks them; the extra listed instance is null input.
      for (const field of [...present].reverse()) {
        names.push(name);
        signed.push(relaxedHeader(field));
      }
      if (oversigned.has(name)) names.push(name);
    }
    const bodyHash = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
    const dkimHeader = foldLines(
      `DKIM-Signature: v=1; a=${ed25519 ? 'ed25519' : 'rsa'}-sha256; c=relaxed/relaxed; d=${tag(domainName)}; q=dns/txt; ` +
        `s=${tag(selector)}; bh=${bodyHash}; h=${names.join(': ')}; b=`,
      76,
    );
    const data = Buffer.from([...signed, relaxedHeader(dkimHeader)].join('\r\n'), 'latin1');
    // RFC 8463: Ed25519 signs the SHA-256 digest of the data, RSA the data with SHA-256.
    const signature = ed25519 ? sign(null, createHash('sha256').update(data).digest(), key) : sign('sha256', data, key);
    const folded = (signature.toString('base64').match(/.{1,72}/g) ?? []).map((chunk) => `\r\n ${chunk}`).join('');
    return Buffer.concat([Buffer.from(`${dkimHeader}${folded}\r\n`, 'latin1'), raw]);
  };
}

/** Makes a signer from the `DKIM_*` settings; an unreadable, invalid or weak key is a UsageError (a setup mistake, exit 2). */
export function createSigner(options: DkimOptions): Signer {
  let privateKey: string;
  if (options.privateKey !== null) privateKey = options.privateKey;
  else {
    try {
      privateKey = readFileSync(options.privateKeyFile, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read DKIM_PRIVATE_KEY_FILE ${options.privateKeyFile}: ${(error as Error).message} — check the path`, {
        cause: error,
      });
    }
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKey);
  } catch (error) {
    throw new UsageError(`the DKIM private key is not a PEM private key: ${(error as Error).message} — give the "-----BEGIN PRIVATE KEY-----" text`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ed25519') {
    throw new UsageError(`the DKIM private key is ${key.asymmetricKeyType ?? 'of an unknown type'}: DKIM signs with RSA or Ed25519 keys`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType === 'rsa' && bits < 1024) {
    // RFC 8301: verifiers must not accept RSA keys under 1024 bits; the signature would only make mail fail DKIM.
    throw new UsageError(`the DKIM private key is a ${bits}-bit RSA key, which verifiers refuse (RFC 8301) — make a 2048-bit one: openssl genrsa 2048`);
  }
  return dkimSigner(options.domainName, options.keySelector, key);
}

/** Wraps a transport so that every message it sends is DKIM-signed first. */
export function signing(transport: Transport, sign: Signer): Transport {
  return {
    description: `${transport.description} (DKIM-signed)`,
    async send(message: RawMessage): Promise<string> {
      return transport.send({ ...message, raw: await sign(message.raw) });
    },
    close: () => transport.close(),
  };
}

/**
 * A warning when the signing domain does not align with the From address's (DMARC's relaxed alignment, RFC 7489
 * 3.1.1: one organizational domain, by the Public Suffix List), else null. Such a signature vouches for nobody at a
 * receiver that checks DMARC, and Gmail and Yahoo ask bulk senders for an aligned signature or SPF: the mail was
 * signed, and said so, yet went to spam or was refused.
 */
export function dkimAlignmentWarning(dkim: Pick<DkimOptions, 'domainName'> | null, from: string): Problem | null {
  if (dkim === null) return null;
  // Both are ASCII: DKIM_DOMAIN and the config's From address are checked so.
  const organization = (domain: string): string => {
    const name = domain.replace(/\.$/, '').toLowerCase();
    // Private suffixes too (alice.github.io and bob.github.io are two organizations), as DMARC checkers read the list.
    return getDomain(name, { allowPrivateDomains: true }) ?? name;
  };
  const fromDomain = domainOf(toMailbox(from).address);
  if (organization(dkim.domainName) === organization(fromDomain)) return null;
  return {
    path: 'DKIM_DOMAIN',
    message: `the mail is signed for ${dkim.domainName}, which is not ${fromDomain} (newsletter.from) or a domain of the same organization: receivers that check DMARC do not count this signature for ${fromDomain}, and Gmail and Yahoo send bulk mail that nothing aligned vouches for to spam, or refuse it`,
    hint: `sign with a key of ${fromDomain} (DKIM_DOMAIN=${fromDomain} or a subdomain of it, and its selector's DNS record), or send from an address at ${dkim.domainName}; leave it only if SPF aligns for ${fromDomain}`,
  };
}
