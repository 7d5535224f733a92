import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineCommand, type CommandContext } from 'citty';
import { UsageError } from '../../errors.js';
import { editionArg, editionOf, ioOf, optionArgs, optionsOf, writeProblems } from '../context.js';
import { editionsOf, type Edition } from '../../config/editions.js';

/** `gazette preview`: Render the next digest to an HTML file; records and sends nothing */
export default defineCommand({
  meta: { name: 'preview', description: 'Render the next digest to an HTML file; records and sends nothing' },
  args: {
    content: optionArgs.content,
    out: optionArgs.out,
    db: optionArgs.db,
    output: { type: 'string', valueHint: 'FILE', description: 'where to write the HTML (default: preview.html)' },
    ...editionArg,
  },
  async run(typed) {
    // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
    const context = typed as unknown as CommandContext;
    const io = ioOf(context);
    const options = optionsOf(context);
    const output = typeof context.args.output === 'string' ? context.args.output : 'preview.html';
    const now = new Date();
    const [{ loadSiteConfig }, { loadArticles, parseOptionsOf, selectPublished }, { previewDigest, readDigestHistory }, { openStore, isPostgresUrl }, { readManifest, urlHolders }] =
      await Promise.all([
        import('../../config/load.js'),
        import('../../content/index.js'),
        import('../../digest/index.js'),
        import('../../store/index.js'),
        import('../../site/write.js'),
      ]);
    const config = await loadSiteConfig(options.contentDir);
    const edition = typeof context.args.edition === 'string' ? editionOf(context.args.edition, config) : (editionsOf(config)[0] as Edition);
    // The last build's manifest says which file holds an id that two names make (see loadArticles), as publish's build does.
    const { articles, problems } = await loadArticles(options.contentDir, parseOptionsOf(config), { heldBy: () => urlHolders(readManifest(options.outDir)) });
    writeProblems(io, problems);
    // No database yet means no digest yet; opening it would create one, and a preview records nothing.
    let history = { seen: new Set<string>(), number: 1 };
    if (isPostgresUrl(options.dbPath) || existsSync(options.dbPath)) {
      const store = await openStore(options);
      try {
        history = await readDigestHistory(store, config, edition.id);
      } finally {
        await store.close();
      }
    }
    const preview = await previewDigest({ published: selectPublished(articles, now), ...history, config, edition, now });
    if (preview === null) {
      io.stdout.write('Nothing new since the last digest: no preview written.\n');
    } else {
      await writeFile(output, preview.html).catch((error: unknown) => {
        throw new UsageError(`cannot write ${output}: ${(error as Error).message} — check the folder exists and is writable`, { cause: error });
      });
      const more = preview.passedOver > 0 ? ` (${preview.passedOver} older ones would be passed over)` : '';
      io.stdout.write(
        `Wrote ${resolve(output)}: digest ${preview.number} with ${preview.carried} ${preview.carried === 1 ? 'article' : 'articles'}${more}.\n` +
          `Subject: ${preview.subject}\n`,
      );
    }
    return problems.length > 0 ? 2 : 0;
  },
});
