import { Gauge } from 'prom-client';
import { log } from '../log.js';
import { metricsRegistry } from '../observability/metrics-registry.js';
import { failureReason } from './failure.js';

/** How an outside service (Slack, an alert receiver, a deploy target) looks from this process. */
export interface ServiceState {
  service: string;
  up: boolean;
  /** `unreachable`: no connection; `failing`: it answered with an error. */
  kind?: 'unreachable' | 'failing';
  reason?: string;
  /** When it went down (or last came up). */
  since: string;
  /** Failures in a row. */
  failures: number;
}

const up = new Gauge({
  name: 'ferry_outside_service_up',
  help: 'Whether an outside service (slack, alert webhook, deploy target …) answered its last call or probe (1) or not (0)',
  labelNames: ['service'] as const,
  registers: [metricsRegistry],
});

const states = new Map<string, ServiceState>();
const listeners = new Set<() => void>();

/** Calls `fn` after every change of state (the health file rewrites itself); returns the unsubscribe function. */
export function onHealthChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed(): void {
  for (const fn of listeners) fn();
}

/** Every outside service this process has used or probed. */
export function serviceStates(): ServiceState[] {
  return [...states.values()].map((s) => ({ ...s }));
}

/**
 * Records that `service` failed. The first failure (or a new reason) is logged once, as `degraded: …`; it is never
 * thrown from here: callers retry (Temporal, a watcher) and the process keeps serving.
 */
export function reportFailure(service: string, err: unknown): void {
  const { kind, reason } = failureReason(err);
  const before = states.get(service);
  const state: ServiceState = before && !before.up ? { ...before, kind, reason, failures: before.failures + 1 } : { service, up: false, kind, reason, since: new Date().toISOString(), failures: 1 };
  states.set(service, state);
  up.set({ service }, 0);
  if (!before || before.up || before.reason !== reason) {
    log.warn({ service, reason, kind }, `degraded: ${service} ${kind} (${reason}); retrying in the background, the rest of Ferry keeps running`);
    changed();
  }
}

/**
 * Records that `service` answered. `onlyIf: 'unreachable'` (a reachability probe) clears only a failure to connect,
 * not one where the service answered with an error.
 */
export function reportUp(service: string, options: { onlyIf?: 'unreachable' } = {}): void {
  const before = states.get(service);
  if (before && !before.up && options.onlyIf && before.kind !== options.onlyIf) return;
  up.set({ service }, 1);
  if (before?.up) return;
  states.set(service, { service, up: true, since: new Date().toISOString(), failures: 0 });
  if (before) log.warn({ service }, `recovered: ${service} answers again`);
  changed();
}

/** Runs `call` against `service`, recording the outcome; the error still reaches the caller (to retry or report). */
export async function tracked<T>(service: string, call: () => Promise<T>, shouldReport: (err: unknown) => boolean = () => true): Promise<T> {
  try {
    const result = await call();
    reportUp(service);
    return result;
  } catch (err) {
    if (shouldReport(err)) reportFailure(service, err);
    throw err;
  }
}

/** The names outside services go by in logs, metrics and `ferry status`. */
export const outsideService = {
  slack: 'slack',
  alertWebhook: 'alert webhook',
  deployTarget: (target: string) => `deploy target ${target}`,
} as const;
