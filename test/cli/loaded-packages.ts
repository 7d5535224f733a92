// Run as `node --import tsx test/cli/loaded-packages.ts ARGS…`: runs the CLI, then prints the npm packages it loaded.
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.js';

const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
await main(process.argv.slice(2), { stdout: sink, stderr: sink, env: {} });
const packages = Object.keys(createRequire(import.meta.url).cache).flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? []);
process.stdout.write(JSON.stringify([...new Set(packages)]));
