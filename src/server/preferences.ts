// `/preferences?token=…` (SPEC "Readers choose"): a reader's editions and sections as a plain form. GET only
// shows it (mail scanners open links); POST saves it; ticking nothing unsubscribes, and the page says so.
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { SiteConfig } from '../config/schema.js';
import { t } from '../i18n/index.js';
import type { Logger } from '../log.js';
import { hasLeft, type Store, type Subscriber } from '../store/types.js';
import { choiceBoxes, choicesFromForm, type KnownChoices } from '../subscribers/choices.js';
import { unsubscribeSubscriber } from '../subscribers/manage.js';
import { verifyToken } from '../subscribers/tokens.js';
import type { PageName, PageViews } from './pages.js';

type Status = 200 | 400 | 404 | 413 | 415 | 429 | 500;

/** What the preferences routes need of the app. */
export interface PreferencesDeps {
  store: Store;
  config: SiteConfig;
  secret: string;
  now: () => Date;
  choices: () => Promise<KnownChoices>;
  page: <P extends PageName>(c: Context, status: Status, name: P, title: string, view: PageViews[P]) => Response;
  notice: (c: Context, status: Status, heading: string, paragraphs: string[], link?: PageViews['notice']['link']) => Response;
  /** Refuses a form posted from another site (see isCrossOrigin in app.ts): the sign-up and confirm forms' check. */
  sameOrigin: MiddlewareHandler;
  /** Reads the body (chunked or not, capped) before the form is parsed. */
  readBody: MiddlewareHandler;
  /** Headers and compression of the other dynamic pages. */
  security: MiddlewareHandler[];
  logger?: Logger;
}

/** A form field as a list of names: repeated checkboxes, a JSON list, or one comma-separated string. */
export function formList(value: unknown): string[] {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.filter((v): v is string => typeof v === 'string').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Whether a request's body is a browser form (urlencoded or multipart), as `/subscribe` and `/preferences` take. */
export function isForm(c: Context): boolean {
  return /^(?:application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(c.req.header('content-type') ?? '');
}

/** Mounts GET and POST `/preferences` on the app. */
export function mountPreferences(app: Hono, deps: PreferencesDeps): void {
  const { store, config, secret, now, page, notice } = deps;
  const words = (key: string, params?: Record<string, string>): string => t(config.locale, key, params);
  app.use('/preferences', ...deps.security);

  const readerOf = async (c: Context): Promise<{ token: string; subscriber: Subscriber } | null> => {
    const token = c.req.query('token') ?? '';
    const subject = verifyToken(secret, token, 'preferences');
    const subscriber = subject === null ? null : await store.findSubscriberByPublicId(subject.publicId);
    return subscriber ? { token, subscriber } : null;
  };
  const badLink = (c: Context): Response => notice(c, 400, words('server.badLink.title'), [words('server.preferences.badLink')]);
  const form = (c: Context, status: 200 | 400, reader: { token: string; subscriber: Subscriber }, boxes: PageViews['preferences']['choices'], error: string | null): Response => {
    c.header('X-Robots-Tag', 'noindex');
    return page(c, status, 'preferences', words('server.preferences.title'), {
      email: reader.subscriber.email,
      action: `/preferences?token=${encodeURIComponent(reader.token)}`,
      subscribed: !hasLeft(reader.subscriber.status),
      error,
      choices: boxes,
    });
  };

  app.get('/preferences', async (c) => {
    const reader = await readerOf(c);
    if (!reader) return badLink(c);
    return form(c, 200, reader, choiceBoxes(await deps.choices(), reader.subscriber), null);
  });

  app.post('/preferences', deps.sameOrigin, deps.readBody, async (c) => {
    const reader = await readerOf(c);
    if (!reader) return badLink(c);
    // A body in another form (JSON, text, none) would read as nothing ticked, which unsubscribes: refused instead.
    const back = { href: `/preferences?token=${encodeURIComponent(reader.token)}`, label: words('server.preferences.change') };
    if (!isForm(c)) return notice(c, 415, words('server.subscribe.unsupported.title'), [words('server.subscribe.unreadable')], back);
    let fields: Record<string, unknown>;
    try {
      fields = await c.req.parseBody({ all: true });
    } catch {
      return notice(c, 400, words('server.subscribe.unreadable.title'), [words('server.subscribe.unreadable')], back);
    }
    const known = await deps.choices();
    const chosen = choicesFromForm(known, { sections: formList(fields.sections), editions: formList(fields.editions) });
    const { subscriber } = reader;
    if (chosen === null) {
      await unsubscribeSubscriber(store, subscriber.id, now(), 'web');
      deps.logger?.info({ subscriber: subscriber.id }, 'unsubscribed on the preferences page');
      const text = words('server.unsubscribe.done', { email: subscriber.email, site: config.title });
      return notice(c, 200, words('server.preferences.unsubscribed.title'), [text], { href: '/subscribe/', label: words('server.subscribe.again') });
    }
    if (!chosen.ok) {
      const boxes = choiceBoxes(known, subscriber);
      return form(c, 400, reader, boxes, `${chosen.message}.`);
    }
    await store.setSubscriberChoices(subscriber.id, chosen.choices, now(), 'web');
    deps.logger?.info({ subscriber: subscriber.id }, 'preferences saved');
    // Kept for a reader who left (or whose address bounced), who is sent nothing until subscribing again: the page says so.
    const saved = hasLeft(subscriber.status) ? 'server.preferences.savedNotSubscribed' : 'server.preferences.saved';
    return notice(c, 200, words('server.preferences.saved.title'), [words(saved, { email: subscriber.email, site: config.title })], {
      href: `/preferences?token=${encodeURIComponent(reader.token)}`,
      label: words('server.preferences.change'),
    });
  });
}
