// The operator's dashboard under /admin: off unless GAZETTE_ADMIN_TOKEN is set, and then only for whoever shows
// that token (HTTP basic auth, or a login form that sets an HttpOnly SameSite=Strict session cookie). Failed
// attempts are rate limited per client; every answer is private and never cached; nothing is ever written to --out.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import { editionsOf } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import { readDashboard } from '../dashboard/read.js';
import { loadDashboardTemplates, type LoginError } from '../dashboard/render.js';
import type { Logger } from '../log.js';
import { editionScheduleName } from '../schedule/state.js';
import type { Store } from '../store/types.js';
import { SlidingWindowLimiter, wrongCredentialLimit, type RateLimit } from './rate-limit.js';

/** A session lasts a working day; signing in again is cheap. */
const sessionMs = 12 * 60 * 60_000;
const cookieName = 'gazette_admin';

/** What the dashboard is built from. */
export interface AdminDeps {
  /** GAZETTE_ADMIN_TOKEN; the routes exist only when it is set. */
  token: string;
  store: Store;
  config: SiteConfig;
  now: () => Date;
  /** The client key of a request (the same one the subscribe limits use). */
  clientOf: (c: Context) => string;
  /** Reads a form body of at most the server's limit (413 past it), as the reader forms do. */
  readBody: MiddlewareHandler;
  limit?: RateLimit;
  logger?: Logger | undefined;
}

function mac(key: string, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/** Compares a presented token with the real one in constant time (both are MACed first, so lengths match). */
function tokenMatches(token: string, presented: string): boolean {
  return timingSafeEqual(mac(token, `gazette:admin-token:${presented}`), mac(token, `gazette:admin-token:${token}`));
}

/** A session cookie value: its expiry and a MAC over it under the admin token (a new token ends every session). */
function sessionValue(token: string, expiresMs: number): string {
  return `${expiresMs}.${mac(token, `gazette:admin-session:${expiresMs}`).toString('base64url')}`;
}

/**
 * When a session cookie's session ends, or null when the cookie is no live session of `token`. Compared whole with the
 * value sessionValue makes: base64url's last letter has 2 spare bits, so four spellings decode to one MAC, and a
 * signed-out cookie (see signedOut) would come back as another.
 */
function sessionExpiry(token: string, value: string | undefined, nowMs: number): number | null {
  const expiresMs = Number(/^(\d{13})\.[A-Za-z0-9_-]{43}$/.exec(value ?? '')?.[1]);
  if (!(expiresMs > nowMs)) return null;
  return timingSafeEqual(Buffer.from(value ?? ''), Buffer.from(sessionValue(token, expiresMs))) ? expiresMs : null;
}

/** Whether a form post comes from this site: the browser's Sec-Fetch-Site, else its Origin, else (no browser) yes. */
function sameOrigin(c: Context, baseUrl: string): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = c.req.header('origin');
  return origin === undefined || origin === new URL(c.req.url).origin || origin === new URL(baseUrl).origin;
}

/** The token an `Authorization` header presents: a bearer token, or the password of basic auth (any user name); else null. */
function presentedToken(header: string | undefined): string | null {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (bearer) return bearer[1] ?? null;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/** Headers of every /admin answer; the one inline stylesheet is allowed by its hash, nothing else runs or loads. */
function adminSecurity(css: string): ReturnType<typeof secureHeaders> {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [`'sha256-${createHash('sha256').update(css).digest('base64')}'`],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      frameAncestors: ["'none'"],
    },
    strictTransportSecurity: false,
    referrerPolicy: 'same-origin',
  });
}

