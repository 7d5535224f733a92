import { defineCommand } from 'citty';
import { deliveryArgs, runDelivery } from './send.js';

/** `gazette publish`: Build, make a digest of the articles not yet in any digest, then deliver it */
export default defineCommand({
  meta: { name: 'publish', description: 'Build, make a digest of the articles not yet in any digest, then deliver it' },
  args: deliveryArgs,
  run(context) {
    return runDelivery(context, 'publish', async (options, hooks) => (await import('../../delivery/run.js')).publish(options, new Date(), hooks));
  },
});
