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
    const email = await renderConfirmation({ config, confirmUrl, name: 'Ana' });
    expect(email.subject).toBe('Confirm your subscription to Example News');
    expect(email.html).toMatch(/^<!doctype html><html lang="en"/);
    expect(email.html).toContain('Hi Ana,');
    expect(email.html).toContain('href="https://news.example.org/confirm?token&#x3D;abc.def&amp;v&#x3D;1"');
    expect(email.text).toContain('Hi Ana,');
    expect(email.text).toContain(`Confirm my subscription <${confirmUrl}>`);
    expect(email.text).toContain(config.newsletter.postalAddress);
    expect(email.text).not.toContain('One click and the next issue is yours.');
  });

  it('escapes a hostile name and link, and keeps the name on one line', async () => {
    const email = await renderConfirmation({
      config,
      confirmUrl: 'https://news.example.org/confirm?token="><script>alert(1)</script>',
      name: '<script>alert(1)</script>\r\n"><img src=x>',
    });
    expect(email.html).not.toMatch(/<script|<img src=x/);
    expect(email.html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src&#x3D;x&gt;,');
    expect(email.text).toContain('Hi <script>alert(1)</script> "><img src=x>,');
  });

  it('greets a reader without a name', async () => {
    expect((await renderConfirmation({ config, confirmUrl, name: null })).text).toContain('Hi there,');
  });

  it('keeps a site title with a line break out of the subject header', async () => {
    const email = await renderConfirmation({ config: testConfig({}, { title: 'Example\r\nBcc: x@example.org' }), confirmUrl, name: null });
    expect(email.subject).toBe('Confirm your subscription to Example Bcc: x@example.org');
  });

  it('produces MJML that passes strict validation', async () => {
    const mjml = await renderEmailMjml('confirm', {
      subject: 's',
      preheader: 'p',
      locale: config.locale,
      site: siteView(config),
      name: 'Ana',
      confirmUrl,
    });
    expect((await mjml2html(mjml, { validationLevel: 'soft' })).errors).toEqual([]);
  });
});
