import { defineCommand } from 'citty';
import { publish } from '../../jobs/run.js';
import { deliveryArgs, runDelivery } from './send.js';

/** `gazette publish`: Build, make a digest of the articles not yet in any digest, then deliver it */
export default defineCommand({
  meta: { name: 'publish', description: 'Build, make a digest of the articles not yet in any digest, then deliver it' },
  args: deliveryArgs,
  run(context) {
    return runDelivery(context, 'publish', (options, hooks) => publish(options, new Date(), hooks));
  },
});
