import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeMessage, messageIdFor } from '../../src/delivery/compose.js';

const base = {
  from: 'Example News <news@example.org>',
  subject: 'Confirm your subscription',
  html: '<p>Héllo</p>',
  text: 'Héllo',
  messageId: '<confirm-1.abc@example.org>',
};

function headerBlock(raw: Buffer): string {
  return raw.subarray(0, raw.indexOf('\r\n\r\n')).toString('latin1');
}

describe('composeMessage', () => {
  it('makes a multipart/alternative message with text and HTML for one reader', async () => {
    const message = await composeMessage({ ...base, to: { address: 'ann@example.net', name: 'Ann' } });
    expect(message.envelope).toEqual({ from: 'news@example.org', to: 'ann@example.net' });
    expect(message.messageId).toBe('<confirm-1.abc@example.org>');
    const parsed = await simpleParser(message.raw);
    expect(parsed.headers.get('content-type')).toMatchObject({ value: 'multipart/alternative' });
    expect(parsed.text?.trim()).toBe('Héllo');
    expect(parsed.html).toContain('<p>Héllo</p>');
    expect(parsed.messageId).toBe('<confirm-1.abc@example.org>');
    expect(parsed.to).toMatchObject({ value: [{ address: 'ann@example.net', name: 'Ann' }] });
    expect(message.raw.includes('\n') && !/[^\r]\n/.test(message.raw.toString('latin1'))).toBe(true);
  });

  it('starts no body line with "From ", which mbox delivery would change to ">From " under the DKIM signature', async () => {
    const text = 'From the desk: confirm.\nFrom now on, one digest a week.';
    const html = '<p>\nFrom the desk</p>';
    for (const [plain, rich] of [[text, html], [text.replace('confirm', 'confirmez, s’il vous plaît'), html]]) {
      const message = await composeMessage({ ...base, text: plain ?? '', html: rich ?? '', to: { address: 'ann@example.net', name: null } });
      const raw = message.raw.toString('latin1');
      expect(raw.split('\r\n').filter((line) => line.startsWith('From '))).toEqual([]);
      const parsed = await simpleParser(message.raw);
      expect(parsed.text?.trim()).toBe(plain);
      expect(parsed.html).toBe(rich);
      expect(parsed.from).toMatchObject({ value: [{ address: 'news@example.org', name: 'Example News' }] });
    }
  });

  it('never lets a name, subject or header value add a header line', async () => {
    const evil = 'Eve\r\nBcc: victim@example.com\r\nX-Evil: 1';
    const message = await composeMessage({
      ...base,
      subject: `Hi\r\nBcc: victim@example.com`,
      to: { address: 'eve@example.net', name: evil },
      headers: { 'X-Note': 'a\nBcc: victim@example.com' },
    });
    const head = headerBlock(message.raw);
    expect(head).not.toMatch(/^Bcc:/im);
    expect(head).not.toMatch(/^X-Evil:/im);
    const parsed = await simpleParser(message.raw);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.to).toMatchObject({ value: [{ address: 'eve@example.net' }] });
  });

  it('encodes non-ASCII names and subjects (RFC 2047) and quotes names with specials', async () => {
    const message = await composeMessage({
      ...base,
      subject: 'Les nouvelles de l’été',
      to: { address: 'zoe@example.net', name: 'Zoë "Z" O\'Neil, Jr.' },
    });
    const head = headerBlock(message.raw);
    expect(head).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(Buffer.from(head, 'latin1').every((byte) => byte < 0x80)).toBe(true);
    const parsed = await simpleParser(message.raw);
    expect(parsed.subject).toBe('Les nouvelles de l’été');
    expect(parsed.to).toMatchObject({ value: [{ address: 'zoe@example.net', name: 'Zoë "Z" O\'Neil, Jr.' }] });
  });

  it('rejects a header name that is not a header name', async () => {
    await expect(
      composeMessage({ ...base, to: { address: 'a@example.net', name: null }, headers: { 'Bad: Name': 'x' } }),
    ).rejects.toThrow(/not a valid header name/);
  });
});

describe('messageIdFor', () => {
  it('is stable for the same label and key, distinct for another key, on the sender domain', () => {
    const a = messageIdFor('digest-3.subscriber-7', 'k1', 'News <news@Example.org>');
    expect(a).toBe(messageIdFor('digest-3.subscriber-7', 'k1', 'News <news@Example.org>'));
    expect(a).not.toBe(messageIdFor('digest-3.subscriber-7', 'k2', 'News <news@Example.org>'));
    expect(a).toMatch(/^<digest-3\.subscriber-7\.[A-Za-z0-9]{16}@example\.org>$/);
  });
});
