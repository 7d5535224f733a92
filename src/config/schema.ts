// The one schema of `content/site.json`: it gives the user type, the resolved type and every error at once.
import cron from 'node-cron';
import addressparser from 'nodemailer/lib/addressparser';
import * as z from 'zod';
import { asciiAddress } from '../addresses.js';
import type { Problem } from '../errors.js';
import type { Locale } from '../i18n/catalogue.js';
import { maxReturnLocalPart } from '../inbound/verp.js';
import { isIntlTag, isLanguageTag, languageTagMessage } from '../i18n/tags.js';
import { cleanLine } from '../content/text.js';
import { strictHref } from '../content/url.js';
import { subjectFields } from './subject.js';

/** True when `zone` is an IANA time zone this runtime knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Parses `Name <address>` into its parts, or returns null when it is not exactly one named mailbox. */
export function parseMailbox(value: string): { name: string; address: string } | null {
  const parsed = addressparser(value);
  const [first] = parsed;
  if (parsed.length !== 1 || !first || !('address' in first) || !first.address || !first.name) return null;
  const address = asciiAddress(first.address);
  return address === null ? null : { name: first.name, address };
}

/**
 * An email address of the config, its domain made ASCII (see asciiDomain): a desk at `пример.рф` (or `xn--e1afmkfd.xn--p1ai`)
 * was refused, zod's own pattern taking only letters for a top-level domain.
 */
const emailAddress = (error: string) =>
  z
    .string()
    .trim()
    .transform((value, ctx) => {
      const address = asciiAddress(value);
      if (address === null) ctx.addIssue({ code: 'custom', message: error });
      return address ?? value;
    });

/**
 * An http(s) URL as a URL spells it (a space escaped, host lowercased), its path kept to the last slash (a hub's URL is
 * the hub's), and a bare host without the slash the parser adds, as it was written before.
 */
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }).transform((u) => {
  const url = new URL(u);
  const href = strictHref(url);
  return url.pathname === '/' && !u.trim().endsWith('/') ? href.replace(/\/$/, '') : href;
});

/** The site's address: every link and feed id starts with it, so it carries no fragment, query or credentials. */
const baseUrl = z
  .url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' })
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) return;
    const url = new URL(value);
    const found = [
      url.username || url.password ? 'a user name or password (it would be published in every feed)' : '',
      url.search || value.includes('?') ? 'a query (?…)' : '',
      url.hash || value.includes('#') ? 'a fragment (#…)' : '',
    ].filter(Boolean);
    if (found.length === 0) return;
    ctx.addIssue({
      code: 'custom',
      message: `expected the bare site address, such as "https://news.example.org" or "https://example.org/news", but it has ${found.join(' and ')} — remove it`,
    });
  })
  // As a URL spells it (host lowercased and in punycode, default port dropped, spaces escaped), so the links the
  // site makes from it and the ones it makes absolute with `new URL` (bodies, images) agree, and without the final slash.
  .transform((u) => strictHref(new URL(u)).replace(/\/+$/, ''));

const timeZone = z.string().refine(isTimeZone, { error: 'expected an IANA time zone such as "Europe/Paris" or "UTC"' });

/** Whether a valid cron expression names any time at all: `0 0 L-30 2 *` (the 30th day before February's last) does not. */
function firesAtAll(expr: string, timezone = 'UTC'): boolean {
  try {
    const task = cron.createTask(expr, () => undefined, { timezone });
    try {
      return task.getNextRuns(1).length > 0;
    } finally {
      void task.destroy();
    }
  } catch {
    return false;
  }
}

const cronExpression = z.string().superRefine((expr, ctx) => {
  const { valid, errors = [] } = cron.validateDetailed(expr);
  if (valid) {
    if (!firesAtAll(expr)) {
      ctx.addIssue({ code: 'custom', message: `"${expr}" never fires: no date matches it — expected e.g. "0 7 * * 1" (minute hour day month weekday)` });
    }
    return;
  }
  const why = errors.map((e) => e.message).join('; ');
  ctx.addIssue({
    code: 'custom',
    message: `"${expr}" is not a cron expression (${why}) — expected e.g. "0 7 * * 1" (minute hour day month weekday, seconds optional)`,
  });
});

