// DKIM: a digest sent through SMTP with DKIM_* set verifies with mailauth against a stub DNS resolver, and the
// signature covers both List-Unsubscribe headers (RFC 8058); tampering with either breaks it.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimVerify } from 'mailauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DkimOptions } from '../../src/config/options.js';
import { createSigner, dkimAlignmentWarning } from '../../src/delivery/dkim.js';
import { createTransport } from '../../src/delivery/index.js';
import { sendPending } from '../../src/delivery/send.js';
import { UsageError } from '../../src/errors.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { addReaders, deliveryConfig, storeDigest } from './fixtures.js';
import { startSink, type Sink } from './smtp-sink.js';
import { createTestDatabase, type TestDatabase } from '../store/databases.js';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const dkim: DkimOptions = {
  domainName: 'example.org',
  keySelector: 'gz2026',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  privateKeyFile: null,
};
const txt = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;

async function resolver(name: string, type: string): Promise<string[][]> {
  if (type === 'TXT' && name === 'gz2026._domainkey.example.org') return [[txt]];
  throw Object.assign(new Error(`no ${type} record for ${name}`), { code: 'ENOTFOUND' });
}

let dir: string;
let database: TestDatabase;
let store: Store;
let sink: Sink;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gazette-dkim-'));
  database = await createTestDatabase(dir);
  store = await openStore({ dbPath: database.db });
  await addReaders(store, 3);
  await storeDigest(store);
  sink = await startSink();
  const transport = createTransport({ smtpUrl: sink.url, outboxDir: '', dkim }, { maxConnections: 2 });
  try {
    await sendPending(store, transport, deliveryConfig(), { secret: 's', settings: { maxConnections: 2, ratePerSecond: 0, maxAttempts: 1 } });
  } finally {
    await transport.close();
  }
});
afterAll(async () => {
  await store.close();
  await sink.close();
  await database.dispose();
  await rm(dir, { recursive: true, force: true });
});

function signatureTags(raw: Buffer): Map<string, string> {
  const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1').replace(/\r\n[ \t]+/g, ' ');
  const value = /^DKIM-Signature:(.*)$/im.exec(head)?.[1] ?? '';
  return new Map(value.split(';').map((tag) => tag.trim().split('=', 2) as [string, string]));
}

describe('dkimAlignmentWarning', () => {
  it('passes a signing domain of the From domain\'s organization, by the Public Suffix List', () => {
    const aligned: [string, string][] = [
      ['example.org', 'News <news@example.org>'],
      ['mail.example.org', 'News <news@example.org>'],
      ['mail.example.org', 'News <news@letters.example.org>'],
      ['EXAMPLE.ORG.', 'News <news@example.org>'],
      ['news.example.co.uk', 'Desk <desk@example.co.uk>'],
      ['mail.xn--e1afmkfd.xn--p1ai', 'Новости <news@xn--e1afmkfd.xn--p1ai>'],
    ];
    for (const [domain, from] of aligned) expect(dkimAlignmentWarning({ domainName: domain }, from), `${domain} for ${from}`).toBeNull();
    expect(dkimAlignmentWarning(null, 'News <news@example.org>')).toBeNull();
  });

  it('warns when the signing domain is another organization\'s, with the domains and what to do', () => {
    expect(dkimAlignmentWarning({ domainName: 'mail.othersite.net' }, 'Example News <news@example.org>')).toEqual({
      path: 'DKIM_DOMAIN',
      message:
        'the mail is signed for mail.othersite.net, which is not example.org (newsletter.from) or a domain of the same organization: receivers that check DMARC do not count this signature for example.org, and Gmail and Yahoo send bulk mail that nothing aligned vouches for to spam, or refuse it',
      hint: "sign with a key of example.org (DKIM_DOMAIN=example.org or a subdomain of it, and its selector's DNS record), or send from an address at mail.othersite.net; leave it only if SPF aligns for example.org",
    });
    // One public suffix (co.uk), or a private one (github.io), is no organization.
    expect(dkimAlignmentWarning({ domainName: 'other.co.uk' }, 'Desk <desk@example.co.uk>')?.path).toBe('DKIM_DOMAIN');
    expect(dkimAlignmentWarning({ domainName: 'bob.github.io' }, 'Desk <desk@alice.github.io>')?.path).toBe('DKIM_DOMAIN');
  });
});

