// ESP webhooks: Amazon SES (through SNS, signature verified), Mailgun (HMAC-SHA256 signature) and Postmark (basic
// auth) feed the same bounce / complaint / unsubscribe events as the inbound listener. Each provider's scheme is
// checked before the body is believed; an unauthenticated, stale or replayed call is 401 and changes nothing.
// A provider whose secret is not in the environment is switched off (404).
import { createHash, createHmac, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { UsageError } from '../errors.js';
import { oneLine, shorten } from '../content/text.js';
import { bounceDetail, dedupeKeyOf, type ReturnEvent, type ReturnEventKind, type ReturnEventSource } from '../inbound/events.js';
import type { RecordEvent } from '../inbound/listener.js';
import type { Logger } from '../log.js';
import { minAdminTokenLength } from '../config/options.js';
import { readBodyUpTo } from './body.js';
import { SlidingWindowLimiter, wrongCredentialLimit } from './rate-limit.js';

/** The environment variables that switch each webhook on (README "Webhooks"). */
export const webhookEnv = {
  sesTopics: 'GAZETTE_SES_TOPIC_ARNS',
  mailgunKey: 'GAZETTE_MAILGUN_SIGNING_KEY',
  postmarkUser: 'GAZETTE_POSTMARK_USER',
  postmarkPassword: 'GAZETTE_POSTMARK_PASSWORD',
} as const;

/** Fetches the PEM certificate at an https URL on an SNS host (tests supply their own). */
export type CertificateFetcher = (url: string) => Promise<string>;

/** What the webhooks are built from. */
export interface WebhookDeps {
  record: RecordEvent;
  env: Readonly<Record<string, string | undefined>>;
  logger?: Logger | undefined;
  now?: (() => Date) | undefined;
  fetchCertificate?: CertificateFetcher | undefined;
  /** Confirms an SNS subscription by fetching its SubscribeURL (tests supply their own). */
  confirmSubscription?: ((url: string) => Promise<void>) | undefined;
  /** The key a request's client is limited by (see the app's clientOf): wrong Postmark logins are counted per client. */
  clientOf?: ((c: Context) => string) | undefined;
}

/** An SNS message older than this, or a Mailgun timestamp further off, is refused as stale. */
const maxAgeMs = 15 * 60_000;
const maxBody = 256 * 1024;
/** SNS signs with certificates served from `sns.<region>.amazonaws.com` only. */
const snsCertificateHost = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

async function fetchText(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}

/** Ids (Mailgun tokens, SNS message ids) seen in the last `maxAgeMs`, so a replay is refused. */
class SeenIds {
  private readonly seen = new Map<string, number>();

  /** True the first time an id is seen within the window. */
  first(id: string, now: number): boolean {
    for (const [key, at] of this.seen) {
      if (now - at <= maxAgeMs) break;
      this.seen.delete(key);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, now);
    return true;
  }
}

/** `<digest-N.reader-P.…@…>`, Gazette's own Message-ID, names the digest (the call is already authenticated). */
function digestOfMessageId(messageId: unknown): number | null {
  const match = typeof messageId === 'string' ? /<?digest-(\d+)\.reader-[0-9a-f]{32}\./.exec(messageId) : null;
  return match ? Number(match[1]) : null;
}

function event(source: ReturnEventSource, kind: ReturnEventKind, email: string, digestNumber: number | null, detail: string | null, reportId: string, at: Date): ReturnEvent {
  // The provider's words reach the journal and `subscribers list`: one line, no control characters, bounded.
  const line = detail === null ? '' : oneLine(detail);
  return { kind, source, reader: { email }, digestNumber, detail: line === '' ? null : shorten(line, 300), dedupeKey: dedupeKeyOf(kind, `${source}:${email.toLowerCase()}`, digestNumber, reportId), at };
}

type Json = Record<string, unknown>;
const obj = (value: unknown): Json => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {});
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

// ---- Amazon SES through SNS ----

/** The fields SNS signs, in order, for each message type (AWS "Verifying the signatures of Amazon SNS messages"). */
const snsSignedFields: Record<string, readonly string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
  UnsubscribeConfirmation: ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'],
};

/** True when an SNS certificate URL may be fetched: https, on an SNS host, nothing odd in it. */
export function isSnsCertificateUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' && url.port === '' && url.username === '' && snsCertificateHost.test(url.hostname) && url.pathname.endsWith('.pem');
}

