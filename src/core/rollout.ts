// Pure and deterministic: workflow code imports these helpers, so no Node APIs and no I/O here.
import { durationMs } from './duration.js';
import type { DeploySpec } from './spec.js';
import type { Route } from './routes.js';

export type Strategy = DeploySpec['strategy'];

/** Health bounds a step must hold during its bake before the rollout moves on. */
export interface HealthGate {
  maxErrorRate: number;
  maxLatencyMs?: number;
  /** Fewer requests to the new version in the bake than this is not enough evidence: the step fails. */
  minRequests?: number;
  /**
   * The stable version to compare with: in the same window (`same`, a canary, where both take traffic) or in a window
   * of the same length just before it (`before`, blue/green, where the stable version takes none during the bake).
   */
  compareWith?: { version: number; window: 'same' | 'before'; maxErrorRateIncrease: number; maxLatencyRatio: number };
}

/** Requests a bake step needs before its gate can pass, unless the strategy says otherwise (`minRequests`). */
export const DEFAULT_MIN_REQUESTS = 100;

/**
 * A bake that ends with fewer than `minRequests` is extended this many times (each by its own length, the window
 * growing from the step's start) before it fails: a worker outage or a quiet hour is missing evidence, not bad health.
 */
export const MAX_BAKE_EXTENSIONS = 2;
/** How much higher than the stable version's the new version's error rate may be (absolute, 0.02 = 2 points). */
export const DEFAULT_MAX_ERROR_RATE_INCREASE = 0.02;
/** How many times the stable version's p95 latency the new version's may be. */
export const DEFAULT_MAX_LATENCY_RATIO = 1.5;

/** One step of a rollout: the traffic to apply, how long to bake it, and the gate to check after the bake. */
export interface RolloutStep {
  routes: Route[];
  /** The new version's share of traffic in this step. */
  percent: number;
  bakeMs: number;
  gate?: HealthGate;
}

/** Error-rate bound used for blue/green, whose spec has none. */
export const BLUE_GREEN_MAX_ERROR_RATE = 0.05;

/**
 * The route sets a strategy rolls through, in order. `stable` is the version serving now (none on a first deploy, when
 * every strategy is a straight switch). Canary steps below 100% bake and are gated; the final 100% step is not.
 * @example planRollout({ kind: 'canary', steps: [10, 50, 100], bake: '1m', maxErrorRate: 0.05 }, { version: 2, stable: 1 })
 * // → [v1:90 v2:10 (bake, gate)], [v1:50 v2:50 (bake, gate)], [v2:100]
 */
export function planRollout(strategy: Strategy, target: { version: number; stable?: number }): RolloutStep[] {
  const { version, stable } = target;
  const full: RolloutStep = { routes: [{ version, percent: 100 }], percent: 100, bakeMs: 0 };
  if (stable === undefined || stable === version) return [full];
  switch (strategy.kind) {
    case 'all-at-once':
      return [full];
    case 'canary': {
      const gate: HealthGate = {
        maxErrorRate: strategy.maxErrorRate,
        ...(strategy.maxLatencyMs === undefined ? {} : { maxLatencyMs: strategy.maxLatencyMs }),
        ...evidence(strategy, stable, 'same'),
      };
      const bakeMs = durationMs(strategy.bake);
      const steps = [...new Set(strategy.steps.map((p) => Math.round(p)))].filter((p) => p > 0 && p <= 100);
      if (steps[steps.length - 1] !== 100) steps.push(100);
      return steps.map((percent) =>
        percent === 100 ? full : { routes: [{ version: stable, percent: 100 - percent }, { version, percent }], percent, bakeMs, gate },
      );
    }
    case 'blue-green':
      // Switch all traffic to green at once; blue stays registered for an instant switch back if the bake fails.
      return [{ ...full, bakeMs: durationMs(strategy.bake), gate: { maxErrorRate: BLUE_GREEN_MAX_ERROR_RATE, ...evidence(strategy, stable, 'before') } }];
    default: {
      const unknown: never = strategy;
      throw new Error(`unknown rollout strategy ${JSON.stringify(unknown)}`);
    }
  }
}

type Evidence = Pick<Extract<Strategy, { kind: 'canary' }>, 'minRequests' | 'maxErrorRateIncrease' | 'maxLatencyRatio'>;

/** The gate's sample-size bound and its comparison with the stable version, with the defaults filled in. */
function evidence(strategy: Evidence, stable: number, window: 'same' | 'before'): Pick<HealthGate, 'minRequests' | 'compareWith'> {
  return {
    minRequests: strategy.minRequests ?? DEFAULT_MIN_REQUESTS,
    compareWith: {
      version: stable,
      window,
      maxErrorRateIncrease: strategy.maxErrorRateIncrease ?? DEFAULT_MAX_ERROR_RATE_INCREASE,
      maxLatencyRatio: strategy.maxLatencyRatio ?? DEFAULT_MAX_LATENCY_RATIO,
    },
  };
}

/** The gate as promotions recorded before `rollout-safety` judged it: one request was enough, no comparison. */
export function legacyGate(gate: HealthGate): HealthGate {
  return { maxErrorRate: gate.maxErrorRate, ...(gate.maxLatencyMs === undefined ? {} : { maxLatencyMs: gate.maxLatencyMs }) };
}

/** Where a failed gate sends traffic: all of it back to the stable version. */
export function rollbackRoutes(stable: number): Route[] {
  return [{ version: stable, percent: 100 }];
}
