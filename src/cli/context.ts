// What every command shares: its input/output streams and environment, and the SPEC's common flags.
import type { Readable } from 'node:stream';
import type { ArgsDef, CommandContext } from 'citty';
import { editionsOf, type Edition } from '../config/editions.js';
import { checkOutApart, resolveOptions, type RuntimeOptions } from '../config/options.js';
import type { SiteConfig } from '../config/schema.js';
import { formatProblem, UsageError, type Problem } from '../errors.js';
import { resolveEditions } from '../subscribers/choices.js';

/** Streams and environment a command runs with; tests pass their own. */
export interface CliIO {
  /** Read by `subscribers import -`. */
  stdin: Readable;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

/** The flags of SPEC "Environment and flags"; each command spreads the ones it uses. */
export const optionArgs = {
  content: { type: 'string', valueHint: 'DIR', description: 'content folder (env GAZETTE_CONTENT, default ./content)' },
  out: { type: 'string', valueHint: 'DIR', description: 'output folder (env GAZETTE_OUT, default ./public)' },
  db: {
    type: 'string',
    valueHint: 'FILE|URL',
    description: 'SQLite file or postgres:// URL (env GAZETTE_DB, default ./data/gazette.db)',
  },
  outbox: {
    type: 'string',
    valueHint: 'DIR',
    description: 'outbox folder when SMTP_URL is unset (env GAZETTE_OUTBOX, default ./data/outbox)',
  },
  port: { type: 'string', valueHint: 'N', description: 'HTTP port (env PORT, default 8080)' },
} as const satisfies ArgsDef;

/** The `--json` flag of commands that report a machine-readable result. */
export const jsonArg = {
  json: { type: 'boolean', description: 'print one JSON object on stdout instead of a summary' },
} as const satisfies ArgsDef;

/** The `--edition ID` flag of `publish` and `preview`. */
export const editionArg = {
  edition: { type: 'string', valueHint: 'ID', description: 'only this edition of newsletter.editions (by id or name)' },
} as const satisfies ArgsDef;

/** The edition an `--edition` value names; an unknown one is a UsageError naming the editions. */
export function editionOf(value: string, config: SiteConfig): Edition {
  const editions = editionsOf(config);
  const resolved = resolveEditions([value], editions);
  if (!resolved.ok) throw new UsageError(`--edition: ${resolved.message}`);
  return editions.find((e) => e.id === resolved.keys[0]) as Edition;
}

/** The CliIO that `main` put in the command context. */
export function ioOf<T extends ArgsDef>(context: CommandContext<T>): CliIO {
  return context.data as CliIO;
}

/** Resolves the runtime options of a command from its parsed flags and the environment. */
export function optionsOf<T extends ArgsDef>(context: CommandContext<T>): RuntimeOptions {
  const args = context.args as Record<string, unknown>;
  const flag = (name: string): string | undefined => (typeof args[name] === 'string' ? (args[name] as string) : undefined);
  return resolveOptions(
    { content: flag('content'), out: flag('out'), db: flag('db'), outbox: flag('outbox'), port: flag('port') },
    ioOf(context).env,
  );
}

/**
 * optionsOf for a command that writes or serves `--out` (build, publish, serve, daemon): an output folder that would
 * publish the content, the database or the outbox it uses is refused (see checkOutApart).
 */
export function publishingOptionsOf<T extends ArgsDef>(context: CommandContext<T>, uses: { database: boolean; outbox: boolean }): RuntimeOptions {
  const options = optionsOf(context);
  checkOutApart(options, uses);
  return options;
}

/** Prints each input problem as `path:line: what — how to fix` on stderr. */
export function writeProblems(io: CliIO, problems: readonly Problem[]): void {
  for (const problem of problems) io.stderr.write(`${formatProblem(problem)}\n`);
}

/** Prints each warning (something to mend that changed nothing) as `warning: path: what — how to fix` on stderr. */
export function writeWarnings(io: CliIO, warnings: readonly Problem[]): void {
  for (const warning of warnings) io.stderr.write(`warning: ${formatProblem(warning)}\n`);
}