describe('DKIM', () => {
  it('signs every message so that it verifies, aligned with the From domain', async () => {
    expect(sink.received).toHaveLength(3);
    for (const message of sink.received) {
      const { results } = await dkimVerify(message.raw, { resolver, sender: 'news@example.org' });
      expect(results).toHaveLength(1);
      expect(results[0]?.status.result, results[0]?.info).toBe('pass');
      expect(results[0]?.signingDomain).toBe('example.org');
      expect(results[0]?.status.aligned).toBe('example.org');
    }
  });

  it('covers both List-Unsubscribe headers, so changing either breaks the signature', async () => {
    const raw = (sink.received[0] as { raw: Buffer }).raw;
    const signed = (signatureTags(raw).get('h') ?? '').toLowerCase().split(':').map((h) => h.trim());
    expect(signed).toEqual(expect.arrayContaining(['from', 'to', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']));
    for (const [from, to] of [
      ['List-Unsubscribe-Post: List-Unsubscribe=One-Click', 'List-Unsubscribe-Post: List-Unsubscribe=Two-Clicks'],
      ['<https://news.example.org/unsubscribe', '<https://evil.example.com/unsubscribe'],
    ] as const) {
      // Only the header block changes, so a failure can only come from the signed headers.
      const end = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, end).toString('latin1').replace(from, to);
      const forged = Buffer.concat([Buffer.from(head, 'latin1'), raw.subarray(end)]);
      expect(forged.equals(raw)).toBe(false);
      const { results } = await dkimVerify(forged, { resolver, sender: 'news@example.org' });
      expect(results[0]?.status.result).toBe('fail');
    }
  });

  it('oversigns what a reader trusts: a second Subject, From or List-Unsubscribe, or an added Reply-To, breaks the signature', async () => {
    const raw = (sink.received[0] as { raw: Buffer }).raw;
    const signed = (signatureTags(raw).get('h') ?? '').toLowerCase().split(':').map((h) => h.trim());
    // Each occurs once in the message, and is listed twice.
    for (const name of ['from', 'to', 'subject', 'date', 'message-id', 'reply-to', 'list-unsubscribe', 'list-unsubscribe-post']) {
      expect(signed.filter((h) => h === name), name).toHaveLength(2);
    }
    const added = [
      'Subject: Your account is suspended',
      'From: Bank <help@bank.example>',
      'List-Unsubscribe: <https://evil.example.com/u>',
      'Reply-To: <attacker@evil.example.com>',
      'Date: Mon, 1 Jan 2024 00:00:00 +0000',
    ];
    for (const field of added) {
      for (const where of ['top', 'bottom'] as const) {
        const end = raw.indexOf('\r\n\r\n');
        const head = raw.subarray(0, end).toString('latin1');
        const forged = Buffer.from(where === 'top' ? `${field}\r\n${head}` : `${head}\r\n${field}`, 'latin1');
        const { results } = await dkimVerify(Buffer.concat([forged, raw.subarray(end)]), { resolver, sender: 'news@example.org' });
        expect(results[0]?.status.result, `${field} at the ${where}`).toBe('fail');
      }
    }
  });

  it('signs with an Ed25519 key too', async () => {
    const ed = generateKeyPairSync('ed25519');
    const raw = (sink.received[0] as { raw: Buffer }).raw;
    const unsigned = raw.subarray(raw.indexOf('\r\nFrom:') + 2);
    const sign = createSigner({ ...dkim, keySelector: 'ed', privateKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() });
    const edTxt = `v=DKIM1; k=ed25519; p=${ed.publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`;
    const edResolver = async (name: string, type: string): Promise<string[][]> =>
      name === 'ed._domainkey.example.org' && type === 'TXT' ? [[edTxt]] : resolver(name, type);
    const { results } = await dkimVerify(await sign(unsigned), { resolver: edResolver, sender: 'news@example.org' });
    expect(results[0]?.status.result, results[0]?.info).toBe('pass');
  });

  it('refuses an RSA key under 1024 bits, which verifiers refuse (RFC 8301), as a setup error', () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => createSigner({ ...dkim, privateKey: weak })).toThrow(UsageError);
    expect(() => createSigner({ ...dkim, privateKey: weak })).toThrow(/512-bit RSA key, which verifiers refuse \(RFC 8301\) — make a 2048-bit one/);
  });

  it('reads the key from DKIM_PRIVATE_KEY_FILE, and refuses a key that is not one', async () => {
    const file = join(dir, 'dkim.pem');
    await writeFile(file, dkim.privateKey ?? '');
    expect(() => createTransport({ smtpUrl: null, outboxDir: dir, dkim: { ...dkim, privateKey: null, privateKeyFile: file } })).not.toThrow();
    await writeFile(file, 'not a key');
    expect(() => createTransport({ smtpUrl: null, outboxDir: dir, dkim: { ...dkim, privateKey: null, privateKeyFile: file } })).toThrow(UsageError);
    expect(() => createTransport({ smtpUrl: null, outboxDir: dir, dkim: { ...dkim, privateKey: null, privateKeyFile: join(dir, 'missing.pem') } })).toThrow(
      /DKIM_PRIVATE_KEY_FILE/,
    );
  });
});
