// Serving the built site (`--out`): feed and page types, strong ETags, Last-Modified, 304s and compression.
// Each encoding is its own representation with its own strong tag (`"h"`, `"h-gzip"`, `"h-br"`): compressing a
// file's bytes is deterministic, so a tag still names exactly one byte sequence, and feed readers keep the
// strong validators they revalidate with. (Hono's compress middleware would weaken them to W/.)
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';
import type { Context } from 'hono';
import { parseAccept } from 'hono/utils/accept';
import { COMPRESSIBLE_CONTENT_TYPE_REGEX } from 'hono/utils/compress';
import { getMimeType } from 'hono/utils/mime';
import type { Problem } from '../errors.js';
import { evaluatePreconditions } from './conditional.js';
import { feedFiles, feedTypes, redirectsFile, urlOf } from '../site/layout.js';

/**
 * The warning for serving a folder no build has written (no `index.html`): every page would answer 404 without a word
 * of why. `whenBuilt` says when one will be (the daemon's schedules); null when there is a site.
 */
export function missingSiteWarning(outDir: string, whenBuilt: string): Problem | null {
  if (existsSync(join(outDir, 'index.html'))) return null;
  const what = statSync(outDir, { throwIfNoEntry: false })?.isFile() === true ? 'a file, not a folder' : 'no site here yet (no index.html)';
  return {
    path: outDir,
    message: `${what}: every page answers 404 until a build writes one${whenBuilt}`,
    hint: 'run "gazette build" (or "gazette publish") with the same --content and --out, or pass --out DIR naming the folder a build wrote',
  };
}

/** How long browsers and proxies may reuse a file before revalidating it (feeds and pages change when a build runs). */
const staticCacheControl = 'public, max-age=300';

/** Smaller files go out as they are: compression would save less than its headers cost. */
const compressFrom = 1024;

/** Remembered hashes; the oldest are forgotten past this many files. */
const maxCachedFiles = 10_000;

const typeByName = new Map<string, string>([
  [feedFiles.rss, `${feedTypes.rss}; charset=utf-8`],
  [feedFiles.atom, `${feedTypes.atom}; charset=utf-8`],
  [feedFiles.json, feedTypes.json],
]);

/** The Content-Type a file of `--out` is served with: feed types by name (root and `sections/`), else by extension. */
function contentTypeOf(path: string): string {
  return typeByName.get(basename(path)) ?? getMimeType(path) ?? 'application/octet-stream';
}

/**
 * The decoded path segments of a request path, or null when any could step outside the folder or reach a hidden
 * file: `.` / `..` / dotfiles, encoded `/` or `\`, NUL and other controls, empty segments (`//`), bad escapes.
 */
