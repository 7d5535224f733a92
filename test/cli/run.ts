import { PassThrough, Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process on `stdin` and captures what it prints; `onStderr` is told all of stderr so far as each part comes. */
export async function run(
  argv: string[],
  env: Record<string, string | undefined> = {},
  { onStderr, stdin = '' }: { onStderr?: (text: string) => void; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => {
    err.push(c);
    onStderr?.(Buffer.concat(err).toString('utf8'));
  });
  const code = await main(argv, { stdin: Readable.from([stdin]), stdout, stderr, env });
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}
