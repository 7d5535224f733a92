// The return path as the commands start it: the listener over the store, when `newsletter.returnPath` is set.
import { editionsOf, hasEditions } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { editionLeave, leaveEdition } from '../subscribers/manage.js';
import type { ReturnEvent } from './events.js';
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
    record: (event) => recordInbound(deps.store, deps.config, event),
    editions: async () => [...new Set([...(hasEditions(deps.config) ? editionsOf(deps.config).map((e) => e.id) : []), ...(await deps.store.mailedEditions())])],
  });
}

/**
 * Records an event and says what it did. A mailto unsubscribe from one edition's mail leaves that edition only while
 * the reader gets another, as the edition's one-click link does; anything else is the store's recordReturnEvent.
 */
export async function recordInbound(store: Store, config: SiteConfig, event: ReturnEvent): Promise<string> {
  const { edition, ...report } = event;
  if (edition !== undefined && 'subscriberId' in report.reader) {
    const subscriber = await store.getSubscriber(report.reader.subscriberId);
    const leave = subscriber === null ? null : editionLeave(config, subscriber, edition);
    if (subscriber !== null && leave !== null) {
      await leaveEdition(store, subscriber, leave, report.at, report.source);
      return leave.left ? `already left edition ${edition}` : `left edition ${edition}`;
    }
  }
  return store.recordReturnEvent(report);
}
