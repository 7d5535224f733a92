// `publish` and `send` as library calls: what the commands and the daemon run. Each holds the store's run lease,
// so two processes never send from one database at once.
import { loadSiteConfig } from '../config/load.js';
import type { RuntimeOptions } from '../config/options.js';
import type { SiteConfig } from '../config/schema.js';
import { pingWebSub, type WebSubPing } from '../feeds/websub.js';
import { defaultLeaseTtlMs, leaseHolder, runLeaseName, withLease } from '../store/lease.js';
import type { BuildResult } from '../site/build.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { resolveSecret } from '../subscribers/tokens.js';
import { createTransport } from '../delivery/index.js';
import { sendPending, type DeliverySummary, type SendProgress } from '../delivery/send.js';
import { defaultDeliverySettings, type DeliverySettings } from '../delivery/settings.js';

/** How a run is driven from outside: a stop signal, progress, pace. */
export interface RunHooks {
  /** Stops taking rows; what is in flight finishes and is recorded. */
  signal?: AbortSignal;
  onProgress?: (progress: SendProgress) => void;
  settings?: DeliverySettings;
}

/** The digest a publish made. */
export interface DigestMade {
  number: number;
  articles: number;
  recipients: number;
}

/** What a publish or send did (SPEC `--json`: `digest` and `delivery`). */
export interface RunReport {
  /** The build of a publish; null for send. */
  build: BuildResult | null;
  /** The digest made by this run, or null (nothing new, or a send). */
  digest: DigestMade | null;
  delivery: DeliverySummary;
  /** Hub pings for the feeds that changed (publish with `feeds.websubHub`). */
  websub: WebSubPing[];
}

/** Delivers every pending row through the transport the options name (SMTP or outbox). */
export async function deliver(
  store: Store,
  options: RuntimeOptions,
  config: SiteConfig,
  hooks: RunHooks = {},
): Promise<DeliverySummary> {
  const settings = hooks.settings ?? defaultDeliverySettings;
  const transport = createTransport(options, settings);
  try {
    return await sendPending(store, transport, config, {
      secret: await resolveSecret(options.secret, store),
      settings,
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      ...(hooks.onProgress ? { onProgress: hooks.onProgress } : {}),
    });
  } finally {
    await transport.close();
  }
}

/**
 * Publishes on an open store whose run lease the caller holds (the daemon): builds feeds and pages, pings the
 * WebSub hub for changed feeds, makes a digest of what is new (none → no digest), writes the digests' web
 * archive and delivers what is pending.
 */
export async function publishWith(store: Store, options: RuntimeOptions, now: Date, hooks: RunHooks = {}): Promise<RunReport> {
  // Imported here so that `send` never loads the site builder and MJML it does not need.
  const [{ buildSite }, { makeDigest }, { writeStoredArchive }] = await Promise.all([
    import('../site/build.js'),
    import('../digest/make.js'),
    import('../digest/archive.js'),
  ]);
  const build = await buildSite(options, now);
  const { config } = build;
  const websub =
    config.feeds.websubHub !== null && build.changedFeeds.length > 0 ? await pingWebSub(config.feeds.websubHub, build.changedFeeds) : [];
  const record = await makeDigest(store, build.published, config, now);
  // The web archive goes up before delivery, so the "view in your browser" link works when the mail arrives.
  await writeStoredArchive(store, options.outDir, config);
  const digest = record
    ? { number: record.number, articles: record.articleSlugs.length, recipients: (await store.deliveryCounts(record.number)).pending }
    : null;
  return { build, digest, websub, delivery: await deliver(store, options, config, hooks) };
}

/** Sends what is pending on an open store whose run lease the caller holds. */
export async function sendWith(store: Store, options: RuntimeOptions, hooks: RunHooks = {}): Promise<RunReport> {
  const config = await loadSiteConfig(options.contentDir);
  return { build: null, digest: null, websub: [], delivery: await deliver(store, options, config, hooks) };
}

async function underLease(
  options: RuntimeOptions,
  hooks: RunHooks,
  work: (store: Store, hooks: RunHooks) => Promise<RunReport>,
): Promise<RunReport> {
  const store = await openStore(options);
  try {
    return await withLease(store, runLeaseName, leaseHolder(), defaultLeaseTtlMs, (signal) => work(store, { ...hooks, signal }), {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    });
  } finally {
    await store.close();
  }
}

/** `gazette publish`: opens the store, takes the run lease (BusyError when another process has it), publishes. */
export function publish(options: RuntimeOptions, now: Date, hooks: RunHooks = {}): Promise<RunReport> {
  return underLease(options, hooks, (store, held) => publishWith(store, options, now, held));
}

/** `gazette send`: opens the store, takes the run lease, delivers every row not confirmed sent. */
export function send(options: RuntimeOptions, hooks: RunHooks = {}): Promise<RunReport> {
  return underLease(options, hooks, (store, held) => sendWith(store, options, held));
}
