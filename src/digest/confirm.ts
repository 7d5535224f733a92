// The double opt-in email, through the same render path as the digest (it is rendered per subscriber).
import type { SiteConfig } from '../config/schema.js';
import { oneLine } from '../content/text.js';
import { htmlToText, renderEmailHtml } from './email.js';
import { anonymousName, type RenderedEmail } from './personalize.js';
import { siteView } from './render.js';

/** Renders the email that asks a new subscriber to confirm; every value is escaped by the template. */
export async function renderConfirmation(input: {
  config: SiteConfig;
  confirmUrl: string;
  name: string | null;
}): Promise<RenderedEmail> {
  const subject = oneLine(`Confirm your subscription to ${input.config.title}`);
  const html = await renderEmailHtml('confirm', {
    subject,
    preheader: 'One click and the next issue is yours.',
    site: siteView(input.config),
    name: oneLine(input.name ?? '') || anonymousName,
    confirmUrl: oneLine(input.confirmUrl),
  });
  return { subject, html, text: htmlToText(html) };
}