/** The /admin routes, to be mounted with `app.route('/admin', createAdminApp(deps))`. */
export function createAdminApp(deps: AdminDeps): Hono {
  const failures = new SlidingWindowLimiter(deps.limit ?? wrongCredentialLimit);
  const templates = loadDashboardTemplates();
  const schedules = [...editionsOf(deps.config).map((e) => editionScheduleName(deps.config, e.id)), 'feeds' as const];
  // Secure when the site is https, whatever the request's Host says: a reverse proxy as nginx is set up by default
  // forwards `Host: 127.0.0.1:8080`, which made the cookie go out without it. Browsers keep a Secure cookie over
  // plain http on a loopback address, so an operator's own machine still signs in.
  const secure = deps.config.baseUrl.startsWith('https:');
  // Sessions signed out of, until they would have expired: a copy of the cookie ends with the sign-out too (on this
  // server; a new token ends every session everywhere).
  const signedOut = new Map<string, number>();
  const app = new Hono();

  const loginPage = (c: Context, status: 401 | 403 | 429, error: LoginError | null): Response => {
    // A 401 names how to authenticate (RFC 9110). Browsers get the sign-in form and only the Bearer challenge, which
    // they leave to the page (a Basic one would pop up their own dialog instead); other clients learn both.
    const browser = c.req.header('sec-fetch-dest') !== undefined || /text\/html/i.test(c.req.header('accept') ?? '');
    if (!browser) c.header('WWW-Authenticate', 'Basic realm="Gazette admin", charset="UTF-8"');
    c.header('WWW-Authenticate', 'Bearer realm="Gazette admin"', { append: true });
    return c.html(templates.login({ title: deps.config.title, error, locale: deps.config.locale }), status);
  };
  /** A wrong token: an attempt, counted. */
  const refuse = (c: Context): Response => {
    const decision = failures.hit(deps.clientOf(c), deps.now().getTime());
    deps.logger?.warn({ client: deps.clientOf(c), path: c.req.path, reason: 'wrong token' }, 'admin: access refused');
    if (!decision.allowed) {
      c.header('Retry-After', String(decision.retryAfterSeconds));
      return loginPage(c, 429, 'admin.login.tooMany');
    }
    return loginPage(c, 401, 'admin.login.wrong');
  };
  const limited = (c: Context): Response | null => {
    // A client over its limit is refused even with the right token, so guessing cannot go on in parallel.
    const key = deps.clientOf(c);
    const peek = failures.peek(key, deps.now().getTime());
    if (peek.allowed) return null;
    c.header('Retry-After', String(peek.retryAfterSeconds));
    return loginPage(c, 429, 'admin.login.tooMany');
  };

  app.use('*', adminSecurity(templates.css), async (c, next) => {
    c.header('Cache-Control', 'no-store, private');
    c.header('X-Robots-Tag', 'noindex, nofollow');
    await next();
    c.header('Cache-Control', 'no-store, private');
  });

  app.post('/login', deps.readBody, async (c) => {
    const blocked = limited(c);
    if (blocked) return blocked;
    // Neither a sign-in from another site (which cannot read the answer, so guesses nothing) nor an empty token is an
    // attempt: counted, a page the operator visits could post ten forms and lock them out for 15 minutes.
    if (!sameOrigin(c, deps.config.baseUrl)) {
      deps.logger?.warn({ client: deps.clientOf(c), path: c.req.path, reason: 'cross-origin sign-in' }, 'admin: access refused');
      return loginPage(c, 403, null);
    }
    const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const presented = typeof body.token === 'string' ? body.token : '';
    if (presented === '') return loginPage(c, 401, null);
    if (!tokenMatches(deps.token, presented)) return refuse(c);
    const expires = deps.now().getTime() + sessionMs;
    setCookie(c, cookieName, sessionValue(deps.token, expires), {
      httpOnly: true,
      sameSite: 'Strict',
      secure,
      path: '/admin',
      maxAge: sessionMs / 1000,
    });
    deps.logger?.info({ client: deps.clientOf(c) }, 'admin: signed in');
    return c.redirect('/admin', 303);
  });

  app.use('*', async (c, next) => {
    const blocked = limited(c);
    if (blocked) return blocked;
    const nowMs = deps.now().getTime();
    const password = presentedToken(c.req.header('authorization'));
    const cookie = getCookie(c, cookieName);
    if (password !== null ? tokenMatches(deps.token, password) : sessionExpiry(deps.token, cookie, nowMs) !== null && !signedOut.has(cookie ?? '')) {
      await next();
      return;
    }
    // Showing no credential is not an attempt: counting it would let anyone behind the operator's address (or a
    // reload of an expired session) lock the operator out without guessing anything.
    if (password === null) return loginPage(c, 401, null);
    return refuse(c);
  });

  app.post('/logout', (c) => {
    const nowMs = deps.now().getTime();
    const cookie = getCookie(c, cookieName);
    const expiresMs = sessionExpiry(deps.token, cookie, nowMs);
    if (cookie !== undefined && expiresMs !== null) {
      for (const [value, ends] of signedOut) if (ends <= nowMs) signedOut.delete(value);
      signedOut.set(cookie, expiresMs);
    }
    deleteCookie(c, cookieName, { path: '/admin', secure, httpOnly: true, sameSite: 'Strict' });
    return c.redirect('/admin', 303);
  });

  app.get('/', async (c) => {
    const data = await readDashboard(deps.store, deps.now(), schedules);
    return c.html(templates.render(data, deps.config, c.req.query('refresh') !== 'off'));
  });
  return app;
}
