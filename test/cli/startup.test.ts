import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const probe = new URL('./loaded-packages.ts', import.meta.url).pathname;

/** The npm packages a fresh `gazette ARGS` process loads (tsx and its esbuild aside). */
async function packagesLoadedBy(...argv: string[]): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe, ...argv]);
  return (JSON.parse(stdout) as string[]).filter((name) => name !== 'tsx' && name !== 'esbuild');
}

describe('start-up', () => {
  it('loads no command library for --version', async () => {
    expect(await packagesLoadedBy('--version')).toEqual([]);
  });

  it('lists the commands in --help without loading MJML, the Markdown and HTML stack or the logger', async () => {
    const loaded = await packagesLoadedBy('--help');
    for (const heavy of ['mjml', 'handlebars', 'sanitize-html', 'yaml', 'pino', 'cli-progress', 'nodemailer', 'better-sqlite3']) expect(loaded).not.toContain(heavy);
  });

  it('leaves MJML unloaded in the server until a mail is rendered', async () => {
    const server = new URL('../../src/server/index.ts', import.meta.url).href;
    const script = `await import(${JSON.stringify(server)}); const { createRequire } = await import('node:module');
      process.stdout.write(JSON.stringify(Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('/node_modules/mjml'))));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script]);
    expect(JSON.parse(stdout)).toEqual([]);
  });
});
