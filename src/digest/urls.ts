// The public URLs a digest links to, from the site's output layout. Light on purpose: the delivery stage uses
// them without loading MJML.
import { hasEditions } from '../config/editions.js';
import { archiveDir, articleDir, feedFiles, urlOf } from '../site/layout.js';

/** A digest as its web version is found: its edition and issue number there. */
export interface DigestAddress {
  edition: string;
  issue: number;
}

/** A digest's web version, `digests/<issue>/` (`digests/<edition>/<issue>/` when the site has editions). */
export function digestWebPath(config: Parameters<typeof hasEditions>[0], digest: DigestAddress): string {
  return hasEditions(config) ? `${archiveDir}${digest.edition}/${digest.issue}/` : `${archiveDir}${digest.issue}/`;
}

/** The URL of a digest's web version (see digestWebPath). */
export function digestWebUrl(config: { baseUrl: string } & Parameters<typeof hasEditions>[0], digest: DigestAddress): string {
  return urlOf(config.baseUrl, digestWebPath(config, digest));
}

/** The URL of an article's page. */
export function articleUrl(config: { baseUrl: string }, article: { slug: string }): string {
  return urlOf(config.baseUrl, articleDir(article.slug));
}

/** The site's links every email shows: home, subscribe page, digest archive and the three feeds. */
export function siteUrls(config: { baseUrl: string }): Record<'home' | 'subscribe' | 'archive' | 'rss' | 'atom' | 'jsonFeed', string> {
  return {
    home: `${config.baseUrl}/`,
    subscribe: urlOf(config.baseUrl, 'subscribe/'),
    archive: urlOf(config.baseUrl, archiveDir),
    rss: urlOf(config.baseUrl, feedFiles.rss),
    atom: urlOf(config.baseUrl, feedFiles.atom),
    jsonFeed: urlOf(config.baseUrl, feedFiles.json),
  };
}