/** An edition's id: it names the edition in flags, forms and CSV files and its archive folder `digests/<id>/`. */
const editionId = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,39}$/, 'expected an id of lowercase letters, digits and "-", starting with a letter, such as "daily"');

/** One edition of the newsletter (SPEC "Readers choose"): its own schedule, issue numbers and archive. */
const editionSchema = z.strictObject({
  id: editionId,
  name: z.string().trim().min(1, 'expected the name readers see, such as "Daily briefing"'),
  schedule: cronExpression,
  /** Most articles in one issue; defaults to `newsletter.maxArticles`. */
  maxArticles: z.int().min(1).max(100).nullable().default(null),
});

const editionsSchema = z
  .array(editionSchema)
  .min(1, 'expected at least one edition, or no "editions" key for the one newsletter')
  .superRefine((editions, ctx) => {
    const seen = new Set<string>();
    editions.forEach((edition, i) => {
      if (seen.has(edition.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `"${edition.id}" is the id of an earlier edition — give each edition its own id` });
      seen.add(edition.id);
    });
  });

/** Whether a name shows anything once feeds and pages clean it (see cleanLine): control characters or zero-width spaces alone do not. */
const isVisible = (value: string): boolean => /[^\p{Cc}\p{Cf}\p{Z}\s]/u.test(cleanLine(value));

/** A subject template: a name in braces that is none of subjectFields would reach every reader's inbox as written. */
const subjectTemplate = z
  .string()
  .trim()
  .min(1)
  .superRefine((template, ctx) => {
    const known: readonly string[] = subjectFields;
    const unknown = [...template.matchAll(/\{([^{}]*)\}/g)].map(([whole, name]) => ({ whole, name })).filter(({ name }) => !known.includes(name ?? ''));
    for (const { whole } of unknown) {
      ctx.addIssue({ code: 'custom', message: `"${whole}" is not a value Gazette fills in — write one of ${subjectFields.map((f) => `{${f}}`).join(', ')}` });
    }
  });

const mailbox = z.string().refine((v) => parseMailbox(v) !== null, { error: 'expected "Name <address>"' });

