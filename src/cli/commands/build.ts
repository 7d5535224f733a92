import { defineCommand } from 'citty';
import { NotBuiltError } from '../../errors.js';
import { optionArgs } from '../context.js';

/** `gazette build`: Write the feeds and site pages into --out */
export default defineCommand({
  meta: { name: 'build', description: 'Write the feeds and site pages into --out' },
  args: { ...optionArgs },
  run() {
    throw new NotBuiltError('build');
  },
});
