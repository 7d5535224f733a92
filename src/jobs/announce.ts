// WebSub pings for the feeds of an output folder that no hub has acknowledged yet (see unannouncedFile).
import { pingWebSub, readUnannounced, writeUnannounced, type WebSubPing } from '../feeds/websub.js';
import { lockOutDir, type LockHooks } from '../site/lock.js';

/**
 * Pings `hubUrl` for every feed of `outDir` whose last change no hub has acknowledged (written by this run's build, an
 * earlier `gazette build`, or a run whose ping failed), and forgets each one the hub took (2xx), or refused for good (a
 * 4xx but 408 and 429: asking again changes nothing, so it is reported once a change), unless a build changed it again
 * meanwhile; the others wait for the next run. The pings go out without the folder's lock (a hub may take seconds to
 * answer); the record is updated under it. Never throws, as pingWebSub: should the record not be updated (another
 * build holds the folder, a stop), the feeds are pinged again next time, which a hub takes as it takes any ping.
 */
export async function announceFeeds(outDir: string, hubUrl: string, hooks: LockHooks = {}, fetchImpl: typeof fetch = fetch): Promise<WebSubPing[]> {
  // A damaged record is mended by the next build (see recordChangedFeeds): this run has nothing it can name.
  const waiting = (await readUnannounced(outDir)) ?? new Map<string, number>();
  if (waiting.size === 0) return [];
  const pinged = await pingWebSub(hubUrl, [...waiting.keys()], fetchImpl);
  const taken = pinged.filter((ping) => ping.ok || refusedForGood(ping.status)).map((ping) => ping.feedUrl);
  if (taken.length > 0) await forgetAnnounced(outDir, waiting, taken, hooks).catch(() => undefined);
  return pinged;
}

/** Whether a hub's answer refuses a ping whatever the time: a 4xx but 408 (timeout) and 429 (too many requests). */
function refusedForGood(status: number | null): boolean {
  return status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** Forgets the feeds `taken` of those `waiting` as read before the pings, unless recorded again since. */
async function forgetAnnounced(outDir: string, waiting: ReadonlyMap<string, number>, taken: readonly string[], hooks: LockHooks): Promise<void> {
  const held = await lockOutDir(outDir, undefined, hooks);
  try {
    const now = await readUnannounced(outDir);
    // Damaged since: the next build mends it.
    if (now === null) return;
    // Recorded again since it was read: the hub may have fetched the feed before that change.
    for (const url of taken) if (now.get(url) === waiting.get(url)) now.delete(url);
    await writeUnannounced(outDir, now);
  } finally {
    await held.release();
  }
}