/** Schema of `content/site.json`, with every default filled in. */
export const siteConfigSchema = z.strictObject({
  title: z.string().trim().refine(isVisible, 'expected the site title'),
  description: z.string().default(''),
  baseUrl,
  language: z
    .string()
    .refine(isIntlTag, { error: (issue) => languageTagMessage(issue.input, '"en" or "pt-BR"') })
    .default('en'),
  /**
   * The language of articles under a folder, for wire text (which cannot say it): `{ "arabic/": "ar" }`. The
   * longest matching folder wins; front matter `lang` wins over it; no match is the site's `language`.
   */
  languages: z
    .record(z.string(), z.string().refine(isLanguageTag, { error: (issue) => languageTagMessage(issue.input, '"ar" or "pt-BR"') }))
    .superRefine((languages, ctx) => {
      const outside = (key: string): boolean => key.split('/').some((part) => part === '.' || part === '..');
      for (const folder of Object.keys(languages).filter((key) => !/^(?:[^/\\]+\/)+$/.test(key) || outside(key))) {
        ctx.addIssue({ code: 'custom', path: [folder], message: 'expected a folder of the content, ending with "/", such as "arabic/" (no "." or "..")' });
      }
    })
    .default({}),
  /** Time zone in which article dates without an offset are read. */
  timezone: timeZone.default('UTC'),
  author: z.strictObject({
    name: z.string().trim().refine(isVisible, 'expected the author or desk name'),
    email: emailAddress('expected an email address').nullable().default(null),
  }),
  feeds: z
    .strictObject({
      limit: z.int().min(1).max(1000).default(50),
      /** The most bytes a feed file may have: the oldest of its `limit` articles are left out to stay under it (one article always stays). */
      maxBytes: z.int().min(100_000).max(100_000_000).default(4_000_000),
      websubHub: httpUrl.nullable().default(null),
      /** Optional cron schedule that rebuilds feeds and pages without sending mail. */
      schedule: cronExpression.nullable().default(null),
      /** Optional feed icon (JSON Feed `icon`/`favicon`, RSS `<image>`, Atom `<icon>`): an http(s) URL or a path under baseUrl. */
      icon: z
        .string()
        .trim()
        .refine((url) => /^https?:\/\//i.test(url) || !/^[a-z][a-z\d+.-]*:/i.test(url), {
          error: 'expected an http(s) URL or a path such as /images/icon.png',
        })
        .nullable()
        .default(null),
    })
    .prefault({}),
  newsletter: z.strictObject({
    from: mailbox,
    replyTo: mailbox.nullable().default(null),
    postalAddress: z.string().trim().min(1, 'expected the postal address printed in every email (anti-spam law)'),
    schedule: cronExpression.default('0 7 * * 1'),
    /** Time zone of the schedule; defaults to the site's `timezone`. */
    timezone: timeZone.nullable().default(null),
    maxArticles: z.int().min(1).max(100).default(10),
    /** Subject line; the subjectFields in braces are filled in. */
    subject: subjectTemplate.nullable().default(null),
    /** The editions readers choose from; null: one edition, the newsletter itself. */
    editions: editionsSchema.nullable().default(null),
    /**
     * The address whose domain's MX points at Gazette's inbound listener: envelope senders (VERP) and the mailto
     * unsubscribe are made at it. Null: no VERP and no mailto.
     */
    returnPath: emailAddress('expected an address such as "bounces@mail.example.org" whose domain\'s MX points at "gazette inbound"')
      .refine((v) => !v.includes('+'), { error: 'expected an address without "+" (Gazette adds "+…" to it for each message)' })
      .refine((v) => Buffer.byteLength(v.slice(0, v.lastIndexOf('@'))) <= maxReturnLocalPart, {
        error: `expected at most ${maxReturnLocalPart} characters before "@": Gazette adds up to ${64 - maxReturnLocalPart} ("+<digest>-<reader>-<code>") for each message, and mail servers may refuse an address whose part before "@" is over 64`,
      })
      .nullable()
      .default(null),
    /** Messages per second for every sender on the database together (PostgreSQL fleet); null: no limit. */
    rate: z.number().positive().max(100_000).nullable().default(null),
  }),
}).superRefine((config, ctx) => {
  // A schedule that fires in UTC may still never fire in its own zone: `30 2 31 3 0` in Europe/Berlin names only a
  // time the clocks skip. (Run after problems elsewhere too, so what those left out may be missing.)
  if (!(config.newsletter as typeof config.newsletter | undefined) || !(config.feeds as typeof config.feeds | undefined)) return;
  const zone = config.newsletter.timezone ?? config.timezone;
  const schedules: [path: (string | number)[], expr: string | null, timezone: string][] = [
    [['feeds', 'schedule'], config.feeds.schedule, config.timezone],
    [['newsletter', 'schedule'], config.newsletter.schedule, zone],
    ...(config.newsletter.editions ?? []).map((e, i): [(string | number)[], string, string] => [['newsletter', 'editions', i, 'schedule'], e.schedule, zone]),
  ];
  for (const [path, expr, timezone] of schedules) {
    // An invalid pattern or zone is reported at its own key already.
    if (expr === null || timezone === 'UTC' || !isTimeZone(timezone) || !firesAtAll(expr) || firesAtAll(expr, timezone)) continue;
    ctx.addIssue({ code: 'custom', path, message: `"${expr}" never fires in ${timezone}: each time it names is one the clocks skip there — pick another hour` });
  }
});

/** `site.json` as the user writes it. */
export type SiteConfigInput = z.input<typeof siteConfigSchema>;

/** `site.json` after validation, with every default filled in: the type every stage uses. */
export type SiteConfig = z.output<typeof siteConfigSchema> & {
  newsletter: z.output<typeof siteConfigSchema>['newsletter'] & { timezone: string };
  /** The words of `language` (catalogues resolved at load), for pages and mail. */
  locale: Locale;
  /** What to mend that did not stop the load (a key site.json writes twice, the catalogues' warnings): reported at every build. */
  warnings: Problem[];
};
