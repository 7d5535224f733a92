// The command line: parses argv, runs one command, maps its outcome to an exit status.
import { stripVTControlCharacters } from 'node:util';
import { defineCommand, renderUsage, runCommand, type CommandDef, type SubCommandsDef } from 'citty';
import { databaseErrorOf, fileErrorOf, GazetteError, InputError, quoteValue, UsageError } from '../errors.js';
import { closestName } from '../suggest.js';
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
  rest: string[];
  /** How the user names this command: `gazette subscribers add`. */
  name: string;
}

async function resolveCommand(argv: string[]): Promise<Resolved> {
  let command: CommandDef = gazette as CommandDef;
  let rest = argv;
  let name = 'gazette';
  for (;;) {
    const subCommands = command.subCommands as SubCommandsDef | undefined;
    if (!subCommands) return { command, rest, name };
    const index = rest.findIndex((arg) => !arg.startsWith('-'));
    const typed = index === -1 ? undefined : rest[index];
    if (typed === undefined) {
      if (rest.some(isHelpFlag)) return { command, rest, name };
      // Only flags, before any command: `gazette --verison` meant a flag of its own, not a command.
      const flag = rest.find((arg) => arg.startsWith('-'));
      const meant = flag === undefined ? undefined : closestName(flag.replace(/^--?/, ''), name === 'gazette' ? ['version', 'help'] : ['help']);
      if (flag !== undefined && meant !== undefined) {
        throw new UsageError(`unknown option ${quoteValue(flag)} — did you mean --${meant}? (run "${name} --help" to see the commands)`);
      }
      throw new UsageError(`missing command — run "${name} --help" to see the commands`);
    }
    const entry = Object.hasOwn(subCommands, typed) ? subCommands[typed] : undefined;
    const next = await (typeof entry === 'function' ? entry() : entry);
    if (!next) {
      const meant = closestName(typed, Object.keys(subCommands));
      const list = `one of: ${Object.keys(subCommands).join(', ')}`;
      const said = meant === undefined ? `${list} (see "${name} --help")` : `did you mean "${meant}"? (${list}; see "${name} --help")`;
      throw new UsageError(`unknown command ${quoteValue(typed)} — ${said}`);
    }
    command = next;
    name = `${name} ${typed}`;
    rest = [...rest.slice(0, index), ...rest.slice(index + 1)];
  }
}

function isHelpFlag(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

/**
 * Checks the arguments against what the command declares before citty parses them, so each mistake names the
 * argument at fault: unknown flags, missing values, enum values, missing or extra positionals (also after `--`).
 */
async function checkArgs(command: CommandDef, rest: string[], name: string): Promise<void> {
  const args = (await (typeof command.args === 'function' ? command.args() : command.args)) ?? {};
  // Each name a flag may be given by, and the flag it is.
  const known = new Map<string, string>();
  for (const [flag, def] of Object.entries(args)) {
    known.set(flag, flag);
    if (def.type === 'boolean') known.set(`no-${flag}`, flag);
    if ('alias' in def && def.alias !== undefined) for (const alias of [def.alias].flat()) known.set(alias, flag);
  }
  const given = new Set<string>();
  const declared = Object.entries(args).filter(([, def]) => def.type === 'positional');
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] ?? '';
    if (arg === '--') {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const [flag = '', inline] = arg.replace(/^--?/, '').split(/=(.*)/s);
    // One dash takes one letter: citty reads `-db` as `-d -b`, so the database named went nowhere, without a word.
    if (!arg.startsWith('--') && flag.length > 1) {
      const long = known.has(flag) || flag === 'help' ? ` — a long option takes two dashes: --${flag}` : ` — see "${name} --help" for the options of this command`;
      throw new UsageError(`unknown option ${quoteValue(arg)}${long}`);
    }
    const canonical = known.get(flag);
    if (canonical === undefined) {
      const meant = closestName(flag, [...known.keys(), 'help']);
      const help = `see "${name} --help" for the options of this command`;
      const said = meant === undefined ? help : `did you mean ${meant.length === 1 ? '-' : '--'}${meant}? (${help})`;
      throw new UsageError(`unknown option ${quoteValue(arg)} — ${said}`);
    }
    // The last would win without a word (`--from a.db … --from b.db` copied b.db).
    if (given.has(canonical)) throw new UsageError(`option --${canonical} is given twice — give it once`);
    given.add(canonical);
    const def = args[canonical];
    if (!def || (def.type !== 'string' && def.type !== 'enum')) continue;
    const value = inline ?? rest[++i];
    // An empty value of a required option (`--from "$SRC"` with SRC unset) is as missing as the option.
    if (value === undefined || (inline === undefined && value.startsWith('--')) || (def.required === true && value.trim() === '')) {
      throw new UsageError(`option ${quoteValue(arg)} needs a value`);
    }
    if (def.type === 'enum' && !(def.options ?? []).includes(value)) {
      throw new UsageError(`option --${flag} does not take ${quoteValue(value)} — use one of: ${(def.options ?? []).join(', ')}`);
    }
  }
  const extra = positionals[declared.length];
  if (extra !== undefined) throw new UsageError(`unexpected argument ${quoteValue(extra)} — see "${name} --help"`);
  const missing = declared.find(([, def], i) => positionals[i] === undefined && def.required !== false && def.default === undefined);
  if (missing) {
    const [arg, def] = missing;
    throw new UsageError(`missing ${def.valueHint ?? arg.toUpperCase()}${def.description ? ` (${def.description})` : ''} — see "${name} --help"`);
  }
  const unset = Object.entries(args).find(([flag, def]) => def.type !== 'positional' && def.required === true && !given.has(flag));
  if (unset) {
    const [flag, def] = unset;
    const value = 'valueHint' in def && def.valueHint !== undefined ? ` ${def.valueHint}` : '';
    throw new UsageError(`missing option --${flag}${value}${def.description ? `: ${def.description}` : ''} — see "${name} --help"`);
  }
}

const defaultIO: CliIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };

/** Runs `gazette` with argv (without node and script) and returns the exit status; never exits itself. */
export async function main(argv: string[], io: Partial<CliIO> = {}): Promise<number> {
  const cli: CliIO = { ...defaultIO, ...io };
  try {
    if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
      cli.stdout.write(`${version}\n`);
      return 0;
    }
    const { command, rest, name } = await resolveCommand(argv);
    if (argv.some(isHelpFlag)) {
      // citty names a command after its parent's name only: given the whole path instead, `gazette db migrate --help`
      // says `gazette db migrate`, not `db migrate`.
      const path = name.split(' ').slice(0, -1).join(' ');
      const usage = await renderUsage(command, path === '' ? undefined : defineCommand({ meta: { name: path, version } }));
      cli.stdout.write(`${cli.stdout.isTTY ? usage : stripVTControlCharacters(usage)}\n`);
      return 0;
    }
    await checkArgs(command, rest, name);
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
  // The reader of our output went away (`gazette subscribers export | head`): nothing is wrong, nothing to say.
  if ((error as NodeJS.ErrnoException | null)?.code === 'EPIPE') return 0;
  const known = fileErrorOf(error) ?? databaseErrorOf(error);
  if (known !== null) return reportError(known, io);
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`gazette: internal error — this is a bug in Gazette, please report it with this trace:\n${detail}\n`);
  return 1;
}
