// The public HTTP face: the built site, subscribe (double opt-in), confirm, unsubscribe (RFC 8058) and /healthz.
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { compress } from 'hono/compress';
import { secureHeaders } from 'hono/secure-headers';
import type { RuntimeOptions } from '../config/options.js';
import type { SiteConfig } from '../config/schema.js';
import type { Transport } from '../delivery/transport.js';
import type { Logger } from '../log.js';
import { createAdminApp } from './admin.js';
import { emailKey } from '../store/sql.js';
import type { Store } from '../store/types.js';
import { composeConfirmation } from '../subscribers/confirmation.js';
import { confirmSubscriber, requestSubscription, unsubscribeSubscriber } from '../subscribers/manage.js';
import { resolveSecret, verifyToken } from '../subscribers/tokens.js';
import { quoteValue, validateEmail } from '../subscribers/validate.js';
import { loadPages, type PageName, type PageViews } from './pages.js';
import { clientKey, SlidingWindowLimiter, type RateDecision, type RateLimit } from './rate-limit.js';
import { createStaticHandler } from './static.js';
import { createWebhooks, type WebhookDeps } from './webhooks.js';

/** Limits on subscription requests: per client address (IPv6 per /64) and per email address. */
export interface SubscribeLimits {
  perClient: RateLimit;
  perEmail: RateLimit;
}

/** 20 requests per client per 10 minutes; 5 per address per hour (each may send a confirmation mail). */
export const defaultSubscribeLimits: SubscribeLimits = {
  perClient: { limit: 20, windowMs: 10 * 60_000 },
  perEmail: { limit: 5, windowMs: 60 * 60_000 },
};

/** Work that runs after the answer is sent (confirmation mails), so its duration tells a client nothing. */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  /** Starts `task` once the current answer has gone out; a failure goes to `onError`. */
  run(task: () => Promise<void>, onError: (error: unknown) => void): void {
    const done: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(task)
      .catch(onError)
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Resolves when every task started so far has finished. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }
}

/** What the server is built from; tests pass their own clock, limits and transport. */
export interface AppDeps {
  store: Store;
  config: SiteConfig;
  options: Pick<RuntimeOptions, 'outDir' | 'secret'>;
  transport: Transport;
  now?: () => Date;
  /** Extra fields for /healthz (the scheduler's last run, say). */
  health?: () => Promise<Record<string, unknown>>;
  limits?: SubscribeLimits;
  /** Behind a reverse proxy: take the client address from the last X-Forwarded-For entry. */
  trustProxy?: boolean;
  logger?: Logger;
  background?: BackgroundTasks;
  /** The ESP webhooks (`/webhooks/*`): how events are recorded and the environment holding their secrets. */
  webhooks?: Omit<WebhookDeps, 'logger' | 'now'>;
  /** GAZETTE_ADMIN_TOKEN: serves the dashboard under /admin to whoever shows it; unset, there is no /admin. */
  adminToken?: string | null;
}

/** Largest request body accepted (a subscription is two short fields). */
const maxBody = 16 * 1024;

const pageSecurity = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    formAction: ["'self'"],
    baseUri: ["'none'"],
    frameAncestors: ["'none'"],
  },
  // HSTS belongs to the TLS-terminating proxy in front of Gazette.
  strictTransportSecurity: false,
});

function isJson(c: Context): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(c.req.header('content-type') ?? '');
}

