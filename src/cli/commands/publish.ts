import { defineCommand } from 'citty';
import { NotBuiltError } from '../../errors.js';
import { jsonArg, optionArgs } from '../context.js';

/** `gazette publish`: Build, make a digest of the articles not yet in any digest, then deliver it */
export default defineCommand({
  meta: { name: 'publish', description: 'Build, make a digest of the articles not yet in any digest, then deliver it' },
  args: { ...optionArgs, ...jsonArg },
  run() {
    throw new NotBuiltError('publish');
  },
});
