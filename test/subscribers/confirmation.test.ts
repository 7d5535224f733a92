// The confirmation mails of a site: one render, a link filled per mail (confirmation-thread.test.ts: on a thread).
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { renderEmailHtml, type RenderHtml } from '../../src/digest/email.js';
import { confirmationBounceAddress } from '../../src/inbound/verp.js';
import { createConfirmationComposer } from '../../src/subscribers/confirmation.js';
import { verifyToken } from '../../src/subscribers/tokens.js';
import { testConfig } from '../fixtures/digest/articles.js';

const config = testConfig();
const secret = 's'.repeat(32);
const now = new Date('2026-03-01T12:00:00Z');
// Public ids and nonces are 32 hex digits.
const hex = (digit: string): string => digit.repeat(32);

/** A renderer that counts its renders, failing the first `failures` of them. */
function countingRenderer(failures = 0): { render: RenderHtml; count: () => number } {
  let count = 0;
  return {
    render: (name, view) => (++count <= failures ? Promise.reject(new Error('render thread stopped')) : renderEmailHtml(name, view)),
    count: () => count,
  };
}

/** The token of the confirm link in a composed mail's text part. */
async function linkToken(raw: Buffer | string): Promise<string> {
  const mail = await simpleParser(raw);
  return /confirm\?token=([\w.-]+)/.exec(mail.text ?? '')?.[1] ?? '';
}

describe('createConfirmationComposer', () => {
  it('renders the template once and gives each mail its own link', async () => {
    const renderer = countingRenderer();
    const compose = createConfirmationComposer(config, secret, renderer.render);
    const readers = [
      { id: 1, publicId: hex('a'), email: 'first@example.org' },
      { id: 2, publicId: hex('b'), email: 'second@example.org' },
    ];
    const mails = await Promise.all(readers.map((reader, i) => compose(reader, hex(String(i)), now)));
    expect(renderer.count()).toBe(1);
    for (const [i, mail] of mails.entries()) {
      expect(mail.envelope.to).toBe(readers[i]?.email);
      expect(verifyToken(secret, await linkToken(mail.raw), 'confirm')).toMatchObject({ publicId: readers[i]?.publicId, nonce: hex(String(i)) });
    }
  });

  it("writes the fallback link in angle brackets in the text part, a right-to-left message's isolates around them, so a mail client finds the whole link", async () => {
    const reader = { id: 1, publicId: hex('a'), email: 'first@example.org' };
    for (const language of ['en', 'ar']) {
      const mail = await simpleParser((await createConfirmationComposer(testConfig({}, { language }), secret)(reader, hex('1'), now)).raw);
      // The button's link, then the fallback's.
      const fallback = (mail.text ?? '').split('\n').filter((line) => line.includes('/confirm?token=')).at(-1) ?? '';
      const link = /^(\u200f\u2066)?<(https:\/\/news\.example\.org\/confirm\?token=([\w.-]+))>(\u2069)?$/u.exec(fallback);
      expect(link?.[1], fallback).toBe(language === 'ar' ? '\u200f\u2066' : undefined);
      expect(link?.[4], fallback).toBe(language === 'ar' ? '\u2069' : undefined);
      expect(verifyToken(secret, link?.[3] ?? '', 'confirm')).toMatchObject({ publicId: hex('a') });
    }
  });

  it("sends from the confirmation's own VERP address with a return path, so its bounce reaches the inbound listener, and from the From address without one", async () => {
    const reader = { id: 345, publicId: hex('a'), email: 'typo@example.orgg' };
    const verp = await createConfirmationComposer(testConfig({ returnPath: 'bounces@mail.example.org' }), secret)(reader, hex('1'), now);
    expect(verp.envelope.from).toBe(confirmationBounceAddress('bounces@mail.example.org', secret, 345));
    expect((await simpleParser(verp.raw)).from?.value[0]?.address).toBe(config.newsletter.from.replace(/^.*<|>$/g, ''));
    expect((await createConfirmationComposer(config, secret)(reader, hex('1'), now)).envelope.from).toBe(config.newsletter.from.replace(/^.*<|>$/g, ''));
  });

  it('renders again for the next mail after a failed render', async () => {
    const renderer = countingRenderer(1);
    const compose = createConfirmationComposer(config, secret, renderer.render);
    const reader = { id: 1, publicId: hex('a'), email: 'first@example.org' };
    await expect(compose(reader, hex('1'), now)).rejects.toThrow('render thread stopped');
    const mail = await compose(reader, hex('2'), now);
    expect(verifyToken(secret, await linkToken(mail.raw), 'confirm')).toMatchObject({ nonce: hex('2') });
    expect(renderer.count()).toBe(2);
  });
});
