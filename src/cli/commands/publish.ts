import { defineCommand, type CommandContext } from 'citty';
import { editionArg, editionOf } from '../context.js';
import { deliveryArgs, runDelivery } from './send.js';

/** `gazette publish`: Build, make a digest of the articles not yet in any digest, then deliver it */
export default defineCommand({
  meta: { name: 'publish', description: 'Build, make a digest of the articles not yet in any digest (of each edition), then deliver it' },
  args: { ...deliveryArgs, ...editionArg },
  run(typed) {
    // runDelivery takes the context of the shared delivery flags; under exactOptionalPropertyTypes this one does not widen to it.
    const context = typed as unknown as CommandContext<typeof deliveryArgs>;
    const { edition } = typed.args;
    return runDelivery(context, 'publish', async (options, hooks) => {
      // Checked before anything is built or sent: an unknown edition changes nothing.
      const { runOnThread } = await import('../../jobs/run-thread.js');
      const editions =
        typeof edition === 'string' ? [editionOf(edition, await (await import('../../config/load.js')).loadSiteConfig(options.contentDir)).id] : undefined;
      return runOnThread({ kind: 'publish', options, now: new Date(), ...(editions ? { editions } : {}) }, hooks);
    });
  },
});
