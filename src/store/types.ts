// The store interface: everything Gazette keeps between runs, one asynchronous contract for SQLite and PostgreSQL.

/** Where a subscriber stands (SPEC "Commands"). */
export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'bounced';

/** Every subscriber status, in display order. */
export const subscriberStatuses: readonly SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'bounced'];

/** One address on the list. */
export interface Subscriber {
  id: number;
  /** As first given; uniqueness is case-insensitive. */
  email: string;
  name: string | null;
  status: SubscriberStatus;
  createdAt: Date;
  updatedAt: Date;
}

/** An address to add or update. */
export interface SubscriberInput {
  email: string;
  name: string | null;
  status: 'pending' | 'active';
}

/** What adding an address did: `kept` means it had unsubscribed or bounced and was left that way. */
export type UpsertOutcome = 'added' | 'updated' | 'unchanged' | 'kept';

/** A digest as stored: rendered once, with per-reader placeholders, so `send` needs nothing else. */
export interface DigestRecord {
  number: number;
  createdAt: Date;
  subject: string;
  html: string;
  text: string;
  /** Slugs of the articles it carries, in order. */
  articleSlugs: string[];
}

/** A digest to store, with the articles it carries and those it passes over. */
export interface DigestInput {
  /** The issue number printed in it: the next one, or the store refuses it. */
  number: number;
  createdAt: Date;
  subject: string;
  html: string;
  text: string;
  carried: readonly string[];
  passedOver: readonly string[];
}

/** A delivery's state: `skipped` when the reader left before it was sent. */
export type DeliveryStatus = 'pending' | 'sent' | 'bounced' | 'failed' | 'skipped';

/** One ledger row still to send, with what is needed to address it. */
export interface PendingDelivery {
  digestNumber: number;
  subscriberId: number;
  email: string;
  name: string | null;
  /** The subscriber's status now: a row whose reader is no longer active is skipped, not sent. */
  subscriberStatus: SubscriberStatus;
  attempts: number;
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
   * Adds or updates one address; `revive` lets a new opt-in bring back an unsubscribed or bounced one. A
   * status change is journalled with `source` (default `gazette`).
   */
  upsertSubscriber(
    input: SubscriberInput,
    now: Date,
    options?: { revive?: boolean; source?: string },
  ): Promise<{ subscriber: Subscriber; outcome: UpsertOutcome }>;
  /** Adds or updates many addresses in one transaction; never revives. Outcomes in input order; journalled as `imported`. */
  upsertSubscribers(inputs: readonly SubscriberInput[], now: Date, options?: { source?: string }): Promise<UpsertOutcome[]>;
  getSubscriber(id: number): Promise<Subscriber | null>;
  findSubscriber(email: string): Promise<Subscriber | null>;
  /**
   * Sets a subscriber's status and journals why (`change`; default source `gazette`); returns the updated
   * subscriber, or null when there is no such id. Setting the status it already has changes and journals nothing.
   */
  setSubscriberStatus(id: number, status: SubscriberStatus, now: Date, change?: StatusChange): Promise<Subscriber | null>;
  /** Subscribers in id order, read page by page so a large list never sits in memory. */
  listSubscribers(filter?: { status?: SubscriberStatus }): AsyncIterable<Subscriber>;
  countSubscribers(): Promise<Record<SubscriberStatus, number>>;

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

  /** Slugs carried or passed over by any digest. */
  seenSlugs(): Promise<Set<string>>;
  /** The number the next digest gets. */
  nextDigestNumber(): Promise<number>;
  /**
   * Stores a digest, its article slugs, and one pending ledger row per active subscriber, in one
   * transaction. Throws StoreError, storing nothing, when its number is not the next one or a slug was
   * already in a digest (another process made a digest meanwhile).
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
  /** Extends `holder`'s claims on rows still pending to now + ttlMs; returns how many it holds. */
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
