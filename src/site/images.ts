// Images that articles show: `content/images/` is published as `images/`, so `image: /images/x.jpg` resolves.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { imagesDir } from '../content/load.js';
import { InputError } from '../errors.js';
import type { PlannedFile } from './plan.js';

const imageExtensions = /\.(avif|gif|ico|jpe?g|png|svg|webp)$/i;

/** Plans a copy of every image under `content/images/` (dotfiles skipped), keyed by size and modification time. */
export async function planImages(contentDir: string): Promise<PlannedFile<Promise<Buffer>>[]> {
  const root = join(contentDir, imagesDir);
  let entries: Dirent[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    if (code === 'ENOENT') return [];
    throw new InputError('E_CONTENT', [{ path: root, message: `cannot read the images folder (${code})`, hint: 'make it a readable folder of image files' }], {
      cause: error,
    });
  }
  const files = entries
    .filter((entry) => entry.isFile() && imageExtensions.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !relative(root, path).split(sep).some((part) => part.startsWith('.')))
    .sort();
  return Promise.all(
    files.map(async (path) => {
      const info = await stat(path);
      return {
        path: `${imagesDir}/${relative(root, path).split(sep).join('/')}`,
        key: `image\0${info.size}\0${info.mtimeMs}`,
        render: () => readFile(path),
        feedUrl: null,
      };
    }),
  );
}
