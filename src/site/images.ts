// Images that articles show: `content/images/` is published as `images/`, so `image: /images/x.jpg` resolves.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
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

/** The absolute URLs of the site's own images an article shows: its image and those in its body. */
function localImageUrls(article: Article, imagesUrl: string): string[] {
  // Most bodies have no image: a plain search skips the pattern, which cost a rebuild of 10,000 articles 20 ms.
  const inBody = article.html.includes('<img ') ? [...article.html.matchAll(/<img [^>]*?src="([^"]+)"/g)].map((match) => unescapeAttr(match[1] ?? '')) : [];
  if (inBody.length === 0 && article.image === null) return [];
  return [...new Set([article.image?.url ?? '', ...inBody])].filter((url) => url.startsWith(imagesUrl));
}

/** Whether a link to `images/…` may start at `at` of `text`: after a delimiter, `/` or `./` after one, or the site's own URL. */
function startsLink(text: string, at: number, siteUrl: string): boolean {
  const delimiter = (index: number): boolean => index < 0 || /[\s("'<=:[]/.test(text[index] ?? '');
  if (delimiter(at - 1)) return true;
  if (text[at - 1] !== '/') return false;
  return delimiter(at - 2) || (text[at - 2] === '.' && delimiter(at - 3)) || text.slice(0, at - 1).endsWith(siteUrl);
}

/**
 * The line of the article file `file` that first links to an image of images/ (of the site at `siteUrl`), its path
 * there `written` as its URL has it or `decoded`: as either, percent-encoded or with `&amp;`, and only where a link
 * starts and ends (not the tail of another site's URL). The parsed article no longer knows where its image came from.
 * Undefined when no line does, or the file cannot be read (it changed since it was parsed).
 */
async function lineNaming(file: string, written: string, decoded: string, siteUrl: string): Promise<number | undefined> {
  const read = await readFile(file, 'utf8').catch(() => null);
  if (read === null) return undefined;
  // As the parsers read it: a lone CR ends a line too.
  const text = normalizeText(read);
  const names = new Set([written, decoded, encodeURI(decoded)].flatMap((name) => [name, name.replaceAll('&', '&amp;')]));
  let first = -1;
  for (const name of names) {
    const link = `${imagesDir}/${name}`;
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
 * Reads size and type (from the first bytes; the extension for SVG) of every image under `content/images/`
 * that the articles show. An image that is not there, or not published (`refused`, output paths: see planImages), is a
 * problem of each article that shows it, at the line that names it (the article is still published).
 */
export async function readImageFacts(contentDir: string, articles: readonly Article[], baseUrl: string, refused: ReadonlySet<string>): Promise<ImageFacts> {
  const imagesUrl = `${baseUrl}/${imagesDir}/`;
  // Each image once, with the articles that show it.
  const shownBy = new Map<string, Article[]>();
  for (const article of articles) {
    for (const url of localImageUrls(article, imagesUrl)) {
      const shown = shownBy.get(url);
      if (shown) shown.push(article);
      else shownBy.set(url, [article]);
    }
  }
  const images = new Map<string, ImageFile>();
  const found = await mapLimit([...shownBy], 16, async ([url, shown]): Promise<Problem[]> => {
    let relativePath: string;
    try {
      relativePath = decodeURIComponent(new URL(url).pathname.slice(new URL(imagesUrl).pathname.length));
    } catch {
      relativePath = '';
    }
    const file = join(contentDir, imagesDir, ...relativePath.split('/'));
    const published = `${imagesDir}/${relativePath}`;
    const info = relativePath === '' || relativePath.split('/').includes('..') ? null : await stat(file).catch(() => null);
    if (!info?.isFile() || refused.has(published)) {
      const written = url.slice(imagesUrl.length);
      const [message, hint] = info?.isFile()
        ? [`the image ${url} is not published (see the problem of ${published}): readers will see a broken image`, `make ${published} safe, or show another image`]
        : [
            `the image ${url} is not a file in ${imagesDir}/ of the content folder: readers will see a broken image`,
            `add ${imagesDir}/${relativePath || '…'} to the content folder, or correct the image path${/[?#]/.test(written) ? ' (a "?" or "#" ends the path of a URL: write %3F or %23 for one in a file name)' : ''}`,
          ];
      return Promise.all(
        shown.map(async (article) => {
          const line = await lineNaming(join(contentDir, article.sourcePath), written, relativePath || written, baseUrl);
          return { path: article.sourcePath, ...(line === undefined ? {} : { line }), message, hint };
        }),
      );
    }
    // Loaded for the first local image only: a site without any does not pay for the sniffer at every build.
    const { fileTypeFromFile } = await import('file-type');
    const sniffed = (await fileTypeFromFile(file))?.mime;
    images.set(url, { length: info.size, type: sniffed?.startsWith('image/') ? sniffed : imageTypeOf(file) });
    return [];
  });
  return { images, problems: found.flat() };
}