/** Verifies an SNS message's signature (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) against its certificate. */
async function verifySns(message: Json, certificate: (url: string) => Promise<KeyObject>): Promise<string | null> {
  const fields = snsSignedFields[String(message.Type)];
  if (!fields) return 'unknown message Type';
  const algorithm = message.SignatureVersion === '1' ? 'sha1' : message.SignatureVersion === '2' ? 'sha256' : null;
  if (!algorithm) return 'unknown SignatureVersion';
  const certUrl = str(message.SigningCertURL) ?? '';
  if (!isSnsCertificateUrl(certUrl)) return 'SigningCertURL is not an https URL on an SNS host';
  const signature = Buffer.from(str(message.Signature) ?? '', 'base64');
  let signed = '';
  for (const field of fields) {
    const value = message[field];
    if (value === undefined && field === 'Subject') continue;
    if (typeof value !== 'string') return `field ${field} is missing`;
    signed += `${field}\n${value}\n`;
  }
  const key = await certificate(certUrl);
  return verify(algorithm, Buffer.from(signed, 'utf8'), key, signature) ? null : 'bad signature';
}

/** The events of one SES notification (bounce or complaint, through SNS or SES event publishing). */
export function sesEvents(notification: Json, at: Date): ReturnEvent[] {
  const type = str(notification.notificationType) ?? str(notification.eventType);
  const mail = obj(notification.mail);
  const digest = digestOfMessageId(obj(mail.commonHeaders).messageId);
  if (type === 'Bounce') {
    const bounce = obj(notification.bounce);
    const kind: ReturnEventKind = bounce.bounceType === 'Permanent' ? 'bounced' : 'soft_bounce';
    const id = str(bounce.feedbackId) ?? str(mail.messageId) ?? 'ses';
    return list(bounce.bouncedRecipients).flatMap((r) => {
      const recipient = obj(r);
      const email = str(recipient.emailAddress);
      const detail = bounceDetail(str(recipient.status), str(recipient.diagnosticCode) ?? str(bounce.bounceSubType));
      return email ? [event('ses', kind, email, digest, detail, id, at)] : [];
    });
  }
  if (type === 'Complaint') {
    const complaint = obj(notification.complaint);
    // A complaint whose feedback type is not-spam is the reader taking the complaint back.
    if (complaint.complaintFeedbackType === 'not-spam') return [];
    const id = str(complaint.feedbackId) ?? str(mail.messageId) ?? 'ses';
    const detail = `feedback-type ${str(complaint.complaintFeedbackType) ?? 'abuse'}`;
    return list(complaint.complainedRecipients).flatMap((r) => {
      const email = str(obj(r).emailAddress);
      return email ? [event('ses', 'complaint', email, digest, detail, id, at)] : [];
    });
  }
  return [];
}

// ---- Mailgun ----

/** The event of one Mailgun webhook's `event-data`, or null for events that change nothing. */
export function mailgunEvent(data: Json, at: Date): ReturnEvent | null {
  const email = str(data.recipient);
  if (!email) return null;
  const digest = digestOfMessageId(obj(obj(data.message).headers)['message-id']);
  const id = str(data.id) ?? 'mailgun';
  switch (data.event) {
    case 'failed': {
      const status = obj(data['delivery-status']);
      const detail = bounceDetail(status.code === undefined ? null : String(status.code), str(status.message) ?? str(status.description) ?? str(data.reason));
      return event('mailgun', data.severity === 'permanent' ? 'bounced' : 'soft_bounce', email, digest, detail, id, at);
    }
    case 'complained':
      return event('mailgun', 'complaint', email, digest, 'feedback-type abuse', id, at);
    case 'unsubscribed':
      return event('mailgun', 'unsubscribed', email, digest, 'unsubscribed at Mailgun', id, at);
    default:
      return null;
  }
}

// ---- Postmark ----

/** The event of one Postmark webhook (Bounce, SpamComplaint, SubscriptionChange), or null. */
export function postmarkEvent(body: Json, at: Date): ReturnEvent | null {
  const email = str(body.Email) ?? str(body.Recipient);
  if (!email) return null;
  const id = String(body.ID ?? str(body.MessageID) ?? 'postmark');
  switch (body.RecordType) {
    case 'Bounce': {
      const type = str(body.Type) ?? '';
      if (type === 'SpamComplaint') return event('postmark', 'complaint', email, null, 'feedback-type abuse', id, at);
      if (type === 'Unsubscribe') return event('postmark', 'unsubscribed', email, null, 'unsubscribed at Postmark', id, at);
      const hard = ['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated', 'AddressChange', 'Blocked'].includes(type);
      const soft = ['SoftBounce', 'Transient', 'DnsError', 'MailFrontier'].includes(type);
      if (!hard && !soft) return null;
      return event('postmark', hard ? 'bounced' : 'soft_bounce', email, null, `${type}: ${str(body.Details) ?? str(body.Description) ?? ''}`.trim(), id, at);
    }
    case 'SpamComplaint':
      return event('postmark', 'complaint', email, null, 'feedback-type abuse', id, at);
    case 'SubscriptionChange':
      if (body.SuppressSending !== true || body.SuppressionReason !== 'ManualSuppression') return null;
      return event('postmark', 'unsubscribed', email, null, 'unsubscribed at Postmark', id, at);
    default:
      return null;
  }
}

