// `gazette preview`: the next digest as one reader would get it, made without recording or sending anything.
import type { Edition } from '../config/editions.js';
import type { SiteConfig } from '../config/schema.js';
import type { Article } from '../content/article.js';
import { fullCopy } from './assemble.js';
import { personalize } from './personalize.js';
import { renderDigest } from './render.js';
import { selectDigestArticles } from './select.js';
import { digestWebUrl } from './urls.js';

/** A previewed digest: a sample reader's HTML, and what it would carry. */
export interface DigestPreview {
  number: number;
  subject: string;
  html: string;
  text: string;
  carried: number;
  passedOver: number;
}

/**
 * Renders the edition's next digest, as a reader of every section gets it, for a sample reader whose links are
 * visibly fake; null when nothing is new.
 */
export async function previewDigest(input: {
  published: readonly Article[];
  seen: ReadonlySet<string>;
  number: number;
  config: SiteConfig;
  edition: Edition;
  now: Date;
}): Promise<DigestPreview | null> {
  const { config, number, edition } = input;
  const { carried, passedOver } = selectDigestArticles(input.published, input.seen, edition.maxArticles);
  if (carried.length === 0) return null;
  const rendered = await renderDigest({ number, date: input.now, articles: carried, config, edition });
  const copy = personalize(fullCopy(rendered), {
    name: 'Preview Reader',
    unsubscribeUrl: `${config.baseUrl}/unsubscribe?token=PREVIEW-NOT-A-REAL-TOKEN`,
    preferencesUrl: `${config.baseUrl}/preferences?token=PREVIEW-NOT-A-REAL-TOKEN`,
    webUrl: `${digestWebUrl(config, { edition: edition.id, issue: number })}#preview`,
  });
  return { number, subject: rendered.subject, ...copy, carried: carried.length, passedOver: passedOver.length };
}
