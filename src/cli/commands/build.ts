import { defineCommand } from 'citty';
import type { BuildResult } from '../../site/build.js';
import { ioOf, optionArgs, publishingOptionsOf, writeProblems, writeWarnings } from '../context.js';

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The one-line summary: `12 articles, 3 sections → public/ (5 files written, 40 unchanged)`. */
export function buildSummary(result: BuildResult, outDir: string): string {
  const removed = result.removed.length > 0 ? `, ${result.removed.length} removed` : '';
  return (
    `${count(result.articles, 'article')}, ${count(result.sections, 'section')} → ${outDir.replace(/\/+$/, '')}/ ` +
    `(${count(result.written.length, 'file')} written, ${result.unchanged} unchanged${removed})`
  );
}

/** `gazette build`: Write the feeds and site pages into --out */
export default defineCommand({
  meta: { name: 'build', description: 'Write the feeds, site pages, sitemaps and robots.txt into --out' },
  args: { content: optionArgs.content, out: optionArgs.out },
  async run(context) {
    const io = ioOf(context);
    const options = publishingOptionsOf(context, { database: false, outbox: false });
    const { buildSite } = await import('../../site/build.js');
    const result = await buildSite(options, new Date(), { onWait: (notice) => io.stderr.write(`gazette: ${notice}\n`) });
    writeProblems(io, result.problems);
    writeWarnings(io, [...result.warnings, ...result.sectionWarnings]);
    io.stdout.write(`${buildSummary(result, options.outDir)}\n`);
    return result.problems.length > 0 ? 2 : 0;
  },
});
