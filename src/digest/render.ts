// A digest rendered once, with placeholders for the per-reader parts, plus its web (archive) version.
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import { formatLongDate } from '../content/dates.js';
import { oneLine, shorten } from '../content/text.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { InputError } from '../errors.js';
import { absoluteUrl } from '../content/url.js';
import { htmlToText, renderEmailHtml } from './email.js';
import { escapeHtml, mailHtml, neutralizeTokens, placeholders, type RenderedEmail } from './personalize.js';
import { articleUrl, digestWebUrl, siteUrls } from './urls.js';

// bench/delivery.bench.ts imports it from here; the light module is urls.ts.

/** What a digest is made of. */
export interface DigestContent {
  number: number;
  date: Date;
  /** Newest first; never empty. */
  articles: readonly Article[];
  config: SiteConfig;
}

/** A digest rendered once: subject, HTML and text with the placeholders of `personalize`. */
export type RenderedDigest = RenderedEmail;

// Words the view adds (the template has the rest), kept together for the message catalogues.
const words = { readMore: 'Read more' };

/** The subject line when `newsletter.subject` is not set. */
export const defaultSubject = '{title} — {date}: {headline}';

/**
 * Gmail clips HTML over about 102 KB, cutting off the footer with the unsubscribe link, counting the HTML as
 * sent: quoted-printable encoded, which makes Cyrillic or Arabic text about 3 times its UTF-8 size. A reader's
 * encoded copy must stay under this many bytes; the rendered digest keeps `readerAllowanceBytes` of it for their links.
 */
export const htmlBudgetBytes = 100_000;
const readerAllowanceBytes = 2_000;

/**
 * How much of each article to show; each step is tried in turn until the digest fits the budget. The last
 * one lists headlines only, which fits the most articles `newsletter.maxArticles` allows.
 */
interface Trim {
  summary: number;
  title: number;
  compact: boolean;
}
const fullTrim: Trim = { summary: Infinity, title: Infinity, compact: false };
const trims: readonly Trim[] = [
  fullTrim,
  { summary: 300, title: Infinity, compact: false },
  { summary: 160, title: Infinity, compact: false },
  { summary: 80, title: Infinity, compact: false },
  { summary: 0, title: Infinity, compact: false },
  { summary: 0, title: 120, compact: true },
];

/** Text from content, safe to render: no control characters, and no `%%` that could pass for a placeholder. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return neutralizeTokens(text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''));
}


/** The subject: `newsletter.subject` (or the default) with `{title}`, `{date}`, `{headline}`, `{number}` filled in once. */
export function digestSubject(content: DigestContent): string {
  const { config, articles } = content;
  const values: Record<string, string> = {
    title: config.title,
    date: formatLongDate(content.date, config.language, config.newsletter.timezone),
    headline: articles[0]?.title ?? '',
    number: String(content.number),
  };
  const template = config.newsletter.subject ?? defaultSubject;
  return oneLine(template.replace(/\{(title|date|headline|number)\}/g, (whole, key: string) => values[key] ?? whole));
}

/** Site-wide values every email template shows. */
export function siteView(config: SiteConfig): Record<string, string> {
  const urls = siteUrls(config);
  return {
    lang: config.language,
    title: clean(config.title),
    url: urls.home,
    host: new URL(config.baseUrl).host,
    subscribeUrl: urls.subscribe,
    archiveUrl: urls.archive,
    rssUrl: urls.rss,
    atomUrl: urls.atom,
    jsonFeedUrl: urls.jsonFeed,
    postalAddress: clean(config.newsletter.postalAddress),
  };
}

function imageView(article: Article, config: SiteConfig): { src: string; alt: string } | null {
  const src = article.image?.url ? absoluteUrl(article.image.url, config.baseUrl) : null;
  return src === null ? null : { src, alt: clean(article.image?.alt || article.image?.caption || '') };
}

