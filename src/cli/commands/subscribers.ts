import { defineCommand } from 'citty';
import { NotBuiltError } from '../../errors.js';
import { jsonArg, optionArgs } from '../context.js';

const storeArgs = { db: optionArgs.db, content: optionArgs.content };

/** `gazette subscribers`: manage the subscriber list. */
export default defineCommand({
  meta: { name: 'gazette subscribers', description: 'Manage the subscriber list' },
  subCommands: {
    add: defineCommand({
      meta: { name: 'add', description: 'Add an active subscriber' },
      args: {
        email: { type: 'positional', description: 'email address', required: true },
        name: { type: 'string', valueHint: 'NAME', description: 'display name' },
        ...storeArgs,
      },
      run() {
        throw new NotBuiltError('subscribers add');
      },
    }),
    remove: defineCommand({
      meta: { name: 'remove', description: 'Unsubscribe an address' },
      args: { email: { type: 'positional', description: 'email address', required: true }, ...storeArgs },
      run() {
        throw new NotBuiltError('subscribers remove');
      },
    }),
    list: defineCommand({
      meta: { name: 'list', description: 'List subscribers' },
      args: {
        status: { type: 'enum', options: ['pending', 'active', 'unsubscribed', 'bounced'], description: 'only this status' },
        ...jsonArg,
        ...storeArgs,
      },
      run() {
        throw new NotBuiltError('subscribers list');
      },
    }),
    import: defineCommand({
      meta: { name: 'import', description: 'Import subscribers from a CSV file (header row; email, optional name)' },
      args: { file: { type: 'positional', description: 'CSV file', required: true }, ...storeArgs },
      run() {
        throw new NotBuiltError('subscribers import');
      },
    }),
    export: defineCommand({
      meta: { name: 'export', description: 'Export subscribers as CSV to FILE or stdout' },
      args: { file: { type: 'positional', description: 'CSV file (default: stdout)', required: false }, ...storeArgs },
      run() {
        throw new NotBuiltError('subscribers export');
      },
    }),
  },
});
