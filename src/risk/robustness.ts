import { UsageError } from '../core/errors.js';
import { gaussian, mulberry32, type Random } from './prng.js';
import type { PredictClasses, Row } from './types.js';

/** A perturbation of the evaluation rows. */
export type Perturbation =
  | { kind: 'noise'; features: string[]; /** Noise standard deviation as a fraction of the feature's standard deviation. */ scale: number }
  | { kind: 'missing'; features: string[] }
  | { kind: 'unseen-category'; features: string[] };

export interface RobustnessOptions {
  predict: PredictClasses;
  rows: readonly Row[];
  perturbations: readonly Perturbation[];
  /** Seed of the noise; default 0. */
  seed?: number;
}

export interface PerturbationResult {
  perturbation: Perturbation;
  /** Share of rows whose prediction changed. */
  flipRate: number;
  flipped: number;
  rows: number;
}

export interface RobustnessReport {
  seed: number;
  results: PerturbationResult[];
}

/** The value an unseen category is replaced with: no training data holds it. */
export const UNSEEN_CATEGORY = '__ferry_unseen__';

/** Population standard deviation of a feature's finite numeric values (0 when it has none). */
function featureStd(rows: readonly Row[], feature: string): number {
  const xs = rows.map((r) => r[feature]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (xs.length === 0) return 0;
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length);
}

function perturb(rows: readonly Row[], p: Perturbation, random: Random): Row[] {
  if (p.kind === 'missing') return rows.map((r) => ({ ...r, ...Object.fromEntries(p.features.map((f) => [f, null])) }));
  if (p.kind === 'unseen-category') return rows.map((r) => ({ ...r, ...Object.fromEntries(p.features.map((f) => [f, UNSEEN_CATEGORY])) }));
  const stds = p.features.map((f) => {
    const std = featureStd(rows, f);
    if (std === 0 && !rows.some((r) => typeof r[f] === 'number')) {
      throw new UsageError(`robustness: noise needs a numeric feature, but "${f}" has no numeric values; use kind 'unseen-category' or 'missing' for it`);
    }
    return std;
  });
  // Row by row, feature by feature: the draws depend only on the seed and the order of rows and features.
  return rows.map((r) => {
    const out = { ...r };
    p.features.forEach((f, k) => {
      const v = r[f];
      const z = gaussian(random);
      if (typeof v === 'number' && Number.isFinite(v)) out[f] = v + z * p.scale * stds[k]!;
    });
    return out;
  });
}

/** A short label for a perturbation, e.g. `noise(0.1σ: bill_length_mm, flipper_length_mm)`. */
export function perturbationLabel(p: Perturbation): string {
  return p.kind === 'noise' ? `noise(${p.scale}σ: ${p.features.join(', ')})` : `${p.kind}(${p.features.join(', ')})`;
}

/**
 * Prediction flip rate under perturbations: Gaussian noise on numeric features (standard deviation `scale` × the
 * feature's standard deviation over `rows`), missing values (null) or an unseen category. Each perturbation gets its own
 * mulberry32 stream started from `seed` (default 0), so the numbers are reproducible and independent of list order.
 * @example
 * await robustness({ predict, rows, seed: 1, perturbations: [{ kind: 'noise', features: ['body_mass_g'], scale: 0.1 }] });
 */
export async function robustness(options: RobustnessOptions): Promise<RobustnessReport> {
  const seed = options.seed ?? 0;
  const rows = options.rows;
  const base = await options.predict([...rows]);
  const results: PerturbationResult[] = [];
  for (const p of options.perturbations) {
    if (p.features.length === 0) throw new UsageError(`robustness: a ${p.kind} perturbation needs at least one feature`);
    const changed = await options.predict(perturb(rows, p, mulberry32(seed)));
    const flipped = base.filter((y, i) => changed[i] !== y).length;
    results.push({ perturbation: p, flipRate: rows.length > 0 ? flipped / rows.length : 0, flipped, rows: rows.length });
  }
  return { seed, results };
}
