// `npm run bench -- import`: `subscribers import` of 100,000 rows (1% bad lines) against a baseline that only
// parses the same file with csv-parse (streaming, nothing stored), in the same run. Each phase runs in a child
// process of its own so its peak RSS is its own; a 10,000-row import shows that memory does not grow with rows.
// Asserts nothing: it reports.
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { openSqliteStore } from '../src/store/sqlite.js';
import { formatImportSummary, importSubscribers } from '../src/subscribers/import.js';
import { writeMixedCsv } from '../test/fixtures/subscribers/generate.js';

interface PhaseResult {
  ms: number;
  rows: number;
  maxRssMb: number;
  detail: string;
}

async function runPhase(phase: string, file: string, db: string): Promise<PhaseResult> {
  const start = performance.now();
  let rows = 0;
  let detail = '';
  if (phase === 'baseline') {
    for await (const record of createReadStream(file).pipe(parse({ bom: true, relax_column_count: true, relax_quotes: true, skip_records_with_error: true }))) {
      if ((record as string[]).length > 0) rows++;
    }
    detail = `${rows.toLocaleString('en-US')} records parsed`;
  } else {
    const store = await openSqliteStore(db);
    let rejected = 0;
    const summary = await importSubscribers(store, createReadStream(file), { path: file, now: new Date(), onProblem: () => rejected++ });
    await store.close();
    rows = summary.added + summary.updated + summary.unchanged + summary.kept + summary.optedOut + summary.rejected;
    detail = formatImportSummary(summary);
  }
  const ms = performance.now() - start;
  return { ms, rows, maxRssMb: process.resourceUsage().maxRSS / 1024, detail };
}

function child(phase: string, file: string, db: string): PhaseResult {
  const self = fileURLToPath(import.meta.url);
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, phase, file, db], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${phase} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}') as PhaseResult;
}

const [phase, file, db] = process.argv.slice(2);
if (phase && file && db) {
  console.log(JSON.stringify(await runPhase(phase, file, db)));
} else {
  const dir = await mkdtemp(join(tmpdir(), 'gazette-bench-import-'));
  try {
    const big = join(dir, 'readers-100k.csv');
    const small = join(dir, 'readers-10k.csv');
    const generated = await writeMixedCsv(big, 100_000, 100);
    await writeMixedCsv(small, 10_000, 100);
    const baseline = child('baseline', big, join(dir, 'unused.db'));
    const imported = child('import', big, join(dir, 'big.db'));
    const again = child('import', big, join(dir, 'big.db'));
    const tenth = child('import', small, join(dir, 'small.db'));
    const rate = (r: PhaseResult): string => `${Math.round(r.rows / (r.ms / 1000)).toLocaleString('en-US')} rows/s`;
    console.log(`100,000 rows, ${generated.bad.size.toLocaleString('en-US')} bad lines, ${generated.good.size.toLocaleString('en-US')} distinct good addresses`);
    console.log(`baseline  csv-parse only      ${baseline.ms.toFixed(0).padStart(6)} ms  ${rate(baseline).padStart(16)}  peak RSS ${baseline.maxRssMb.toFixed(0)} MB  (${baseline.detail})`);
    console.log(`import    into a new db       ${imported.ms.toFixed(0).padStart(6)} ms  ${rate(imported).padStart(16)}  peak RSS ${imported.maxRssMb.toFixed(0)} MB  (${imported.detail})`);
    console.log(`import    again (idempotent)  ${again.ms.toFixed(0).padStart(6)} ms  ${rate(again).padStart(16)}  peak RSS ${again.maxRssMb.toFixed(0)} MB  (${again.detail})`);
    console.log(`import    10,000 rows         ${tenth.ms.toFixed(0).padStart(6)} ms  ${rate(tenth).padStart(16)}  peak RSS ${tenth.maxRssMb.toFixed(0)} MB`);
    console.log(`ratio     import / baseline   time ${(imported.ms / baseline.ms).toFixed(2)}×, peak RSS ${(imported.maxRssMb / baseline.maxRssMb).toFixed(2)}×`);
    console.log(`memory    100k rows / 10k rows peak RSS ${(imported.maxRssMb / tenth.maxRssMb).toFixed(2)}× (1.00× = flat: memory does not grow with the file)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
