// The public HTTP face: the built site, subscribe (double opt-in), confirm, unsubscribe (RFC 8058) and /healthz.
import type { ServerResponse } from 'node:http';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { HttpBindings } from '@hono/node-server';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { compress } from 'hono/compress';
import { secureHeaders } from 'hono/secure-headers';
import type { RuntimeOptions } from '../config/options.js';
import { editionsOf, editionsReceived } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import { integer } from '../delivery/settings.js';
import type { Transport } from '../delivery/transport.js';
import { quoteValue } from '../errors.js';
import { t } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { createAdminApp } from './admin.js';
import { readBodyUpTo } from './body.js';
import { archiveDir } from '../site/layout.js';
import { emailKey } from '../store/sql.js';
import { hasLeft, type Store, type Subscriber, type SubscriberChoices } from '../store/types.js';
import { createConfirmationComposer } from '../subscribers/confirmation.js';
import { choiceBoxes, choicesFromForm, type KnownChoices } from '../subscribers/choices.js';
import { confirmLinkLifetimeMs, confirmSubscription, editionLeave, leaveEdition, requestSubscription, unsubscribeSubscriber, type EditionLeave } from '../subscribers/manage.js';
import { preferencesUrl, resolveSecret, verifyLegacyUnsubscribeToken, verifyToken } from '../subscribers/tokens.js';
import { mailboxKey, validateEmail, type ValidEmail } from '../subscribers/validate.js';
import { loadPages, type PageName, type PageViews } from './pages.js';
import { formList, isForm, mountPreferences } from './preferences.js';
import { clientAddress, clientKey, proxyList, SlidingWindowLimiter, type RateDecision, type RateLimit } from './rate-limit.js';
import { createStaticSite } from './static.js';
import { createWebhooks, type WebhookDeps } from './webhooks.js';

/**
 * Limits on subscription requests, per client address (IPv6 per /64) and per email address (answered 429), and
 * caps on the confirmation mail they send, per mailbox (plus-tags and case folded), per client address and for the
 * whole site (past a cap the request is answered as usual, nothing is sent, and the log says so).
 */
export interface SubscribeLimits {
  perClient: RateLimit;
  perEmail: RateLimit;
  mailPerMailbox: RateLimit;
  /** A client's share of the site's cap: a few addresses cannot use it all up and shut sign-ups for everyone. */
  mailPerClient: RateLimit;
  mailPerSite: RateLimit;
}

const hour = 60 * 60_000;

/** 20 requests per client per 10 minutes, 5 per address per hour; 3 mails per mailbox a day, 10 per client an hour, 100 per hour in all. */
export const defaultSubscribeLimits: SubscribeLimits = {
  perClient: { limit: 20, windowMs: 10 * 60_000 },
  perEmail: { limit: 5, windowMs: hour },
  mailPerMailbox: { limit: 3, windowMs: 24 * hour },
  mailPerClient: { limit: 10, windowMs: hour },
  mailPerSite: { limit: 100, windowMs: hour },
};

/** The limits, with the mail caps from `GAZETTE_CONFIRM_PER_MAILBOX` (a day) and `GAZETTE_CONFIRM_PER_HOUR`. */
export function resolveSubscribeLimits(env: Readonly<Record<string, string | undefined>>): SubscribeLimits {
  const { mailPerMailbox, mailPerSite } = defaultSubscribeLimits;
  return {
    ...defaultSubscribeLimits,
    mailPerMailbox: { ...mailPerMailbox, limit: integer(env, 'GAZETTE_CONFIRM_PER_MAILBOX', mailPerMailbox.limit, 1, 100) },
    mailPerSite: { ...mailPerSite, limit: integer(env, 'GAZETTE_CONFIRM_PER_HOUR', mailPerSite.limit, 1, 1_000_000) },
  };
}

/** Resolves on the next turn of the event loop, once the I/O now due has run. */
const nextTurn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Work that runs after the answer is sent (confirmation mails), so its duration tells a client nothing. */
export class BackgroundTasks {
  private readonly running = new Set<Promise<void>>();

