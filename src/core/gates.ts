import type { GateSpec } from './spec.js';

export interface GateResult {
  gate: string;
  metric?: string;
  passed: boolean;
  value?: number;
  bound?: number;
  /** No-regression: production's value of the metric, and its version (scored on the candidate's evaluation data). */
  production?: number;
  productionVersion?: number;
  message: string;
}

/** What production scored, metric by metric: re-scored on the candidate's held-out data, or as recorded at its registration. */
export interface ChampionScores {
  version: number;
  values: Record<string, { candidate?: number; production?: number; source: 'rescored' | 'recorded' }>;
}

/**
 * The no-regression gate against production scored on the same data as the candidate: passes when nothing is in
 * production, fails when either side lacks the metric, and names both values either way.
 */
export function checkNoRegression(gate: Extract<GateSpec, { kind: 'no-regression' }>, metrics: Record<string, number>, champion?: ChampionScores): GateResult {
  const name = gateName(gate);
  const { metric } = gate;
  const scored = champion?.values[metric];
  const value = scored?.candidate ?? metrics[metric];
  if (value === undefined) return { gate: name, metric, passed: false, message: `${name}: the evaluation reported no metric "${metric}" (reported: ${Object.keys(metrics).join(', ') || 'none'})` };
  if (!champion) return { gate: name, metric, value, passed: true, message: `${metric} = ${value}; no production model to compare with` };
  const production = scored?.production;
  const base = { gate: name, metric, value, productionVersion: champion.version };
  if (production === undefined) {
    return { ...base, passed: false, message: `${name}: production v${champion.version} has no "${metric}" to compare with (candidate ${value}); record it for production or drop the gate` };
  }
  const bound = gate.higherIsBetter ? production - gate.tolerance : production + gate.tolerance;
  const passed = gate.higherIsBetter ? value >= bound : value <= bound;
  const on = scored?.source === 'rescored' ? `, both scored on this evaluation's held-out data` : ', as recorded at its registration';
  return { ...base, bound, production, passed, message: `${metric}: candidate ${value} vs production v${champion.version} ${production}${on} (tolerance ${gate.tolerance}): ${passed ? 'no regression' : 'regression'}` };
}

/** A gate's human name, e.g. `min(accuracy)`. */
export function gateName(gate: GateSpec): string {
  return gate.kind === 'custom' ? gate.name : `${gate.kind}(${gate.metric})`;
}

/**
 * Checks threshold and champion/challenger gates against the candidate's metrics (pure: runs in workflow code).
 * Custom gates are checked by an activity and are not handled here.
 */
export function checkGate(gate: Exclude<GateSpec, { kind: 'custom' }>, metrics: Record<string, number>, production?: Record<string, number>): GateResult {
  const name = gateName(gate);
  const value = metrics[gate.metric];
  if (value === undefined) {
    return { gate: name, metric: gate.metric, passed: false, message: `${name}: the evaluation reported no metric "${gate.metric}" (reported: ${Object.keys(metrics).join(', ') || 'none'})` };
  }
  switch (gate.kind) {
    case 'min':
      return { gate: name, metric: gate.metric, value, bound: gate.min, passed: value >= gate.min, message: `${gate.metric} = ${value} ${value >= gate.min ? '≥' : '<'} min ${gate.min}` };
    case 'max':
      return { gate: name, metric: gate.metric, value, bound: gate.max, passed: value <= gate.max, message: `${gate.metric} = ${value} ${value <= gate.max ? '≤' : '>'} max ${gate.max}` };
    case 'no-regression': {
      const champion = production?.[gate.metric];
      if (champion === undefined) return { gate: name, metric: gate.metric, value, passed: true, message: `${gate.metric} = ${value}; no production model to compare with` };
      const bound = gate.higherIsBetter ? champion - gate.tolerance : champion + gate.tolerance;
      const passed = gate.higherIsBetter ? value >= bound : value <= bound;
      return {
        gate: name,
        metric: gate.metric,
        value,
        bound,
        passed,
        message: `${gate.metric} = ${value} vs production ${champion} (tolerance ${gate.tolerance}): ${passed ? 'no regression' : 'regression'}`,
      };
    }
  }
}
