import { defineCommand } from 'citty';
import { NotBuiltError } from '../../errors.js';
import { jsonArg, optionArgs } from '../context.js';

/** `gazette send`: Deliver whatever is pending (resume after a crash or a failed run) */
export default defineCommand({
  meta: { name: 'send', description: 'Deliver whatever is pending (resume after a crash or a failed run)' },
  args: { ...optionArgs, ...jsonArg },
  run() {
    throw new NotBuiltError('send');
  },
});
