import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { onExit } from 'signal-exit';
import { defineCommand, type ArgsDef, type CommandContext } from 'citty';
import { fileErrorOf, quoteValue, UsageError } from '../../errors.js';
import { replaceFile, userFileTarget } from '../../files.js';
import { subscriberStatuses, type Store, type SubscriberFilter, type SubscriberStatus } from '../../store/types.js';
import { resolveChoices, resolveEditions, resolveSections, type KnownChoices, type RawChoices } from '../../subscribers/choices.js';
import type * as Validate from '../../subscribers/validate.js';
import { ioOf, optionArgs, optionsOf, writeProblems, writeWarnings, type CliIO } from '../context.js';

const storeArgs = { db: optionArgs.db };
// --content only for what names sections or editions: they are read from site.json and the articles.
const choiceArgs = { content: optionArgs.content };

// The address validator (zod), CSV and the subscriber writers load when a subcommand runs: `gazette --help` loads
// every command's file for its description, and these were most of its time.
const validator = (): Promise<typeof Validate> => import('../../subscribers/validate.js');

/** The sections and editions of --content, read only when a command names some. */
async function knownChoices<A extends ArgsDef>(typed: CommandContext<A>): Promise<KnownChoices> {
  const { loadKnownChoices } = await import('../../subscribers/known.js');
  return loadKnownChoices(optionsOf(typed as unknown as CommandContext).contentDir, new Date());
}

/** Resolves --sections / --editions; an unknown name is a UsageError naming the known ones, and nothing is saved. */
async function choicesOf<A extends ArgsDef>(typed: CommandContext<A>, raw: RawChoices): Promise<{ sections?: string[]; editions?: string[] }> {
  if (raw.sections === undefined && raw.editions === undefined) return {};
  const resolved = resolveChoices(raw, await knownChoices(typed));
  if (!resolved.ok) throw new UsageError(resolved.message);
  return resolved.choices;
}


/** Runs `work` with the store at --db and the command's streams, closing the store after. */
async function withStore<A extends ArgsDef, T>(
  typed: CommandContext<A>,
  work: (store: Store, io: CliIO) => Promise<T> | T,
  { existing = false } = {},
): Promise<T> {
  // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
  const context = typed as unknown as CommandContext;
  const { openExistingStore, openStore } = await import('../../store/index.js');
  const store = await (existing ? openExistingStore : openStore)(optionsOf(context));
  try {
    return await work(store, ioOf(context));
  } finally {
    await store.close();
  }
}

/** A missing folder or a folder in the way of an export file is the user's to fix; anything else goes on as it is. */
function usageErrorOf(error: unknown, file: string): unknown {
  const { code } = error as NodeJS.ErrnoException;
  if (code === undefined || !['ENOENT', 'ENOTDIR', 'EISDIR'].includes(code)) return error;
  return new UsageError(`cannot write ${file}: ${code === 'EISDIR' ? 'it is a folder' : 'its folder does not exist'} — name a file in an existing folder`, { cause: error });
}

function invalidEmail(email: string, message: string, hint: string): UsageError {
  return new UsageError(`${quoteValue(email)} ${message} — ${hint}`);
}

