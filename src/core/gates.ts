import type { GateSpec } from './spec.js';

export interface GateResult {
  gate: string;
  metric?: string;
  passed: boolean;
  value?: number;
  bound?: number;
  message: string;
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