/** Builds the Hono app; `startServer` runs it, tests call it over real HTTP. */
export async function createApp(deps: AppDeps): Promise<Hono> {
  const { store, config, transport } = deps;
  const now = deps.now ?? (() => new Date());
  const secret = await resolveSecret(deps.options.secret, store);
  const limits = deps.limits ?? defaultSubscribeLimits;
  const perClient = new SlidingWindowLimiter(limits.perClient);
  const perEmail = new SlidingWindowLimiter(limits.perEmail);
  const background = deps.background ?? new BackgroundTasks();
  const logger = deps.logger;
  const render = loadPages(config);

  const page = <P extends PageName>(c: Context, status: 200 | 400 | 404 | 413 | 415 | 429 | 500, name: P, title: string, view: PageViews[P]): Response => {
    c.header('Cache-Control', 'no-store');
    return c.html(render(name, c.req.path, title, view), status);
  };
  const notice = (c: Context, status: 200 | 400 | 404 | 413 | 415 | 429 | 500, heading: string, paragraphs: string[], link: PageViews['notice']['link'] = null): Response =>
    page(c, status, 'notice', heading, { heading, paragraphs, link });
  const subscribeAgain = { href: '/subscribe/', label: 'Subscribe again' };

  const clientOf = (c: Context): string => {
    const forwarded = deps.trustProxy ? c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim() : undefined;
    return clientKey(forwarded || (getConnInfo(c).remote.address ?? 'unknown'));
  };
  const tooMany = (c: Context, decision: Extract<RateDecision, { allowed: false }>, json: boolean): Response => {
    c.header('Retry-After', String(decision.retryAfterSeconds));
    const minutes = Math.ceil(decision.retryAfterSeconds / 60);
    const message = `Too many subscription requests. Please try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`;
    if (json) return c.json({ error: 'rate_limited', message, retryAfter: decision.retryAfterSeconds }, 429);
    return notice(c, 429, 'Please wait a little', [message]);
  };

  const sendConfirmation = (subscriber: { id: number; email: string; name: string | null }): void => {
    const at = now();
    background.run(
      async () => {
        const message = await composeConfirmation({ config, secret, subscriber, now: at });
        await transport.send(message);
        logger?.info({ subscriber: subscriber.id }, 'confirmation mail sent');
      },
      (error) => logger?.warn({ subscriber: subscriber.id, err: error }, 'confirmation mail not sent'),
    );
  };

  const limitBody = bodyLimit({
    maxSize: maxBody,
    onError: (c) => notice(c, 413, 'Request too large', ['A subscription needs only an email address and a name.']),
  });

  const app = new Hono();
  // The dynamic pages are compressed here; the files of --out compress themselves, keeping strong ETags.
  for (const path of ['/subscribe', '/subscribe/', '/confirm', '/unsubscribe']) app.use(path, pageSecurity, compress());

  app.get('/healthz', async (c) => {
    c.header('Cache-Control', 'no-store');
    try {
      await store.getState('healthz');
    } catch (error) {
      logger?.error({ err: error }, 'health check: the database does not answer');
      return c.json({ status: 'error', database: 'unavailable' }, 503);
    }
    return c.json({ status: 'ok', ...(await deps.health?.()) });
  });

  const form = (c: Context): Response => page(c, 200, 'subscribe', 'Subscribe', { error: null, email: '', name: '' });
  app.get('/subscribe', form);
  app.get('/subscribe/', form);

  const subscribe = async (c: Context): Promise<Response> => {
    const json = isJson(c);
    const byClient = perClient.hit(clientOf(c), now().getTime());
    if (!byClient.allowed) return tooMany(c, byClient, json);

    let fields: Record<string, unknown>;
    try {
      if (json) fields = (await c.req.json()) as Record<string, unknown>;
      else if (/^(?:application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('content-type') ?? '')) fields = await c.req.parseBody();
      else return notice(c, 415, 'Unsupported request', ['Send the subscription form, or JSON {"email": …, "name": …}.']);
    } catch {
      return json ? c.json({ error: 'bad_request', message: 'the body is not valid JSON' }, 400) : notice(c, 400, 'Unreadable request', ['Please use the form.'], { href: '/subscribe/', label: 'Back to the form' });
    }
    const email = typeof fields?.email === 'string' ? fields.email : '';
    const name = typeof fields?.name === 'string' ? fields.name : '';

    const check = validateEmail(email);
    if (!check.ok) {
      const message = email.trim() === '' ? 'Please enter your email address.' : `${quoteValue(email, 60)} ${check.message}: ${check.hint}.`;
      if (json) return c.json({ error: 'invalid_email', message }, 400);
      return page(c, 400, 'subscribe', 'Subscribe', { error: message, email: email.slice(0, 254), name: name.slice(0, 100) });
    }
    const byEmail = perEmail.hit(emailKey(check.email), now().getTime());
    if (!byEmail.allowed) return tooMany(c, byEmail, json);
    const { subscriber } = await requestSubscription(store, check, name, now());
    if (subscriber.status === 'pending') sendConfirmation(subscriber);

    // The same answer whether the address was new, pending or already active (echoing the address as typed, not
    // as stored): it tells nobody who is subscribed.
    const message = `If ${check.email} is not subscribed yet, a link to confirm is on its way. Click it to start receiving ${config.title}.`;
    if (json) return c.json({ status: 'check-your-inbox', message });
    return notice(c, 200, 'Check your inbox', [message, 'No mail? Look in your spam folder, or try again in a few minutes.']);
  };
  app.post('/subscribe', limitBody, subscribe);
  app.post('/subscribe/', limitBody, subscribe);

  app.get('/confirm', async (c) => {
    const id = verifyToken(secret, c.req.query('token') ?? '', 'confirm');
    const { result } = id === null ? { result: 'unknown' as const } : await confirmSubscriber(store, id, now());
    if (result === 'confirmed' || result === 'already') {
      return notice(c, 200, 'You are subscribed', [`Thank you: the next issue of ${config.title} will be in your inbox.`], { href: '/', label: `Read ${config.title}` });
    }
    if (result === 'refused') {
      return notice(c, 400, 'This link has expired', ['You unsubscribed after this link was sent, so it no longer subscribes you.'], subscribeAgain);
    }
    return notice(c, 400, 'This link does not work', ['It may have been cut or changed on its way. Copy the whole link from the email, or subscribe again.'], subscribeAgain);
  });

  const badUnsubscribeLink = (c: Context): Response =>
    notice(c, 400, 'This link does not work', ['It may have been cut or changed on its way. Use the unsubscribe link at the bottom of any issue, copied whole.']);

  // GET only shows the button: mail scanners open links, and must not unsubscribe anyone by doing so.
  app.get('/unsubscribe', async (c) => {
    const token = c.req.query('token') ?? '';
    const id = verifyToken(secret, token, 'unsubscribe');
    const subscriber = id === null ? null : await store.getSubscriber(id);
    if (!subscriber) return badUnsubscribeLink(c);
    c.header('X-Robots-Tag', 'noindex');
    const already = subscriber.status === 'unsubscribed' || subscriber.status === 'bounced';
    return page(c, 200, 'unsubscribe', 'Unsubscribe', { email: subscriber.email, action: `/unsubscribe?token=${encodeURIComponent(token)}`, already });
  });

  // The button and RFC 8058 one-click (`List-Unsubscribe=One-Click`, urlencoded or multipart) both land here;
  // the token alone says who, so the body is not needed. 200 and a page, never a redirect; idempotent.
  app.post('/unsubscribe', limitBody, async (c) => {
    const id = verifyToken(secret, c.req.query('token') ?? '', 'unsubscribe');
    const subscriber = id === null ? null : await unsubscribeSubscriber(store, id, now(), 'web');
    if (!subscriber) return badUnsubscribeLink(c);
    logger?.info({ subscriber: subscriber.id }, 'unsubscribed');
    return notice(c, 200, 'You are unsubscribed', [`${subscriber.email} will get no more mail from ${config.title}.`], subscribeAgain);
  });

  if (deps.webhooks) app.route('/webhooks', createWebhooks({ ...deps.webhooks, logger, now }));
  if (deps.adminToken) {
    app.route('/admin', createAdminApp({ token: deps.adminToken, store, config, now, clientOf, logger }));
  }

  const serveOut = createStaticHandler(deps.options.outDir);
  app.get('*', (c) => serveOut(c));

  app.notFound((c) => notice(c, 404, 'Not found', ['There is no page at this address.'], { href: '/', label: `Go to ${config.title}` }));
  app.onError((error, c) => {
    logger?.error({ err: error, path: c.req.path }, 'request failed');
    return notice(c, 500, 'Something went wrong', ['Please try again later.']);
  });
  return app;
}
