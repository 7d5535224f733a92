import { defineCommand } from 'citty';
import { NotBuiltError } from '../../errors.js';
import { optionArgs } from '../context.js';

/** `gazette daemon`: Run serve plus the schedules of site.json */
export default defineCommand({
  meta: { name: 'daemon', description: 'Run serve plus the schedules of site.json' },
  args: { ...optionArgs },
  run() {
    throw new NotBuiltError('daemon');
  },
});
