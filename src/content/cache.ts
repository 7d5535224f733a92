// Parsed articles kept between builds, so a rebuild parses only the files whose bytes changed.
import { readFile } from 'node:fs/promises';
import { deserialize, serialize } from 'node:v8';
import { writeFileAtomic } from '../files.js';
import type { Article } from './article.js';
import { hashArticleBytes } from './parsing.js';

/** What a cache file holds: the key it was made under and the articles by source path. */
interface CacheData {
  version: 1;
  key: string;
  articles: Map<string, Article>;
}

/**
 * Articles parsed by an earlier build, valid under one key (a hash of whatever else parsing depends on:
 * Gazette's code, the site config). An article is reused only for the same source path and the same bytes.
 */
export class ArticleCache {
  readonly #file: string;
  readonly #key: string;
  readonly #previous: ReadonlyMap<string, Article>;
  readonly #current = new Map<string, Article>();
  #changed: boolean;

  private constructor(file: string, key: string, previous: ReadonlyMap<string, Article>, changed: boolean) {
    this.#file = file;
    this.#key = key;
    this.#previous = previous;
    this.#changed = changed;
  }

  /** The cache in `file` when it was made under `key`; an empty one when it is missing, damaged or of another key. */
  static async open(file: string, key: string): Promise<ArticleCache> {
    try {
      const data = deserialize(await readFile(file)) as Partial<CacheData>;
      if (data.version === 1 && data.key === key && data.articles instanceof Map) return new ArticleCache(file, key, data.articles, false);
    } catch {
      // Missing or unreadable: start empty, and write a good one at the end of the build.
    }
    return new ArticleCache(file, key, new Map(), true);
  }

  /**
   * The article parsed earlier from `path` when it was parsed from these `bytes`; it is kept for the next build. The
   * bytes are hashed only when there is such an article (the parser hashes the others itself).
   */
  lookup(path: string, bytes: Uint8Array): Article | undefined {
    const article = this.#previous.get(path);
    if (!article || article.hash !== hashArticleBytes(bytes) || !(article.date instanceof Date)) return undefined;
    this.#current.set(path, article);
    return article;
  }

  /** Records a freshly parsed article for the next build. */
  remember(article: Article): void {
    this.#current.set(article.sourcePath, article);
    this.#changed = true;
  }

  /** Writes the articles looked up or remembered in this build, unless they are exactly the ones read. */
  async save(): Promise<void> {
    if (!this.#changed && this.#current.size === this.#previous.size) return;
    const data: CacheData = { version: 1, key: this.#key, articles: this.#current };
    await writeFileAtomic(this.#file, serialize(data));
  }
}
