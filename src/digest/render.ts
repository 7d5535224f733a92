// A digest rendered once, with placeholders for the per-reader parts, plus its web (archive) version.
import { editionsOf, hasEditions, type Edition } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import { subjectFields } from '../config/subject.js';
import type { Article } from '../content/article.js';
import { oneLine, sectionSlug, shorten } from '../content/text.js';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import { InputError } from '../errors.js';
import { absoluteUrl } from '../content/url.js';
import { copyPlaceholders, fullCopy, largestCopy, markTextRegions, regionKey, textMarkParagraphs, type DigestBlock, type MarkedDigest } from './assemble.js';
import { articleLanguage, declaredLanguage, formatLongDate, formatNumber, t, type Locale } from '../i18n/index.js';
import { htmlToText, renderEmailHtml, type RenderHtml } from './email.js';
import { escapeHtml, mailHtml, neutralizeTokens, placeholders } from './personalize.js';
import { articleUrl, digestWebUrl, siteUrls, type DigestAddress } from './urls.js';

// bench/delivery.bench.ts imports it from here; the light module is urls.ts.

/** What a digest is made of. */
export interface DigestContent {
  /** The issue number in its edition. */
  number: number;
  /** Its edition, named in the digest when the site has editions of its own. */
  edition?: Pick<Edition, 'name'>;
  date: Date;
  /** Newest first; never empty. */
  articles: readonly Article[];
  config: SiteConfig;
}

/**
 * A digest rendered once: subject, HTML and text with the placeholders of `personalize` and the regions each
 * reader's copy is assembled from (see assemble.ts), and its article blocks.
 */
export type RenderedDigest = MarkedDigest;

/**
 * Gmail clips HTML over about 102 KB, cutting off the footer with the unsubscribe link, counting the HTML as
 * sent: quoted-printable encoded, which makes Cyrillic or Arabic text about 3 times its UTF-8 size. A reader's
 * encoded copy must stay under this many bytes; the rendered digest keeps `readerAllowanceBytes` of it for their links.
 */
export const htmlBudgetBytes = 100_000;
const readerAllowanceBytes = 2_000;

/**
 * How much of each article to show; each step is tried in turn until the digest fits the budget. The last ones
 * list headlines only, shorter and shorter; the last fits the most articles `newsletter.maxArticles` allows.
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
  // Headlines in scripts of two or three bytes a character take three times that once encoded: 100 Arabic headlines
  // of 120 characters alone are about 72 KB.
  { summary: 0, title: 60, compact: true },
  { summary: 0, title: 30, compact: true },
];

/** Text from content, safe to render: no control characters, and no `%%` that could pass for a placeholder. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return neutralizeTokens(text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''));
}


const subjectField = new RegExp(`\\{(${subjectFields.join('|')})\\}`, 'g');

/**
 * The subject: `newsletter.subject` with `{title}`, `{date}`, `{headline}`, `{number}`, `{edition}` filled in once,
 * or else the catalogue's `mail.digest.subject` (`mail.digest.subject.edition` on a site with editions) with the same
 * values; the headline is that of `lead`, by default the first article.
 */
export function digestSubject(content: DigestContent, lead: Article | undefined = content.articles[0]): string {
  const { config } = content;
  const values = {
    title: config.title,
    date: formatLongDate(content.date, config.language, config.newsletter.timezone),
    headline: lead?.title ?? '',
    number: content.number,
    edition: content.edition?.name ?? config.title,
  };
  const template = config.newsletter.subject;
  // With editions, the default names the edition: two editions sent the same day would else share a subject.
  const key = namesEdition(config, content.edition) ? 'mail.digest.subject.edition' : 'mail.digest.subject';
  if (template === null) return oneLine(t(config.locale, key, values, false));
  const filled: Record<string, string> = { ...values, number: formatNumber(config.language, content.number) };
  return oneLine(template.replace(subjectField, (whole, key: string) => filled[key] ?? whole));
}

