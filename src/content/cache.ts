// Parsed articles kept between builds, so a rebuild parses only the files whose bytes changed.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { clearingTheWay, writeFileAtomic } from '../files.js';
import type { Article } from './article.js';
import { hashArticleBytes } from './parsing.js';
import { readFileReused } from './read.js';

/**
 * Shard files the cache is split into: a rebuild after one edit writes one of them again, not the whole cache (tens of
 * megabytes for 10,000 articles).
 */
const SHARDS = 16;

/** The articles of one shard by source path, and their files' fingerprints. */
interface Entries {
  articles: Map<string, Article>;
  /** Per source path, the fingerprint (see `fileFingerprint` in read.ts) of the file the article was read from. */
  files: Map<string, string>;
}

/**
 * What a shard file holds: the key it was made under and its entries, the articles' bodies taken out into one string.
 * Read back, the bodies are slices of it (V8 keeps a slice as a pointer into the string): 625 bodies of a kilobyte or
 * two, deserialized one by one, were most of the bytes the garbage collector copied while a rebuild opened its cache.
 */
export interface ShardData extends Entries {
  version: 3;
  key: string;
  /** The `html` of the articles whose `ends` entry is a number, one after the other in the order of `articles` (each holds `''`). */
  bodies: string;
  /**
   * Per article, where its body ends in `bodies`; null for a body kept in the article: one with a character past
   * U+00FF, which would make the whole string (and every slice of it) two bytes a character.
   */
  ends: (number | null)[];
}

/** Whether `text` has a character past U+00FF (V8 then stores it two bytes a character). */
const isWide = (text: string): boolean => /[\u0100-\uffff]/.test(text);

/** A shard's data for its file: the bodies put together in `bodies`, the articles copied without theirs. */
export function packShard(key: string, { articles, files }: Entries): ShardData {
  const bodies: string[] = [];
  const ends: (number | null)[] = [];
  const packed = new Map<string, Article>();
  let end = 0;
  for (const [path, article] of articles) {
    if (isWide(article.html)) {
      ends.push(null);
      packed.set(path, article);
      continue;
    }
    bodies.push(article.html);
    ends.push((end += article.html.length));
    packed.set(path, { ...article, html: '' });
  }
  return { version: 3, key, articles: packed, files, bodies: bodies.join(''), ends };
}

/**
 * The entries of a shard file's data when it was made under `key`, each article given its body back; undefined when
 * anything does not fit (a damaged or edited file): the shard then counts as empty.
 */
export function unpackShard(key: string, data: Partial<ShardData>): Entries | undefined {
  const { articles, files, bodies, ends } = data;
  if (data.version !== 3 || data.key !== key || !(articles instanceof Map) || !(files instanceof Map) || typeof bodies !== 'string') return undefined;
  if (!Array.isArray(ends) || ends.length !== articles.size) return undefined;
  let start = 0;
  let index = 0;
  for (const [path, article] of articles as Map<unknown, Partial<Article> | null>) {
    const end: unknown = ends[index++];
    // One object under two paths would get the second path's body: each article must be its own path's.
    if (typeof article !== 'object' || article === null || article.sourcePath !== path) return undefined;
    if (end === null) {
      if (typeof article.html !== 'string') return undefined;
      continue;
    }
    if (typeof end !== 'number' || !Number.isSafeInteger(end) || end < start || end > bodies.length) return undefined;
    article.html = bodies.slice(start, end);
    start = end;
  }
  return start === bodies.length ? { articles, files } : undefined;
}

const emptyShards = (): Entries[] => Array.from({ length: SHARDS }, () => ({ articles: new Map(), files: new Map() }));

/**
 * What this build keeps of one shard. Most of a rebuild's articles are the shard's own, kept as they were: only their
 * paths are listed, and the shard's maps are made again only when it is to be written (two map entries per article
 * cost a rebuild of 10,000 articles about 10 ms).
 */
