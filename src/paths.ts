// Where Gazette's own files are. Its modules run from `src/` (under tsx) or bundled into `dist/`: both one level below
// the package, so a path relative to this module holds either way, where one relative to a module in a stage's folder
// would not hold in the bundle.
import { fileURLToPath } from 'node:url';

/** A folder of `templates/` in this installation (`site`, `email`, `server`, `admin`, `locales`), with a trailing slash. */
export function templatesDirOf(kind: 'site' | 'email' | 'server' | 'admin' | 'locales'): string {
  return fileURLToPath(new URL(`../templates/${kind}/`, import.meta.url));
}
