// The store interface: everything Gazette keeps between runs, one asynchronous contract for SQLite and PostgreSQL.
import type { DigestBlock } from '../digest/assemble.js';

/** Where a subscriber stands (SPEC "Commands"). */
export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';

/** Whether a reader of this status has left (unsubscribed, or an address that bounced): never mailed until they subscribe anew. */
export function hasLeft(status: SubscriberStatus): status is 'unsubscribed' | 'bounced' {
  return status === 'unsubscribed' || status === 'bounced';
}

/** Every subscriber status, in display order. */
export const subscriberStatuses: readonly SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced'];

/** One address on the list. */
export interface Subscriber {
  id: number;
  /** Random and opaque (32 hex digits): what links and Message-IDs carry instead of the sequential id. */
  publicId: string;
  /** As first given; uniqueness is case-insensitive. */
  email: string;
  name: string | null;
  status: SubscriberStatus;
  createdAt: Date;
  updatedAt: Date;
  /** Section keys the reader chose, in site order; empty: all sections. */
  sections: string[];
  /** Edition ids the reader chose; empty: the default edition. */
  editions: string[];
}

/** An address to add or update. */
export interface SubscriberInput {
  email: string;
  name: string | null;
  status: 'pending' | 'active';
  /** Replace the reader's choices; left out, a new reader gets all sections / the default edition and a known one keeps theirs. */
  sections?: readonly string[];
  editions?: readonly string[];
  /** When a new address was first added, as an export gives it (default: now); a known address keeps its own. */
  createdAt?: Date;
}

/** A reader's choices, as `setSubscriberChoices` stores them. */
export interface SubscriberChoices {
  sections: readonly string[];
  editions: readonly string[];
}

/** Which subscribers to list: by status, and readers of a section or an edition (as the digests choose them). */
export interface SubscriberFilter {
  status?: SubscriberStatus;
  /** A section key: readers of all sections and those who chose it. */
  section?: string;
  /** An edition id; `defaultEdition` says whether readers who never chose get it. */
  edition?: { id: string; defaultEdition: boolean };
}

/** The detail of the ledger row of a reader whose sections had nothing in a digest. */
export const nothingInSections = 'nothing new in their sections';

/** What adding an address did: `kept` means it had unsubscribed or bounced and was left that way. */
export type UpsertOutcome = 'added' | 'updated' | 'unchanged' | 'kept';

/** What a reader's own request to subscribe did: `added` a new pending address, or `requested` on a known one. */
export type SubscribeRequestOutcome = 'added' | 'requested';

/**
 * Where a confirmation link stands before it is followed: the newest request's and under 7 days old, or not:
 * `refused` when the reader unsubscribed after it was sent (their latest decision).
 */
export type ConfirmLinkState = 'current' | 'expired' | 'replaced' | 'refused';

/** What a confirmation link did; `expired`, `replaced` (a newer request's link is the one that works) and `refused` change nothing. */
export type ConfirmOutcome = 'confirmed' | 'already' | 'expired' | 'replaced' | 'refused' | 'unknown';

/** A digest as stored: rendered once, with per-reader placeholders, so `send` needs nothing else. */
export interface DigestRecord {
  /** The key of the digest in the ledger, across editions. */
  number: number;
  /** The edition it is an issue of, and its issue number there (for one edition, the same as `number`). */
  edition: string;
  issue: number;
  createdAt: Date;
  subject: string;
  html: string;
  text: string;
  /** Slugs of the articles it carries, in order. */
  articleSlugs: string[];
  /** What each reader's copy is assembled from (empty for a digest made before readers chose sections). */
  blocks: DigestBlock[];
}

/** A digest to store, with the articles it carries and those it passes over. */
export interface DigestInput {
  /** The next digest number, or the store refuses it. */
  number: number;
  /** Its edition; `issue` is the edition's next issue number (printed in it), or the store refuses it. */
  edition: string;
  issue: number;
  /** True for the default edition: readers who never chose an edition get it. */
  defaultEdition: boolean;
  blocks: readonly DigestBlock[];
  createdAt: Date;
  subject: string;
  html: string;
  text: string;
  carried: readonly string[];
  passedOver: readonly string[];
}

