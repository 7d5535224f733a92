// WebSub publisher side: tell the hub which feeds changed, so subscribers are pushed the news.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { clearingTheWay, writeFileAtomic } from '../files.js';

/** Outcome of one publish ping. */
export interface WebSubPing {
  feedUrl: string;
  ok: boolean;
  /** HTTP status, or null when the hub could not be reached. */
  status: number | null;
  error: string | null;
}

/**
 * Pings `hubUrl` once per changed feed (`hub.mode=publish`, `hub.url=<feed>`, form-encoded, as hubs expect).
 * Never throws: a hub that is down must not fail a publish, so each outcome is returned for the caller to report.
 */
export async function pingWebSub(
  hubUrl: string,
  feedUrls: readonly string[],
  fetchImpl: typeof fetch = fetch,
  timeoutMs = 10_000,
): Promise<WebSubPing[]> {
  return Promise.all(
    feedUrls.map(async (feedUrl): Promise<WebSubPing> => {
      try {
        const response = await fetchImpl(hubUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ 'hub.mode': 'publish', 'hub.url': feedUrl }).toString(),
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        return { feedUrl, ok: response.ok, status: response.status, error: response.ok ? null : response.statusText };
      } catch (error) {
        return { feedUrl, ok: false, status: null, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/**
 * The feeds of an output folder whose last change no hub has acknowledged yet, kept in the folder (hidden: never served)
 * between runs: a feed written by `gazette build`, or one whose ping failed, is announced by the next run that pings.
 */
export const unannouncedFile = '.gazette-websub.json';

/** Per feed URL, when it last changed (ms since the epoch), as `unannouncedFile` holds them; damaged entries are left out, a damaged file is null. */
export function parseUnannounced(text: string): Map<string, number> | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null;
  return new Map(Object.entries(data).filter((entry): entry is [string, number] => Number.isFinite(entry[1])));
}

/** The unannounced feeds of `outDir` (see unannouncedFile): none when the file is missing, null when it is damaged. */
export async function readUnannounced(outDir: string): Promise<Map<string, number> | null> {
  const text = await readFile(join(outDir, unannouncedFile), 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? null : ''));
  return text === null ? new Map() : parseUnannounced(text);
}

/** Writes the unannounced feeds of `outDir`; none removes the file. The caller holds the folder's build lock. */
export async function writeUnannounced(outDir: string, feeds: ReadonlyMap<string, number>): Promise<void> {
  const file = join(outDir, unannouncedFile);
  if (feeds.size === 0) await rm(file, { force: true, recursive: true });
  // Gazette's own file: a folder standing where it goes is damage, and goes.
  else await clearingTheWay(file, () => writeFileAtomic(file, `${JSON.stringify(Object.fromEntries(feeds))}\n`));
}

/**
 * Records `changed` feeds as changed at `at` and not yet announced, beside those still waiting that the site still has
 * (`current`): a feed gone since (an emptied section, another baseUrl) is no longer announced. A damaged record may
 * have held any of them: every current feed waits again (a hub takes a ping for an unchanged feed as any other). The
 * caller holds the folder's build lock.
 */
export async function recordChangedFeeds(outDir: string, changed: readonly string[], at: number, current: ReadonlySet<string>): Promise<void> {
  const read = await readUnannounced(outDir);
  const feeds = read ?? new Map([...current].map((url) => [url, at]));
  const before = read === null ? -1 : feeds.size;
  for (const url of feeds.keys()) if (!current.has(url)) feeds.delete(url);
  if (changed.length === 0 && feeds.size === before) return;
  for (const url of changed) feeds.set(url, at);
  await writeUnannounced(outDir, feeds);
}
