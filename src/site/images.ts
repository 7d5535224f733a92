// Images that articles show: `content/images/` is published as `images/`, so `image: /images/x.jpg` resolves.
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import type { Article } from '../content/article.js';
import { imagesDir } from '../content/load.js';
import { fileFingerprint } from '../content/read.js';
import { normalizeText } from '../content/text.js';
import { InputError, type Problem } from '../errors.js';
import { mapLimit } from '../files.js';
import { imageTypeOf, type ImageFile } from '../feeds/item.js';
import type { PlannedFile } from './plan.js';
import { validateSvg } from './svg.js';

const imageExtensions = /\.(avif|gif|ico|jpe?g|png|svg|webp)$/i;

/** The copies of the images, and a problem for each one not published (see validateSvg). */
export interface ImageCopies {
  copies: PlannedFile<Promise<Buffer>>[];
  problems: Problem[];
  /** The output paths (`images/x.svg`) of the images not published: an article showing one shows a broken image. */
  refused: Set<string>;
}

/** The image kinds published, for a message. */
const imageKinds = 'AVIF, GIF, ICO, JPEG, PNG, SVG or WebP';

/**
 * Plans a copy of every image under `content/images/` (dotfiles skipped), keyed by its file's fingerprint as the article
 * cache reads it (inode, size, change and modification times, which a rewrite keeping size and mtime still changes);
 * an image whose times are too recent at `now` to vouch for its bytes gets a key no later build repeats. An SVG that
 * can run script is left out, with a problem.
 */
export async function planImages(contentDir: string, now = Date.now()): Promise<ImageCopies> {
  const root = join(contentDir, imagesDir);
  let entries: Dirent[];
  try {
    // A link is not followed, as no link in the content folder is: one to a folder elsewhere would publish all of it.
    if ((await lstat(root)).isSymbolicLink()) {
      const problem = { path: `${imagesDir}/`, message: `a symbolic link: Gazette does not follow links, so no image is published from it`, hint: `put the images folder itself in the content folder` };
      return { copies: [], problems: [problem], refused: new Set() };
    }
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return { copies: [], problems: [], refused: new Set() };
    throw new InputError('E_CONTENT', [{ path: root, message: `cannot read the images folder (${code})`, hint: 'make it a readable folder of image files' }], {
      cause: error,
    });
  }
  const files = entries
    .filter((entry) => entry.isFile() && imageExtensions.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !relative(root, path).split(sep).some((part) => part.startsWith('.')))
    .sort();
  const planned = await mapLimit(files, 16, async (path): Promise<PlannedFile<Promise<Buffer>> | Problem> => {
    const published = `${imagesDir}/${relative(root, path).split(sep).join('/')}`;
    const info = await stat(path);
    const key = `image\0${fileFingerprint(info, now) ?? `unsettled at ${now}`}`;
    if (!/\.svg$/i.test(path)) return { path: published, key, render: () => readFile(path), feedUrl: null };
    // Read now, every build (an SVG is a few kilobytes, and a site has few), and published as checked: the file may change meanwhile.
    const bytes = await readFile(path);
    return validateSvg(bytes, published) ?? { path: published, key, render: () => Promise.resolve(bytes), feedUrl: null };
  });
  const problems = planned.filter((each): each is Problem => !('render' in each));
  return { copies: planned.filter((each): each is PlannedFile<Promise<Buffer>> => 'render' in each), problems, refused: new Set(problems.map((problem) => problem.path)) };
}

/** The local image files the articles show, by absolute URL, and a problem for each one that does not exist. */
export interface ImageFacts {
  images: Map<string, ImageFile>;
  problems: Problem[];
}