/** A delivery's state: `skipped` when the reader left before it was sent, or their sections had nothing new. */
export type DeliveryStatus = 'pending' | 'sent' | 'bounced' | 'failed' | 'skipped';

/** One ledger row still to send, with what is needed to address it. */
export interface PendingDelivery {
  digestNumber: number;
  subscriberId: number;
  /** The subscriber's opaque id, for the tokens and the Message-ID. */
  publicId: string;
  email: string;
  name: string | null;
  /** The reader's sections now (keys; empty: all). */
  sections: string[];
  /** The subscriber's status now: a row whose reader is no longer active is skipped, not sent. */
  subscriberStatus: SubscriberStatus;
  attempts: number;
}

/** What decides, just before a message goes out, whether it goes and what it holds. */
export interface ReaderState {
  status: SubscriberStatus;
  /** The reader's sections (keys; empty: all). */
  sections: string[];
}

/** The outcome of one delivery attempt. `retry` keeps the row pending and counts the attempt. */
export interface DeliveryOutcome {
  digestNumber: number;
  subscriberId: number;
  result: 'sent' | 'bounced' | 'failed' | 'skipped' | 'retry';
  /** The server's answer or the error, for the operator. */
  detail: string | null;
  at: Date;
}

/** Ledger rows by status. */
export type DeliveryCounts = Record<DeliveryStatus, number>;

/** Position after which to read the next page of pending rows. */
export interface DeliveryCursor {
  digestNumber: number;
  subscriberId: number;
}

/** What happened to a subscriber, as the journal records it. */
export type SubscriberEventKind =
  | 'subscribed'
  | 'requested'
  | 'confirmation_sent'
  | 'confirmed'
  | 'unsubscribed'
  | 'bounced'
  | 'soft_bounce'
  | 'complaint'
  | 'preferences'
  | 'imported';

/** One entry of the subscriber journal. */
export interface SubscriberEvent {
  id: number;
  subscriberId: number;
  at: Date;
  kind: SubscriberEventKind;
  /** Who or what made it happen: `cli`, `web`, `import`, `delivery`, a webhook's provider… */
  source: string;
  digestNumber: number | null;
  detail: string | null;
  /** Set by sources that may report one event twice; a second event with the same key is not recorded. */
  dedupeKey: string | null;
}

/** An event to append to the journal. */
export interface SubscriberEventInput {
  subscriberId: number;
  at: Date;
  kind: SubscriberEventKind;
  source: string;
  digestNumber?: number | null;
  detail?: string | null;
  dedupeKey?: string | null;
}

/** Why a status changes, recorded in the journal; the kind defaults to the one the new status implies. */
export interface StatusChange {
  kind?: SubscriberEventKind;
  source: string;
  detail?: string | null;
  digestNumber?: number | null;
}

/** Subscribers who joined on one UTC day (`YYYY-MM-DD`), by the status they have now. */
export interface JoinedDay {
  day: string;
  status: SubscriberStatus;
  count: number;
}

/** Subscribers who left on one UTC day, by how they left and the day they had joined. */
export interface DepartedDay {
  day: string;
  joinedDay: string;
  status: 'unsubscribed' | 'bounced';
  count: number;
}

/** A journal entry with the address it concerns, for the operator's list of recent events. */
export interface RecentEvent {
  at: Date;
  email: string;
  kind: SubscriberEventKind;
  source: string;
  detail: string | null;
}

/** Everything Gazette keeps between runs, on SQLite or PostgreSQL: every method is asynchronous. */
export interface Store {
  /** Returns the stored secret, storing `generate()` first when there is none. */
  getOrCreateSecret(generate: () => string): Promise<string>;
  /** A small named value (schedule state and the like), or null. */
  getState(key: string): Promise<string | null>;
  setState(key: string, value: string): Promise<void>;

