/**
 * `npm run bench:monitor [-- --rows N --reference-rows M --database-url postgres://…]`: one monitor check (drift + data quality) over a window of N
 * logged predictions × 20 features (default 1,000,000) against a training reference of M rows (default 1,000,000).
 *
 * The predictions go into an embedded Postgres (PGlite, served on 127.0.0.1) through the model server's logger
 * (`createPredictionLogger`: `predictions` rows with `inputs` jsonb, and the column-wise segments); features f0…f19 are normals, f1, f2, f3, f5… shifted by
 * 0.002·f like bench:drift. The check runs in a child process (bench/monitor-check.ts) measured by bench/drift/measure.py,
 * so peak RSS is the worker's share of a check, not the database's: the first check of a version (reads, sorts and
 * stores the reference), a later check (loads the stored reference), and the export of the window from Postgres alone.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'drizzle-orm';
import { createDatabase } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createPredictionLogger } from '../src/serve/prediction-logger.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1 || v > 5_000_000) throw new Error(`--${name} must be an integer from 1 to 5,000,000`);
  return v;
}
const rows = arg('rows', 1_000_000);
const referenceRows = arg('reference-rows', 1_000_000);
const FEATURES = 20;
const shiftOf = (f: number): number => (f % 4 === 0 ? 0 : 0.002 * f);
/** A standard normal by Box–Muller, in SQL (both Postgres and DuckDB have random() and ln). */
const normal = 'sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())';

/**
 * `--database-url postgres://…` runs against a native PostgreSQL server instead of PGlite: the bench creates a scratch
 * database there (the URL's user needs CREATEDB) and drops it at the end; nothing else on that server is touched.
 */
async function openDatabase(): Promise<{ url: string; backend: string; stop(): Promise<void> }> {
  const i = process.argv.indexOf('--database-url');
  if (i < 0) {
    const embedded = await startEmbeddedPostgres();
    return { url: embedded.url, backend: 'PGlite (wire protocol, in the bench process)', stop: () => embedded.stop() };
  }
  const admin = new URL(process.argv[i + 1] ?? '');
  if (!/^postgres(ql)?:$/.test(admin.protocol)) throw new Error('--database-url must be a postgres:// URL');
  const name = `ferry_bench_monitor_${randomBytes(4).toString('hex')}`;
  const adminDb = createDatabase(admin.toString(), { max: 1 });
  await adminDb.db.execute(sql.raw(`CREATE DATABASE ${name}`));
  const scratch = new URL(admin.toString());
  scratch.pathname = `/${name}`;
  const version = ((await adminDb.db.execute(sql`SHOW server_version`)).rows[0] as { server_version: string }).server_version;
  return {
    url: scratch.toString(),
    backend: `PostgreSQL ${version} at ${admin.host}`,
    stop: async () => {
      await adminDb.db.execute(sql.raw(`DROP DATABASE IF EXISTS ${name}`));
      await adminDb.close();
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-monitor-'));
const server = await openDatabase();
const database = createDatabase(server.url, { max: 2 });
try {
  console.log(`bench:monitor: ${rows.toLocaleString('en')} predictions × ${FEATURES} features, reference ${referenceRows.toLocaleString('en')} rows; database ${server.backend}`);
  console.log(`machine: nproc ${cpus().length}, ${cpus()[0]?.model}, load ${loadavg().map((l) => l.toFixed(1)).join(' / ')}, ${new Date().toISOString()}`);
  await migrateDatabase(database.db);

  const referencePath = join(dir, 'reference.csv');
  const duck = await DuckDBInstance.create(':memory:');
  const con = await duck.connect();
  const refCols = Array.from({ length: FEATURES }, (_, f) => `${normal} AS f${f}`).join(', ');
  await con.run(`COPY (SELECT ${refCols} FROM range(${referenceRows})) TO '${referencePath}' (HEADER, DELIMITER ',')`);
  con.closeSync();
  duck.closeSync();
  const sha256 = createHash('sha256').update(readFileSync(referencePath)).digest('hex');

  // Through the model server's logger, so the log is also kept column-wise (prediction_segments), as in production.
  const t0 = performance.now();
  const logger = createPredictionLogger(database.db, { batchSize: 500 });
  let seed = 0x9e3779b9;
  const uniform = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) + 0.5) / 2 ** 32;
  for (let i = 1; i <= rows; i++) {
    const inputs: Record<string, number> = {};
    for (let f = 0; f < FEATURES; f++) inputs[`f${f}`] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) + shiftOf(f);
    if (!logger.log({ requestId: `bench-${i}`, model: 'bench', version: 1, env: 'production', inputs, outputs: { label: 1 }, error: null, latencyMs: 1, at: new Date() })) throw new Error('the prediction logger dropped a record');
    if (i % 20_000 === 0) await logger.flush();
  }
  const logged = await logger.close();
  if (logged.written !== rows) throw new Error(`the prediction logger wrote ${logged.written} of ${rows} predictions`);
  const [{ last }] = (await database.db.execute(sql`SELECT max(id)::int AS last FROM predictions`)).rows as [{ last: number }];
  console.log(`  logged ${rows.toLocaleString('en')} predictions in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const out = join(dir, 'check.out');
  // Asynchronously: the database serves the child from this process's event loop.
  const child = spawn('python3', [join(import.meta.dirname, 'drift', 'measure.py'), out, '--', process.execPath, '--import', 'tsx', join(import.meta.dirname, 'monitor-check.ts'), server.url, referencePath, sha256, join(dir, 'store'), String(last)], { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await once(child, 'close');
  const lines = stderr.trim().split('\n');
  const measured = JSON.parse(lines.pop()!) as { seconds: number; maxRssKiB: number; code: number };
  if (measured.code !== 0) throw new Error(`bench/monitor-check.ts exited ${measured.code}:\n${lines.slice(-20).join('\n')}`);
  const check = JSON.parse(readFileSync(out, 'utf8')) as { exportS: number; rows: number; coldS: number; warmS: number; exportedS: number; drifted: string[] };
  const peak = measured.maxRssKiB / 1024;
  console.log(`  window export from Postgres alone      ${check.exportS.toFixed(2)} s (${check.rows.toLocaleString('en')} rows)`);
  console.log(`  first check of a version (stores ref)  ${check.coldS.toFixed(2)} s`);
  console.log(`  later check (stored reference)         ${check.warmS.toFixed(2)} s (reads the column-wise log)`);
  console.log(`  same, from the jsonb log (CSV export)  ${check.exportedS.toFixed(2)} s (the path of rows logged before segments)`);
  console.log(`  check process peak RSS                 ${peak.toFixed(0)} MiB (whole child: both checks and the export)`);
  console.log(`  drifted features: ${check.drifted.join(', ') || 'none'}`);
  console.log(`targets: later check ≤ 10 s: ${check.warmS <= 10 ? 'met' : 'missed'}; RSS ≤ 1 GB: ${peak <= 1024 ? 'met' : 'missed'}`);
  console.log(`load at the end: ${loadavg().map((l) => l.toFixed(1)).join(' / ')}`);
} finally {
  await database.close();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
