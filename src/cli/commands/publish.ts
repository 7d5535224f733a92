import { defineCommand, type CommandContext } from 'citty';
import { publish } from '../../delivery/run.js';
import { jsonArg, optionArgs } from '../context.js';
import { runDelivery } from './send.js';

/** `gazette publish`: Build, make a digest of the articles not yet in any digest, then deliver it */
export default defineCommand({
  meta: { name: 'publish', description: 'Build, make a digest of the articles not yet in any digest, then deliver it' },
  args: { ...optionArgs, ...jsonArg },
  run(typed) {
    // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
    return runDelivery(typed as unknown as CommandContext, 'publish', (options, hooks) => publish(options, new Date(), hooks));
  },
});
