import { defineCommand, type CommandContext } from 'citty';
import { renderStats, statsJson } from '../../delivery/stats.js';
import { UsageError } from '../../errors.js';
import { ioOf, jsonArg, optionArgs, optionsOf } from '../context.js';

/** The most digests one call lists: any larger --limit is all of them. */
const maxLimit = 1_000_000;

function limitOf(text: string | undefined): number {
  if (text === undefined) return 50;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`--limit "${text}" is not a whole number of digests, 1 or more`);
  // Past it the database refuses the number (SQLite: "datatype mismatch"); no list has so many digests.
  return Math.min(Number(text), maxLimit);
}

/** `gazette stats`: per digest, where its messages went and what readers did after; and the list's totals. */
export default defineCommand({
  meta: {
    name: 'stats',
    description: 'Per digest: recipients, sent, bounced during the send and after, complaints, unsubscribed since, failed, pending; and the totals',
  },
  args: {
    db: optionArgs.db,
    limit: { type: 'string', valueHint: 'N', description: 'the newest N digests (default 50); the totals cover all' },
    ...jsonArg,
  },
  async run(typed) {
    // ioOf/optionsOf take the untyped context; under exactOptionalPropertyTypes a typed one does not widen to it.
    const context = typed as unknown as CommandContext;
    const io = ioOf(context);
    const limit = limitOf(typed.args.limit);
    const { openExistingStore } = await import('../../store/index.js');
    const store = await openExistingStore(optionsOf(context));
    try {
      const [digests, totals] = await Promise.all([store.digestStats({ limit }), store.listTotals()]);
      io.stdout.write(typed.args.json === true ? `${JSON.stringify(statsJson(digests, totals))}\n` : renderStats(digests, totals));
      return 0;
    } finally {
      await store.close();
    }
  },
});
