// Each reader's copy of a digest, parsed back: headers of SPEC "Delivery rules", bodies, and no header injection.
import { simpleParser, type ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { composeMessage } from '../../src/delivery/compose.js';
import { digestMessageId, prepareDigestMessages, type DigestMessages } from '../../src/delivery/message.js';
import { personalize } from '../../src/digest/personalize.js';
import type { DigestRecord } from '../../src/store/types.js';
import { readReturnAddress, unsubscribeAddress } from '../../src/inbound/verp.js';
import { createToken, verifyToken } from '../../src/subscribers/tokens.js';
import { deliveryConfig, now, renderedDigest } from './fixtures.js';

const secret = 'test-secret';
const config = deliveryConfig();
const digest: DigestRecord = { number: 4, edition: 'newsletter', issue: 4, createdAt: now, articleSlugs: ['bridge'], ...renderedDigest() };
let make: DigestMessages;

beforeAll(async () => {
  make = await prepareDigestMessages(digest, config, secret);
});

/** A public id as the store makes them (32 hex digits), from a small number. */
const pid = (n: number): string => n.toString(16).padStart(32, '0');

/** The recipient with sequential id `id` (its public id made from it), of every section. */
const recipient = (id: number, email: string, name: string | null) => ({ subscriberId: id, publicId: pid(id), email, name, sections: [] });

async function parsed(name: string | null, subscriberId = 7, email = 'zoe@example.net'): Promise<ParsedMail> {
  return simpleParser(make(recipient(subscriberId, email, name), now)?.raw ?? Buffer.alloc(0));
}

function header(mail: ParsedMail, key: string): string[] {
  return mail.headerLines.filter((h) => h.key === key).map((h) => h.line);
}

/** The one header `key` of `mail`, unfolded. */
function unfolded(mail: ParsedMail | undefined, key: string): string {
  return mail ? header(mail, key).join('').replace(/\r?\n(?=[ \t])/g, '') : '';
}

describe('a digest message', () => {
  it('carries the headers bulk senders must send, each exactly once', async () => {
    const mail = await parsed('Zoë');
    expect(mail.from?.value).toEqual([{ address: 'news@example.org', name: 'Example News' }]);
    expect(mail.to).toMatchObject({ value: [{ address: 'zoe@example.net', name: 'Zoë' }] });
    expect(mail.replyTo?.value).toEqual([{ address: 'desk@example.org', name: 'Example Desk' }]);
    expect(mail.subject).toBe(digest.subject);
    expect(mail.date?.toISOString()).toBe(now.toISOString());
    expect(mail.messageId).toBe(digestMessageId(digest, pid(7), { address: 'news@example.org', name: null }));
    expect(mail.messageId).toMatch(new RegExp(`^<digest-4\\.reader-${pid(7)}\\.[A-Za-z0-9]+@example\\.org>$`));
    expect(header(mail, 'list-id')).toEqual(['List-ID: Example News <newsletter.news.example.org>']);
    expect(header(mail, 'list-unsubscribe-post')).toEqual(['List-Unsubscribe-Post: List-Unsubscribe=One-Click']);
    expect(header(mail, 'precedence')).toEqual(['Precedence: bulk']);
    expect(header(mail, 'auto-submitted')).toEqual(['Auto-Submitted: auto-generated']);
    for (const key of ['from', 'to', 'subject', 'date', 'message-id', 'list-unsubscribe', 'mime-version', 'content-type']) {
      expect(header(mail, key), key).toHaveLength(1);
    }
    expect(mail.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
  });

  it('offers no one-click unsubscribe (RFC 8058 needs an https link) when the site is on http', async () => {
    const onHttp = await prepareDigestMessages(digest, { ...config, baseUrl: 'http://localhost:8080' }, secret);
    const mail = await simpleParser(onHttp(recipient(7, 'zoe@example.net', null), now)?.raw ?? Buffer.alloc(0));
    expect(header(mail, 'list-unsubscribe-post')).toEqual([]);
    expect(header(mail, 'list-unsubscribe')[0]).toContain('http://localhost:8080/unsubscribe?token=');
  });

  it('has only the https List-Unsubscribe link, and the From address as envelope sender, without a return path', async () => {
    const mail = await parsed(null);
    const [line = ''] = header(mail, 'list-unsubscribe');
    const urls = [...line.replace(/\r\n[ \t]/g, ' ').matchAll(/<([^>]+)>/g)].map((m) => m[1]);
    expect(urls).toHaveLength(1);
    const https = new URL(urls[0] ?? '');
    expect(https.origin + https.pathname).toBe('https://news.example.org/unsubscribe');
    expect(verifyToken(secret, https.searchParams.get('token') ?? '', 'unsubscribe')).toEqual({ publicId: pid(7), nonce: '' });
    expect(make(recipient(7, 'zoe@example.net', null), now)?.envelope.from).toBe('news@example.org');
  });

  it('with a return path, sends from a VERP address naming digest and reader and adds a mailto unsubscribe there', async () => {
    const withReturn = { ...config, newsletter: { ...config.newsletter, returnPath: 'bounces@mail.example.org' } };
    const message = (await prepareDigestMessages(digest, withReturn, secret))(recipient(7, 'zoe@example.net', null), now);
    if (message === null) throw new Error('a reader of every section gets a copy');
    expect(message.envelope.from).toMatch(/^bounces\+4-7-[0-9a-f]{20}@mail\.example\.org$/);
    expect(message.envelope.from.split('@')[0]?.length).toBeLessThanOrEqual(64);
    expect(readReturnAddress('bounces@mail.example.org', secret, message.envelope.from)).toEqual({ purpose: 'bounce', subscriberId: 7, digestNumber: 4 });
    const mail = await simpleParser(message.raw);
    const [line = ''] = header(mail, 'list-unsubscribe');
    const urls = [...line.replace(/\r\n[ \t]/g, ' ').matchAll(/<([^>]+)>/g)].map((m) => m[1] ?? '');
    expect(urls).toHaveLength(2);
    expect(urls[0]).toMatch(/^https:\/\/news\.example\.org\/unsubscribe\?token=/);
    const mailto = /^mailto:([^?]+)\?subject=unsubscribe$/.exec(urls[1] ?? '');
    expect(mailto?.[1]).toMatch(/@mail\.example\.org$/);
    expect(readReturnAddress('bounces@mail.example.org', secret, mailto?.[1] ?? '')).toEqual({ purpose: 'unsubscribe', subscriberId: 7, edition: null });
  });

  it('has the same text and HTML as personalize gives for that reader', async () => {
    const name = 'Zoë "Z" <O’Neil> & Co';
    const mail = await parsed(name, 12, 'z@example.net');
    const expected = personalize(digest, {
      name,
      unsubscribeUrl: `https://news.example.org/unsubscribe?token=${encodeURIComponent(createToken(secret, pid(12), 'unsubscribe'))}`,
      preferencesUrl: `https://news.example.org/preferences?token=${encodeURIComponent(createToken(secret, pid(12), 'preferences'))}`,
      webUrl: 'https://news.example.org/digests/4/',
    });
    expect(mail.text).toBe(expected.text.replace(/\r?\n/g, '\n'));
    expect(mail.html).toBe(expected.html.replace(/\r?\n/g, '\n'));
    expect(mail.html).toContain('Hello Zoë &quot;Z&quot; &lt;O’Neil&gt; &amp; Co,');
    expect(mail.text).toContain('Hello Zoë "Z" <O’Neil> & Co,');
  });

  it('greets a reader without a name, and keeps a stable Message-ID per (digest, reader)', async () => {
    const a = await parsed(null, 9);
    const b = await parsed('Now named', 9);
    expect(a.text).toContain('Hello there,');
    expect(a.messageId).toBe(b.messageId);
    expect((await parsed(null, 10)).messageId).not.toBe(a.messageId);
  });

  it('keeps a name with CR, LF, quotes or non-ASCII inside the To header', async () => {
    const raw = make(recipient(3, 'eve@example.net', 'Eve\r\nBcc: victim@example.com\r\n"Q" Ünïcødé'), now)?.raw ?? Buffer.alloc(0);
    const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
    expect(head).not.toMatch(/^Bcc:/im);
    expect(Buffer.from(head, 'latin1').every((byte) => byte < 0x80)).toBe(true);
    const mail = await simpleParser(raw);
    expect(mail.bcc).toBeUndefined();
    expect(mail.to).toMatchObject({ value: [{ address: 'eve@example.net', name: 'Eve Bcc: victim@example.com "Q" Ünïcødé' }] });
  });

  it('encodes a name holding an encoded word, so no client shows it as a name of the sender\'s choosing', async () => {
    const forged = '=?utf-8?B?QWRtaW4gPGFkbWluQGV2aWwub3JnPg==?=';
    const raw = make(recipient(4, 'b@example.org', forged), now)?.raw ?? Buffer.alloc(0);
    const head = raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
    expect(head).not.toContain(`"${forged}"`);
    const mail = await simpleParser(raw);
    expect(mail.to).toMatchObject({ value: [{ address: 'b@example.org', name: forged }] });
  });

  it('encodes a subject holding an encoded word, so it reads as the headline was written', async () => {
    const subject = 'Markets: =?utf-8?B?QmFuayBvZiBFbmdsYW5kIGNvbGxhcHNlcw==?= and more';
    const messages = await prepareDigestMessages({ ...digest, subject }, config, secret);
    const mail = await simpleParser(messages(recipient(7, 'zoe@example.net', null), now)?.raw ?? Buffer.alloc(0));
    expect(mail.subject).toBe(subject);
  });

  it('gives each edition of a site with editions a List-Id of its own, and an unsubscribe link that leaves that edition', async () => {
    const withEditions = { ...config, newsletter: { ...config.newsletter, editions: [
      { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *', maxArticles: null },
      { id: 'weekly', name: 'Weekly', schedule: '0 7 * * 1', maxArticles: null },
    ] } };
    const mails = await Promise.all(['daily', 'weekly'].map(async (edition) => {
      const messages = await prepareDigestMessages({ ...digest, edition }, withEditions, secret);
      return simpleParser(messages(recipient(7, 'zoe@example.net', null), now)?.raw ?? Buffer.alloc(0));
    }));
    expect(mails.map((mail) => header(mail, 'list-id'))).toEqual([['List-ID: "Example News: Daily briefing" <daily.newsletter.news.example.org>'], ['List-ID: "Example News: Weekly" <weekly.newsletter.news.example.org>']]);
    const https = `https://news.example.org/unsubscribe?token=${encodeURIComponent(createToken(secret, pid(7), 'unsubscribe'))}`;
    for (const [i, edition] of ['daily', 'weekly'].entries()) {
      expect(unfolded(mails[i], 'list-unsubscribe')).toBe(`List-Unsubscribe: <${https}&edition=${edition}>`);
      expect(mails[i]?.text).toContain(`Unsubscribe: ${https}&edition=${edition}\n`);
    }
    // A site without editions: the link leaves the newsletter, as it says.
    expect(unfolded(await parsed(null), 'list-unsubscribe')).toBe(`List-Unsubscribe: <${https}>`);
  });

  it('gives each edition of a site with editions a mailto unsubscribe of its own, as long as the newsletter\'s', async () => {
    const returnPath = 'bounces@mail.example.org';
    const withEditions = { ...config, newsletter: { ...config.newsletter, returnPath, editions: [
      { id: 'daily', name: 'Daily briefing', schedule: '0 6 * * *', maxArticles: null },
      { id: 'a-weekly-edition-with-the-longest-id-of4', name: 'Weekly', schedule: '0 7 * * 1', maxArticles: null },
    ] } };
    const editions = withEditions.newsletter.editions.map((e) => e.id);
    const mailtos = await Promise.all(editions.map(async (edition) => {
      const messages = await prepareDigestMessages({ ...digest, edition }, withEditions, secret);
      const line = unfolded(await simpleParser(messages(recipient(7, 'zoe@example.net', null), now)?.raw ?? Buffer.alloc(0)), 'list-unsubscribe');
      return /<mailto:([^?>]+)\?subject=unsubscribe>/.exec(line)?.[1] ?? '';
    }));
    expect(mailtos.map((address) => readReturnAddress(returnPath, secret, address, editions))).toEqual(editions.map((edition) => ({ purpose: 'unsubscribe', subscriberId: 7, edition })));
    expect(new Set(mailtos).size).toBe(2);
    expect(mailtos.map((address) => address.length)).toEqual(mailtos.map(() => unsubscribeAddress(returnPath, secret, 7).length));
    // A listener that does not know the edition takes the address as forged, never as the whole newsletter's.
    expect(readReturnAddress(returnPath, secret, mailtos[0] ?? '')).toBeNull();
  });

  it('sends no mail-only markers: they are for cutting the web version, not for readers', async () => {
    const html = digest.html.replace('<p>Hello %%GZ_NAME%%,</p>', '<!--GZ:MAIL--><p>Hello %%GZ_NAME%%,</p><!--/GZ:MAIL-->');
    expect(html).toContain('<!--GZ:MAIL-->');
    const marked = await prepareDigestMessages({ ...digest, html }, config, secret);
    const mail = await simpleParser(marked(recipient(7, 'zoe@example.net', 'Zoë'), now)?.raw ?? Buffer.alloc(0));
    expect(mail.html).not.toMatch(/GZ:MAIL/);
    expect(mail.html).toContain('<p>Hello Zoë,</p>');
  });

  it('uses CRLF line ends, body lines of at most 76 characters and no header line over 998', () => {
    const raw = make(recipient(5, 'long@example.net', 'A'.repeat(40) + ' ' + 'B'.repeat(60)), now)?.raw.toString('latin1') ?? '';
    expect(/[^\r]\n|\r[^\n]/.test(raw)).toBe(false);
    const end = raw.indexOf('\r\n\r\n');
    const [head, body] = [raw.slice(0, end), raw.slice(end + 4)];
    expect(Math.max(...head.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(998);
    expect(Math.max(...body.split('\r\n').map((line) => line.length))).toBeLessThanOrEqual(76);
  });

  it('starts no body line with "From ", which mbox delivery would change to ">From " under the DKIM signature', async () => {
    const rendered = renderedDigest();
    const headline = 'From Kyiv to Kharkiv: a long road east';
    const fromDigest = { ...digest, text: `${headline}\n${rendered.text}`, html: rendered.html.replace('<body', `<p>\n${headline}</p><body`) };
    const messages = await prepareDigestMessages(fromDigest, config, secret);
    const raw = messages(recipient(8, 'from@example.net', 'From Dover'), now)?.raw.toString('latin1') ?? '';
    expect(raw.split('\r\n').filter((line) => line.startsWith('From '))).toEqual([]);
    const mail = await simpleParser(Buffer.from(raw, 'latin1'));
    expect(mail.text?.split('\n')[0]).toBe(headline);
    expect(mail.text).toContain('Hello From Dover,');
    expect(mail.html).toContain(`<p>\n${headline}</p>`);
  });

  it('decodes like the same message built whole by nodemailer', async () => {
    const fast = await parsed('Ann', 21, 'ann@example.net');
    const reference = personalize(digest, {
      name: 'Ann',
      unsubscribeUrl: `https://news.example.org/unsubscribe?token=${encodeURIComponent(createToken(secret, pid(21), 'unsubscribe'))}`,
      preferencesUrl: `https://news.example.org/preferences?token=${encodeURIComponent(createToken(secret, pid(21), 'preferences'))}`,
      webUrl: 'https://news.example.org/digests/4/',
    });
    const whole = await simpleParser(
      (
        await composeMessage({
          from: config.newsletter.from,
          to: { address: 'ann@example.net', name: 'Ann' },
          subject: digest.subject,
          messageId: fast.messageId ?? '',
          ...reference,
        })
      ).raw,
    );
    expect(fast.text).toBe(whole.text);
    expect(fast.html).toBe(whole.html);
    expect(fast.subject).toBe(whole.subject);
  });
});