  /** Starts `task` once `sent` resolves (the answer has gone out; by default, the next turn); a failure goes to `onError`. */
  run(task: () => Promise<void>, onError: (error: unknown) => void, sent: Promise<void> = nextTurn()): void {
    const done: Promise<void> = sent
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

/**
 * Resolves once the whole answer to `c` has been handed to the socket, or the connection closed (on node-server; on
 * the next turn elsewhere). A compressed answer is still streaming when the handler returns: a confirmation mail
 * made on this thread meanwhile (then an 8 ms MJML render each) held its end back, which told a client whether an
 * address was new.
 */
function answerSent(c: Context): Promise<void> {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing) return nextTurn();
  return new Promise<void>((resolve) => {
    if (outgoing.writableFinished || outgoing.destroyed) return resolve();
    outgoing.once('finish', resolve);
    outgoing.once('close', resolve);
  });
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
  /** The reverse proxies (addresses, CIDR blocks) whose X-Forwarded-For names the client (see clientAddress); none by default. */
  trustProxy?: readonly string[];
  logger?: Logger;
  background?: BackgroundTasks;
  /** The sections and editions readers choose from; by default the editions of the config and no sections. */
  choices?: () => Promise<KnownChoices>;
  /** The ESP webhooks (`/webhooks/*`): how events are recorded and the environment holding their secrets. */
  webhooks?: Omit<WebhookDeps, 'logger' | 'now'>;
  /** GAZETTE_ADMIN_TOKEN: serves the dashboard under /admin to whoever shows it; unset, there is no /admin. */
  adminToken?: string | null;
}

/** Largest request body accepted (a subscription is two short fields). */
const maxBody = 16 * 1024;

const pagePolicy = {
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
};
const pageSecurity = secureHeaders(pagePolicy);
/** The dynamic pages' headers for every answer that has none of its own: /healthz, webhooks, a 404 to a POST, a 500. */
const baseSecurity = secureHeaders({ ...pagePolicy, overwrite: false });

/** The built site's pages: `styles` (its own stylesheet), images from anywhere over https (articles may link them), no scripts. */
const staticSecurityWith = (styles: string[]): ReturnType<typeof secureHeaders> =>
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: styles,
      imgSrc: ["'self'", 'https:', 'data:'],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    // Feed readers show the site's images inside their own pages.
    crossOriginResourcePolicy: 'cross-origin',
    strictTransportSecurity: false,
  });
const staticSecurity = staticSecurityWith(["'self'"]);
/**
 * The digest archive (`digests/`, the mail's "View in your browser"): its pages are the mail's HTML, whose styles
 * are inline as mail clients need them. Without them a phone showed the page 1,184 px wide and the hidden preview line.
 */
const archiveSecurity = staticSecurityWith(["'self'", "'unsafe-inline'"]);

/**
 * Whether a browser sent this POST from a page of another site (`Sec-Fetch-Site`, else `Origin`, is what browsers
 * send with every form). A request with neither comes from no browser (curl, a mail provider's one-click), which
 * no other site can make a reader's browser send.
 */
function isCrossOrigin(c: Context, siteOrigin: string): boolean {
  const fetchSite = c.req.header('sec-fetch-site');
  if (fetchSite !== undefined) return fetchSite !== 'same-origin' && fetchSite !== 'none';
  const origin = c.req.header('origin');
  return origin !== undefined && origin !== siteOrigin && origin !== new URL(c.req.url).origin;
}

/** The Node request under a Hono one, when it came over HTTP (tests may call the app without one). */
function incomingOf(c: Context): HttpBindings['incoming'] | undefined {
  return (c.env as Partial<HttpBindings> | undefined)?.incoming;
}

