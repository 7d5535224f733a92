// Reads every article under the content folder: files in parallel, each problem kept, the rest loaded.
import type { Dirent } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
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

/** Paths (relative, with `/`) of the article files under `contentDir`, at any depth, dotfiles and images skipped. */
async function findArticleFiles(contentDir: string): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(contentDir, { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError(
      'E_CONTENT',
      [
        {
          path: contentDir,
          message: `cannot read the content folder (${code})`,
          hint: 'create it, or pass --content DIR (env GAZETTE_CONTENT)',
        },
      ],
      { cause: error },
    );
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(contentDir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((path) => isArticlePath(path) && !path.startsWith(`${imagesDir}/`) && !path.split('/').some((part) => part.startsWith('.')))
    .sort(byPath);
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

/** The problems of articles that share `keyOf` with another file (each file gets one naming the others). */
function sharedKeyProblems(articles: readonly Article[], keyOf: (article: Article) => string, describe: (key: string, others: string) => Omit<Problem, 'path'>): Problem[] {
  const byKey = new Map<string, Article[]>();
  for (const article of articles) byKey.set(keyOf(article), [...(byKey.get(keyOf(article)) ?? []), article]);
  return [...byKey].flatMap(([key, group]) =>
    group.length < 2
      ? []
      : group.map((article) => ({ path: article.sourcePath, ...describe(key, group.filter((other) => other !== article).map((other) => other.sourcePath).join(', ')) })),
  );
}

/** Keeps the articles whose URL and id no other file has; each file of a shared one gets a problem naming the others. */
function rejectDuplicateSlugs(articles: readonly Article[]): LoadResult {
  const problems = [
    ...sharedKeyProblems(articles, (article) => article.slug, (slug, others) => ({
      message: `the URL articles/${slug}/ is also the URL of ${others}`,
      hint: 'give one of them its own: rename the file (a name with words is the URL), change its headline, or set slug: in Markdown front matter',
    })),
    ...sharedKeyProblems(articles, (article) => article.id, (id, others) => ({
      message: `the id "${id}" (made from the file name) is also the id of ${others}`,
      hint: 'rename one of the files: each article\'s id comes from its file name',
    })),
  ];
  const refused = new Set(problems.map((problem) => problem.path));
  return { articles: articles.filter((article) => !refused.has(article.sourcePath)), problems };
}

/**
 * Loads every `.txt` and `.md` article under `contentDir`. Each invalid file becomes a problem and the
 * others still load; articles come sorted by source path, with distinct times (`distinctTimes`), problems by path. Throws InputError only when
 * the folder itself cannot be read.
 */
export async function loadArticles(contentDir: string, options: ParseOptions): Promise<LoadResult> {
  const paths = await findArticleFiles(contentDir);
  const results = await mapLimit(paths, READ_CONCURRENCY, (path) => loadArticle(contentDir, path, options));
  const unique = rejectDuplicateSlugs(results.flatMap((result) => (result.ok ? [result.article] : [])));
  const problems = [...results.flatMap((result) => (result.ok ? [] : [result.problem])), ...unique.problems];
  problems.sort((a, b) => byPath(a.path, b.path) || (a.line ?? 0) - (b.line ?? 0));
  return { articles: distinctTimes(unique.articles), problems };
}
