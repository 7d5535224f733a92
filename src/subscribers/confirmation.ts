// The double opt-in mail: the digest stage renders it, delivery composes it, the server sends it.
import type { SiteConfig } from '../config/schema.js';
import { composeMessage, messageIdFor } from '../delivery/compose.js';
import type { RawMessage } from '../delivery/transport.js';
import { renderConfirmation } from '../digest/confirm.js';
import type { Subscriber } from '../store/types.js';
import { confirmUrl } from './tokens.js';

/** Composes the mail that asks `subscriber` to confirm request `nonce`, with a link carrying its confirm token. */
export async function composeConfirmation(input: {
  config: SiteConfig;
  secret: string;
  subscriber: Pick<Subscriber, 'publicId' | 'email'>;
  nonce: string;
  now: Date;
}): Promise<RawMessage> {
  const { config, subscriber, now } = input;
  const link = confirmUrl(config.baseUrl, input.secret, subscriber.publicId, input.nonce);
  const { subject, html, text } = await renderConfirmation({ config, confirmUrl: link });
  return composeMessage({
    from: config.newsletter.from,
    // The address alone: a name typed into the form is the requester's text, not the reader's.
    to: { address: subscriber.email, name: null },
    replyTo: config.newsletter.replyTo,
    subject,
    html,
    text,
    // Each request is a new message (its nonce is new), so a repeated request is not mistaken for a resend.
    messageId: messageIdFor('confirm', `${subscriber.publicId}:${input.nonce}`, config.newsletter.from),
    headers: { 'Auto-Submitted': 'auto-generated' },
    date: now,
  });
}
