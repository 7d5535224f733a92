// What other newsletter tools' exports say about a reader, so an import from Mailchimp, Substack, Ghost, Buttondown,
// listmonk, Keila, Kit or Beehiiv never mails someone who left there: their columns for the address and the name, and
// every column that tells whether the reader may be mailed, read into Gazette's four statuses.
import { hasLeft, type SubscriberStatus } from '../store/types.js';

/**
 * A header cell as compared here: words of camelCase apart, lower case, runs of spaces, `_`, `-` and `?` one space
 * (`Email_Address` → `email address`, `HasOptedOutOfEmail` → `has opted out of email`).
 */
export function columnKey(cell: string): string {
  return cell
    .trim()
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .toLowerCase()
    .replace(/[\s_?-]+/g, ' ')
    .trim();
}

/** Names of the address column: Gazette's own, Mailchimp's `Email Address`, Buttondown's and Kit's `email_address`. */
export const emailColumns = ['email', 'email address', 'e mail', 'e mail address'];

/** Columns that together make the name when there is no `name` column (Mailchimp, Keila, Kit, Beehiiv). */
export const firstNameColumns = ['first name', 'firstname', 'given name'];
export const lastNameColumns = ['last name', 'lastname', 'surname', 'family name'];

/** Columns that hold the whole name, read as `name` when there is no column of that name (`Full Name`, `Display Name`). */
export const fullNameColumns = ['full name', 'fullname', 'display name', 'contact name', 'subscriber name'];

/**
 * A status word of another tool (a cell, as `columnKey` gives it) and what it is in Gazette. Whatever means the reader
 * must not be mailed is `unsubscribed` or `bounced`; a word one tool uses for "not confirmed" and another for "left"
 * (`inactive`: Kit, Beehiiv) counts as left.
 */
const statusWords = new Map<string, SubscriberStatus>([
  ...[
    'active',
    'subscribed',
    'enabled',
    'confirmed',
    'regular',
    'premium',
    'gifted',
    'trialed',
    'trialing',
    'churning',
    'cold',
    'opted in',
    'opt in',
    'past due',
    'unpaid',
    'paused',
    'explicit',
    'implicit',
  ].map((w) => [w, 'active']),
  ...['pending', 'unconfirmed', 'unactivated', 'not confirmed', 'awaiting confirmation', 'validating', 'not set'].map((w) => [w, 'pending']),
  ...[
    'unsubscribed',
    'cancelled',
    'canceled',
    'blocklisted',
    'blacklisted',
    'blocked',
    'removed',
    'deleted',
    'complained',
    'spammy',
    'spam',
    'marked as spam',
    'disabled',
    'inactive',
    'opted out',
    'opt out',
    'optout',
    'suppressed',
    'never subscribed',
    'junk',
    'spam complaint',
    'do not mail',
  ].map((w) => [w, 'unsubscribed']),
  ...['bounced', 'cleaned', 'undeliverable', 'unreachable', 'hard bounce', 'hard bounced', 'hardbounce', 'soft bounce', 'soft bounced', 'temp hold'].map((w) => [w, 'bounced']),
] as [string, SubscriberStatus][]);

/** The words a status column may hold, for a hint. */
export const statusWordList = 'active, pending, unsubscribed or bounced (or another tool\'s word for one of them, e.g. subscribed, unconfirmed, cleaned, blocklisted)';

const truthy = new Set(['true', 'yes', 'y', '1', 't', 'x']);
const falsy = new Set(['false', 'no', 'n', '0', 'f']);

/**
 * A date or time, as tools write when something happened (`2024-03-01 10:00`, `Jan 5, 2024`, a Unix time): MailerLite's
 * `Subscribed` and `Unsubscribed` hold one. Any value with a digit but `0` and `1` (yes and no) is taken for one.
 */
const isDate = (cell: string): boolean => /\d/.test(cell) && !/^[01]$/.test(cell.trim());

/** How one column tells a reader's status: what a cell (as written) says, or `null` for nothing, or `unknown`. */
export type Reading = (cell: string) => SubscriberStatus | null | 'unknown';

