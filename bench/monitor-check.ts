/**
 * Child process of `npm run bench:monitor`: what a worker's monitor check does for drift and data quality on one window
 * (`checkPredictionWindow`), run in its own process so that its peak RSS is the check's and not the database's.
 * Prints one JSON line: seconds of a check that reads, sorts and stores the reference (first check of a version), of a
 * check that loads it from the store (every later check; it reads the column-wise log), of the same check reading the
 * jsonb log through the CSV export, and of the window export from Postgres alone.
 *
 * Usage: tsx bench/monitor-check.ts URL REFERENCE_CSV SHA256 STORE_DIR TO_ID
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkPredictionWindow, exportPredictionWindow } from '../activities/monitor-window.js';
import { createDatabase } from '../src/db/client.js';

const [url, referencePath, sha256, storeDir, toId] = process.argv.slice(2) as [string, string, string, string, string];
const database = createDatabase(url, { max: 2 });
const window = { model: 'bench', env: 'production', version: 1, afterId: 0, toId: Number(toId) };
const names = { referenceName: 'training reference', currentName: 'production window' };
const scratch = mkdtempSync(join(tmpdir(), 'ferry-bench-monitor-'));
try {
  const timed = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
    const t0 = performance.now();
    const value = await f();
    return [(performance.now() - t0) / 1000, value];
  };
  const [exportS, exported] = await timed(() => exportPredictionWindow(database.db, window, Array.from({ length: 20 }, (_, f) => `f${f}`), join(scratch, 'w.csv')));
  rmSync(join(scratch, 'w.csv'));
  const reference = { path: referencePath, sha256, storeDir };
  const [coldS, cold] = await timed(() => checkPredictionWindow(database.db, window, reference, names));
  const [warmS, warm] = await timed(() => checkPredictionWindow(database.db, window, reference, names));
  const [exportedS, fromJsonb] = await timed(() => checkPredictionWindow(database.db, window, reference, names, { columnWise: false }));
  if (JSON.stringify(fromJsonb.report) !== JSON.stringify(warm.report)) throw new Error('the column-wise log and the jsonb log gave different reports');
  const drifted = warm.report.columns.filter((c) => c.drifted).map((c) => c.column);
  if (JSON.stringify(cold.report) !== JSON.stringify(warm.report)) throw new Error('the stored reference changed the report');
  process.stdout.write(`${JSON.stringify({ exportS, rows: exported.rows, coldS, warmS, exportedS, drifted, rssMiB: process.memoryUsage().rss / 2 ** 20 })}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
  await database.close();
}
