/**
 * Benjamini–Hochberg control of the false discovery rate across a window's features, as scipy's
 * `false_discovery_control(ps, method='bh')`: with many features tested at p < 0.05 some drift by chance alone, and a
 * monitor on 50 noise columns would otherwise see two or three "drifted" on every check.
 */
import type { ColumnDrift, DriftReport } from './schema.js';
import { summarise } from './detect.js';

/**
 * BH-adjusted p-values, in the input's order: p₍ᵢ₎·m/i for the i-th smallest, made monotone from the largest down and
 * capped at 1 (scipy's definition, tested against it in test/drift/fdr.test.ts).
 * @example benjaminiHochberg([0.01, 0.04, 0.03]) // [0.03, 0.04, 0.04]
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  for (const p of pValues) if (!(p >= 0 && p <= 1)) throw new RangeError(`benjaminiHochberg: p-values must be in [0, 1], got ${p}`);
  const order = pValues.map((_, i) => i).sort((a, b) => pValues[a]! - pValues[b]!);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank -= 1) {
    const i = order[rank - 1]!;
    running = Math.min(running, (pValues[i]! * m) / rank);
    adjusted[i] = running;
  }
  return adjusted;
}

/**
 * A drift report re-judged with BH at false discovery rate `fdr`: a p-value column drifts when its adjusted p-value is
 * below `fdr` (the adjusted value replaces `pValue`, `fdr` the threshold); distance-judged columns (psi, wasserstein,
 * jensenshannon) have no p-value and keep their verdict.
 */
export function withFdrControl(report: DriftReport, fdr: number): DriftReport {
  const tested = report.columns.filter((c) => c.pValue !== null);
  const adjusted = benjaminiHochberg(tested.map((c) => c.pValue!));
  const byColumn = new Map(tested.map((c, i) => [c, adjusted[i]!]));
  const columns: ColumnDrift[] = report.columns.map((c) => {
    const q = byColumn.get(c);
    return q === undefined ? c : { ...c, pValue: q, threshold: fdr, drifted: q < fdr };
  });
  return summarise(columns);
}
