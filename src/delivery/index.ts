// The delivery stage: transports (SMTP pool or outbox), message composition and the send loop. `publish` and
// `send` with the run lease are in run.ts.
import type { RuntimeOptions } from '../config/options.js';
import { createSigner, signing } from './dkim.js';
import { OutboxTransport } from './outbox.js';
import { defaultDeliverySettings } from './settings.js';
import { SmtpTransport, type SmtpSettings } from './smtp.js';
import type { Transport } from './transport.js';

export { composeMessage, messageIdFor, type Mailbox, type MailInput } from './compose.js';
export { dkimAlignmentWarning } from './dkim.js';
export { prepareDigestMessages, type DigestMessages } from './message.js';
export { sendPending, type DeliverySummary, type SendPendingOptions, type SendProgress } from './send.js';
export { resolveDeliverySettings, defaultDeliverySettings, type DeliverySettings } from './settings.js';
export { SendFailure, type RawMessage, type Transport } from './transport.js';

/**
 * The transport the options ask for: SMTP through `SMTP_URL` when set, else `.eml` files in the outbox folder;
 * DKIM-signed when `DKIM_*` is set. Throws DeliveryError when the DKIM key cannot be used.
 */
export function createTransport(
  options: Pick<RuntimeOptions, 'smtpUrl' | 'outboxDir' | 'dkim'>,
  settings: SmtpSettings = defaultDeliverySettings,
): Transport {
  const transport =
    options.smtpUrl !== null ? new SmtpTransport(options.smtpUrl, settings) : new OutboxTransport(options.outboxDir);
  return options.dkim ? signing(transport, createSigner(options.dkim)) : transport;
}
