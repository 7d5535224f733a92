// DKIM signing for every transport, so outbox files look exactly like what SMTP would carry.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { buffer } from 'node:stream/consumers';
import DKIM from 'nodemailer/lib/dkim';
import type { DkimOptions } from '../config/options.js';
import { DeliveryError } from '../errors.js';
import type { RawMessage, Transport } from './transport.js';

/** The header fields the signature covers: both List-Unsubscribe headers among them (RFC 8058). */
const signedHeaderFields = [
  'From',
  'Reply-To',
  'Subject',
  'Date',
  'Message-ID',
  'To',
  'MIME-Version',
  'Content-Type',
  'Content-Transfer-Encoding',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Precedence',
  'Auto-Submitted',
].join(':');

/** Signs a whole message, returning it with a DKIM-Signature header in front. */
export type Signer = (raw: Buffer) => Promise<Buffer>;

/** Makes a signer from the `DKIM_*` settings; an unreadable or invalid key is a DeliveryError. */
export function createSigner(options: DkimOptions): Signer {
  let privateKey: string;
  if (options.privateKey !== null) privateKey = options.privateKey;
  else {
    try {
      privateKey = readFileSync(options.privateKeyFile, 'utf8');
    } catch (error) {
      throw new DeliveryError(`cannot read DKIM_PRIVATE_KEY_FILE ${options.privateKeyFile}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  try {
    // nodemailer leaves a message unsigned when the key does not work; refuse such a key up front instead.
    createPrivateKey(privateKey);
  } catch (error) {
    throw new DeliveryError(`the DKIM private key is not a PEM private key: ${(error as Error).message}`, { cause: error });
  }
  const dkim = new DKIM({
    domainName: options.domainName,
    keySelector: options.keySelector,
    privateKey,
    headerFieldNames: signedHeaderFields,
  });
  return (raw) => buffer(dkim.sign(raw));
}

/** Wraps a transport so that every message it sends is DKIM-signed first. */
export function signing(transport: Transport, sign: Signer): Transport {
  return {
    description: `${transport.description} (DKIM-signed)`,
    async send(message: RawMessage): Promise<string> {
      return transport.send({ ...message, raw: await sign(message.raw) });
    },
    close: () => transport.close(),
  };
}
