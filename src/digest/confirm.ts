// The double opt-in email, through the same render path as the digest (it is rendered per subscriber).
import type { SiteConfig } from '../config/schema.js';
import { oneLine } from '../content/text.js';
import { t } from '../i18n/index.js';
import { htmlToText, renderEmailHtml } from './email.js';
import type { RenderedEmail } from './personalize.js';
import { siteView } from './render.js';

/**
 * Renders the email that asks a new subscriber to confirm. Anyone can request it for any address, so it carries
 * nothing the requester typed (no name): only the site's own words and the link.
 */
export async function renderConfirmation(input: { config: SiteConfig; confirmUrl: string }): Promise<RenderedEmail> {
  const { locale } = input.config;
  const subject = oneLine(t(locale, 'mail.confirm.subject', { site: input.config.title }));
  const html = await renderEmailHtml('confirm', {
    subject,
    preheader: t(locale, 'mail.confirm.preheader'),
    locale,
    site: siteView(input.config),
    // The greeting is the anonymous one: the requester's name is not theirs to put in someone's inbox.
    name: t(locale, 'mail.greeting.anonymous'),
    confirmUrl: oneLine(input.confirmUrl),
  });
  return { subject, html, text: htmlToText(html) };
}
