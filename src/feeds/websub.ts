// WebSub publisher side: tell the hub which feeds changed, so subscribers are pushed the news.

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