  /**
   * Adds or updates one address the operator vouches for; an unsubscribed or bounced one is kept as it is. A
   * status change is journalled with `source` (default `gazette`).
   */
  upsertSubscriber(input: SubscriberInput, now: Date, options?: { source?: string }): Promise<{ subscriber: Subscriber; outcome: UpsertOutcome }>;
  /** Adds or updates many addresses in one transaction; never revives. Outcomes in input order; journalled as `imported`. */
  upsertSubscribers(inputs: readonly SubscriberInput[], now: Date, options?: { source?: string }): Promise<UpsertOutcome[]>;
  getSubscriber(id: number): Promise<Subscriber | null>;
  /** The status and sections of each of these subscribers that exists, as they are now (the send loop's last check). */
  readerStates(ids: readonly number[]): Promise<Map<number, ReaderState>>;
  findSubscriber(email: string): Promise<Subscriber | null>;
  /**
   * Sets a subscriber's status and journals why (`change`; default source `gazette`); returns the updated
   * subscriber, or null when there is no such id. Setting the status it already has changes and journals nothing.
   * Unsubscribing (again or not) voids the reader's pending request: its confirmation link no longer subscribes.
   */
  setSubscriberStatus(id: number, status: SubscriberStatus, now: Date, change?: StatusChange): Promise<Subscriber | null>;
  /** Subscribers in id order, read page by page so a large list never sits in memory. */
  listSubscribers(filter?: SubscriberFilter): AsyncIterable<Subscriber>;
  countSubscribers(): Promise<Record<SubscriberStatus, number>>;
  /** Readers who may still get digests (active or pending), by the editions they chose (ids; empty: never chose). */
  countByEditions(): Promise<{ editions: string[]; count: number }[]>;

  /** Appends an event to the journal; false (nothing stored) when its dedupe key was recorded before. */
  appendSubscriberEvent(event: SubscriberEventInput): Promise<boolean>;
  /** A subscriber's journal, newest first, at most `limit` entries. */
  subscriberEvents(subscriberId: number, limit: number): Promise<SubscriberEvent[]>;
  /** Every event at or after `since`, oldest first, read page by page. */
  subscriberEventsSince(since: Date): AsyncIterable<SubscriberEvent>;

  /** The list's movements since `since`, counted per day in the database: joins by current status, departures. */
  subscriberFlows(since: Date): Promise<{ joined: JoinedDay[]; departed: DepartedDay[] }>;
  /** The newest `limit` journal entries of the given kinds, with their addresses. */
  recentEvents(kinds: readonly SubscriberEventKind[], limit: number): Promise<RecentEvent[]>;
  /** Per digest with pending rows: how many are pending, sent in all, and sent at or after `since`. */
  sendingProgress(since: Date): Promise<{ digestNumber: number; pending: number; sent: number; sentSince: number }[]>;

  // Issue 12 (consent): a request to subscribe is recorded with its own nonce; only its link confirms.
  /** The subscriber with this public id, or null. */
  findSubscriberByPublicId(publicId: string): Promise<Subscriber | null>;
  /**
   * Records a reader's own request to subscribe and journals it (`requested`, with `detail`): a new address is
   * added as pending with the choices given; a known one keeps its status (an unsubscribed or bounced reader stays so
   * until the request is confirmed), its name and its choices. With `mail`, a confirmation goes out (journalled `confirmation_sent`, detail the
   * mailbox): the request's nonce, time and name are kept and replace any earlier request's, whose link then stops
   * working. Without it the earlier link stays as it was.
   */
  requestSubscription(
    input: { email: string; name: string | null } & Partial<SubscriberChoices>,
    now: Date,
    request: { source: string; detail: string | null; mail: { nonce: string; mailbox: string } | null },
  ): Promise<{ subscriber: Subscriber; outcome: SubscribeRequestOutcome }>;
  /**
   * Confirms the request whose nonce is `nonce`, if it is the newest one and was made after `notBefore`: the reader
   * becomes active with the name, sections and editions given in the request (journalled `confirmed`), and the nonce
   * is used up.
   */
  confirmSubscription(publicId: string, nonce: string, now: Date, notBefore: Date, source: string): Promise<ConfirmOutcome>;
  /** Where the link of request `nonce` of subscriber `id` stands, changing nothing (GET /confirm). */
  confirmState(id: number, nonce: string, notBefore: Date): Promise<ConfirmLinkState>;
  /**
   * The name, sections and editions subscriber `id` will have once their newest request is confirmed (what it asked
   * for, else what they have), so the confirm page can show them; null when there is no such subscriber.
   */
  readRequest(id: number): Promise<({ name: string | null } & SubscriberChoices) | null>;
  /** Confirmation mails journalled at or after `since`, to `mailbox` or to anyone (the caps count them). */
  countConfirmationMail(since: Date, mailbox?: string): Promise<number>;