/** The absolute URLs of the site's own images an article shows (under images/ or not): its image and those in its body. */
function ownImageUrls(article: Article, baseUrl: string): string[] {
  // Most bodies have no image: a plain search skips the pattern, which cost a rebuild of 10,000 articles 20 ms.
  const inBody = article.html.includes('<img ') ? [...article.html.matchAll(/<img [^>]*?src="([^"]+)"/g)].map((match) => unescapeAttr(match[1] ?? '')) : [];
  if (inBody.length === 0 && article.image === null) return [];
  return [...new Set([article.image?.url ?? '', ...inBody])].filter((url) => url.startsWith(`${baseUrl}/`));
}

/** Whether a link to `images/…` may start at `at` of `text`: after a delimiter, `/` or `./` after one, or the site's own URL. */
function startsLink(text: string, at: number, siteUrl: string): boolean {
  const delimiter = (index: number): boolean => index < 0 || /[\s("'<=:[]/.test(text[index] ?? '');
  if (delimiter(at - 1)) return true;
  if (text[at - 1] !== '/') return false;
  return delimiter(at - 2) || (text[at - 2] === '.' && delimiter(at - 3)) || text.slice(0, at - 1).endsWith(siteUrl);
}

/**
 * The line of the article file `file` that first links to an image of the site at `siteUrl`, its path under the site
 * `written` as its URL has it or `decoded`: as either, percent-encoded or with `&amp;`, and only where a link starts and
 * ends (not the tail of another site's URL). The parsed article no longer knows where its image came from. Undefined
 * when no line does, or the file cannot be read (it changed since it was parsed).
 */
async function lineNaming(file: string, written: string, decoded: string, siteUrl: string): Promise<number | undefined> {
  const read = await readFile(file, 'utf8').catch(() => null);
  if (read === null) return undefined;
  // As the parsers read it: a lone CR ends a line too.
  const text = normalizeText(read);
  const names = new Set([written, decoded, encodeURI(decoded)].flatMap((name) => [name, name.replaceAll('&', '&amp;')]));
  let first = -1;
  for (const link of names) {
    for (let at = text.indexOf(link); at >= 0 && (first < 0 || at < first); at = text.indexOf(link, at + 1)) {
      if (startsLink(text, at, siteUrl) && !/[\w%./-]/.test(text[at + link.length] ?? ' ')) {
        first = at;
        break;
      }
    }
  }
  return first < 0 ? undefined : text.slice(0, first).split('\n').length;
}

function unescapeAttr(value: string): string {
  return value.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/**
 * Why the image at `relativePath` under images/ is not published, when planImages planned no copy of it: the problem's
 * message and hint (its `url` shown to the desk). Looked at without following a link.
 */
async function notPublished(contentDir: string, url: string, relativePath: string, written: string, refused: ReadonlySet<string>): Promise<[string, string]> {
  const published = `${imagesDir}/${relativePath}`;
  if (refused.has(published)) return [`the image ${url} is not published (see the problem of ${published}): readers will see a broken image`, `make ${published} safe, or show another image`];
  const inside = relativePath !== '' && !relativePath.split('/').includes('..');
  const info = inside ? await lstat(join(contentDir, imagesDir, ...relativePath.split('/'))).catch(() => null) : null;
  if (info === null || info.isDirectory()) {
    return [
      `the image ${url} is not a file in ${imagesDir}/ of the content folder: readers will see a broken image`,
      `add ${imagesDir}/${relativePath || '…'} to the content folder, or correct the image path${/[?#]/.test(written) ? ' (a "?" or "#" ends the path of a URL: write %3F or %23 for one in a file name)' : ''}`,
    ];
  }
  if (!imageExtensions.test(relativePath)) {
    return [`the image ${url} is not of a kind Gazette publishes (${imageKinds}): readers will see a broken image`, `save it as JPEG, PNG or WebP, and show that file`];
  }
  return [
    `the image ${url} is a symbolic link, under one, or in a hidden folder of ${imagesDir}/: Gazette publishes none of these, so readers will see a broken image`,
    `put the image file itself in ${imagesDir}/, outside any folder whose name starts with a dot`,
  ];
}

/**
 * The image of images/ that an own-site URL outside images/ was most likely meant to be (`harbour.png`,
 * `content/images/harbour.png` and `/Images/harbour.png` all resolve outside it): a published image of the same file
 * name, or null.
 */
function meantImage(url: string, baseUrl: string, published: ReadonlyMap<string, string>): string | null {
  if (!url.startsWith(`${baseUrl}/`)) return null;
  let name: string;
  try {
    name = posix.basename(decodeURIComponent(new URL(url).pathname)).toLowerCase();
  } catch {
    return null;
  }
  return published.get(name) ?? null;
}

/**
 * Reads size and type (from the first bytes; the extension for SVG) of every image under `content/images/`
 * that the articles show. An image that is not published (not there, refused, a link: see planImages and notPublished)
 * is a problem of each article that shows it, at the line that names it (the article is still published); so is an
 * image of the site outside images/ whose file name is a published image's, which the desk meant.
 */
export async function readImageFacts(contentDir: string, articles: readonly Article[], baseUrl: string, planned: Pick<ImageCopies, 'copies' | 'refused'>): Promise<ImageFacts> {
  const imagesUrl = `${baseUrl}/${imagesDir}/`;
  const copies = new Set(planned.copies.map((copy) => copy.path));
  const byName = new Map<string, string>();
  for (const path of [...copies].reverse()) byName.set(posix.basename(path).toLowerCase(), path);
  // Each image once, with the articles that show it.
  const shownBy = new Map<string, Article[]>();
  for (const article of articles) {
    for (const url of ownImageUrls(article, baseUrl)) {
      const shown = shownBy.get(url);
      if (shown) shown.push(article);
      else shownBy.set(url, [article]);
    }
  }
  const images = new Map<string, ImageFile>();
  const problemsOf = (shown: readonly Article[], written: string, decoded: string, message: string, hint: string): Promise<Problem[]> =>
    Promise.all(
      shown.map(async (article) => {
        const line = await lineNaming(join(contentDir, article.sourcePath), written, decoded, baseUrl);
        return { path: article.sourcePath, ...(line === undefined ? {} : { line }), message, hint };
      }),
    );
  const found = await mapLimit([...shownBy], 16, async ([url, shown]): Promise<Problem[]> => {
    if (!url.startsWith(imagesUrl)) {
      const meant = meantImage(url, baseUrl, byName);
      if (meant === null) return [];
      const written = url.slice(baseUrl.length + 1);
      let decoded = written;
      try {
        decoded = decodeURIComponent(written);
      } catch {
        // Written with a lone %: looked for as written.
      }
      const message = `the image ${url} is not in ${imagesDir}/, which is all of the content folder the site publishes: readers will see a broken image`;
      return problemsOf(shown, written, decoded, message, `write /${meant} for the file content/${meant}`);
    }
    let relativePath: string;
    try {
      relativePath = decodeURIComponent(new URL(url).pathname.slice(new URL(imagesUrl).pathname.length));
    } catch {
      relativePath = '';
    }
    const published = `${imagesDir}/${relativePath}`;
    const written = url.slice(imagesUrl.length);
    const [writtenPath, decodedPath] = [`${imagesDir}/${written}`, `${imagesDir}/${relativePath || written}`];
    if (!copies.has(published)) return problemsOf(shown, writtenPath, decodedPath, ...(await notPublished(contentDir, url, relativePath, written, planned.refused)));
    // A planned copy is a file of images/ itself (see planImages): its facts are its own, no link's.
    const file = join(contentDir, imagesDir, ...relativePath.split('/'));
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return problemsOf(shown, writtenPath, decodedPath, ...(await notPublished(contentDir, url, relativePath, written, planned.refused)));
    // Loaded for the first local image only: a site without any does not pay for the sniffer at every build.
    const { fileTypeFromFile } = await import('file-type');
    const sniffed = (await fileTypeFromFile(file))?.mime;
    images.set(url, { length: info.size, type: sniffed?.startsWith('image/') ? sniffed : imageTypeOf(file) });
    return [];
  });
  return { images, problems: found.flat() };
}