/** The view of the digest template: every content string cleaned, the reader fields as placeholders. */
export function digestView(content: DigestContent, trim: Trim = fullTrim): object {
  const { config } = content;
  const titles = content.articles.map((a) => clean(shorten(a.title, trim.title)));
  const first = content.articles[0];
  // The inbox preview line: the other headlines (the first is in the subject), or the lone story's summary.
  const preheader = shorten(content.articles.length > 1 ? titles.slice(1).join(' · ') : clean(first?.summary ?? ''), 150);
  return {
    subject: clean(digestSubject(content)),
    preheader,
    site: siteView(config),
    issueLine: `Issue ${content.number} · ${formatLongDate(content.date, config.language, config.newsletter.timezone)}`,
    single: content.articles.length === 1,
    count: content.articles.length,
    compact: trim.compact,
    reader: placeholders,
    // Each article's links named after it, so a screen reader's list of links is not "Read more" ten times.
    linkLabels: trim.compact
      ? []
      : content.articles.flatMap((article, i) => [
          { selector: `.gz-read-${i} a`, label: `${words.readMore}: ${titles[i] ?? ''}` },
          ...(imageView(article, config) ? [{ selector: `.gz-image-${i} a`, label: titles[i] ?? '' }] : []),
        ]),
    articles: content.articles.map((article, i) => ({
      section: article.section === null ? null : clean(article.section),
      title: titles[i],
      url: articleUrl(config, article),
      summary: clean(shorten(article.summary, trim.summary)) || null,
      image: trim.compact ? null : imageView(article, config),
    })),
  };
}

/** The size of an email's HTML as sent: without the mail-only markers, quoted-printable encoded in 76-character lines with CRLF. */
export function encodedBytes(html: string): number {
  const encoded = qpWrap(qpEncode(mailHtml(html).replace(/\r?\n/g, '\r\n')), 76);
  return encoded.length + (encoded.match(/\n/g)?.length ?? 0);
}

/**
 * Renders a digest once: MJML with strict validation, then the text part from the same HTML. Summaries are
 * shortened step by step when the HTML would pass the size budget, so the footer is never clipped.
 */
export async function renderDigest(content: DigestContent): Promise<RenderedDigest> {
  if (content.articles.length === 0) throw new Error('a digest needs at least one article');
  const subject = digestSubject(content);
  for (const trim of trims) {
    const html = await renderEmailHtml('digest', digestView(content, trim));
    if (encodedBytes(html) + readerAllowanceBytes <= htmlBudgetBytes) return { subject, html, text: htmlToText(html) };
  }
  throw new InputError('E_CONFIG', [
    {
      path: 'site.json',
      message: `newsletter.maxArticles: digest ${content.number} does not fit in ${htmlBudgetBytes} bytes even as a list of headlines`,
      hint: 'lower newsletter.maxArticles',
    },
  ]);
}

const mailOnly = /<!--GZ:MAIL-->[\s\S]*?<!--\/GZ:MAIL-->/g;

/**
 * The web version of a stored digest, for `digests/<number>/index.html`: the mail-only parts (greeting,
 * unsubscribe link) cut out, the web-version links pointing at the page itself.
 */
export function renderWebDigest(digest: { number: number; html: string }, config: SiteConfig): string {
  const html = digest.html.replace(mailOnly, '').replaceAll(placeholders.webUrl, escapeHtml(digestWebUrl(config, digest.number)));
  const left = /%%GZ_[A-Z_]+%%|<!--\/?GZ:MAIL-->/.exec(html);
  if (left) throw new Error(`digest ${digest.number}: ${left[0]} outside a mail-only part of the template`);
  return html;
}

/** The `digests/index.html` page: every digest, newest first, linking to its web version. */
export async function renderDigestIndex(
  digests: readonly { number: number; createdAt: Date; subject: string }[],
  config: SiteConfig,
): Promise<string> {
  const sorted = [...digests].sort((a, b) => b.number - a.number);
  return renderEmailHtml('archive', {
    title: clean(`${config.title} — newsletter archive`),
    preheader: null,
    site: siteView(config),
    digests: sorted.map((d) => ({
      url: digestWebUrl(config, d.number),
      number: d.number,
      date: formatLongDate(d.createdAt, config.language, config.newsletter.timezone),
      subject: clean(d.subject),
    })),
  });
}