  // Issue 14 (readers choose): a reader's choices, and digests per edition.
  /**
   * Replaces a subscriber's sections and editions and journals a `preferences` event (`source`, default
   * `gazette`); returns the updated subscriber, or null when there is no such id.
   */
  setSubscriberChoices(id: number, choices: SubscriberChoices, now: Date, source?: string): Promise<Subscriber | null>;
  /**
   * Replaces section keys in every reader's choices (and in their pending request's), old key → new, once each;
   * how many readers had one. For keys a change of the key rule moved (see formerSectionKeys).
   */
  renameSectionKeys(renames: ReadonlyMap<string, string>): Promise<number>;
  /** Slugs carried or passed over by any digest of the edition. */
  seenSlugs(edition: string): Promise<Set<string>>;
  /** The article ids edition `from` carried or passed over before `edition`'s first digest (all of them while it has none). */
  seenSlugsBefore(from: string, edition: string): Promise<Set<string>>;
  /** The number the next digest gets (its key across editions). */
  nextDigestNumber(): Promise<number>;
  /** The ids of the editions any digest was made for, site.json's or no longer. */
  mailedEditions(): Promise<string[]>;
  /** The issue number the next digest of the edition gets. */
  nextIssueNumber(edition: string): Promise<number>;
  /**
   * Stores a digest, its article slugs, and one ledger row per active reader of its edition, in one
   * transaction: pending when one of its articles is in the reader's sections, else skipped ("nothing new in
   * their sections"). Throws StoreError, storing nothing, when its number or issue is not the next one or a
   * slug was already in a digest of the edition (another process made a digest meanwhile).
   */
  createDigest(input: DigestInput): Promise<DigestRecord>;
  getDigest(number: number): Promise<DigestRecord | null>;
  /** Every digest, newest first, without the rendered bodies. */
  listDigests(): Promise<Omit<DigestRecord, 'html' | 'text'>[]>;

  /** Up to `limit` pending rows after `after`, in (digest, subscriber) order, with current subscriber status. */
  pendingDeliveries(limit: number, after?: DeliveryCursor): Promise<PendingDelivery[]>;
  /**
   * Claims up to `limit` pending rows nobody holds (or whose claim expired) for `holder` until now + ttlMs, in
   * (digest, subscriber) order, skipping rows another sender is claiming at this moment (PostgreSQL).
   */
  claimDeliveries(holder: string, limit: number, ttlMs: number, now: Date): Promise<PendingDelivery[]>;
  /**
   * Extends `holder`'s claims on rows still pending to now + ttlMs and returns how many it renewed; a row another
   * transaction is writing at that moment (its outcome being recorded) is passed over rather than waited for.
   */
  renewClaims(holder: string, ttlMs: number, now: Date): Promise<number>;
  /** Pending rows no other sender is working on: unclaimed, claims expired, or claimed by `holder`. */
  countUnclaimed(holder: string, now: Date): Promise<number>;
  /** Gives back `holder`'s claims on rows still pending. */
  releaseClaims(holder: string): Promise<void>;
  /**
   * Reserves the next slot of the named fleet-wide rate (one slot every `intervalMs`) and returns when it
   * starts (ms since the epoch): now when the rate is idle, else after every slot reserved before.
   */
  reserveRateSlot(name: string, intervalMs: number, now: Date): Promise<number>;
  /** Records outcomes in one transaction; `bounced` also marks the subscriber bounced (and journals it). */
  recordDeliveries(outcomes: readonly DeliveryOutcome[]): Promise<void>;
  /** Ledger rows by status, for one digest or all. */
  deliveryCounts(digestNumber?: number): Promise<DeliveryCounts>;

