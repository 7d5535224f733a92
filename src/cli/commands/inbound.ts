import { defineCommand, type CommandContext } from 'citty';
import { loadSiteConfig } from '../../config/load.js';
import { resolveInboundPort } from '../../config/options.js';
import { UsageError } from '../../errors.js';
import { startReturnPath } from '../../inbound/index.js';
import { returnDomain } from '../../inbound/verp.js';
import { createLogger } from '../../log.js';
import { openStore } from '../../store/index.js';
import { resolveSecret } from '../../subscribers/tokens.js';
import { ioOf, optionArgs, optionsOf } from '../context.js';
import { untilStopped } from './serve.js';

/** The `--smtp-port` flag of `inbound` and `daemon`. */
export const smtpPortArg = {
  'smtp-port': { type: 'string', valueHint: 'N', description: 'inbound SMTP port for return-path mail (env GAZETTE_INBOUND_PORT, default 2525)' },
} as const;

/** `gazette inbound`: the return path's SMTP listener alone. */
export default defineCommand({
  meta: { name: 'inbound', description: 'Run the inbound SMTP listener of newsletter.returnPath: bounces, complaints, mailto unsubscribes' },
  args: { content: optionArgs.content, db: optionArgs.db, ...smtpPortArg },
  async run(typed) {
    // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
    const context = typed as unknown as CommandContext;
    const io = ioOf(context);
    const options = optionsOf(context);
    const port = resolveInboundPort(typed.args['smtp-port'], io.env);
    const config = await loadSiteConfig(options.contentDir);
    const { returnPath } = config.newsletter;
    if (!returnPath) {
      throw new UsageError(
        `newsletter.returnPath is not set in ${options.contentDir}/site.json — set it to an address (e.g. "bounces@mail.example.org") whose domain's MX points at this host`,
      );
    }
    const logger = createLogger(io.stderr);
    const store = await openStore(options);
    try {
      const secret = await resolveSecret(options.secret, store);
      const listener = await startReturnPath({ store, config, secret, logger, port });
      io.stdout.write(`taking return-path mail for ${returnDomain(returnPath)} on port ${listener?.port ?? port}; Ctrl-C stops\n`);
      const signal = await untilStopped();
      logger.info({ signal }, 'stopping');
      await listener?.close();
      return 0;
    } finally {
      await store.close();
    }
  },
});