export function safeSegments(pathname: string): string[] | null {
  const parts = pathname.split('/').slice(1);
  const segments: string[] = [];
  for (const [i, raw] of parts.entries()) {
    if (raw === '') {
      if (i === parts.length - 1) break;
      return null;
    }
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    // eslint-disable-next-line no-control-regex -- control characters never name a file we publish
    if (segment.startsWith('.') || /[/\\\u0000-\u001f\u007f]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

type Encoding = 'br' | 'gzip';

/** The encoding to send: the client's preferred among br and gzip (br on a tie), or null for identity. */
export function chooseEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const accepts = parseAccept(acceptEncoding);
  const q = (name: string): number => accepts.find((a) => a.type.toLowerCase() === name)?.q ?? accepts.find((a) => a.type === '*')?.q ?? 0;
  const br = q('br');
  const gzip = q('gzip');
  if (br <= 0 && gzip <= 0) return null;
  return br >= gzip ? 'br' : 'gzip';
}

interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
  hash: Promise<string>;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('base64url').slice(0, 27);
}

/** The redirects `build` left (old folder → current folder), and how many segments the deepest old folder has. */
export interface Redirects {
  map: ReadonlyMap<string, string>;
  deepest: number;
}

const noRedirects: Redirects = { map: new Map(), deepest: 0 };

/** The redirects `build` left in `root`, read again whenever the file changes. */
function redirectsOf(root: string): () => Promise<Redirects> {
  let known: { ino: number; size: number; mtimeMs: number; redirects: Promise<Redirects> } | null = null;
  return async () => {
    let info;
    try {
      info = await stat(join(root, redirectsFile));
    } catch {
      return noRedirects;
    }
    if (known?.ino !== info.ino || known.size !== info.size || known.mtimeMs !== info.mtimeMs) {
      const redirects = readFile(join(root, redirectsFile), 'utf8').then(
        (text) => {
          const data: unknown = JSON.parse(text);
          const entries = data !== null && typeof data === 'object' ? Object.entries(data) : [];
          // Only folder paths under the root: a Location of `//host/` would send readers to another site.
          const isFolder = (value: unknown): value is string => typeof value === 'string' && value.endsWith('/') && safeSegments(`/${value}`) !== null;
          const map = new Map(entries.filter((entry): entry is [string, string] => isFolder(entry[1])));
          let deepest = 0;
          for (const from of map.keys()) deepest = Math.max(deepest, from.split('/').length - 1);
          return { map, deepest };
        },
        // A file caught half-written by a build: no redirects this once, the next request reads it again.
        () => noRedirects,
      );
      known = { ino: info.ino, size: info.size, mtimeMs: info.mtimeMs, redirects };
    }
    return known.redirects;
  };
}

/**
 * Where a request for `segments` has moved: the deepest redirected folder that holds it, with the rest of the path
 * kept (`sections/economie/feed.xml` → `sections/économie/feed.xml`, and a folder as a folder:
 * `sections/economie/page/2/` → `sections/économie/page/2/`, in one hop); an old folder's `index.html` is the folder.
 * Only as deep as the deepest old folder: a path of 8,000 segments, each depth joined, held the server 1.1–1.6 s.
 */
export function movedTo({ map, deepest }: Redirects, segments: readonly string[], folder: boolean): string | undefined {
  for (let depth = Math.min(segments.length, deepest); depth > 0; depth--) {
    const to = map.get(segments.slice(0, depth).map((segment) => `${segment}/`).join(''));
    if (to === undefined) continue;
    const rest = segments.slice(depth);
    if (rest.length === 1 && rest[0] === 'index.html') return to;
    return to + rest.join('/') + (folder && rest.length > 0 ? '/' : '');
  }
  return undefined;
}

/** The built site as the server serves it. */
export interface StaticSite {
  /** Answers GET and HEAD with a file of the site; 404 for anything it will not or cannot serve, 301 at an old URL. */
  serve(c: Context): Promise<Response>;
  /** Whether GET at `url` finds something: a file, or a redirect to one. */
  serves(url: URL): Promise<boolean>;
}

type Found = { moved: string } | { file: string; info: Stats } | null;

/** What the feeds' responses announce besides their bytes. */
export interface StaticSiteOptions {
  /**
   * The WebSub hub (`feeds.websubHub`) and the site's `baseUrl`: each feed is then served with `Link` headers naming the
   * hub and its own URL, the discovery WebSub §4 requires of a publisher (it defines in-document links for RSS and Atom, none for JSON Feed's `hubs`).
   */
  websub?: { hub: string; baseUrl: string };
}

/** Serves the files of `root` (see StaticSite). */
export function createStaticSite(root: string, options: StaticSiteOptions = {}): StaticSite {
  const websub = options.websub ? { hub: new URL(options.websub.hub).href, baseUrl: options.websub.baseUrl } : null;
  const versions = new Map<string, FileVersion>();
  let rootReal: string | null = null;
  const redirects = redirectsOf(root);

  async function version(path: string, info: { ino: number; size: number; mtimeMs: number }): Promise<string> {
    const known = versions.get(path);
    if (known && known.ino === info.ino && known.size === info.size && known.mtimeMs === info.mtimeMs) return known.hash;
    const hash = hashFile(path);
    versions.delete(path);
    versions.set(path, { ...info, hash });
    if (versions.size > maxCachedFiles) versions.delete(versions.keys().next().value ?? '');
    hash.catch(() => versions.delete(path));
    return hash;
  }

  /** The file `url` names, where it moved (a Location), or null. */
  async function find(url: URL): Promise<Found> {
    const segments = safeSegments(url.pathname);
    if (!segments) return null;
    const moved = segments.length > 0 ? movedTo(await redirects(), segments, url.pathname.endsWith('/')) : undefined;
    if (moved !== undefined) return { moved: `/${moved.split('/').map(encodeURIComponent).join('/')}${url.search}` };
    try {
      const base = (rootReal ??= await realpath(root));
      // Where a path leads once every link is followed, if that is a file the site publishes: inside the folder, and
      // not hidden (a link to the manifest or the cache is no way to them).
      const published = async (path: string): Promise<string | null> => {
        const real = await realpath(path);
        if (real === base) return real;
        return real.startsWith(base + sep) && !real.slice(base.length + 1).split(sep).some((part) => part.startsWith('.')) ? real : null;
      };
      let file = await published(join(base, ...segments));
      if (file === null) return null;
      let info = await stat(file);
      if (info.isDirectory()) {
        if (!url.pathname.endsWith('/')) return { moved: `${url.pathname}/${url.search}` };
        // The folder's index.html may be a link too.
        file = await published(join(file, 'index.html'));
        if (file === null) return null;
        info = await stat(file);
      } else if (url.pathname.endsWith('/')) {
        // A file is no folder: served at `index.html/`, a page's relative links would all lead nowhere.
        return null;
      }
      return info.isFile() ? { file, info } : null;
    } catch {
      return null;
    }
  }

  const serve = async (c: Context): Promise<Response> => {
    const found = await find(new URL(c.req.url));
    if (found === null) return c.notFound();
    if ('moved' in found) return c.redirect(found.moved, 301);
    const { file, info } = found;

    const type = contentTypeOf(file);
    const compressible = COMPRESSIBLE_CONTENT_TYPE_REGEX.test(type);
    const encoding = compressible && info.size >= compressFrom ? chooseEncoding(c.req.header('accept-encoding')) : null;
    const hash = await version(file, info);
    const etag = `"${hash}${encoding ? `-${encoding}` : ''}"`;
    const headers = new Headers({
      ETag: etag,
      'Last-Modified': info.mtime.toUTCString(),
      'Cache-Control': staticCacheControl,
      'X-Content-Type-Options': 'nosniff',
    });
    if (compressible) headers.set('Vary', 'Accept-Encoding');

    const status = evaluatePreconditions(
      { ifMatch: c.req.header('if-match'), ifUnmodifiedSince: c.req.header('if-unmodified-since'), ifNoneMatch: c.req.header('if-none-match'), ifModifiedSince: c.req.header('if-modified-since') },
      etag,
      info.mtimeMs,
    );
    if (status === 304) return new Response(null, { status, headers });
    if (status === 412) return new Response(null, { status });

    headers.set('Content-Type', type);
    if (websub && typeByName.has(basename(file))) {
      // The topic is the URL the hub is pinged with: the feed's under baseUrl, whatever host the request named.
      const self = urlOf(websub.baseUrl, (safeSegments(new URL(c.req.url).pathname) ?? []).join('/'));
      headers.set('Link', `<${websub.hub}>; rel="hub", <${self}>; rel="self"`);
    }
    if (encoding) headers.set('Content-Encoding', encoding);
    else headers.set('Content-Length', String(info.size));
    if (c.req.method === 'HEAD') return new Response(null, { status: 200, headers });
    const source = createReadStream(file);
    const body = encoding
      ? pipeline(
          source,
          encoding === 'br'
            ? createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: info.size } })
            : createGzip(),
          () => {},
        )
      : source;
    return new Response(Readable.toWeb(body) as ReadableStream, { status: 200, headers });
  };

  return { serve, serves: async (url) => (await find(url)) !== null };
}
