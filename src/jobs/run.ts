// `publish` and `send` as library calls: what the commands and the daemon run. On SQLite each holds the store's
// run lease, so two processes never send from one database at once. On PostgreSQL any number of senders work one
// ledger together: rows are claimed (store/lease.ts withClaims), and only the digest is made under the lease.
import { join } from 'node:path';
import { loadSiteConfig } from '../config/load.js';
import type { RuntimeOptions } from '../config/options.js';
import { editionsOf } from '../config/editions.js';
import { BusyError, InputError, type Problem } from '../errors.js';
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import type { WebSubPing } from '../feeds/websub.js';
import { announceFeeds } from './announce.js';
import { holderId } from '../processes.js';
import { defaultClaimTtlMs, defaultLeaseTtlMs, Lease, runLeaseName, withClaims, withLease } from '../store/lease.js';
import type { BuildResult } from '../site/build.js';
import type { LockHooks } from '../site/lock.js';
import { isPostgresUrl, openExistingStore, openStore } from '../store/index.js';
import type { DigestRecord, Store } from '../store/types.js';
import type { EmailThread } from '../digest/render-thread.js';
import { formerSectionKeys } from '../subscribers/choices.js';
import { readUnknownEditions } from '../subscribers/known.js';
import { resolveSecret } from '../subscribers/tokens.js';
import { createTransport, dkimAlignmentWarning } from '../delivery/index.js';
import type { Transport } from '../delivery/transport.js';
import { sendPending, type DeliverySummary, type SendProgress } from '../delivery/send.js';
import { defaultDeliverySettings, type DeliverySettings } from '../delivery/settings.js';

/** How a run is driven from outside: a stop signal, progress, pace. */
export interface RunHooks {
  /** Stops taking rows; what is in flight finishes and is recorded. */
  signal?: AbortSignal;
  onProgress?: (progress: SendProgress) => void;
  settings?: DeliverySettings;
  /** The editions a publish makes digests of (ids, resolved); all of them when left out. */
  editions?: readonly string[];
  /** A publish's email render thread, started early by the caller (run-worker.ts); else the publish starts one. */
  emailThread?: EmailThread;
  /** Hears the build's lock on the output folder as it is taken and given up (see LockHooks). */
  onBuildLock?: LockHooks['onLock'];
  /** Hears, once, that the build waits for another build's lock on the output folder (see LockHooks). */
  onBuildWait?: LockHooks['onWait'];
}

/** A digest a publish made: its issue number in its edition, its articles, and the readers it goes to. */
export interface DigestMade {
  number: number;
  edition: string;
  articles: number;
  recipients: number;
  /** Readers whose sections had nothing in it: their rows were settled as skipped when it was made, and no send counts them. */
  nothingInSections: number;
}

/** What a publish or send did (SPEC `--json`: `digest` and `delivery`). */
export interface RunReport {
  /** The build of a publish; null for send. */
  build: BuildResult | null;
  /** The (first) digest made by this run, or null (nothing new, or a send). */
  digest: DigestMade | null;
  /** Every digest made by this run, one per edition with something new. */
  digests: DigestMade[];
  delivery: DeliverySummary;
  /** Hub pings for the feeds that changed (publish with `feeds.websubHub`). */
  websub: WebSubPing[];
  /** What the sending setup should mend but did not stop (a DKIM signature for another organization's domain). */
  warnings: Problem[];
}

/** Delivers every pending row through the transport the options name (SMTP or outbox), or `made` earlier; closes it. */
export async function deliver(
  store: Store,
  options: RuntimeOptions,
  config: SiteConfig,
  hooks: RunHooks = {},
  made?: Transport,
): Promise<DeliverySummary> {
  const settings = hooks.settings ?? defaultDeliverySettings;
  const transport = made ?? createTransport(options, settings);
  try {
    const run = {
      secret: await resolveSecret(options.secret, store),
      settings,
      fleetRate: config.newsletter.rate,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    };
    if (!cooperative(options)) return await sendPending(store, transport, config, run);
    const ttlMs = settings.claimSeconds === undefined ? defaultClaimTtlMs : settings.claimSeconds * 1000;
    return await withClaims(store, holderId(), ttlMs, ({ claim, pending, signal }) =>
      sendPending(store, transport, config, { ...run, claim, pending, signal: hooks.signal ? AbortSignal.any([hooks.signal, signal]) : signal }),
    );
  } finally {
    await transport.close();
  }
}

