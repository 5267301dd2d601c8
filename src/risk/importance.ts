import { UsageError } from '../core/errors.js';
import { assertSameLength, meanStd, score } from './metrics.js';
import { mulberry32, permutation } from './prng.js';
import type { PredictClasses, Row, ScoreMetric } from './types.js';

/** Gives the permutation of row indices used for `feature` in repeat `repeat` (n rows): row i receives row perm[i]'s value. */
export type PermutationSource = (feature: string, repeat: number, n: number) => readonly number[];

export interface PermutationImportanceOptions {
  predict: PredictClasses;
  rows: readonly Row[];
  labels: readonly string[];
  features: readonly string[];
  /** Default 'accuracy'. */
  metric?: ScoreMetric;
  /** Shuffles per feature; default 5. */
  repeats?: number;
  /** Seed of the default permutation source; default 0. */
  seed?: number;
  /** Explicit permutations (tests feed the same ones to sklearn); overrides `seed`. */
  permutations?: PermutationSource;
}

export interface FeatureImportance {
  feature: string;
  /** Mean score drop over the repeats (baseline − permuted). */
  mean: number;
  /** Population standard deviation of the drops (ddof = 0, as sklearn). */
  std: number;
  /** The drop of each repeat. */
  drops: number[];
}

export interface ImportanceReport {
  metric: ScoreMetric;
  repeats: number;
  seed: number;
  baseline: number;
  /** In the order of `features`. */
  features: FeatureImportance[];
}

/**
 * The default permutation source: for every feature the stream restarts at mulberry32(seed), and repeat r takes the r-th
 * Fisher–Yates shuffle of 0..n-1 from it. Restarting per feature (as sklearn reuses one seed per column) keeps a
 * feature's numbers independent of which other features are listed.
 */
export function seededPermutations(seed: number): PermutationSource {
  const streams = new Map<string, { random: () => number; perms: number[][] }>();
  return (feature, repeat, n) => {
    const key = `${feature}\u0000${n}`;
    let stream = streams.get(key);
    if (!stream) {
      stream = { random: mulberry32(seed), perms: [] };
      streams.set(key, stream);
    }
    while (stream.perms.length <= repeat) stream.perms.push(permutation(n, stream.random));
    return stream.perms[repeat]!;
  };
}

/**
 * Permutation feature importance (as sklearn.inspection.permutation_importance): the score on the rows as they are,
 * minus the score after shuffling one feature's column, per repeat; reported as mean and std over `repeats` (default 5).
 * Deterministic for a seed. Defaults: metric 'accuracy', repeats 5, seed 0.
 * @example
 * const report = await permutationImportance({ predict, rows, labels, features: ['bill_length_mm'], seed: 7 });
 */
export async function permutationImportance(options: PermutationImportanceOptions): Promise<ImportanceReport> {
  const { predict, rows, labels, features } = options;
  const metric = options.metric ?? 'accuracy';
  const repeats = options.repeats ?? 5;
  const seed = options.seed ?? 0;
  if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError(`permutation importance: repeats must be an integer ≥ 1 (got ${repeats})`);
  assertSameLength(rows, labels, 'rows and labels');
  const source = options.permutations ?? seededPermutations(seed);
  const baseline = score(metric, await predict([...rows]), labels);
  const result: FeatureImportance[] = [];
  for (const feature of features) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const perm = source(feature, r, rows.length);
      if (perm.length !== rows.length) throw new UsageError(`permutation for "${feature}" repeat ${r} has ${perm.length} entries, expected ${rows.length}`);
      const permuted = rows.map((row, i) => ({ ...row, [feature]: rows[perm[i]!]![feature] }));
      drops.push(baseline - score(metric, await predict(permuted), labels));
    }
    result.push({ feature, ...meanStd(drops), drops });
  }
  return { metric, repeats, seed, baseline, features: result };
}
