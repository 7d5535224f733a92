import mjml2html from 'mjml';
import { describe, expect, it } from 'vitest';
import { fillConfirmation, renderConfirmationTemplate } from '../../src/digest/confirm.js';
import { htmlToText, renderEmailHtml, renderEmailMjml } from '../../src/digest/email.js';
import { siteView } from '../../src/digest/render.js';
import { testConfig } from '../fixtures/digest/articles.js';

const config = testConfig();
const confirmUrl = 'https://news.example.org/confirm?token=abc.def&v=1';
const renderConfirmation = async (input: { config: typeof config; confirmUrl: string }) =>
  fillConfirmation(await renderConfirmationTemplate(input.config), input.confirmUrl);

describe('the confirmation mail', () => {
  it('asks the reader to confirm, with the link in both parts', async () => {
    const email = await renderConfirmation({ config, confirmUrl });
    expect(email.subject).toBe('Confirm your subscription to Example News');
    expect(email.html).toMatch(/^<!doctype html><html lang="en"/);
    // The catalogue's anonymous greeting (issue 15's words): never a name the requester typed (issue 12).
    expect(email.html).toContain('Hi there,');
    expect(email.html).toContain('href="https://news.example.org/confirm?token&#x3D;abc.def&amp;v&#x3D;1"');
    expect(email.text).toContain('Hi there,');
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

  it('fills the template with the bytes a render with the link gives, a link long enough to wrap included', async () => {
    const views: object[] = [];
    const template = await renderConfirmationTemplate(config, (name, view) => {
      views.push(view);
      return renderEmailHtml(name, view);
    });
    for (const link of [confirmUrl, `https://news.example.org/confirm?token=${'a'.repeat(20)}.${'n'.repeat(22)}.${'s'.repeat(43)}`]) {
      const html = await renderEmailHtml('confirm', { ...views[0], confirmUrl: link });
      expect(fillConfirmation(template, link)).toEqual({ subject: template.subject, html, text: htmlToText(html) });
    }
    expect(views).toHaveLength(1);
  });

  it('produces MJML that passes strict validation', async () => {
    const mjml = await renderEmailMjml('confirm', {
      subject: 's',
      preheader: 'p',
      locale: config.locale,
      site: siteView(config),
      confirmUrl,
    });
    expect((await mjml2html(mjml, { validationLevel: 'soft' })).errors).toEqual([]);
  });
});
