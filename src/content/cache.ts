// Parsed articles kept between builds, so a rebuild parses only the files whose bytes changed.
import { readFile } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../files.js';
import type { Article } from './article.js';
import { hashArticleBytes } from './parsing.js';

/** The articles by source path and their files' fingerprints. */
interface Entries {
  articles: Map<string, Article>;
  /** Per source path, the fingerprint (see `fileFingerprint` in load.ts) of the file the article was read from. */
  files: Map<string, string>;
}

/** What a cache file holds: the key it was made under and the entries. */
interface CacheData extends Entries {
  version: 2;
  key: string;
}

/**
 * Articles parsed by an earlier build, valid under one key (a hash of whatever else parsing depends on:
 * Gazette's code, the site config). An article is reused only for the same source path and the same bytes,
 * which a file's fingerprint (inode, size, change and modification times) vouches for without reading them,
 * as git's index does.
 */
export class ArticleCache {
  readonly #file: string;
  readonly #key: string;
  readonly #previous: Entries;
  readonly #current: Entries = { articles: new Map(), files: new Map() };
  #changed: boolean;

  private constructor(file: string, key: string, previous: Entries, changed: boolean) {
    this.#file = file;
    this.#key = key;
    this.#previous = previous;
    this.#changed = changed;
  }

  /** The cache in `file` when it was made under `key`; an empty one when it is missing, damaged or of another key. */
  static async open(file: string, key: string): Promise<ArticleCache> {
    try {
      const data = deserialize(await readFile(file)) as Partial<CacheData>;
      if (data.version === 2 && data.key === key && data.articles instanceof Map && data.files instanceof Map) {
        return new ArticleCache(file, key, { articles: data.articles, files: data.files }, false);
      }
    } catch {
      // Missing or unreadable: start empty, and write a good one at the end of the build.
    }
    return new ArticleCache(file, key, { articles: new Map(), files: new Map() }, true);
  }

  /** Whether the last build recorded a fingerprint for `path` (then `unchanged` can tell without reading the file). */
  hasFingerprint(path: string): boolean {
    return this.#previous.files.has(path);
  }

  /** The article parsed earlier from `path` when its file still has the `fingerprint` recorded then; it is kept for the next build. */
  unchanged(path: string, fingerprint: string | null): Article | undefined {
    const article = this.#reusable(path);
    if (!article || fingerprint === null || this.#previous.files.get(path) !== fingerprint) return undefined;
    this.#keep(article, fingerprint);
    return article;
  }

  /**
   * The article parsed earlier from `path` when it was parsed from these `bytes`; it is kept for the next build, with
   * the file's `fingerprint` now. The bytes are hashed only when there is such an article (the parser hashes the others itself).
   */
  lookup(path: string, bytes: Uint8Array, fingerprint: string | null): Article | undefined {
    const article = this.#reusable(path);
    if (!article || article.hash !== hashArticleBytes(bytes)) return undefined;
    this.#keep(article, fingerprint);
    return article;
  }

  /** Records a freshly parsed article, and its file's fingerprint when it has one, for the next build. */
  remember(article: Article, fingerprint: string | null): void {
    this.#keep(article, fingerprint);
    this.#changed = true;
  }

  /** The earlier article of `path`, unless the cache file was tampered with so that it is no article (its date not a Date). */
  #reusable(path: string): Article | undefined {
    const article = this.#previous.articles.get(path);
    return article?.date instanceof Date ? article : undefined;
  }

  #keep(article: Article, fingerprint: string | null): void {
    this.#current.articles.set(article.sourcePath, article);
    if (fingerprint !== null) this.#current.files.set(article.sourcePath, fingerprint);
    if (fingerprint !== (this.#previous.files.get(article.sourcePath) ?? null)) this.#changed = true;
  }

  /** Writes the articles looked up or remembered in this build, unless they and their fingerprints are exactly the ones read. */
  async save(): Promise<void> {
    if (!this.#changed && this.#current.articles.size === this.#previous.articles.size) return;
    const data: CacheData = { version: 2, key: this.#key, ...this.#current };
    await writeFileAtomic(this.#file, serialize(data));
  }
}
