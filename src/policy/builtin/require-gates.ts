import type { GateSpec } from '../../core/spec.js';
import { definePolicy } from '../define.js';
import type { Policy, PolicyFinding } from '../types.js';

export interface RequireGatesOptions {
  /** Environments that trigger the rule: a pipeline deploying to any of them needs the gates. */
  envs: string[];
  /** Gate kinds that must be present, e.g. `['no-regression']`. */
  kinds?: GateSpec['kind'][];
  /** Metrics that must be gated (by any kind except custom). */
  metrics?: string[];
  name?: string;
}

/**
 * Required evaluation gates: a pipeline that deploys to one of `envs` must gate on each of `kinds` and `metrics`.
 * @example requireGates({ envs: ['production'], kinds: ['no-regression'] })
 */
export function requireGates(options: RequireGatesOptions): Policy {
  const { envs, kinds = [], metrics = [] } = options;
  return definePolicy({
    name: options.name ?? 'require-gates',
    description: `pipelines deploying to ${envs.join(', ')} gate on ${[...kinds.map((k) => `a ${k} gate`), ...metrics].join(', ') || 'something'}`,
    check(spec) {
      const targets = spec.deploy.filter((d) => envs.includes(d.env)).map((d) => d.env);
      if (targets.length === 0) return [];
      const gates = spec.evaluate?.gates ?? [];
      const findings: PolicyFinding[] = [];
      const to = targets.join(' and ');
      for (const kind of kinds) {
        if (!gates.some((g) => g.kind === kind)) {
          findings.push({ message: `a pipeline that deploys to ${to} needs a ${kind} gate; add one to evaluate.gates (e.g. gate.noRegression('accuracy'))`, path: 'evaluate.gates' });
        }
      }
      for (const metric of metrics) {
        if (!gates.some((g) => g.kind !== 'custom' && g.metric === metric)) {
          findings.push({ message: `a pipeline that deploys to ${to} needs a gate on "${metric}"; add one to evaluate.gates`, path: 'evaluate.gates' });
        }
      }
      return findings;
    },
  });
}