/** A form or JSON field as one text: itself, the first of a field sent more than once, else ''. */
function firstText(value: unknown): string {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

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
  const mailByClient = new SlidingWindowLimiter(limits.mailPerClient);
  const background = deps.background ?? new BackgroundTasks();
  const logger = deps.logger;
  const render = loadPages(config);
  const choices = deps.choices ?? (() => Promise.resolve({ sections: [], editions: editionsOf(config) }));
  const words = (key: string, params?: Record<string, string | number>): string => t(config.locale, key, params);

  const page = <P extends PageName>(c: Context, status: 200 | 400 | 403 | 404 | 405 | 413 | 415 | 429 | 500, name: P, title: string, view: PageViews[P]): Response => {
    c.header('Cache-Control', 'no-store');
    return c.html(render(name, c.req.path, title, view), status);
  };
  const notice = (c: Context, status: 200 | 400 | 403 | 404 | 405 | 413 | 415 | 429 | 500, heading: string, paragraphs: string[], link: PageViews['notice']['link'] = null): Response =>
    page(c, status, 'notice', heading, { heading, paragraphs, link });
  const subscribeAgain = { href: '/subscribe/', label: words('server.subscribe.again') };

  const proxies = deps.trustProxy?.length ? proxyList(deps.trustProxy) : null;
  const clientOf = (c: Context): string => clientKey(clientAddress(getConnInfo(c).remote.address ?? 'unknown', c.req.header('x-forwarded-for'), proxies));
  const tooMany = (c: Context, decision: Extract<RateDecision, { allowed: false }>, json: boolean): Response => {
    c.header('Retry-After', String(decision.retryAfterSeconds));
    const minutes = Math.ceil(decision.retryAfterSeconds / 60);
    const message = words('server.subscribe.rateLimited', { minutes });
    if (json) return c.json({ error: 'rate_limited', message, retryAfter: decision.retryAfterSeconds }, 429);
    return notice(c, 429, words('server.subscribe.rateLimited.title'), [message]);
  };

  const composeConfirmation = createConfirmationComposer(config, secret);
  const sendConfirmation = (subscriber: Subscriber, nonce: string, sent: Promise<void>): void => {
    const at = now();
    background.run(
      async () => {
        const message = await composeConfirmation(subscriber, nonce, at);
        await transport.send(message);
        logger?.info({ subscriber: subscriber.id }, 'confirmation mail sent');
      },
      (error) => logger?.warn({ subscriber: subscriber.id, err: error }, 'confirmation mail not sent'),
      sent,
    );
  };

  /**
   * The cap on confirmation mail that a request for `email` from `client` has reached, or null: the site's and the
   * mailbox's are journalled (shared by every replica), the client's is this process's.
   */
  const capReached = async (email: string, client: string): Promise<{ cap: 'site' | 'mailbox' | 'client'; rule: RateLimit } | null> => {
    const at = now().getTime();
    const { mailPerSite: site, mailPerMailbox: mailbox, mailPerClient } = limits;
    if (!mailByClient.peek(client, at).allowed) return { cap: 'client', rule: mailPerClient };
    if ((await store.countConfirmationMail(new Date(at - site.windowMs))) >= site.limit) return { cap: 'site', rule: site };
    if ((await store.countConfirmationMail(new Date(at - mailbox.windowMs), mailboxKey(email))) >= mailbox.limit) return { cap: 'mailbox', rule: mailbox };
    return null;
  };

  /**
   * A reader's request (SPEC "Consent"): it never changes an unsubscribed or bounced reader, only records the
   * request; a confirmation goes to a new, pending or unsubscribed address within the caps, never to a bounced one.
   */
  const takeRequest = async (address: ValidEmail, name: string, choices: Partial<SubscriberChoices>, sent: Promise<void>, client: string): Promise<void> => {
    const existing = await store.findSubscriber(address.email);
    if (existing?.status === 'active') return;
    const bounced = existing?.status === 'bounced';
    const full = bounced ? null : await capReached(address.email, client);
    if (full) {
      const { cap, rule } = full;
      logger?.warn(
        { cap, limit: rule.limit, windowMinutes: rule.windowMs / 60_000, ...(cap === 'mailbox' ? { mailbox: mailboxKey(address.email) } : {}) },
        'confirmation mail cap reached: request recorded, no mail sent',
      );
    }
    const noMail = bounced ? 'the address bounced' : full ? `the ${full.cap} cap is reached` : null;
    const { subscriber, nonce } = await requestSubscription(store, address, name, now(), noMail, choices);
    if (nonce !== null) {
      mailByClient.hit(client, now().getTime());
      sendConfirmation(subscriber, nonce, sent);
    }
    else if (bounced) logger?.info({ subscriber: subscriber.id }, 'subscribe request for a bounced address: recorded, no mail sent');
  };

  const tooLarge = (c: Context): Response => notice(c, 413, words('server.subscribe.tooLarge.title'), [words('server.subscribe.tooLarge')]);
  const coded = (c: Context): Response => {
    c.header('Accept-Encoding', 'identity');
    return notice(c, 415, words('server.subscribe.unsupported.title'), [words('server.subscribe.unreadable')]);
  };
  const readBody = readBodyUpTo(maxBody, tooLarge, coded);
  const siteOrigin = new URL(config.baseUrl).origin;
  // Forms post only from the site itself: another site cannot make its visitors' browsers subscribe (or confirm) anyone.
  const sameOrigin: MiddlewareHandler = async (c, next) => {
    if (!isCrossOrigin(c, siteOrigin)) return next();
    logger?.warn({ origin: c.req.header('origin') ?? null, fetchSite: c.req.header('sec-fetch-site') ?? null, path: c.req.path }, 'cross-origin form post refused');
    if (isJson(c)) return c.json({ error: 'cross_origin', message: `send this form from ${config.baseUrl}` }, 403);
    return notice(c, 403, words('server.crossOrigin.title'), [words('server.crossOrigin', { site: config.title, url: config.baseUrl })], {
      href: '/subscribe/',
      label: words('server.crossOrigin.link'),
    });
  };

  // HEAD answers with the fields GET would (RFC 9110 §9.3.2), which compress() leaves out for it (Content-Encoding,
  // Vary): it sees the request as a GET, and Hono drops the body after. An answer left whole names its length, as
  // GET's does once the adapter has counted the body.
  const compressed = (): MiddlewareHandler[] => {
    const compression = compress();
    return [
      async (c, next) => {
        if (c.req.method !== 'HEAD') return compression(c, next);
        const head = c.req.raw;
        c.req.raw = new Request(head.url, { method: 'GET', headers: head.headers });
        try {
          await compression(c, next);
        } finally {
          c.req.raw = head;
        }
        if (!c.res.headers.has('Content-Encoding') && c.res.body !== null && !c.res.headers.has('Content-Length')) {
          c.header('Content-Length', String((await c.res.clone().arrayBuffer()).byteLength));
        }
      },
    ];
  };

  const app = new Hono();
  // Outermost, so it runs last and only fills in what a route's own headers left out.
  app.use('*', baseSecurity);
  // Two Host fields leave the request's host to whichever a proxy or cache reads: RFC 9112 §3.2 asks for a 400.
  app.use('*', async (c, next) => {
    const hosts = incomingOf(c)?.rawHeaders.filter((name, i) => i % 2 === 0 && name.toLowerCase() === 'host').length ?? 0;
    if (hosts > 1) return c.text('Bad Request: more than one Host field', 400);
    return next();
  });
  // The dynamic pages are compressed here; the files of --out compress themselves, keeping strong ETags.
  for (const path of ['/subscribe', '/subscribe/', '/confirm', '/unsubscribe']) app.use(path, pageSecurity, ...compressed());

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

  const form = async (c: Context): Promise<Response> =>
    page(c, 200, 'subscribe', words('subscribe.title'), { error: null, email: '', name: '', choices: choiceBoxes(await choices(), { sections: [], editions: [] }) });
  app.get('/subscribe', form);
  app.get('/subscribe/', form);

  const subscribe = async (c: Context): Promise<Response> => {
    const json = isJson(c);
    const byClient = perClient.hit(clientOf(c), now().getTime());
    if (!byClient.allowed) return tooMany(c, byClient, json);

    let fields: Record<string, unknown>;
    try {
      if (json) fields = (await c.req.json()) as Record<string, unknown>;
      else if (isForm(c)) fields = await c.req.parseBody({ all: true });
      else return notice(c, 415, words('server.subscribe.unsupported.title'), [words('server.subscribe.unsupported')]);
    } catch {
      const back = { href: '/subscribe/', label: words('server.subscribe.backToForm') };
      return json ? c.json({ error: 'bad_request', message: 'the body is not valid JSON' }, 400) : notice(c, 400, words('server.subscribe.unreadable.title'), [words('server.subscribe.unreadable')], back);
    }
    // A field sent twice (a form an extension filled in again) is read as its first: "no address" would be untrue.
    const email = firstText(fields?.email);
    const name = firstText(fields?.name);

    // Editions and sections: checkboxes, or JSON lists or comma-separated strings; none sent means all / the default.
    const known = await choices();
    const sent = { sections: formList(fields?.sections), editions: formList(fields?.editions) };
    const offered = {
      sections: fields?.sections === undefined ? known.sections.map((s) => s.key) : sent.sections,
      editions: fields?.editions === undefined ? known.editions.slice(0, 1).map((e) => e.id) : sent.editions,
    };
    const chosen = fields?.sections === undefined && fields?.editions === undefined ? { ok: true as const, choices: {} } : choicesFromForm(known, offered);
    // Boxes the reader unticked stay unticked: shown ticked, a second submit would choose everything.
    const boxes = chosen === null ? choiceBoxes(known, offered, true) : choiceBoxes(known, chosen.ok ? { sections: [], editions: [], ...chosen.choices } : { sections: [], editions: [] });
    const refuse = (error: 'invalid_email' | 'invalid_choice', message: string): Response => {
      if (json) return c.json({ error, message }, 400);
      // The title says so first: a screen reader announces it as the page loads, where an alert already in the page is not.
      return page(c, 400, 'subscribe', words('server.subscribe.errorTitle', { title: words('subscribe.title') }), {
        error: message,
        // Only an address error marks the address field invalid: a screen reader would say the address was wrong.
        invalidEmail: error === 'invalid_email',
        email: email.slice(0, 254),
        name: name.slice(0, 100),
        // The boxes are marked only when the error shown is theirs: tied to an address error, they would misname it.
        choices: error === 'invalid_choice' ? boxes : { ...boxes, missing: { editions: false, sections: false } },
      });
    };
    const check = validateEmail(email);
    if (!check.ok) {
      return refuse('invalid_email', email.trim() === '' ? words('server.subscribe.emailMissing') : words('server.subscribe.emailInvalid', { address: quoteValue(email, 60) }));
    }
    if (chosen === null) {
      const { editions, sections } = boxes.missing;
      return refuse('invalid_choice', words('server.subscribe.noChoice', { missing: editions && sections ? 'both' : editions ? 'editions' : 'sections' }));
    }
    if (!chosen.ok) return refuse('invalid_choice', `${chosen.message}.`);
    const byEmail = perEmail.hit(emailKey(check.email), now().getTime());
    if (!byEmail.allowed) return tooMany(c, byEmail, json);
    await takeRequest(check, name, chosen.choices, answerSent(c), clientOf(c));

    // The same answer whatever the address was (new, pending, active, unsubscribed, bounced, capped), echoing it as
    // typed, not as stored: it tells nobody who is subscribed.
    const message = words('server.subscribe.checkInbox', { email: check.email, site: config.title });
    if (json) return c.json({ status: 'check-your-inbox', message });
    return notice(c, 200, words('server.subscribe.checkInbox.title'), [message, words('server.subscribe.checkInbox.spam')]);
  };
  app.post('/subscribe', sameOrigin, readBody, subscribe);
  app.post('/subscribe/', sameOrigin, readBody, subscribe);

  const badLink = (c: Context): Response => notice(c, 400, words('server.badLink.title'), [words('server.confirm.badLink')], subscribeAgain);
  /** The page of a confirm link that no longer confirms: says why, and offers a new mail to the same address. */
  const resend = (c: Context, outcome: 'expired' | 'replaced' | 'refused', email: string): Response => {
    const heading = words(`server.confirm.${outcome}.title`);
    const view = { heading, message: words(`server.confirm.${outcome}`), button: words('server.confirm.resend'), email, action: '/subscribe', resend: true, request: null };
    return page(c, 400, 'confirm', heading, view);
  };
  /**
   * The name and choices a confirm link gives, as the page shows them: anyone may ask for an address, and the newest
   * request's link is the one that works, so the reader sees what they confirm.
   */
  const requestShown = async (id: number): Promise<PageViews['confirm']['request']> => {
    const [asked, known] = await Promise.all([store.readRequest(id), choices()]);
    if (!asked) return null;
    // A key no longer published (a section without articles now) is shown as it is kept.
    const sections = asked.sections.map((key) => known.sections.find((s) => s.key === key)?.label ?? key);
    // None chosen is the first edition; one edition is no choice, and not shown.
    const editions = editionsReceived(asked.editions, known.editions).map((id) => known.editions.find((e) => e.id === id)?.name ?? id);
    return {
      name: asked.name,
      sections: sections.length === 0 ? words('server.confirm.allSections') : sections.join(', '),
      editions: known.editions.length < 2 ? null : editions.join(', '),
    };
  };
  const confirmed = (c: Context): Response =>
    notice(c, 200, words('server.confirm.done.title'), [words('server.confirm.done', { site: config.title })], { href: '/', label: words('server.read', { site: config.title }) });

  // GET and HEAD only show the button: link scanners open links, and must not subscribe anyone by doing so.
  app.get('/confirm', async (c) => {
    const token = c.req.query('token') ?? '';
    const subject = verifyToken(secret, token, 'confirm');
    const subscriber = subject && (await store.findSubscriberByPublicId(subject.publicId));
    if (!subject || !subscriber) return badLink(c);
    c.header('X-Robots-Tag', 'noindex');
    if (subscriber.status === 'active') return confirmed(c);
    const state = await store.confirmState(subscriber.id, subject.nonce, new Date(now().getTime() - confirmLinkLifetimeMs));
    if (state !== 'current') return resend(c, state, subscriber.email);
    const heading = words('server.confirm.ask.title');
    const view = { heading, message: words('server.confirm.ask'), button: words('server.confirm.ask.button'), email: subscriber.email, resend: false, request: await requestShown(subscriber.id) };
    return page(c, 200, 'confirm', heading, { ...view, action: `/confirm?token=${encodeURIComponent(token)}` });
  });

  app.post('/confirm', sameOrigin, readBody, async (c) => {
    const subject = verifyToken(secret, c.req.query('token') ?? '', 'confirm');
    const subscriber = subject && (await store.findSubscriberByPublicId(subject.publicId));
    if (!subject || !subscriber) return badLink(c);
    const outcome = await confirmSubscription(store, subject.publicId, subject.nonce, now());
    if (outcome === 'confirmed' || outcome === 'already') {
      if (outcome === 'confirmed') logger?.info({ subscriber: subscriber.id }, 'subscription confirmed');
      return confirmed(c);
    }
    if (outcome === 'unknown') return badLink(c);
    return resend(c, outcome, subscriber.email);
  });

  const badUnsubscribeLink = (c: Context): Response =>
    notice(c, 400, words('server.badLink.title'), [words('server.unsubscribe.badLink')]);

  /** The reader an unsubscribe link names: by public id, or by the sequential id of a link in mail sent before those. */
  const unsubscribing = async (token: string): Promise<Subscriber | null> => {
    const subject = verifyToken(secret, token, 'unsubscribe');
    if (subject) return store.findSubscriberByPublicId(subject.publicId);
    const legacy = verifyLegacyUnsubscribeToken(secret, token);
    return legacy === null ? null : store.getSubscriber(legacy);
  };

  /** The edition a digest's unsubscribe link names (`edition=`), to leave alone: see editionLeave. */
  const editionToLeave = (c: Context, subscriber: Subscriber): EditionLeave | null => editionLeave(config, subscriber, c.req.query('edition'));

  // GET only shows the button: mail scanners open links, and must not unsubscribe anyone by doing so.
  app.get('/unsubscribe', async (c) => {
    const token = c.req.query('token') ?? '';
    const subscriber = await unsubscribing(token);
    if (!subscriber) return badUnsubscribeLink(c);
    c.header('X-Robots-Tag', 'noindex');
    const already = hasLeft(subscriber.status);
    const edition = c.req.query('edition');
    const action = `/unsubscribe?token=${encodeURIComponent(token)}${edition === undefined ? '' : `&edition=${encodeURIComponent(edition)}`}`;
    return page(c, 200, 'unsubscribe', words('server.unsubscribe.title'), { email: subscriber.email, action, already, edition: editionToLeave(c, subscriber)?.edition.name ?? null });
  });

  // The button and RFC 8058 one-click (`List-Unsubscribe=One-Click`, urlencoded or multipart) both land here;
  // the token alone says who, so the body is not needed. 200 and a page, never a redirect; idempotent.
  app.post('/unsubscribe', readBody, async (c) => {
    const found = await unsubscribing(c.req.query('token') ?? '');
    const leaving = found && editionToLeave(c, found);
    if (found && leaving) {
      const updated = await leaveEdition(store, found, leaving, now(), 'web');
      if (!updated) return badUnsubscribeLink(c);
      if (!leaving.left) logger?.info({ subscriber: found.id, edition: leaving.edition.id }, 'unsubscribed from an edition');
      const params = { email: found.email, edition: leaving.edition.name, site: config.title };
      return notice(c, 200, words('server.unsubscribe.edition.done.title'), [words('server.unsubscribe.edition.done', params)], {
        href: preferencesUrl(config.baseUrl, secret, found.publicId),
        label: words('server.preferences.title'),
      });
    }
    const subscriber = found && (await unsubscribeSubscriber(store, found.id, now(), 'web'));
    if (!subscriber) return badUnsubscribeLink(c);
    logger?.info({ subscriber: subscriber.id }, 'unsubscribed');
    return notice(c, 200, words('server.unsubscribe.done.title'), [words('server.unsubscribe.done', { email: subscriber.email, site: config.title })], subscribeAgain);
  });

  mountPreferences(app, { store, config, secret, now, choices, page, notice, sameOrigin, readBody, security: [pageSecurity, ...compressed()], ...(logger ? { logger } : {}) });
  if (deps.webhooks) app.route('/webhooks', createWebhooks({ ...deps.webhooks, logger, now, clientOf }));
  if (deps.adminToken) {
    app.route('/admin', createAdminApp({ token: deps.adminToken, store, config, now, clientOf, readBody, logger }));
  }

  const site = createStaticSite(deps.options.outDir, config.feeds.websubHub === null ? {} : { websub: { hub: config.feeds.websubHub, baseUrl: config.baseUrl } });
  app.get('*', (c, next) => (c.req.path.startsWith(`/${archiveDir}`) ? archiveSecurity : staticSecurity)(c, next), (c) => site.serve(c));

  /**
   * The methods the resource at `c`'s path answers (RFC 9110 `Allow`): its routes', else GET and HEAD where it names
   * a file of the site. Empty when there is no resource there.
   */
  const allowedMethods = async (c: Context): Promise<string[]> => {
    const methods = new Set(app.routes.filter((route) => route.path === c.req.path && route.method !== 'ALL').map((route) => route.method));
    if (methods.size === 0 && c.req.method !== 'GET' && c.req.method !== 'HEAD' && (await site.serves(new URL(c.req.url)))) methods.add('GET');
    if (methods.has('GET')) methods.add('HEAD');
    return ['GET', 'HEAD', 'POST'].filter((method) => methods.has(method));
  };
  // A path that exists but not for this method is a 405 with what it allows (an OPTIONS request gets just that);
  // a path that is not there at all, or that a route found empty, is a 404.
  app.notFound(async (c) => {
    const allowed = await allowedMethods(c);
    if (allowed.length > 0 && !allowed.includes(c.req.method)) {
      c.header('Allow', allowed.join(', '));
      if (c.req.method === 'OPTIONS') return c.body(null, 204);
      return notice(c, 405, words('server.methodNotAllowed.title'), [words('server.methodNotAllowed', { methods: allowed.join(', ') })]);
    }
    return notice(c, 404, words('server.notFound.title'), [words('server.notFound')], { href: '/', label: words('server.goTo', { site: config.title }) });
  });
  app.onError((error, c) => {
    // A client that hangs up while its body is read is no fault here: a line without a stack, and no one to answer. (A
    // database connection reset has the same code, once the request is whole: that one is an error.)
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' && incomingOf(c)?.complete === false) logger?.info({ path: c.req.path }, 'the client went away before its request was read');
    else logger?.error({ err: error, path: c.req.path }, 'request failed');
    return notice(c, 500, words('server.error.title'), [words('server.error')]);
  });
  return app;
}