/** Builds the `/webhooks/*` routes; mounted by the app under `/webhooks`. */
export function createWebhooks(deps: WebhookDeps): Hono {
  const now = deps.now ?? (() => new Date());
  const logger = deps.logger;
  const seen = new SeenIds();
  const fetchCertificate = deps.fetchCertificate ?? fetchText;
  const confirm = deps.confirmSubscription ?? (async (url: string) => void (await fetchText(url)));
  const certificates = new Map<string, Promise<KeyObject>>();
  const certificate = (url: string): Promise<KeyObject> => {
    let key = certificates.get(url);
    if (!key) {
      key = fetchCertificate(url).then((pem) => createPublicKey(pem));
      // A failed fetch is not cached: the next message tries again.
      key.catch(() => certificates.delete(url));
      certificates.set(url, key);
    }
    return key;
  };
  const refuse = (c: Context, provider: string, why: string): Response => {
    logger?.warn({ provider, reason: why }, 'webhook refused');
    return c.json({ error: 'unauthorized', message: why }, 401);
  };
  const record = async (c: Context, provider: string, events: readonly ReturnEvent[]): Promise<Response> => {
    const outcomes: string[] = [];
    for (const e of events) {
      const outcome = await deps.record(e);
      outcomes.push(outcome);
      logger?.info({ provider, event: e.kind, ...e.reader, digest: e.digestNumber, detail: e.detail, outcome }, `webhook ${e.kind}: ${outcome}`);
    }
    return c.json({ status: 'ok', events: outcomes.length });
  };
  const readJson = async (c: Context): Promise<Json | null> => {
    try {
      return obj(JSON.parse(await c.req.text()));
    } catch {
      return null;
    }
  };

  const app = new Hono();
  // On each provider's route, not on the folder: a webhook that is off stays a 404, and reads no body.
  const capped = readBodyUpTo(maxBody, (c) => {
    logger?.warn({ path: c.req.path, contentLength: c.req.header('content-length') ?? null }, 'webhook refused: the body is too large');
    return c.json({ error: 'too_large', message: `the body is over ${maxBody / 1024} KiB` }, 413);
  }, (c) => {
    logger?.warn({ path: c.req.path, contentEncoding: c.req.header('content-encoding') ?? null }, 'webhook refused: the body is compressed');
    c.header('Accept-Encoding', 'identity');
    return c.json({ error: 'unsupported_encoding', message: 'send the body uncompressed' }, 415);
  });

  // A provider's route exists only when its secrets are set: elsewhere its path is an unknown page (404).
  const topics = (deps.env[webhookEnv.sesTopics] ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  if (topics.length > 0) app.post('/ses', capped, async (c) => {
    const message = await readJson(c);
    if (!message) return refuse(c, 'ses', 'the body is not an SNS message');
    let problem: string | null;
    try {
      problem = await verifySns(message, certificate);
    } catch (error) {
      logger?.warn({ err: error }, 'SNS certificate could not be fetched');
      problem = 'the signing certificate could not be fetched';
    }
    if (problem) return refuse(c, 'ses', problem);
    // SNS proves the message came from AWS, not from this operator's topic: only the configured topics count.
    if (!topics.includes(String(message.TopicArn))) return refuse(c, 'ses', 'TopicArn is not one of GAZETTE_SES_TOPIC_ARNS');
    const sent = Date.parse(String(message.Timestamp));
    if (!Number.isFinite(sent) || Math.abs(now().getTime() - sent) > maxAgeMs) return refuse(c, 'ses', 'the message is stale');
    if (!seen.first(`sns:${String(message.MessageId)}`, now().getTime())) return refuse(c, 'ses', 'the message was already taken (replay)');
    if (message.Type === 'SubscriptionConfirmation') {
      const url = str(message.SubscribeURL) ?? '';
      if (!URL.canParse(url) || !/^https:$/.test(new URL(url).protocol) || !/\.amazonaws\.com(\.cn)?$/.test(new URL(url).hostname)) {
        return refuse(c, 'ses', 'SubscribeURL is not an https URL on an AWS host');
      }
      await confirm(url);
      logger?.info({ provider: 'ses', topic: message.TopicArn }, 'SNS subscription confirmed');
      return c.json({ status: 'subscribed' });
    }
    if (message.Type !== 'Notification') return c.json({ status: 'ok', events: 0 });
    let notification: Json;
    try {
      notification = obj(JSON.parse(String(message.Message)));
    } catch {
      return c.json({ error: 'bad_request', message: 'the SNS Message is not JSON' }, 400);
    }
    return record(c, 'ses', sesEvents(notification, now()));
  });

  const key = deps.env[webhookEnv.mailgunKey];
  if (key) app.post('/mailgun', capped, async (c) => {
    const body = await readJson(c);
    const signature = obj(body?.signature);
    const timestamp = str(signature.timestamp) ?? '';
    const token = str(signature.token) ?? '';
    const given = str(signature.signature) ?? '';
    const expected = createHmac('sha256', key).update(timestamp + token).digest('hex');
    if (!/^\d+$/.test(timestamp) || token === '' || !constantTimeEqual(given, expected)) return refuse(c, 'mailgun', 'bad signature');
    if (Math.abs(now().getTime() - Number(timestamp) * 1000) > maxAgeMs) return refuse(c, 'mailgun', 'the timestamp is stale');
    if (!seen.first(`mailgun:${token}`, now().getTime())) return refuse(c, 'mailgun', 'the token was already used (replay)');
    const e = mailgunEvent(obj(body?.['event-data']), now());
    return record(c, 'mailgun', e ? [e] : []);
  });

  const user = deps.env[webhookEnv.postmarkUser];
  const password = deps.env[webhookEnv.postmarkPassword];
  // Half a login is a mistake, not a choice: the route would stay off without a word while Postmark's calls got 404s.
  if (Boolean(user) !== Boolean(password)) {
    const [set, unset] = user ? [webhookEnv.postmarkUser, webhookEnv.postmarkPassword] : [webhookEnv.postmarkPassword, webhookEnv.postmarkUser];
    throw new UsageError(
      `${set} is set but ${unset} is not, so /webhooks/postmark would stay off — set both (the login of Postmark's webhook URL, https://USER:PASSWORD@host/webhooks/postmark), or neither`,
    );
  }
  // Whoever logs in may bounce or unsubscribe any address: the password is as long as an admin token, and guessing is limited as there.
  if (password && password.length < minAdminTokenLength) {
    throw new UsageError(
      `${webhookEnv.postmarkPassword} is ${password.length} characters; use at least ${minAdminTokenLength} random ones (e.g. \`openssl rand -base64 30\`), in Postmark's webhook URL too: whoever has it can bounce any reader`,
    );
  }
  const wrongLogins = new SlidingWindowLimiter(wrongCredentialLimit);
  const clientOf = deps.clientOf ?? (() => 'any');
  if (user && password) app.post('/postmark', capped, async (c) => {
    const authorization = c.req.header('authorization') ?? '';
    const credentials = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(authorization)?.[1];
    const decoded = credentials ? Buffer.from(credentials, 'base64').toString('utf8') : '';
    // A client over its limit is refused even with the right login, so guessing cannot go on in parallel.
    const over = wrongLogins.peek(clientOf(c), now().getTime());
    if (!over.allowed) {
      c.header('Retry-After', String(over.retryAfterSeconds));
      logger?.warn({ provider: 'postmark', reason: 'too many wrong logins' }, 'webhook refused');
      return c.json({ error: 'rate_limited', message: 'too many wrong logins: wait and try again' }, 429);
    }
    if (!constantTimeEqual(decoded, `${user}:${password}`)) {
      // No login at all is no guess (a probe, a misconfigured URL): only a wrong one counts.
      if (credentials) wrongLogins.hit(clientOf(c), now().getTime());
      c.header('WWW-Authenticate', 'Basic realm="gazette webhooks"');
      return refuse(c, 'postmark', 'bad or missing basic auth');
    }
    const body = await readJson(c);
    if (!body) return c.json({ error: 'bad_request', message: 'the body is not JSON' }, 400);
    const e = postmarkEvent(body, now());
    return record(c, 'postmark', e ? [e] : []);
  });
  return app;
}