/** Site-wide values every email template shows. */
export function siteView(config: SiteConfig): Record<string, string | boolean> {
  const urls = siteUrls(config);
  return {
    lang: config.language,
    rtl: config.locale.dir === 'rtl',
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
  // `%%` is no escape in a URL; written as the escapes of two `%`, it cannot pass for a reader placeholder either
  // (an image URL of `?u=%%GZ_UNSUBSCRIBE_URL%%` would hand every reader's unsubscribe link to the image's host).
  return src === null ? null : { src: src.replaceAll('%%', '%25%25'), alt: clean(article.image?.alt || article.image?.caption || '') };
}

/**
 * The name of an image's link (none without an image): the headline it leads to, and what the picture shows, which the
 * link's name would else hide from a screen reader; the headline alone when the picture says nothing else.
 */
function imageLinkLabel(image: { alt: string } | null, title: string, locale: Locale): string[] {
  if (image === null) return [];
  return [image.alt === '' || image.alt === title ? title : t(locale, 'mail.digest.imageLink', { title, alt: image.alt })];
}

/** Whether a digest of `edition` names it (its subject, its issue line): on a site with editions. */
function namesEdition(config: SiteConfig, edition: Pick<Edition, 'name'> | undefined): boolean {
  return hasEditions(config) && edition !== undefined;
}

/** The catalogue key and edition name of an issue's line ("Issue 4 · date"): it names the edition on a site with editions. */
function issueLine(config: SiteConfig, edition: Pick<Edition, 'name'> | undefined): { issueKey: string; edition: string | null } {
  return { issueKey: namesEdition(config, edition) ? 'mail.digest.issue.edition' : 'mail.digest.issue', edition: edition ? clean(edition.name) : null };
}

/** The key of an article's section (the slug of `sections/<key>/`), null when it has none. */
export function sectionKey(article: Pick<Article, 'section'>): string | null {
  return article.section === null ? null : sectionSlug(article.section) || null;
}

/** What each reader's copy is assembled from: per article its section, and the subject and preview line it leads to. */
function digestBlocks(content: DigestContent, trim: Trim): DigestBlock[] {
  return content.articles.map((article) => ({
    slug: article.slug,
    section: sectionKey(article),
    subject: digestSubject(content, article),
    title: clean(shorten(article.title, trim.title)),
    summary: clean(article.summary),
  }));
}

/**
 * An article's own language for its block, when it is not the site's: `lang` (`und` for one not known: MJML drops an
 * empty `lang=""`, and the block would read as the site's language), `dir` and the alignment that follows.
 */
function blockLanguage(article: Article, config: SiteConfig): { tag: string; dir: string; align: string } | null {
  const lang = articleLanguage(article, config.locale);
  return lang === null ? null : { tag: declaredLanguage(lang.tag), dir: lang.dir, align: lang.dir === 'rtl' ? 'right' : 'left' };
}

/**
 * The view of the digest template: every content string cleaned, the reader fields as placeholders, the
 * subject and preview line as copy placeholders, each article and each possible story count a region.
 */
export function digestView(content: DigestContent, trim: Trim = fullTrim): object {
  const { config } = content;
  const titles = content.articles.map((a) => clean(shorten(a.title, trim.title)));
  return {
    subject: copyPlaceholders.subject,
    preheader: copyPlaceholders.preheader,
    locale: config.locale,
    site: siteView(config),
    // The masthead's line names the edition too when the site has several.
    ...issueLine(config, content.edition),
    // Shown plain, in the language's digits and never grouped (see formatNumber): an issue number is a name.
    number: content.number,
    date: formatLongDate(content.date, config.language, config.newsletter.timezone),
    // One "N new stories" line for each N a copy can have; a copy keeps the one for its own count.
    intros: content.articles.map((_, i) => ({ region: regionKey.count(i + 1), count: i + 1 })),
    compact: trim.compact,
    reader: placeholders,
    // Each article's links named after it, so a screen reader's list of links is not "Read more" ten times.
    linkLabels: trim.compact
      ? []
      : content.articles.flatMap((article, i) => [
          { selector: `.gz-read-${i} a`, label: t(config.locale, 'mail.digest.readMoreAbout', { title: titles[i] ?? '' }) },
          ...imageLinkLabel(imageView(article, config), titles[i] ?? '', config.locale).map((label) => ({ selector: `.gz-image-${i} a`, label })),
        ]),
    articles: content.articles.map((article, i) => ({
      region: regionKey.article(i),
      section: article.section === null ? null : clean(article.section),
      title: titles[i],
      url: articleUrl(config, article),
      summary: clean(shorten(article.summary, trim.summary)) || null,
      image: trim.compact ? null : imageView(article, config),
      lang: blockLanguage(article, config),
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
 * shortened step by step when the HTML would pass the size budget, so the footer is never clipped. `renderHtml`
 * renders the MJML (on a thread of its own in a publish, see render-thread.ts).
 */
export async function renderDigest(content: DigestContent, renderHtml: RenderHtml = renderEmailHtml): Promise<RenderedDigest> {
  if (content.articles.length === 0) throw new Error('a digest needs at least one article');
  const subject = digestSubject(content);
  for (const trim of trims) {
    const html = await renderHtml('digest', digestView(content, trim));
    const digest = { subject, html, text: markTextRegions(htmlToText(textMarkParagraphs(html))), blocks: digestBlocks(content, trim) };
    if (encodedBytes(largestCopy(digest, encodedBytes).html) + readerAllowanceBytes <= htmlBudgetBytes) return digest;
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
 * The web version of a stored digest, for `digests/<number>/index.html`: every article, the mail-only parts
 * (greeting, unsubscribe link) cut out, the web-version links pointing at the page itself.
 */
export function renderWebDigest(digest: MarkedDigest & DigestAddress, config: SiteConfig): string {
  const html = fullCopy(digest)
    .html.replace(mailOnly, '').replaceAll(placeholders.webUrl, () => escapeHtml(digestWebUrl(config, digest)));
  const left = /%%GZ_[A-Z_]+%%|<!--\/?GZ:MAIL-->/.exec(html);
  if (left) throw new Error(`digest ${digest.edition} ${digest.issue}: ${left[0]} outside a mail-only part of the template`);
  return html;
}

/** The `digests/index.html` page: every digest, newest first, linking to its web version. */
export async function renderDigestIndex(
  digests: readonly (DigestAddress & { number: number; createdAt: Date; subject: string })[],
  config: SiteConfig,
  renderHtml: RenderHtml = renderEmailHtml,
): Promise<string> {
  const sorted = [...digests].sort((a, b) => b.number - a.number);
  return renderHtml('archive', {
    title: clean(t(config.locale, 'mail.archive.title', { site: config.title })),
    preheader: null,
    locale: config.locale,
    site: siteView(config),
    digests: sorted.map((d) => ({
      url: digestWebUrl(config, d),
      // Two editions' issues of one day can share a lead headline: each line names its edition.
      ...issueLine(config, editionsOf(config).find((e) => e.id === d.edition)),
      number: d.issue,
      date: formatLongDate(d.createdAt, config.language, config.newsletter.timezone),
      subject: clean(d.subject),
    })),
  });
}