interface Kept {
  /** Paths whose article and fingerprint are the ones read. */
  same: string[];
  /** The others: articles parsed again, or files with a new fingerprint (null: none to record). */
  changed: Map<string, { article: Article; fingerprint: string | null }>;
}

/** The shard of a source path (a string hash: it needs only to stay the same while the cache's key does). */
function shardOf(path: string): number {
  let hash = 0;
  for (let i = 0; i < path.length; i++) hash = (Math.imul(hash, 31) + path.charCodeAt(i)) | 0;
  return (hash >>> 0) % SHARDS;
}

/** The file of shard `shard` in the cache folder `dir`. */
const shardFile = (dir: string, shard: number): string => join(dir, `articles-${shard}.v8`);

/**
 * Articles parsed by an earlier build, valid under one key (a hash of whatever else parsing depends on:
 * Gazette's code, the site config). An article is reused only for the same source path and the same bytes,
 * which a file's fingerprint (inode, size, change and modification times) vouches for without reading them,
 * as git's index does.
 */
export class ArticleCache {
  readonly #dir: string;
  readonly #key: string;
  readonly #previous: Entries[];
  readonly #kept: Kept[] = Array.from({ length: SHARDS }, () => ({ same: [], changed: new Map() }));
  /** Shards to write: missing, damaged or of another key when read, or changed since. */
  readonly #dirty: Set<number>;

  private constructor(dir: string, key: string, previous: Entries[], dirty: Set<number>) {
    this.#dir = dir;
    this.#key = key;
    this.#previous = previous;
    this.#dirty = dirty;
  }

  /**
   * The cache in the folder `dir` as far as it was made under `key`: a shard missing, damaged or of another key counts
   * as empty. Read synchronously: each file is deserialized at once, where reads through the thread pool waited on
   * the deserializing of the others (35 ms of a rebuild of 10,000 articles).
   */
  static open(dir: string, key: string): ArticleCache {
    const previous = emptyShards();
    const dirty = new Set<number>();
    for (const shard of previous.keys()) {
      try {
        // Deserializing copies every string and object out of the reused buffer (only a typed array would point into it,
        // and an article holds none), so the next read may overwrite it.
        const entries = unpackShard(key, deserialize(readFileReused(shardFile(dir, shard))) as Partial<ShardData>);
        if (entries) {
          previous[shard] = entries;
          continue;
        }
      } catch {
        // Missing or unreadable: the shard starts empty, and a good one is written at the end of the build.
      }
      dirty.add(shard);
    }
    return new ArticleCache(dir, key, previous, dirty);
  }

  /**
   * The article parsed earlier from `path` when its file still has the fingerprint recorded then, as `fingerprintNow`
   * gives it (called only when there is one to compare, so a file the cache does not know is not even looked at); it is
   * kept for the next build.
   */
  unchanged(path: string, fingerprintNow: () => string | null): Article | undefined {
    const shard = shardOf(path);
    const recorded = this.#previous[shard]?.files.get(path);
    const article = recorded === undefined ? undefined : this.#reusable(path, shard);
    if (!article || fingerprintNow() !== recorded) return undefined;
    this.#keep(article, recorded, shard);
    return article;
  }

  /** The articles the last build parsed from files under `folder` (ending in `/`), kept for the next build as they were. */
  keepUnder(folder: string): Article[] {
    const kept: Article[] = [];
    for (const [shard, { articles }] of this.#previous.entries()) {
      for (const path of articles.keys()) {
        const article = path.startsWith(folder) ? this.#reusable(path, shard) : undefined;
        if (article) kept.push(this.#keepAsItWas(article, shard));
      }
    }
    return kept;
  }

  /**
   * The article the last build parsed from `path` when `test` says it may stay, kept for the next build as it was, under
   * the fingerprint of the file it was parsed from: the file as it is now (invalid) is read and reported again.
   * Undefined when there is none.
   */
  keepLast(path: string, test: (article: Article) => boolean): Article | undefined {
    const shard = shardOf(path);
    const article = this.#reusable(path, shard);
    return article && test(article) ? this.#keepAsItWas(article, shard) : undefined;
  }

  /** An earlier article of `shard`, kept for the next build with the fingerprint recorded for its file. */
  #keepAsItWas(article: Article, shard: number): Article {
    this.#keep(article, this.#previous[shard]?.files.get(article.sourcePath) ?? null, shard);
    return article;
  }

