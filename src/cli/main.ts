// The command line: parses argv, runs one command, maps its outcome to an exit status.
import { stripVTControlCharacters } from 'node:util';
import { defineCommand, renderUsage, runCommand, type CommandDef, type SubCommandsDef } from 'citty';
import { GazetteError, InputError, UsageError } from '../errors.js';
import { commands } from './commands/index.js';
import type { CliIO } from './context.js';

const version = '0.1.0';

/** The root command, `gazette`. */
export const gazette = defineCommand({
  meta: { name: 'gazette', version, description: 'Publish articles as feeds, a static site and an email digest' },
  subCommands: commands,
});

interface Resolved {
  command: CommandDef;
  parent: CommandDef;
  rest: string[];
}

async function resolveCommand(argv: string[]): Promise<Resolved> {
  let command: CommandDef = gazette as CommandDef;
  let parent: CommandDef = gazette as CommandDef;
  let rest = argv;
  for (;;) {
    const subCommands = command.subCommands as SubCommandsDef | undefined;
    if (!subCommands) return { command, parent, rest };
    const index = rest.findIndex((arg) => !arg.startsWith('-'));
    const name = index === -1 ? undefined : rest[index];
    if (name === undefined) {
      if (rest.some(isHelpFlag)) return { command, parent, rest };
      throw new UsageError(`missing command — run "${await nameOf(command, parent)} --help" to see the commands`);
    }
    const entry = Object.hasOwn(subCommands, name) ? subCommands[name] : undefined;
    const next = await (typeof entry === 'function' ? entry() : entry);
    if (!next) {
      throw new UsageError(
        `unknown command "${name}" — one of: ${Object.keys(subCommands).join(', ')} (see "${await nameOf(command, parent)} --help")`,
      );
    }
    parent = command;
    command = next;
    rest = [...rest.slice(0, index), ...rest.slice(index + 1)];
  }
}

async function nameOf(command: CommandDef, parent: CommandDef): Promise<string> {
  const meta = await (typeof command.meta === 'function' ? command.meta() : command.meta);
  const parentMeta = await (typeof parent.meta === 'function' ? parent.meta() : parent.meta);
  return command === parent ? (meta?.name ?? 'gazette') : `${parentMeta?.name ?? 'gazette'} ${meta?.name ?? ''}`;
}

function isHelpFlag(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

/** Rejects flags the command does not declare, so a typo never silently falls back to a default. */
async function checkFlags(command: CommandDef, rest: string[]): Promise<void> {
  const args = (await (typeof command.args === 'function' ? command.args() : command.args)) ?? {};
  const known = new Set<string>();
  for (const [name, def] of Object.entries(args)) {
    known.add(name);
    if (def.type === 'boolean') known.add(`no-${name}`);
    if ('alias' in def && def.alias !== undefined) for (const alias of [def.alias].flat()) known.add(alias);
  }
  const positionals = Object.values(args).filter((def) => def.type === 'positional').length;
  let given = 0;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') {
      given++;
      continue;
    }
    const name = arg.replace(/^--?/, '').split('=')[0] ?? '';
    if (!known.has(name)) throw new UsageError(`unknown option "${arg}" — see --help for the options of this command`);
    const def = args[name];
    if (def && (def.type === 'string' || def.type === 'enum') && !arg.includes('=')) {
      const value = rest[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`option "${arg}" needs a value`);
      i++;
    }
  }
  if (given > positionals) throw new UsageError(`unexpected argument "${rest.filter((a) => !a.startsWith('-')).at(-1)}"`);
}

const defaultIO: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** Runs `gazette` with argv (without node and script) and returns the exit status; never exits itself. */
export async function main(argv: string[], io: Partial<CliIO> = {}): Promise<number> {
  const cli: CliIO = { ...defaultIO, ...io };
  try {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
      cli.stdout.write(`${version}\n`);
      return 0;
    }
    const { command, parent, rest } = await resolveCommand(argv);
    if (argv.some(isHelpFlag)) {
      const usage = await renderUsage(command, command === parent ? undefined : parent);
      cli.stdout.write(`${cli.stdout.isTTY ? usage : stripVTControlCharacters(usage)}\n`);
      return 0;
    }
    await checkFlags(command, rest);
    const { result } = await runCommand(command, { rawArgs: rest, data: cli });
    return typeof result === 'number' ? result : 0;
  } catch (error) {
    return reportError(error, cli);
  }
}

function reportError(error: unknown, io: CliIO): number {
  if (error instanceof InputError) {
    io.stderr.write(`${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof GazetteError) {
    io.stderr.write(`gazette: ${error.message}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`gazette: internal error — this is a bug in Gazette, please report it with this trace:\n${detail}\n`);
  return 1;
}
