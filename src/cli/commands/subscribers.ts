import { createReadStream, createWriteStream } from 'node:fs';
import { defineCommand, type ArgsDef, type CommandContext } from 'citty';
import { UsageError } from '../../errors.js';
import { subscriberStatuses, type Store, type SubscriberStatus } from '../../store/types.js';
import { exportSubscribers, writeSubscribersJson, writeSubscribersTable } from '../../subscribers/export.js';
import { formatImportSummary, importSubscribers } from '../../subscribers/import.js';
import { addSubscriber, unsubscribeSubscriber } from '../../subscribers/manage.js';
import { quoteValue, validateEmail } from '../../subscribers/validate.js';
import { ioOf, jsonArg, optionArgs, optionsOf, writeProblems, type CliIO } from '../context.js';

const storeArgs = { db: optionArgs.db };

/** Runs `work` with the store at --db and the command's streams, closing the store after. */
async function withStore<A extends ArgsDef, T>(
  typed: CommandContext<A>,
  work: (store: Store, io: CliIO) => Promise<T> | T,
): Promise<T> {
  // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
  const context = typed as unknown as CommandContext;
  const { openStore } = await import('../../store/index.js');
  const store = await openStore(optionsOf(context));
  try {
    return await work(store, ioOf(context));
  } finally {
    await store.close();
  }
}

function invalidEmail(email: string, message: string, hint: string): UsageError {
  return new UsageError(`${quoteValue(email)} ${message} — ${hint}`);
}

/** `gazette subscribers`: manage the subscriber list. */
export default defineCommand({
  meta: { name: 'gazette subscribers', description: 'Manage the subscriber list' },
  subCommands: {
    add: defineCommand({
      meta: { name: 'add', description: 'Add an active subscriber (you vouch for the address: no confirmation mail)' },
      args: {
        email: { type: 'positional', description: 'email address', required: true },
        name: { type: 'string', valueHint: 'NAME', description: 'display name' },
        ...storeArgs,
      },
      run: (context) =>
        withStore(context, async (store, io) => {
          const { email, name } = context.args;
          const check = validateEmail(email);
          if (!check.ok) throw invalidEmail(email, check.message, check.hint);
          const { subscriber, outcome } = await addSubscriber(store, check, name, new Date());
          if (outcome === 'kept') {
            io.stderr.write(
              `${subscriber.email} is ${subscriber.status} and stays so: Gazette never re-adds a reader who left — they can subscribe again at /subscribe/\n`,
            );
            return 1;
          }
          io.stdout.write(`${outcome === 'added' ? 'added' : outcome === 'updated' ? 'updated' : 'already on the list:'} ${subscriber.email} (active)\n`);
          return 0;
        }),
    }),
    remove: defineCommand({
      meta: { name: 'remove', description: 'Unsubscribe an address (kept as unsubscribed: the delivery history stays)' },
      args: { email: { type: 'positional', description: 'email address', required: true }, ...storeArgs },
      run: (context) =>
        withStore(context, async (store, io) => {
          const { email } = context.args;
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
        }),
    }),
    list: defineCommand({
      meta: { name: 'list', description: 'List subscribers as a table, or as JSON with --json' },
      args: {
        status: { type: 'enum', options: [...subscriberStatuses], description: 'only this status' },
        ...jsonArg,
        ...storeArgs,
      },
      run: (context) =>
        withStore(context, async (store, io) => {
          const filter = context.args.status === undefined ? {} : { status: context.args.status as SubscriberStatus };
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
        }),
    }),
    import: defineCommand({
      meta: {
        name: 'import',
        description:
          'Import subscribers from a CSV file (header row; email, optional name) as active; never revives an address that left',
      },
      args: { file: { type: 'positional', description: 'CSV file', required: true }, ...storeArgs },
      run: (context) =>
        withStore(context, async (store, io) => {
          const path = context.args.file;
          const input = createReadStream(path);
          // Reading the first bytes, not only opening, so a folder (EISDIR) fails here as a usage error too.
          const readable = new Promise<void>((resolve, reject) => {
            input.once('readable', () => resolve());
            input.once('error', (error) => reject(new UsageError(`cannot read ${path}: ${error.message} — check the file name`, { cause: error })));
          });
          await readable;
          const summary = await importSubscribers(store, input, {
            path,
            now: new Date(),
            onProblem: (problem) => writeProblems(io, [problem]),
          });
          io.stdout.write(`${formatImportSummary(summary)}\n`);
          return summary.rejected > 0 ? 2 : 0;
        }),
    }),
    export: defineCommand({
      meta: { name: 'export', description: 'Export subscribers as CSV (email,name,status,createdAt) to FILE or stdout' },
      args: { file: { type: 'positional', description: 'CSV file (default: stdout)', required: false }, ...storeArgs },
      run: (context) =>
        withStore(context, async (store, io) => {
          const file = context.args.file;
          if (file === undefined) {
            await exportSubscribers(store, io.stdout, { end: false });
            return 0;
          }
          try {
            await exportSubscribers(store, createWriteStream(file, { mode: 0o600 }));
          } catch (error) {
            if ((error as NodeJS.ErrnoException).path !== file) throw error;
            throw new UsageError(`cannot write ${file}: ${(error as Error).message} — check the folder exists and is writable`, { cause: error });
          }
          return 0;
        }),
    }),
  },
});