/**
 * Publishes on an open store whose run lease the caller holds (the daemon): builds feeds and pages, pings the
 * WebSub hub for changed feeds, makes a digest of what is new for each edition (`hooks.editions`, default all;
 * none new → no digest), writes the digests' web archive and delivers what is pending.
 */
export function publishWith(store: Store, options: RuntimeOptions, now: Date, hooks: RunHooks = {}): Promise<RunReport> {
  return publishOn(store, options, now, hooks, (make) => make());
}

/** On PostgreSQL, senders share the ledger (claims) instead of taking turns under the run lease. */
export function cooperative(options: RuntimeOptions): boolean {
  return isPostgresUrl(options.dbPath);
}

/** The keys a state value lists as JSON; none when it is missing or damaged. */
function readKeys(text: string | null): string[] {
  try {
    const keys: unknown = JSON.parse(text ?? '[]');
    return Array.isArray(keys) ? keys.filter((key): key is string => typeof key === 'string') : [];
  } catch {
    return [];
  }
}

/** The state key of the former section keys moved already (see moveFormerSectionKeys). */
const movedSectionKeys = 'section-keys-moved';

/**
 * Moves readers' choices kept under a section's former key to its key now (see formerSectionKeys), once a key: the
 * label keeps its spelling, so each publish would find the key again, and scan the list under the writer's lock.
 */
async function moveFormerSectionKeys(store: Store, loaded: readonly Article[]): Promise<void> {
  const renames = formerSectionKeys(loaded);
  if (renames.size === 0) return;
  const moved = new Set(readKeys(await store.getState(movedSectionKeys)));
  for (const key of moved) renames.delete(key);
  if (renames.size === 0) return;
  await store.renameSectionKeys(renames);
  await store.setState(movedSectionKeys, JSON.stringify([...moved, ...renames.keys()]));
}

/** Makes the digest only if the run lease is free: another process holding it is making this digest. */
async function underLeaseIfFree(store: Store, make: () => Promise<DigestRecord | null>): Promise<DigestRecord | null> {
  const lease = new Lease(store, runLeaseName, holderId());
  if (!(await lease.acquire())) return null;
  try {
    return await make();
  } finally {
    await lease.release();
  }
}

async function publishOn(
  store: Store,
  options: RuntimeOptions,
  now: Date,
  hooks: RunHooks,
  gate: (make: () => Promise<DigestRecord | null>) => Promise<DigestRecord | null>,
): Promise<RunReport> {
  // Imported here so that `send` never loads the site builder and MJML it does not need.
  const [{ buildSite }, { lockOutDir }, { makeDigest }, { writeStoredArchive }, { startEmailThread }] = await Promise.all([
    import('../site/build.js'),
    import('../site/lock.js'),
    import('../digest/make.js'),
    import('../digest/archive.js'),
    import('../digest/render-thread.js'),
  ]);
  // Made before anything is built, recorded or started: a bad DKIM key is a setup error then, not after a digest that
  // waits, and leaves no MJML thread behind.
  const transport = createTransport(options, hooks.settings ?? defaultDeliverySettings);
  // MJML renders on a thread that ends before delivery (the send does not carry its tens of MB), and loads there
  // while this thread builds.
  const mjml = hooks.emailThread ?? startEmailThread();
  mjml.warm();
  const made = async (): Promise<{ build: BuildResult; digests: DigestMade[]; websub: WebSubPing[] }> => {
    const built = await buildSite(options, now, { signal: hooks.signal, onLock: hooks.onBuildLock, onWait: hooks.onBuildWait });
    const { config } = built;
    const orphans = await readUnknownEditions(store, config, options.contentDir);
    // Before the digests choose their readers: choices kept under a section's former key are its readers too.
    await moveFormerSectionKeys(store, built.loaded);
    const build = orphans === null ? built : { ...built, warnings: [...built.warnings, orphans] };
    const websub =
      config.feeds.websubHub !== null ? await announceFeeds(options.outDir, config.feeds.websubHub, { signal: hooks.signal, onLock: hooks.onBuildLock, onWait: hooks.onBuildWait }) : [];
    const digests: DigestMade[] = [];
    for (const edition of editionsOf(config).filter((e) => hooks.editions?.includes(e.id) ?? true)) {
      // A stop (Ctrl-C, SIGTERM) before a digest is made makes none: its articles would be used up for a send that
      // was asked not to happen. Digests made before the stop are sent as usual (their rows are the ledger's).
      if (hooks.signal?.aborted) {
        if (digests.length > 0) break;
        throw new BusyError('stopped (Ctrl-C or SIGTERM) after the build, before any digest was made: nothing was recorded or sent — publish again');
      }
      const record = await gate(() => makeDigest(store, build.published, config, now, edition, mjml.render));
      if (record) {
        const { pending, skipped } = await store.deliveryCounts(record.number);
        digests.push({ number: record.issue, edition: record.edition, articles: record.articleSlugs.length, recipients: pending, nothingInSections: skipped });
      }
    }
    // The web archive goes up before delivery, so the "view in your browser" link works when the mail arrives.
    // Under the build lock, as every write into the output folder: a build that found its own archive page there (no
    // digest yet) writes it again, and must not do so over the archive written since it looked.
    const held = await lockOutDir(options.outDir, undefined, { onLock: hooks.onBuildLock, onWait: hooks.onBuildWait });
    try {
      await writeStoredArchive(store, options.outDir, config, mjml.render);
    } finally {
      await held.release();
    }
    return { build, digests, websub };
  };
  const { build, digests, websub } = await made()
    .finally(() => mjml.close())
    .catch(async (error: unknown) => {
      await transport.close();
      throw error;
    });
  const delivery = await deliver(store, options, build.config, hooks, transport);
  // The daemon's schedules are those of site.json when it started, yet each run reads it again: a run of an
  // edition it no longer has made nothing (what was pending is sent all the same) and fails, saying what to do.
  const gone = (hooks.editions ?? []).filter((id) => !editionsOf(build.config).some((e) => e.id === id));
  if (gone.length > 0) {
    throw new InputError('E_CONFIG', [
      {
        path: join(options.contentDir, 'site.json'),
        message: `newsletter.editions: no edition "${gone.join('", "')}" any more, yet a schedule of it ran: nothing was made for it`,
        hint: 'restart the daemon to take up the editions site.json names now',
      },
    ]);
  }
  return { build, digest: digests[0] ?? null, digests, websub, delivery, warnings: setupWarnings(options, build.config) };
}