  /** Takes or renews the named lease for `holder` until now + ttlMs; false when another live holder has it. */
  acquireLease(name: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Gives the lease up if `holder` has it. */
  releaseLease(name: string, holder: string): Promise<void>;
  /** Who holds the named lease and until when (ms since the epoch), or null when nobody does. */
  getLease(name: string): Promise<{ holder: string; expiresAt: number } | null>;
  /** Moves the named lease from `from` to `holder` until now + ttlMs; false when `from` no longer holds it. */
  takeOverLease(name: string, from: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  /**
   * How far the database server's clock is at least ahead of this machine's, in ms (negative: behind), what the
   * round trip cannot explain; 0 on SQLite, which runs here.
   */
  clockOffsetMs(): Promise<number>;

  // Issue 11: the return path and stats.
  /**
   * Records a return-path report in one transaction: a bounce, complaint or unsubscribe ends the reader's
   * subscription (journalled with the report's dedupe key); a soft bounce is journalled and counted, and the
   * `softBounceLimit`th bounces the reader. Never revives anybody; a reader who already left is left alone.
   */
  recordReturnEvent(event: ReturnEventInput): Promise<ReturnEventOutcome>;
  /** Per digest, newest first: the `limit` (default 50) digests numbered below `before`. Aggregated in SQL. */
  digestStats(options?: { limit?: number; before?: number }): Promise<DigestStats[]>;
  /** The list's totals over every digest. */
  listTotals(): Promise<ListTotals>;
  /** Why each of these readers left (their last bounce, complaint or unsubscribe), for those who did. */
  leaveReasons(subscriberIds: readonly number[]): Promise<Map<number, LeaveReason>>;

  close(): Promise<void>;
}

// ---- Issue 11: the return path and stats ----

/** A return-path report about one reader (the inbound listener or an ESP webhook), for `recordReturnEvent`. */
export interface ReturnEventInput {
  /** `soft_bounce` is counted; the others end the subscription (`complaint` as `unsubscribed`). */
  kind: 'bounced' | 'soft_bounce' | 'complaint' | 'unsubscribed';
  /** `inbound`, `mailto`, or the webhook's provider (`ses`, `mailgun`, `postmark`). */
  source: string;
  /** By id (a verified token) or, from an authenticated webhook, by address. */
  reader: { subscriberId: number } | { email: string };
  digestNumber: number | null;
  /** The status and the remote server's words, the feedback type, or null. */
  detail: string | null;
  /** The same report twice has the same key and counts once. */
  dedupeKey: string;
  at: Date;
}

/**
 * What recording a return-path event did: the reader `bounced` or `unsubscribed`; a soft bounce `counted`;
 * or nothing, because the report was seen before (`duplicate`), the reader had already left (`already-left`)
 * or is not on the list (`unknown-reader`).
 */
export type ReturnEventOutcome = 'bounced' | 'unsubscribed' | 'counted' | 'duplicate' | 'already-left' | 'unknown-reader';

/** This many soft bounces within this many days (since the reader last joined) make the reader bounced. */
export const softBounceLimit = { count: 3, withinDays: 30 } as const;

/** One digest's numbers, for `gazette stats` and the dashboard. */
export interface DigestStats {
  number: number;
  createdAt: Date;
  subject: string;
  /** Ledger rows: the readers who were active when it was made. */
  recipients: number;
  sent: number;
  /** Refused with a 5xx during the send (the ledger's `bounced`). */
  bouncedDuringSend: number;
  /** Bounced by a report that came back later (a DSN or webhook naming this digest, or 3 soft bounces). */
  bouncedAfter: number;
  softBounces: number;
  complaints: number;
  /** Unsubscribes (link, mailto, webhook, CLI) from this digest's send until the next digest. */
  unsubscribedSince: number;
  failed: number;
  pending: number;
  skipped: number;
}

/** The whole list's numbers: subscribers by status, and every digest's counts added up. */
export interface ListTotals {
  subscribers: Record<SubscriberStatus, number>;
  digests: number;
  recipients: number;
  sent: number;
  bouncedDuringSend: number;
  bouncedAfter: number;
  softBounces: number;
  complaints: number;
  unsubscribed: number;
  failed: number;
  pending: number;
}

/** Why a reader left: the journal entry that last bounced or unsubscribed them. */
export interface LeaveReason {
  kind: SubscriberEventKind;
  source: string;
  detail: string | null;
  digestNumber: number | null;
  at: Date;
}
