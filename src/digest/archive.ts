// The web archive of sent digests: `digests/<number>/index.html` and `digests/index.html` in the output folder.
import { join } from 'node:path';
import type { SiteConfig } from '../config/schema.js';
import { writeIfChanged } from '../files.js';
import type { Store } from '../store/types.js';
import type { MarkedDigest } from './assemble.js';
import type { RenderHtml } from './email.js';
import { archiveIndexPath } from '../site/layout.js';
import { renderDigestIndex, renderWebDigest } from './render.js';
import { digestWebPath, type DigestAddress } from './urls.js';

/** What the archive needs of a stored digest (a store's DigestRecord has it): the rendered parts as stored. */
export interface ArchivedDigest extends MarkedDigest, DigestAddress {
  number: number;
  createdAt: Date;
}

/**
 * Writes the web version of each digest (`digests/<n>/`, or `digests/<edition>/<n>/` when the site has
 * editions) and the archive's index page (rendered by `renderHtml`) into `outDir`, rewriting only the files whose
 * bytes change. Returns the paths written, relative to `outDir`.
 */
export async function writeDigestArchive(
  outDir: string,
  digests: readonly ArchivedDigest[],
  config: SiteConfig,
  renderHtml?: RenderHtml,
): Promise<string[]> {
  const files: [string, string][] = digests.map((digest) => [
    `${digestWebPath(config, digest)}index.html`,
    renderWebDigest(digest, config),
  ]);
  files.push([archiveIndexPath, await renderDigestIndex(digests, config, renderHtml)]);
  const written: string[] = [];
  for (const [path, text] of files) if (await writeIfChanged(join(outDir, path), text)) written.push(path);
  return written;
}

/** Writes the web archive of every digest in the store (see writeDigestArchive). */
export async function writeStoredArchive(
  store: Pick<Store, 'listDigests' | 'getDigest'>,
  outDir: string,
  config: SiteConfig,
  renderHtml?: RenderHtml,
): Promise<string[]> {
  const digests: ArchivedDigest[] = [];
  for (const summary of await store.listDigests()) {
    const digest = await store.getDigest(summary.number);
    if (digest) digests.push(digest);
  }
  return writeDigestArchive(outDir, digests, config, renderHtml);
}
