// The double opt-in mail: the digest stage renders it, delivery composes it, the server sends it.
import type { SiteConfig } from '../config/schema.js';
import { composeMessage, messageIdFor } from '../delivery/compose.js';
import type { RawMessage } from '../delivery/transport.js';
import { fillConfirmation, renderConfirmationTemplate, type ConfirmationTemplate } from '../digest/confirm.js';
import type { RenderHtml } from '../digest/email.js';
import { startEmailThread } from '../digest/render-thread.js';
import type { Subscriber } from '../store/types.js';
import { confirmationBounceAddress } from '../inbound/verp.js';
import { confirmUrl } from './tokens.js';

/** Composes the mail that asks `subscriber` to confirm request `nonce`, with a link carrying its confirm token. */
export type ComposeConfirmation = (subscriber: Pick<Subscriber, 'id' | 'publicId' | 'email'>, nonce: string, now: Date) => Promise<RawMessage>;

/** How long the one render may take (MJML's first load included) before the mail fails and the next tries again. */
const renderTimeoutMs = 60_000;

/** Renders once on a thread of its own, which ends with the render: MJML never loads on the caller's thread. */
const renderOnThread: RenderHtml = async (name, view) => {
  const thread = startEmailThread();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the confirmation mail's render took over ${renderTimeoutMs / 1000} s`)), renderTimeoutMs);
  });
  try {
    // A hung render would hold every later confirmation mail behind the one template.
    return await Promise.race([thread.render(name, view), late]);
  } finally {
    clearTimeout(timer);
    await thread.close();
  }
};

/**
 * The confirmation mails of a site. Its template is rendered by the first mail (on a thread, by default) and kept;
 * each mail then only fills in its link, so the server's thread spends about a millisecond a mail instead of the
 * 8–16 ms of an MJML render, which a client timing its next request could have seen. A failed render is tried
 * again by the next mail.
 */
export function createConfirmationComposer(config: SiteConfig, secret: string, renderHtml: RenderHtml = renderOnThread): ComposeConfirmation {
  let template: Promise<ConfirmationTemplate> | null = null;
  const { returnPath } = config.newsletter;
  return async (subscriber, nonce, now) => {
    template ??= renderConfirmationTemplate(config, renderHtml).catch((error: unknown) => {
      template = null;
      throw error;
    });
    const link = confirmUrl(config.baseUrl, secret, subscriber.publicId, nonce);
    const { subject, html, text } = fillConfirmation(await template, link);
    return composeMessage({
      from: config.newsletter.from,
      // The address alone: a name typed into the form is the requester's text, not the reader's.
      to: { address: subscriber.email, name: null },
      replyTo: config.newsletter.replyTo,
      subject,
      html,
      text,
      // Each request is a new message (its nonce is new), so a repeated request is not mistaken for a resend.
      messageId: messageIdFor('confirm', `${subscriber.publicId}:${nonce}`, config.newsletter.from),
      headers: { 'Auto-Submitted': 'auto-generated' },
      date: now,
      // Its bounce reaches the inbound listener, as a digest's does: the address is then known bad (see confirmationBounceAddress).
      ...(returnPath === null ? {} : { envelopeFrom: confirmationBounceAddress(returnPath, secret, subscriber.id) }),
    });
  };
}