/** The sending setup's warnings (see RunReport): a send reports them as a publish does. */
function setupWarnings(options: RuntimeOptions, config: SiteConfig): Problem[] {
  const misaligned = dkimAlignmentWarning(options.dkim, config.newsletter.from);
  return misaligned === null ? [] : [misaligned];
}

/** Sends what is pending on an open store whose run lease the caller holds. */
export async function sendWith(store: Store, options: RuntimeOptions, hooks: RunHooks = {}): Promise<RunReport> {
  const config = await loadSiteConfig(options.contentDir);
  return { build: null, digest: null, digests: [], websub: [], delivery: await deliver(store, options, config, hooks), warnings: setupWarnings(options, config) };
}

async function underLease(
  options: RuntimeOptions,
  hooks: RunHooks,
  work: (store: Store, hooks: RunHooks) => Promise<RunReport>,
  open = openStore,
): Promise<RunReport> {
  const store = await open(options);
  try {
    return await withLease(store, runLeaseName, holderId(), defaultLeaseTtlMs, (signal) => work(store, { ...hooks, signal }), {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
  } finally {
    await store.close();
  }
}

/** Opens the store and runs `work` on it, with no lease: PostgreSQL's cooperative senders. */
async function together(options: RuntimeOptions, work: (store: Store) => Promise<RunReport>, open = openStore): Promise<RunReport> {
  const store = await open(options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/**
 * `gazette publish`: on SQLite takes the run lease (BusyError when another process has it) and publishes; on
 * PostgreSQL builds, makes the digest unless another process holds the lease (it is making it), and sends
 * together with every other sender.
 */
export function publish(options: RuntimeOptions, now: Date, hooks: RunHooks = {}): Promise<RunReport> {
  if (cooperative(options)) return together(options, (store) => publishOn(store, options, now, hooks, (make) => underLeaseIfFree(store, make)));
  return underLease(options, hooks, (store, held) => publishWith(store, options, now, held));
}

/**
 * `gazette send`: delivers every row not confirmed sent; on SQLite under the run lease, on PostgreSQL together
 * with any other senders, until nothing is left to claim. A SQLite file that is not there is refused (a mistyped
 * `--db` would make an empty one, and say there is nothing to deliver while the real one waits).
 */
export function send(options: RuntimeOptions, hooks: RunHooks = {}): Promise<RunReport> {
  if (cooperative(options)) return together(options, (store) => sendWith(store, options, hooks), openExistingStore);
  return underLease(options, hooks, (store, held) => sendWith(store, options, held), openExistingStore);
}
