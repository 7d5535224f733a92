// The confirmation template renders on a thread of its own. A file of its own: once any test here loaded MJML on
// this thread, nothing could show that the composer did not.
import { createRequire } from 'node:module';
import { simpleParser } from 'mailparser';
import { expect, it } from 'vitest';
import { renderEmailHtml } from '../../src/digest/email.js';
import { siteView } from '../../src/digest/render.js';
import { createConfirmationComposer } from '../../src/subscribers/confirmation.js';
import { verifyToken } from '../../src/subscribers/tokens.js';
import { testConfig } from '../fixtures/digest/articles.js';

const mjmlLoaded = (): boolean => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/node_modules/mjml-core/'));

it('renders the template on a thread by default: MJML never loads on the caller’s thread', async () => {
  const secret = 's'.repeat(32);
  const compose = createConfirmationComposer(testConfig(), secret);
  const mail = await compose({ id: 1, publicId: 'a'.repeat(32), email: 'first@example.org' }, '1'.repeat(32), new Date('2026-03-01T12:00:00Z'));
  const token = /confirm\?token=([\w.-]+)/.exec((await simpleParser(mail.raw)).text ?? '')?.[1] ?? '';
  expect(verifyToken(secret, token, 'confirm')).toMatchObject({ nonce: '1'.repeat(32) });
  expect(mjmlLoaded()).toBe(false);
  // The probe sees MJML once it does load here.
  const config = testConfig();
  await renderEmailHtml('confirm', { subject: 's', preheader: 'p', locale: config.locale, site: siteView(config), name: 'n', confirmUrl: 'https://x.example/' });
  expect(mjmlLoaded()).toBe(true);
});
