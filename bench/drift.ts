/**
 * `npm run bench:drift [-- --rows N --features K --skip-python]`: Ferry's drift against pandas+scipy and Evidently on
 * the same files, in one run.
 *
 * 1. Generates two windows (default 1,000,000 rows × 20 numeric features; seeded mulberry32 Box–Muller normals, the
 *    current window shifted by 0.002·f except every 4th feature) as CSV and, through DuckDB, as Parquet; cached under
 *    ~/.cache/ferry/bench-drift/ by size.
 * 2. Runs `ferry drift` end to end as a separate process (default method = Evidently's rule = wasserstein here, and
 *    `--method ks`) on CSV and on Parquet, then — in a cached venv with pinned pandas, scipy and Evidently 0.7 —
 *    pandas + scipy (`ks_2samp` + `wasserstein_distance` per column) and Evidently's DataDriftPreset on the same CSV
 *    files. Wall time and peak RSS of each process come from bench/drift/measure.py (getrusage of the child).
 * 3. Times the floor in this process: sorting every column of both windows with Float64Array.prototype.sort.
 * 4. Per feature, the exact KS p-value (`kstwo.sf`, scipy's `2·smirnov(n, D)` on drifted features) against sorting that
 *    feature's two windows.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { detectDriftInFiles } from '../src/drift/files.js';
import { ks2sampSorted } from '../src/drift/ks.js';
import { sharedFloat64, sortColumns } from '../src/drift/sort.js';
import { driftReportSchema } from '../src/drift/schema.js';
import { ensureVenv } from '../src/provision/python-venv.js';
import { mulberry32 } from '../src/risk/prng.js';
import { BASELINE_REQUIREMENTS } from './drift/requirements.js';

const MAX_ROWS = 5_000_000;
const MAX_FEATURES = 100;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
}
const flag = (name: string): boolean => process.argv.includes(`--${name}`);

function normals(n: number, seed: number, shift: number): Float64Array {
  const rnd = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = rnd() || Number.MIN_VALUE;
    const u2 = rnd();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2) + shift;
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2) + shift;
  }
  return out;
}

const shiftOf = (f: number): number => (f % 4 === 0 ? 0 : 0.002 * f);
const windowColumns = (rows: number, features: number, current: boolean): Float64Array[] =>
  Array.from({ length: features }, (_, f) => normals(rows, (current ? 2000 : 1000) + f, current ? shiftOf(f) : 0));

async function writeCsv(path: string, columns: Float64Array[]): Promise<void> {
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  out.write(`${columns.map((_, f) => `f${f}`).join(',')}\n`);
  const rows = columns[0]!.length;
  const cells = new Array<string>(columns.length);
  let batch: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns.length; c++) cells[c] = String(columns[c]![r]);
    batch.push(cells.join(','));
    if (batch.length === 5000 || r === rows - 1) {
      if (!out.write(`${batch.join('\n')}\n`)) await new Promise<void>((res) => out.once('drain', () => res()));
      batch = [];
    }
  }
  await new Promise<void>((res) => out.end(() => res()));
  renameSync(tmp, path);
}

async function prepareData(rows: number, features: number): Promise<{ dir: string; csv: [string, string]; parquet: [string, string] }> {
  const dir = join(process.env.FERRY_CACHE ?? join(homedir(), '.cache', 'ferry'), 'bench-drift', `r${rows}-f${features}-v1`);
  mkdirSync(dir, { recursive: true });
  const csv: [string, string] = [join(dir, 'reference.csv'), join(dir, 'current.csv')];
  const parquet: [string, string] = [join(dir, 'reference.parquet'), join(dir, 'current.parquet')];
  for (const [i, path] of csv.entries()) {
    if (existsSync(path)) continue;
    console.log(`generating ${path} …`);
    await writeCsv(path, windowColumns(rows, features, i === 1));
  }
  const duck = await DuckDBInstance.create(':memory:');
  const con = await duck.connect();
  for (const [i, path] of parquet.entries()) {
    if (existsSync(path)) continue;
    console.log(`converting ${csv[i]} to Parquet …`);
    await con.run(`COPY (SELECT * FROM read_csv('${csv[i]}', header = true)) TO '${path}.tmp' (FORMAT parquet)`);
    renameSync(`${path}.tmp`, path);
  }
  con.closeSync();
  duck.closeSync();
  return { dir, csv, parquet };
}

interface Measured {
  seconds: number;
  rssMiB: number;
  code: number;
  stdout: string;
}

function measure(label: string, cmd: string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const out = join(tmpDir, `${label.replace(/\W+/g, '-')}.out`);
  const r = spawnSync('python3', [join(import.meta.dirname, 'drift', 'measure.py'), out, '--', ...cmd], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'inherit', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const lines = r.stderr.trim().split('\n');
  const m = JSON.parse(lines.pop()!) as { seconds: number; maxRssKiB: number; code: number };
  if (m.code !== 0) process.stderr.write(`${label} exited ${m.code}:\n${lines.slice(-20).join('\n')}\n`);
  const result = { seconds: m.seconds, rssMiB: m.maxRssKiB / 1024, code: m.code, stdout: readFileSync(out, 'utf8') };
  console.log(`  ${label.padEnd(36)} ${result.seconds.toFixed(2).padStart(8)} s  ${result.rssMiB.toFixed(0).padStart(6)} MiB peak RSS${m.code ? `  (exit ${m.code})` : ''}`);
  return result;
}

const tmpDir = join(process.env.FERRY_CACHE ?? join(homedir(), '.cache', 'ferry'), 'bench-drift', 'out');

async function main(): Promise<void> {
  const rows = Math.min(arg('rows', 1_000_000), MAX_ROWS);
  const features = Math.min(arg('features', 20), MAX_FEATURES);
  mkdirSync(tmpDir, { recursive: true });
  console.log(`drift bench: ${rows.toLocaleString('en')} rows × ${features} features per window`);
  console.log(`machine: nproc ${cpus().length}, ${cpus()[0]?.model ?? '?'}, node ${process.version}, ${new Date().toISOString()}`);
  console.log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  const data = await prepareData(rows, features);
  const ferry = (file: [string, string], ...extra: string[]) => [
    process.execPath,
    join(import.meta.dirname, '..', 'bin', 'ferry.mjs'),
    'drift',
    '--reference',
    file[0],
    '--current',
    file[1],
    ...extra,
  ];

  console.log('\nend to end (one process each, same files):');
  const runs: Record<string, Measured> = {};
  runs.ferryCsv = measure('ferry drift CSV (auto: wasserstein)', ferry(data.csv));
  runs.ferryCsvKs = measure('ferry drift CSV --method ks', ferry(data.csv, '--method', 'ks'));
  runs.ferryPq = measure('ferry drift Parquet (auto)', ferry(data.parquet));
  runs.ferryPqKs = measure('ferry drift Parquet --method ks', ferry(data.parquet, '--method', 'ks'));
  if (!flag('skip-python')) {
    const venv = await ensureVenv({ requirements: BASELINE_REQUIREMENTS });
    const script = join(import.meta.dirname, 'drift', 'baseline.py');
    // Evidently reports usage over the network unless told not to; there is no network here but the registries.
    const env = { ...process.env, DO_NOT_TRACK: '1', EVIDENTLY_DISABLE_TELEMETRY: '1', OPENBLAS_NUM_THREADS: '1' };
    runs.scipyCsv = measure('pandas + scipy CSV (ks + wasserstein)', [venv.python, script, 'scipy', ...data.csv], env);
    runs.evidentlyCsv = measure('Evidently 0.7 DataDriftPreset CSV', [venv.python, script, 'evidently', ...data.csv], env);
  }

  console.log('\nfloor: sorting every column of both windows in this process');
  const all = [...windowColumns(rows, features, false), ...windowColumns(rows, features, true)];
  let t0 = performance.now();
  for (const c of all) c.slice().sort();
  const builtinSortS = (performance.now() - t0) / 1000;
  const shared = all.map((c) => {
    const s = sharedFloat64(c.length);
    s.set(c);
    return s;
  });
  t0 = performance.now();
  await sortColumns(shared);
  const ferrySortS = (performance.now() - t0) / 1000;
  console.log(`  Float64Array.prototype.sort, one thread: ${builtinSortS.toFixed(2)} s (incl. the copy)`);
  console.log(`  Ferry's column sort (radix, all cores):  ${ferrySortS.toFixed(2)} s`);

  // The same work without process start-up (Node + tsx + DuckDB load), for the ratio to the sort floor.
  t0 = performance.now();
  await detectDriftInFiles(data.parquet[0], data.parquet[1]);
  const inProcessPqS = (performance.now() - t0) / 1000;
  t0 = performance.now();
  await detectDriftInFiles(data.csv[0], data.csv[1]);
  const inProcessCsvS = (performance.now() - t0) / 1000;
  console.log(`  detectDriftInFiles in this process: Parquet ${inProcessPqS.toFixed(2)} s, CSV ${inProcessCsvS.toFixed(2)} s`);

  console.log('\nexact KS p-value per feature (kstwo.sf; drifted = n·D² ≥ 2.2, scipy\'s 2·smirnov(n, D) path):');
  console.log('feature  shift  sort ms  ks ms  (sort+ks)/sort  n·D²  drifted        D          p');
  const ksRatios: number[] = [];
  for (let f = 0; f < features; f++) {
    const a = all[f]!.slice();
    const b = all[features + f]!.slice();
    t0 = performance.now();
    a.sort();
    b.sort();
    const sortMs = performance.now() - t0;
    t0 = performance.now();
    const ks = ks2sampSorted(a, b, 'auto');
    const ksMs = performance.now() - t0;
    const en = Math.round((rows * rows) / (2 * rows));
    const nd2 = en * ks.statistic ** 2;
    const drifted = nd2 >= 2.2;
    if (drifted) ksRatios.push((sortMs + ksMs) / sortMs);
    console.log(
      `${`f${f}`.padStart(7)}  ${shiftOf(f).toFixed(3)}  ${sortMs.toFixed(0).padStart(7)}  ${ksMs.toFixed(0).padStart(5)}  ` +
        `${((sortMs + ksMs) / sortMs).toFixed(2).padStart(14)}  ${nd2.toFixed(1).padStart(5)}  ${drifted ? 'yes' : 'no '}     ` +
        `${ks.statistic.toFixed(5)}  ${ks.pValue.toExponential(3).padStart(10)}`,
    );
  }

  console.log('\nsummary');
  const f = runs.ferryCsv!;
  const line = (k: string, v: string) => console.log(`  ${k.padEnd(58)} ${v}`);
  line('ferry drift CSV, end to end', `${f.seconds.toFixed(2)} s, ${f.rssMiB.toFixed(0)} MiB (target ≤ 1024 MiB)`);
  line('ferry drift CSV --method ks, end to end', `${runs.ferryCsvKs!.seconds.toFixed(2)} s, ${runs.ferryCsvKs!.rssMiB.toFixed(0)} MiB`);
  if (runs.scipyCsv) {
    line('pandas+scipy / ferry (--method ks: the same statistics)', `×${(runs.scipyCsv.seconds / runs.ferryCsvKs!.seconds).toFixed(2)} (target ≥ ×3)`);
    line('pandas+scipy / ferry (default)', `×${(runs.scipyCsv.seconds / f.seconds).toFixed(2)}`);
  }
  if (runs.evidentlyCsv) {
    line('Evidently / ferry (default: the same method, wasserstein)', `×${(runs.evidentlyCsv.seconds / f.seconds).toFixed(2)} (target ≥ ×15)`);
  }
  line('ferry drift Parquet / sort floor (Float64Array.sort)', `×${(runs.ferryPq!.seconds / builtinSortS).toFixed(2)} (target ≤ ×2)`);
  line('Parquet, in process (no start-up) / sort floor', `×${(inProcessPqS / builtinSortS).toFixed(2)} (target ≤ ×2)`);
  line('ferry drift Parquet --method ks / sort floor', `×${(runs.ferryPqKs!.seconds / builtinSortS).toFixed(2)}`);
  if (ksRatios.length) {
    line('exact KS on drifted features, (sort + ks) / sort', `×${Math.min(...ksRatios).toFixed(2)} … ×${Math.max(...ksRatios).toFixed(2)} (target ≤ ×2)`);
  }
  // The statistics agree with scipy's on this data (the contract is 1e-9; the report rounds nothing).
  if (runs.scipyCsv && runs.ferryCsvKs!.code === 0 && runs.scipyCsv.code === 0) {
    const ours = driftReportSchema.parse(JSON.parse(runs.ferryCsvKs!.stdout));
    const theirs = JSON.parse(runs.scipyCsv.stdout) as Record<string, { ks_statistic: number; ks_pvalue: number }>;
    let worst = 0;
    for (const c of ours.columns) {
      const s = theirs[c.column]!;
      worst = Math.max(worst, Math.abs(c.statistic - s.ks_statistic), Math.abs(c.pValue! - s.ks_pvalue) / Math.max(s.ks_pvalue, 1e-300));
    }
    line('largest difference to scipy (KS D absolute, p relative)', worst.toExponential(2));
  }
  console.log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  rmSync(tmpDir, { recursive: true, force: true });
}

await main();