  /** Whether the last build parsed an article from `path` (else there is nothing to compare its bytes with). */
  knows(path: string): boolean {
    return this.#reusable(path, shardOf(path)) !== undefined;
  }

  /**
   * The article parsed earlier from `path` when it was parsed from these `bytes`; it is kept for the next build, with
   * the file's `fingerprint` now. The bytes are hashed only when there is such an article (the parser hashes the others itself).
   */
  lookup(path: string, bytes: Uint8Array, fingerprint: string | null): Article | undefined {
    const shard = shardOf(path);
    const article = this.#reusable(path, shard);
    if (!article || article.hash !== hashArticleBytes(bytes)) return undefined;
    this.#keep(article, fingerprint, shard);
    return article;
  }

  /** Records a freshly parsed article, and its file's fingerprint when it has one, for the next build. */
  remember(article: Article, fingerprint: string | null): void {
    this.#keep(article, fingerprint, shardOf(article.sourcePath));
  }

  /** The earlier article of `path`, unless the cache file was tampered with so that it is no article (its date not a Date). */
  #reusable(path: string, shard: number): Article | undefined {
    const article = this.#previous[shard]?.articles.get(path);
    return article?.date instanceof Date ? article : undefined;
  }

  #keep(article: Article, fingerprint: string | null, shard: number): void {
    const kept = this.#kept[shard] as Kept;
    const previous = this.#previous[shard] as Entries;
    if (previous.articles.get(article.sourcePath) === article && fingerprint === (previous.files.get(article.sourcePath) ?? null)) {
      kept.same.push(article.sourcePath);
      return;
    }
    kept.changed.set(article.sourcePath, { article, fingerprint });
    this.#dirty.add(shard);
  }

  /** The entries this build keeps in `shard`. */
  #entries(shard: number): Entries {
    const previous = this.#previous[shard] as Entries;
    const { same, changed } = this.#kept[shard] as Kept;
    const entries: Entries = { articles: new Map(), files: new Map() };
    for (const path of same) {
      entries.articles.set(path, previous.articles.get(path) as Article);
      const fingerprint = previous.files.get(path);
      if (fingerprint !== undefined) entries.files.set(path, fingerprint);
    }
    for (const [path, { article, fingerprint }] of changed) {
      entries.articles.set(path, article);
      if (fingerprint !== null) entries.files.set(path, fingerprint);
    }
    return entries;
  }

  /** Writes each shard whose articles or fingerprints are not exactly the ones read (an article gone counts too). */
  async save(): Promise<void> {
    const changed = this.#kept.flatMap(({ same }, shard) => (this.#dirty.has(shard) || same.length !== this.#previous[shard]?.articles.size ? [shard] : []));
    if (changed.length === 0) return;
    // The cache's paths are Gazette's own: a file where the folder goes, or a folder where a shard goes, is damage like any other.
    await clearingTheWay(this.#dir, () => mkdir(this.#dir, { recursive: true }));
    const writes: Promise<void>[] = [];
    for (const shard of changed) {
      const file = shardFile(this.#dir, shard);
      const bytes = serialize(packShard(this.#key, this.#entries(shard)));
      const write = clearingTheWay(file, () => writeFileAtomic(file, bytes));
      write.catch(() => undefined); // awaited below, with the others
      writes.push(write);
      // A shard a turn: packed all at once, they held this thread 70 ms in a full build, the page threads waiting on it.
      await new Promise(setImmediate);
    }
    await Promise.all(writes);
  }
}
