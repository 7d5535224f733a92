// `gazette db migrate` and `gazette db copy`: the schema, and moving a whole store (SQLite → PostgreSQL or back).
import { existsSync, statSync } from 'node:fs';
import { defineCommand, type CommandContext } from 'citty';
import { checkDatabaseName, resolveOptions } from '../../config/options.js';
import { UsageError } from '../../errors.js';
import type { Driver } from '../../store/driver.js';
import { ioOf, optionArgs, optionsOf } from '../context.js';

// The database drivers load when a subcommand runs, not when `gazette --help` lists this one.
const storeModules = async () => {
  const [store, copy, migrations] = await Promise.all([
    import('../../store/index.js'),
    import('../../store/copy.js'),
    import('../../store/migrations.js'),
  ]);
  return { ...store, ...copy, ...migrations };
};

async function withDriver<T>(db: string, work: (driver: Driver) => Promise<T>): Promise<T> {
  const { openDriver } = await storeModules();
  const driver = await openDriver(db);
  try {
    return await work(driver);
  } finally {
    await driver.close();
  }
}

const migrateCommand = defineCommand({
  meta: { name: 'migrate', description: 'Bring the database schema up to date (every command also does so on first use)' },
  args: { db: optionArgs.db },
  async run(typed) {
    const context = typed as unknown as CommandContext;
    const io = ioOf(context);
    const { dbPath } = optionsOf(context);
    const { migrate, migrations, describeDatabase } = await storeModules();
    const { from, to } = await withDriver(dbPath, (driver) => migrate(driver));
    const where = describeDatabase(dbPath);
    io.stdout.write(
      from === to ? `${where} is up to date (schema version ${to})\n` : `migrated ${where} from schema version ${from} to ${to} of ${migrations.length}\n`,
    );
    return 0;
  },
});

const copyCommand = defineCommand({
  meta: {
    name: 'copy',
    description: 'Copy subscribers (with their history), the token secret, schedule state, digests and the ledger into another database',
  },
  args: {
    from: { type: 'string', valueHint: 'FILE|URL', description: 'the database to copy (SQLite file or postgres:// URL)', required: true },
    to: { type: 'string', valueHint: 'FILE|URL', description: 'the database to copy into (created and migrated as needed)', required: true },
    force: { type: 'boolean', description: 'copy into a database that already holds data (rows with the same keys are overwritten)' },
  },
  async run(typed) {
    const context = typed as unknown as CommandContext;
    const io = ioOf(context);
    checkDatabaseName(typed.args.from, '--from');
    checkDatabaseName(typed.args.to, '--to');
    const from = resolveOptions({ db: typed.args.from }, io.env).dbPath;
    const to = resolveOptions({ db: typed.args.to }, io.env).dbPath;
    const { isPostgresUrl, describeDatabase, copyDatabase } = await storeModules();
    if (!isPostgresUrl(from) && !existsSync(from)) throw new UsageError(`--from ${from}: no such database file — name the SQLite file to copy`);
    // Spelled differently, a symbolic or hard link to it is still the same file: copied onto itself, SQLite failed
    // with "disk I/O error".
    const sameFile = (): boolean => {
      const [a, b] = [from, to].map((path) => statSync(path, { throwIfNoEntry: false }));
      return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
    };
    if (describeDatabase(from) === describeDatabase(to) || (!isPostgresUrl(to) && !isPostgresUrl(from) && sameFile())) {
      throw new UsageError('--from and --to name the same database — name another one to copy into');
    }
    const summary = await withDriver(from, (source) =>
      withDriver(to, (target) => copyDatabase(source, target, { force: typed.args.force === true, sourceName: describeDatabase(from), targetName: describeDatabase(to) })),
    );
    const counts = summary.map(({ label, rows }) => `${rows.toLocaleString('en-US')} ${label}`).join(', ');
    io.stdout.write(`copied ${describeDatabase(from)} into ${describeDatabase(to)}: ${counts}\n`);
    return 0;
  },
});

/** `gazette db`: the database itself. */
export default defineCommand({
  meta: { name: 'db', description: 'Manage the database: migrate its schema, copy it into another' },
  subCommands: { migrate: migrateCommand, copy: copyCommand },
});