/** A status word, as written in any case, with `_`, `-` or spaces. */
const word: Reading = (cell) => {
  const key = columnKey(cell);
  return key === '' ? null : (statusWords.get(key) ?? 'unknown');
};

/** Words that say a reader must not be mailed, in a status no table here knows (`Spam Complaint`, `do_not_mail`, `junk`). */
const leaveWords = /junk|spam|complain|abuse|bounc|invalid|undeliver|do not|unsub|opt ?out|block|black|suppress|no permission|held|deleted|cancel/;

/**
 * A column whose name other exports use for something else too (`state`: Kit's subscription state, a CRM's US state;
 * `type`; a list cleaner's `email status`: valid, invalid): a status word says what it says, a word of leaving no
 * table knows rejects the line, any other value says nothing.
 */
const wordIfAny: Reading = (cell) => {
  const key = columnKey(cell);
  return statusWords.get(key) ?? (leaveWords.test(key) ? 'unknown' : null);
};

/** A yes/no column that is yes, or the date it happened, when the reader left (`email_disabled`, `unsubscribed`, `do_not_email`). */
const yesMeans =
  (status: SubscriberStatus): Reading =>
  (cell) => {
    const key = columnKey(cell);
    return key === '' || falsy.has(key) ? null : truthy.has(key) || isDate(cell) ? status : 'unknown';
  };

/** A yes/no column that is no when the reader left (Ghost's `subscribed_to_emails`); a date (when they subscribed) says nothing. */
const noMeansLeft: Reading = (cell) => {
  const key = columnKey(cell);
  return key === '' || truthy.has(key) || isDate(cell) ? null : falsy.has(key) ? 'unsubscribed' : 'unknown';
};

/** A column whose any value (a time) means the reader left (Mailchimp's `UNSUB_TIME`, `CLEAN_TIME`; Ghost's `deleted_at`). */
const filledMeans =
  (status: SubscriberStatus): Reading =>
  (cell) =>
    cell.trim() === '' ? null : status;

/** Every column Gazette reads a status from, by its `columnKey`, and how its cells read. */
const statusColumns: Record<string, Reading> = {
  status: word,
  state: wordIfAny, // Kit
  type: wordIfAny, // Buttondown
  'email status': wordIfAny,
  'email marketing consent': word, // Klaviyo
  'email permission status': word, // Constant Contact
  'marketing status': word,
  'subscriber type': word, // Buttondown
  'subscriber status': word,
  'subscriber state': word,
  'subscription status': word,
  'subscription state': word,
  'member status': word,
  'membership status': word,
  'list status': word,
  'contact status': word,
  'newsletter status': word,
  'opt in status': word,
  'optin status': word,
  'email disabled': yesMeans('unsubscribed'), // Substack
  'unsubscribed from all email': yesMeans('unsubscribed'), // HubSpot
  'has opted out of email': yesMeans('unsubscribed'), // Salesforce
  'opted out of email': yesMeans('unsubscribed'),
  'email blacklisted': yesMeans('unsubscribed'), // Brevo
  'email blocklisted': yesMeans('unsubscribed'),
  'is unsubscribed': yesMeans('unsubscribed'),
  'global unsubscribe': yesMeans('unsubscribed'),
  unsubscribed: yesMeans('unsubscribed'),
  'opted out': yesMeans('unsubscribed'),
  'opt out': yesMeans('unsubscribed'),
  optout: yesMeans('unsubscribed'),
  'email opt out': yesMeans('unsubscribed'),
  'do not email': yesMeans('unsubscribed'),
  'do not mail': yesMeans('unsubscribed'),
  donotemail: yesMeans('unsubscribed'),
  blocklisted: yesMeans('unsubscribed'),
  blacklisted: yesMeans('unsubscribed'),
  suppressed: yesMeans('unsubscribed'),
  bounced: yesMeans('bounced'),
  subscribed: noMeansLeft,
  'is subscribed': noMeansLeft,
  'subscribed to emails': noMeansLeft, // Ghost
  'email subscribed': noMeansLeft,
  'accepts email marketing': noMeansLeft, // Shopify
  'accepts marketing': noMeansLeft,
  'email opt in': noMeansLeft,
  'marketing opt in': noMeansLeft,
  'unsub time': filledMeans('unsubscribed'), // Mailchimp's unsubscribed export
  'unsubscribed at': filledMeans('unsubscribed'),
  'unsubscribed on': filledMeans('unsubscribed'),
  'unsubscribe date': filledMeans('unsubscribed'),
  'unsubscribed date': filledMeans('unsubscribed'),
  'clean time': filledMeans('bounced'), // Mailchimp's cleaned export
  'bounced at': filledMeans('bounced'),
  'deleted at': filledMeans('unsubscribed'), // Ghost
  'date deleted': filledMeans('unsubscribed'),
};

