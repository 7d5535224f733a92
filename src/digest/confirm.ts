// The double opt-in email, through the same render path as the digest (it is rendered per subscriber).
import type { SiteConfig } from '../config/schema.js';
import { oneLine } from '../content/text.js';
import { htmlToText, renderEmailHtml } from './email.js';
import type { RenderedEmail } from './personalize.js';
import { siteView } from './render.js';

/**
 * Renders the email that asks a new subscriber to confirm. Anyone can request it for any address, so it carries
 * nothing the requester typed (no name): only the site's own words and the link.
 */
export async function renderConfirmation(input: { config: SiteConfig; confirmUrl: string }): Promise<RenderedEmail> {
  const subject = oneLine(`Confirm your subscription to ${input.config.title}`);
  const html = await renderEmailHtml('confirm', {
    subject,
    preheader: 'One click and the next issue is yours.',
    site: siteView(input.config),
    confirmUrl: oneLine(input.confirmUrl),
  });
  return { subject, html, text: htmlToText(html) };
}
