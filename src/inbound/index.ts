// The return path as the commands start it: the listener over the store, when `newsletter.returnPath` is set.
import type { SiteConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { startInboundListener, type RunningInbound } from './listener.js';

export { startInboundListener, type RunningInbound } from './listener.js';

/** Starts the inbound listener recording into `store`, or returns null when the site has no return path. */
export async function startReturnPath(deps: { store: Store; config: SiteConfig; secret: string; logger: Logger; port: number }): Promise<RunningInbound | null> {
  const { returnPath } = deps.config.newsletter;
  if (!returnPath) return null;
  return startInboundListener({
    returnPath,
    secret: deps.secret,
    logger: deps.logger,
    port: deps.port,
    record: (event) => deps.store.recordReturnEvent(event),
  });
}