/**
 * A column, not read, whose name says it may tell who left (`Bounce Count`, `Email hard bounce reason`, `Consent`):
 * the import stops rather than ignore it.
 */
export const mayTellWhoLeft = /unsub|opt ?out|opted|bounc|block ?list|black ?list|suppress|complain|spam|consent|do not (?:e ?)?mail|permission|deleted/;

/**
 * Columns that name one of those words but only say more of a status read elsewhere (Mailchimp's `UNSUB_REASON` beside
 * `UNSUB_TIME`), or of another channel (`SMS Consent`).
 */
export const saysMoreOf = /^(?:unsub|clean) (?:campaign title|campaign id|reason|reason other)$|\bsms\b/;

/**
 * A column (by its whole `columnKey`) that asks whether a reader may be mailed (`Active`, `Newsletter`, `Can Email`): a
 * no there says they left. Whole names only: Substack's `active_subscription` is a paid plan, false for free readers.
 */
const asksToMail = /^(?:active|enabled|opt ?in|opted in|newsletter|subscription|subscribed to newsletter|(?:email )?marketing(?: emails?)?|mailing list|can (?:e ?)?mail|(?:email )?consent)$/;

/** A column (by its whole `columnKey`) that forbids mailing (`Do Not Contact`, `Blocked`): a yes there says the reader left. */
const forbidsMail = /^(?:do not contact|dont contact|dont (?:e ?)?mail|blocked|no (?:e ?)?mail)$/;

/**
 * Whether a cell of a column Gazette does not read says its reader left: a status word of leaving (`Unsubscribed`,
 * `Cleaned`, `Never subscribed`), a no under a column that asks whether to mail (`Active: FALSE`), or a yes under one
 * that forbids it (`Do Not Contact: Yes`). Such a row is rejected rather than imported as active past a column that
 * may say otherwise.
 */
export function unreadSaysLeft(key: string, cell: string): boolean {
  const value = columnKey(cell);
  if (value === '') return false;
  const status = statusWords.get(value);
  return (status !== undefined && hasLeft(status)) || (asksToMail.test(key) && falsy.has(value)) || (forbidsMail.test(key) && truthy.has(value));
}

/** How Gazette reads a status from a column of this `columnKey`, or undefined: it does not. */
export function statusReading(key: string): Reading | undefined {
  return Object.hasOwn(statusColumns, key) ? statusColumns[key] : undefined;
}

/** Gazette's statuses, the ones that stop mail first: an opt-out is a reader's decision, and is recorded as such. */
const precedence: readonly SubscriberStatus[] = ['unsubscribed', 'bounced', 'pending', 'active'];

/** What a row's status columns say together: the first of `precedence` any of them says (null: none says anything). */
export type RowStatus = { status: SubscriberStatus | null } | { unknown: { column: string; value: string } };

/**
 * Reads a row's status from its status columns (`columns`: index, header cell as written, and its statusReading). A
 * cell none of its words fits is `unknown`, named with its column: the row is not guessed at.
 */
export function readRowStatus(fields: readonly string[], columns: readonly { index: number; cell: string; read: Reading }[]): RowStatus {
  let found: SubscriberStatus | null = null;
  for (const { index, cell, read } of columns) {
    const value = fields[index] ?? '';
    const reading = read(value);
    if (reading === 'unknown') return { unknown: { column: cell, value } };
    if (reading !== null && (found === null || precedence.indexOf(reading) < precedence.indexOf(found))) found = reading;
  }
  return { status: found };
}
