import { resolve } from 'node:path';
import { defineCommand, type CommandContext } from 'citty';
import { ioOf, optionArgs, publishingOptionsOf, writeWarnings } from '../context.js';

/** Resolves on the first SIGINT or SIGTERM. */
export function untilStopped(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `gazette serve`: Serve --out over HTTP (301 from old URLs), with /subscribe, /confirm, /unsubscribe, /preferences, /healthz, /admin (GAZETTE_ADMIN_TOKEN) and /webhooks/{ses,mailgun,postmark} (when their variables are set) */
export default defineCommand({
  meta: {
    name: 'serve',
    description: 'Serve --out over HTTP (301 from old URLs), with /subscribe, /confirm, /unsubscribe, /preferences, /healthz, /admin (GAZETTE_ADMIN_TOKEN) and /webhooks/{ses,mailgun,postmark} (when their variables are set)',
  },
  args: { ...optionArgs },
  async run(typed) {
    // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
    const context = typed as unknown as CommandContext;
    const io = ioOf(context);
    const options = publishingOptionsOf(context, { database: true, outbox: true });
    const [{ loadSiteConfig }, { createTransport, resolveDeliverySettings }, { createLogger }, { missingSiteWarning, resolveSubscribeLimits, startServer }, { openStore }, { knownChoicesLoader }] =
      await Promise.all([
        import('../../config/load.js'),
        import('../../delivery/index.js'),
        import('../../log.js'),
        import('../../server/index.js'),
        import('../../store/index.js'),
        import('../../subscribers/known.js'),
      ]);
    const config = await loadSiteConfig(options.contentDir);
    const limits = resolveSubscribeLimits(io.env);
    // The mail it sends (confirmations, notices) goes through the same SMTP settings as a send's.
    const settings = resolveDeliverySettings(io.env);
    const logger = createLogger(io.stderr);
    const store = await openStore(options);
    const transport = createTransport(options, settings);
    try {
      const choices = knownChoicesLoader(options.contentDir);
      const running = await startServer({
        store,
        config,
        options,
        transport,
        logger,
        trustProxy: options.trustProxy,
        adminToken: options.adminToken,
        port: options.port,
        choices,
        limits,
        webhooks: { env: io.env, record: (event) => store.recordReturnEvent(event) },
      });
      io.stdout.write(`serving ${resolve(options.outDir)} ${running.listening} (mail through ${transport.description}); Ctrl-C stops\n`);
      writeWarnings(io, [missingSiteWarning(options.outDir, '')].filter((warning) => warning !== null));
      const signal = await untilStopped();
      logger.info({ signal }, 'stopping');
      await running.close();
      return 0;
    } finally {
      await transport.close();
      await store.close();
    }
  },
});
