/**
 * Drift benchmark: 1M rows × 20 numeric features in both windows (seeded mulberry32, Box–Muller normals, current window
 * shifted by a feature-dependent amount). Per feature it times sorting both windows (typed-array sort: the floor every
 * method pays) and the full detection from raw arrays (sort + ks with the kstwo p-value + wasserstein + psi), and
 * prints the ratio. Run: `npm run bench:drift` (tsx bench/drift.ts). Options: --rows N --features K.
 */
import { performance } from 'node:perf_hooks';
import { histogramCounts, sturgesEdges } from '../src/drift/histogram.js';
import { ks2sampSorted } from '../src/drift/ks.js';
import { psi } from '../src/drift/psi.js';
import { normalisedWasserstein } from '../src/drift/wasserstein.js';
import { mulberry32 } from '../src/risk/prng.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

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

const ms = (t0: number): number => performance.now() - t0;

function main(): void {
  const rows = arg('rows', 1_000_000);
  const features = arg('features', 20);
  console.log(`drift bench: ${rows.toLocaleString('en')} rows × ${features} features per window, node ${process.version}`);
  const header = ['feature', 'shift', 'sort ms', 'ks ms', 'wass ms', 'psi ms', 'full ms', 'full/sort', 'D', 'p (kstwo)', 'W/σ', 'psi'];
  const table: string[][] = [];
  let sumSort = 0;
  let sumFull = 0;
  for (let f = 0; f < features; f++) {
    const shift = f % 4 === 0 ? 0 : 0.002 * f;
    const ref = normals(rows, 1000 + f, 0);
    const cur = normals(rows, 2000 + f, shift);

    // Floor: copy + typed-array sort of both windows.
    let t0 = performance.now();
    const rs = ref.slice().sort();
    const cs = cur.slice().sort();
    const sortMs = ms(t0);

    // Full detection from the raw arrays: sort once, then every method on the sorted windows.
    t0 = performance.now();
    const a = ref.slice().sort();
    const b = cur.slice().sort();
    const tKs = performance.now();
    const ks = ks2sampSorted(a, b, 'auto');
    const ksMs = ms(tKs);
    const tW = performance.now();
    const w = normalisedWasserstein(a, b);
    const wMs = ms(tW);
    const tP = performance.now();
    const edges = sturgesEdges(a, b);
    const p = psi(histogramCounts(a, edges), histogramCounts(b, edges));
    const pMs = ms(tP);
    const fullMs = ms(t0);
    if (rs[0] !== a[0] || cs[cs.length - 1] !== b[b.length - 1]) throw new Error('sort mismatch');

    sumSort += sortMs;
    sumFull += fullMs;
    table.push([
      `f${f}`,
      shift.toFixed(3),
      sortMs.toFixed(1),
      ksMs.toFixed(1),
      wMs.toFixed(1),
      pMs.toFixed(1),
      fullMs.toFixed(1),
      (fullMs / sortMs).toFixed(2),
      ks.statistic.toFixed(5),
      ks.pValue.toExponential(3),
      w.toFixed(5),
      p.toExponential(3),
    ]);
  }
  table.push(['total', '', sumSort.toFixed(0), '', '', '', sumFull.toFixed(0), (sumFull / sumSort).toFixed(2), '', '', '', '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  console.log(line(header));
  for (const r of table) console.log(line(r));
}

main();
