// From a classified message and the address it came to, the one event it means for one reader (or why it means
// nothing). The reader is named only by a verified token: the VERP recipient first, else an address quoted
// from the original message inside the report (feedback loops send to a fixed address, not the VERP one).
import type { ReturnEventInput } from '../store/types.js';
import { optOutTypes, type InboundMessage } from './parse.js';
import { readReturnAddress, type ReturnAddress } from './verp.js';

/** What a return-path report does to a reader: `soft_bounce` is counted, the others end the subscription. */
export type ReturnEventKind = ReturnEventInput['kind'];

/**
 * Where a report came from: the inbound SMTP listener (`mailto` for a mailed unsubscribe, `confirmation` for a report on
 * a confirmation mail, which is about no digest) or an ESP webhook.
 */
export type ReturnEventSource = 'inbound' | 'mailto' | 'confirmation' | 'ses' | 'mailgun' | 'postmark';

/**
 * One report about one reader, ready for the store's `recordReturnEvent`; a mailto unsubscribe from one edition's mail
 * names that `edition` (see recordInbound).
 */
export type ReturnEvent = ReturnEventInput & { source: ReturnEventSource; edition?: string };

/** An event, or why the message changes nothing. */
export type Resolution = { event: ReturnEvent } | { ignored: string };

/** The detail kept for a bounce: the status code and the diagnostic, one line. */
export function bounceDetail(status: string | null, diagnostic: string | null): string | null {
  if (status && diagnostic) return diagnostic.includes(status) ? diagnostic : `${status} ${diagnostic}`;
  return status ?? diagnostic;
}

/**
 * The key that makes a report count once: its kind, reader and identity; a soft bounce's identity is its digest
 * (when known), so a delay warning and the later expiry of one message count once.
 */
export function dedupeKeyOf(kind: ReturnEventKind, reader: string, digestNumber: number | null, reportId: string): string {
  const identity = kind === 'soft_bounce' && digestNumber !== null ? `digest-${digestNumber}` : reportId;
  return `${kind}:${reader}:${identity}`;
}

/**
 * Resolves a message that reached the listener; `to` is what its envelope recipient named, verified. A quoted mailto
 * unsubscribe may be one of `editions`'.
 */
export function resolveInbound(message: InboundMessage, to: ReturnAddress | null, returnPath: string, secret: string, at: Date, editions: readonly string[] = []): Resolution {
  if (message.kind === 'auto-reply') return { ignored: 'auto-reply (RFC 3834)' };
  if (message.kind === 'unknown') return { ignored: message.reason };
  // The recipient's token decides whose report it is: a quote may name anyone whose digest the sender once saw.
  const quoted = message.references.map((address) => readReturnAddress(returnPath, secret, address, editions)).filter((r) => r !== null);
  const tokens = to === null ? quoted : [to, ...quoted.filter((token) => token.subscriberId === to.subscriberId)];
  // A mailto unsubscribe address (`+u-`) is in every digest's List-Unsubscribe header, for anyone the mail is forwarded
  // to: it may unsubscribe its reader, never report them bounced (never mailed again, not even a confirmation) or complaining.
  // Reports name their reader by the VERP return path of one digest's message. A complaint that quotes only the
  // List-Unsubscribe (Microsoft's JMRP may quote no Return-Path) still unsubscribes its reader, as that address may.
  const named =
    message.kind === 'mailto-unsubscribe'
      ? tokens[0]
      : (tokens.find((token) => token.purpose === 'bounce') ?? (message.kind === 'arf' ? tokens.find((token) => token.purpose === 'unsubscribe') : undefined));
  if (!named) {
    return { ignored: tokens.length > 0 ? 'a bounce that names its reader only by a mailto unsubscribe address, which may only unsubscribe' : 'no valid Gazette token in the recipient or the quoted original' };
  }
  const digestNumber = named.purpose === 'bounce' ? named.digestNumber : null;
  const make = (kind: ReturnEventKind, detail: string | null): { event: ReturnEvent } => ({
    event: {
      kind,
      source: message.kind === 'mailto-unsubscribe' ? 'mailto' : named.purpose === 'bounce' && named.digestNumber === null ? 'confirmation' : 'inbound',
      reader: { subscriberId: named.subscriberId },
      digestNumber,
      detail,
      dedupeKey: dedupeKeyOf(kind, `subscriber-${named.subscriberId}`, digestNumber, message.id),
      at,
    },
  });
  switch (message.kind) {
    case 'dsn':
      if (message.verdict === 'delivered') return { ignored: 'the report says the message was delivered' };
      return make(message.verdict === 'permanent' ? 'bounced' : 'soft_bounce', bounceDetail(message.status, message.diagnostic));
    case 'arf':
      // An opt-out report is the reader's request to leave, as a click on unsubscribe is: no complaint of spam.
      if (optOutTypes.has(message.feedbackType)) return make('unsubscribed', `feedback-type ${message.feedbackType}`);
      if (named.purpose !== 'bounce') return make('unsubscribed', `complaint (feedback-type ${message.feedbackType}) that names its reader only by the mailto unsubscribe address`);
      return make('complaint', `feedback-type ${message.feedbackType}`);
    case 'mailto-unsubscribe': {
      const resolved = make('unsubscribed', 'mailto unsubscribe');
      // Only mail to an edition's own mailto leaves that edition alone: a complaint that quotes it leaves them all.
      return named.purpose === 'unsubscribe' && named.edition !== null ? { event: { ...resolved.event, edition: named.edition } } : resolved;
    }
  }
}
