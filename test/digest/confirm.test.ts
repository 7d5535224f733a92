import mjml2html from 'mjml';
import { describe, expect, it } from 'vitest';
import { renderConfirmation } from '../../src/digest/confirm.js';
import { renderEmailMjml } from '../../src/digest/email.js';
import { siteView } from '../../src/digest/render.js';
import { testConfig } from '../fixtures/digest/articles.js';

const config = testConfig();
const confirmUrl = 'https://news.example.org/confirm?token=abc.def&v=1';

describe('renderConfirmation', () => {
  it('asks the reader to confirm, with the link in both parts', async () => {
    const email = await renderConfirmation({ config, confirmUrl });
    expect(email.subject).toBe('Confirm your subscription to Example News');
    expect(email.html).toMatch(/^<!doctype html><html lang="en"/);
    expect(email.html).toContain('Hello,');
    expect(email.html).toContain('href="https://news.example.org/confirm?token&#x3D;abc.def&amp;v&#x3D;1"');
    expect(email.text).toContain('Hello,');
    expect(email.text).toContain(`Confirm my subscription <${confirmUrl}>`);
    expect(email.text).toContain(config.newsletter.postalAddress);
    expect(email.text).not.toContain('One click and the next issue is yours.');
  });

  it('escapes a hostile link', async () => {
    const email = await renderConfirmation({ config, confirmUrl: 'https://news.example.org/confirm?token="><script>alert(1)</script>' });
    expect(email.html).not.toMatch(/<script/);
  });

  it('keeps a site title with a line break out of the subject header', async () => {
    const email = await renderConfirmation({ config: testConfig({}, { title: 'Example\r\nBcc: x@example.org' }), confirmUrl });
    expect(email.subject).toBe('Confirm your subscription to Example Bcc: x@example.org');
  });

  it('produces MJML that passes strict validation', async () => {
    const mjml = await renderEmailMjml('confirm', {
      subject: 's',
      preheader: 'p',
      site: siteView(config),
      confirmUrl,
    });
    expect((await mjml2html(mjml, { validationLevel: 'soft' })).errors).toEqual([]);
  });
});
