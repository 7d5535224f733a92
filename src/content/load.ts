// Reads every article under the content folder: files in parallel, each problem kept, the rest loaded.
import type { Dirent } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, type Problem } from '../errors.js';
import { mapLimit } from '../files.js';
import type { Article } from './article.js';
import { isArticlePath, MAX_ARTICLE_BYTES, parseArticle, tooLargeFailure } from './parse.js';
import { distinctTimes } from './select.js';
import { failure, type ParseOptions, type ParseResult } from './parsing.js';

/** Files read at once: enough to keep the disk busy, few enough to stay far from the descriptor limit. */
const READ_CONCURRENCY = 16;

/** Articles and problems of a content folder. */
export interface LoadResult {
  articles: Article[];
  problems: Problem[];
}

const byPath = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The folder of `content/` that holds the articles' images, not articles (the site publishes it as it is). */
export const imagesDir = 'images';

/** Whether a relative path (with `/`) is one of the folders or files the loader skips: dotfiles and the images. */
function isSkipped(path: string): boolean {
  return path === imagesDir || path.startsWith(`${imagesDir}/`) || path.split('/').some((part) => part.startsWith('.'));
}

/**
 * Paths (relative, with `/`) of the article files under `contentDir`, at any depth, dotfiles and images skipped,
 * and a problem for each subfolder that cannot be read (the rest is still found). Throws InputError only when
 * `contentDir` itself cannot be read.
 */
async function findArticleFiles(contentDir: string): Promise<{ paths: string[]; problems: Problem[] }> {
  const paths: string[] = [];
  const problems: Problem[] = [];
  const folders = [''];
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    let entries: Dirent[];
    try {
      entries = await readdir(join(contentDir, folder), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      if (folder === '') {
        throw new InputError(
          'E_CONTENT',
          [{ path: contentDir, message: `cannot read the content folder (${code})`, hint: 'create it, or pass --content DIR (env GAZETTE_CONTENT)' }],
          { cause: error },
        );
      }
      problems.push({
        path: `${folder}/`,
        message: `cannot read this folder (${code}); its articles were left out`,
        hint: 'give Gazette permission to read it, or move it out of the content folder',
      });
      continue;
    }
    for (const entry of entries) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (isSkipped(path)) continue;
      if (entry.isDirectory()) folders.push(path);
      else if (entry.isFile() && isArticlePath(path)) paths.push(path);
    }
  }
  return { paths: paths.sort(byPath), problems };
}

/** The bytes of a file, or only its size when it is over the limit (so a huge file is never read). */
async function readLimited(file: string): Promise<{ bytes: Uint8Array } | { size: number }> {
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    return size > MAX_ARTICLE_BYTES ? { size } : { bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

async function loadArticle(contentDir: string, path: string, options: ParseOptions): Promise<ParseResult> {
  let read: Awaited<ReturnType<typeof readLimited>>;
  try {
    read = await readLimited(join(contentDir, path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return failure(path, undefined, `cannot read the file (${code})`, 'check that it exists and that Gazette may read it');
  }
  if ('size' in read) return tooLargeFailure(path, read.size);
  return parseArticle(read.bytes, path, options);
}

/** Keeps the articles whose slug no other file uses; each file of a shared slug gets a problem. */
function rejectDuplicateSlugs(articles: readonly Article[]): LoadResult {
  const bySlug = new Map<string, Article[]>();
  for (const article of articles) bySlug.set(article.slug, [...(bySlug.get(article.slug) ?? []), article]);
  const problems: Problem[] = [];
  for (const [slug, group] of bySlug) {
    if (group.length < 2) continue;
    for (const article of group) {
      const others = group.filter((other) => other !== article).map((other) => other.sourcePath);
      problems.push({
        path: article.sourcePath,
        message: `the slug "${slug}" is also used by ${others.join(', ')}`,
        hint: 'rename one of the files: the slug (the article URL) comes from the file name',
      });
    }
  }
  return { articles: articles.filter((article) => bySlug.get(article.slug)?.length === 1), problems };
}

/**
 * Loads every `.txt` and `.md` article under `contentDir`. Each invalid file becomes a problem and the
 * others still load; articles come sorted by source path, with distinct times (`distinctTimes`), problems by path. Throws InputError only when
 * the folder itself cannot be read.
 */
export async function loadArticles(contentDir: string, options: ParseOptions): Promise<LoadResult> {
  const { paths, problems: unreadable } = await findArticleFiles(contentDir);
  const results = await mapLimit(paths, READ_CONCURRENCY, (path) => loadArticle(contentDir, path, options));
  const unique = rejectDuplicateSlugs(results.flatMap((result) => (result.ok ? [result.article] : [])));
  const problems = [...unreadable, ...results.flatMap((result) => (result.ok ? [] : [result.problem])), ...unique.problems];
  problems.sort((a, b) => byPath(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
  return { articles: distinctTimes(unique.articles), problems };
}
