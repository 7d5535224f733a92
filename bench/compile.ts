// The benches that run `gazette` as a user does build it first, as `npm ci` does: `npm run build` (the esbuild
// bundle in dist/, the precompiled site templates and the code's hash).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `npm run build` in the checkout; throws when it fails. */
export function buildGazette(): void {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
}
