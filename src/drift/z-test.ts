/** Pooled two-proportion z-test (two-sided), the test Evidently applies to binary columns. */
import { ndtr } from './special.js';

/** z statistic and two-sided p-value. */
export interface ZTestResult {
  statistic: number;
  pValue: number;
}

/**
 * Compares the share of one category in two samples: z = (p1 − p2) / sqrt(P(1−P)(1/n1 + 1/n2)) with the pooled P, and
 * p = 2·Φ(−|z|) computed through erfc so that tiny p-values keep their precision. When P is 0 or 1 (one identical value in
 * both windows) there is no variation to test: z = 0, p = 1.
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTestResult {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const P = (p1 * n1 + p2 * n2) / (n1 + n2);
  const v = P * (1 - P) * (1.0 / n1 + 1.0 / n2);
  if (!(v > 0)) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(v);
  return { statistic: z, pValue: Math.min(1, 2 * ndtr(-Math.abs(z))) };
}