/** `gazette subscribers`: manage the subscriber list. */
export default defineCommand({
  meta: { name: 'subscribers', description: 'Manage the subscriber list' },
  subCommands: {
    add: defineCommand({
      meta: { name: 'add', description: 'Add an active subscriber (you vouch for the address: no confirmation mail)' },
      args: {
        email: { type: 'positional', description: 'email address', required: true },
        name: { type: 'string', valueHint: 'NAME', description: 'display name' },
        sections: { type: 'string', valueHint: 'A,B', description: 'only these sections, by label or slug (default: all)' },
        editions: { type: 'string', valueHint: 'ID,…', description: 'these editions of newsletter.editions (default: the first)' },
        ...storeArgs,
        ...choiceArgs,
      },
      run: async (context) => {
        const { email, name, sections, editions } = context.args;
        const [{ validateEmail }, { addSubscriber }, { describeChoices }] = await Promise.all([
          validator(),
          import('../../subscribers/manage.js'),
          import('../../subscribers/export.js'),
        ]);
        const check = validateEmail(email);
        if (!check.ok) throw invalidEmail(email, check.message, check.hint);
        const choices = await choicesOf(context, { sections, editions });
        return withStore(context, async (store, io) => {
          const { subscriber, outcome } = await addSubscriber(store, check, name, new Date(), choices);
          if (outcome === 'kept') {
            // A bounced address gets no mail at all, not even the confirmation of a new request.
            const how = subscriber.status === 'bounced' ? 'Gazette sends a bounced address nothing' : 'Gazette never re-adds a reader who left — they can subscribe again at /subscribe/';
            io.stderr.write(`${subscriber.email} is ${subscriber.status} and stays so: ${how}\n`);
            return 1;
          }
          const chosen = `sections: ${describeChoices(subscriber.sections, 'all')}; editions: ${describeChoices(subscriber.editions, 'default')}`;
          io.stdout.write(`${outcome === 'added' ? 'added' : outcome === 'updated' ? 'updated' : 'already on the list:'} ${subscriber.email} (active; ${chosen})\n`);
          return 0;
        });
      },
    }),
    remove: defineCommand({
      meta: { name: 'remove', description: 'Unsubscribe an address (kept as unsubscribed: the delivery history stays)' },
      args: { email: { type: 'positional', description: 'email address', required: true }, ...storeArgs },
      run: (context) =>
        withStore(context, async (store, io) => {
          const { email } = context.args;
          const [{ validateEmail }, { unsubscribeSubscriber }] = await Promise.all([validator(), import('../../subscribers/manage.js')]);
          const check = validateEmail(email);
          if (!check.ok) throw invalidEmail(email, check.message, check.hint);
          const found = await store.findSubscriber(check.email);
          if (!found) {
            io.stderr.write(`no subscriber ${check.email}; nothing changed\n`);
            return 1;
          }
          const was = found.status;
          const subscriber = (await unsubscribeSubscriber(store, found.id, new Date(), 'cli')) ?? found;
          io.stdout.write(
            was === subscriber.status ? `${subscriber.email} is already ${was}\n` : `unsubscribed ${subscriber.email} (was ${was})\n`,
          );
          return 0;
        }, { existing: true }),
    }),
    list: defineCommand({
      meta: { name: 'list', description: 'List subscribers as a table, or as a JSON array with --json' },
      args: {
        status: { type: 'enum', options: [...subscriberStatuses], description: 'only this status' },
        section: { type: 'string', valueHint: 'S', description: 'only readers who get this section (by label or slug)' },
        edition: { type: 'string', valueHint: 'ID', description: 'only readers who get this edition' },
        json: { type: 'boolean', description: 'print a JSON array of the subscribers on stdout instead of a table' },
        ...storeArgs,
        ...choiceArgs,
      },
      run: async (context) => {
        const { section, edition } = context.args;
        const filter: SubscriberFilter = context.args.status === undefined ? {} : { status: context.args.status as SubscriberStatus };
        if (section !== undefined || edition !== undefined) {
          const known = await knownChoices(context);
          if (section !== undefined) {
            const resolved = resolveSections([section], known.sections);
            if (!resolved.ok) throw new UsageError(`--section: ${resolved.message}`);
            filter.section = resolved.keys[0] as string;
          }
          if (edition !== undefined) {
            const resolved = resolveEditions([edition], known.editions);
            if (!resolved.ok) throw new UsageError(`--edition: ${resolved.message}`);
            filter.edition = { id: resolved.keys[0] as string, defaultEdition: resolved.keys[0] === known.editions[0]?.id };
          }
        }
        const { writeSubscribersJson, writeSubscribersTable } = await import('../../subscribers/export.js');
        return withStore(context, async (store, io) => {
          if (context.args.json) {
            await writeSubscribersJson(store, io.stdout, filter);
            return 0;
          }
          const count = await writeSubscribersTable(store, io.stdout, filter);
          const counts = await store.countSubscribers();
          const byStatus = Object.entries(counts)
            .map(([status, n]) => `${n.toLocaleString('en-US')} ${status}`)
            .join(', ');
          io.stdout.write(`${count.toLocaleString('en-US')} shown; on the list: ${byStatus}\n`);
          return 0;
        }, { existing: true });
      },
    }),
    import: defineCommand({
      meta: {
        name: 'import',
        description:
          'Import subscribers from a CSV file (header row: email; optional name, status, createdAt, sections, editions as export writes them) as active; another tool\'s export (Mailchimp, Substack, Ghost, Buttondown, listmonk, Kit, …) as it is, whoever left there kept unsubscribed or bounced; never revives an address that left',
      },
      args: { file: { type: 'positional', description: 'CSV file, or - for standard input', required: true }, ...storeArgs, ...choiceArgs },
      async run(typed) {
        const context = typed as unknown as CommandContext;
        const io = ioOf(context);
        const fromStdin = typed.args.file === '-';
        // Problems name the file, or `stdin`, as export's `-` is standard output.
        const path = fromStdin ? 'stdin' : typed.args.file;
        const input = fromStdin ? io.stdin : createReadStream(path);
        // Reading the first bytes, not only opening, so a folder (EISDIR) fails here as a usage error too.
        if (!fromStdin) {
          await new Promise<void>((resolve, reject) => {
            input.once('readable', () => resolve());
            input.once('error', (error: Error) => reject(new UsageError(`cannot read ${path}: ${error.message} — check the file name`, { cause: error })));
          });
        }
        const [{ formatImportSummary, importSubscribers }, { openStore }] = await Promise.all([import('../../subscribers/import.js'), import('../../store/index.js')]);
        // Opened at the first line to write: a refused file (its header unusable, every line rejected) leaves no database.
        let store: Store | undefined;
        try {
          const summary = await importSubscribers(async () => (store ??= await openStore(optionsOf(context))), input, {
            path,
            now: new Date(),
            onProblem: (problem) => writeProblems(io, [problem]),
            onWarning: (warning) => writeWarnings(io, [warning]),
            known: () => knownChoices(typed),
          });
          io.stdout.write(`${formatImportSummary(summary)}\n`);
          return summary.rejected > 0 ? 2 : 0;
        } finally {
          await store?.close();
        }
      },
    }),
    export: defineCommand({
      meta: { name: 'export', description: 'Export subscribers as CSV (email,name,status,createdAt,sections,editions) to FILE or stdout' },
      args: { file: { type: 'positional', description: 'CSV file (default: stdout)', required: false }, ...storeArgs },
      run: (context) =>
        withStore(context, async (store, io) => {
          const file = context.args.file;
          const { exportSubscribers } = await import('../../subscribers/export.js');
          if (file === undefined || file === '-') {
            await exportSubscribers(store, io.stdout, { end: false });
            return 0;
          }
          try {
            const target = await userFileTarget(file);
            // A pipe or device is written as it is; a file gets a new one beside it, renamed over it when complete: a
            // failed export (a full disk) leaves the previous backup whole. Private (0600): it is a list of people.
            if (target.direct) await exportSubscribers(store, createWriteStream(target.path));
            else {
              await replaceFile(target.path, async (temporary) => {
                // A Ctrl-C mid-export would leave a hidden partial copy of the list that nothing removes.
                const off = onExit(() => rmSync(temporary, { force: true }));
                try {
                  await exportSubscribers(store, createWriteStream(temporary, { flags: 'wx', mode: 0o600 }));
                } finally {
                  off();
                }
              });
            }
          } catch (error) {
            throw fileErrorOf(error, file) ?? usageErrorOf(error, file);
          }
          return 0;
        }, { existing: true }),
    }),
  },
});
