// The newsletter archive's page before the first digest: every page's footer links to `digests/`, which `publish` writes.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeIfChanged } from '../files.js';
import { archiveIndexPath } from './layout.js';
import { emptyArchiveMarker } from './pages.js';

/** What the page depends on, and the last build's key for it (see `Manifest.archive`): the same key, and a build's page there, and it is not rendered. */
export interface ArchiveKeys {
  key: string;
  previous: string | undefined;
}

/**
 * Writes the archive's index page of `outDir` as `render` gives it (see renderEmptyArchivePage) when there is none, or
 * when the one there is a build's (it has `emptyArchiveMarker`) made under another key; the archive `publish` wrote is
 * left alone, as is anything that cannot be read. Whether the file was written: null when it was not the build's to write.
 */
export async function writeEmptyArchive(outDir: string, render: () => string, keys: ArchiveKeys, madeDirs?: Set<string>): Promise<boolean | null> {
  const path = join(outDir, archiveIndexPath);
  let text: string | null;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    // A folder or an unreadable file in its place is not the build's to replace.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    text = null;
  }
  if (text !== null && !text.includes(emptyArchiveMarker)) return null;
  // Rendering it would be the only message a build that changed nothing formats (10 ms of a rebuild: the first one loads the locale's rules).
  if (text !== null && keys.key === keys.previous) return false;
  return writeIfChanged(path, render(), { absent: text === null, ...(madeDirs ? { madeDirs } : {}) });
}
