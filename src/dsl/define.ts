import type { z } from 'zod';
import type { approvalSchema, ApprovalSpec, GateSpec, PipelineInput, StepSpec, stepSchema } from '../core/spec.js';

type StepOptions = Partial<Pick<StepSpec, 'timeout' | 'retries' | 'heartbeat' | 'taskQueue' | 'queueTimeout' | 'env'>>;
type StepInput = z.input<typeof stepSchema>;

/**
 * Declares a pipeline: the whole lifecycle of one model as a plain, serialisable spec. Validation happens when the
 * file is loaded (`ferry run`, `ferry policy check`), so a mistake is reported with the file and the field.
 * Defaults: `repo` is the current git repository at `HEAD`, `seed` 0, deploy strategy all-at-once.
 * @example
 * export default definePipeline({
 *   name: 'churn', datasets: [{ name: 'train', path: 'data/train.csv' }],
 *   build: [command('test', 'npm test')],
 *   train: step('train', 'churn.train', { trees: 50 }),
 *   evaluate: { gates: [gate.min('accuracy', 0.8), gate.noRegression('accuracy', { tolerance: 0.01 })] },
 *   deploy: [{ env: 'staging' }, { env: 'production', approval: approval({ groups: ['ml-leads'] }) }],
 * });
 */
export function definePipeline(spec: Omit<PipelineInput, 'apiVersion'>): PipelineInput {
  return { apiVersion: 'ferry/v1', ...spec };
}

/**
 * A step that runs a function registered with `defineStep` (see ferry.config.ts).
 * @example step('train', 'penguins.train', { trees: 50 }, { timeout: '30m', heartbeat: '1m' })
 */
export function step(id: string, fn: string, params: Record<string, unknown> = {}, options: StepOptions = {}): StepInput {
  return { kind: 'function', id, fn, params, ...options };
}

/**
 * A step that runs a shell command in a workspace checked out at the integrated commit. If `outputs` is given, the
 * command writes its metrics to `<outputs>/metrics.json` (a flat `{ name: number }` object), its model to
 * `<outputs>/model` (a file or a directory) and the `artifacts` it declares by name. `requirements` names a pinned
 * requirements or lock file installed into a cached venv first. The variables a command receives (`FERRY_PARAMS`,
 * `FERRY_SEED`, `FERRY_DATASET_<NAME>`, `FERRY_MODEL`, `FERRY_OUTPUT_DIR`, `FERRY_LOG`, …) are listed in README.
 * @example command('unit-tests', 'npm test')
 * @example command('train', 'python train.py', { outputs: 'out', requirements: 'requirements.txt', timeout: '2h' })
 * @example command('evaluate', 'python evaluate.py', { outputs: 'out', artifacts: { report: 'report.html' } })
 */
export function command(id: string, run: string, options: StepOptions & { outputs?: string; artifacts?: Record<string, string>; requirements?: string } = {}): StepInput {
  return { kind: 'command', id, run, ...options };
}

/** Evaluation gates: a failed gate stops the run before registration, naming the gate, the value and the bound. */
export const gate = {
  /** The metric must be at least `min`. @example gate.min('accuracy', 0.9) */
  min: (metric: string, min: number): GateSpec => ({ kind: 'min', metric, min }),
  /** The metric must be at most `max`. @example gate.max('log-loss', 0.3) */
  max: (metric: string, max: number): GateSpec => ({ kind: 'max', metric, max }),
  /**
   * Champion/challenger: the metric may not be worse than the production model's by more than `tolerance` (default 0).
   * Passes when nothing is in production yet. @example gate.noRegression('f1', { tolerance: 0.01 })
   */
  noRegression: (metric: string, options: { tolerance?: number; higherIsBetter?: boolean } = {}): GateSpec => ({
    kind: 'no-regression',
    metric,
    tolerance: options.tolerance ?? 0,
    higherIsBetter: options.higherIsBetter ?? true,
  }),
  /** A gate function registered with `defineGate` in ferry.config.ts. @example gate.custom('balanced', 'checks.balanced') */
  custom: (name: string, fn: string): GateSpec => ({ kind: 'custom', name, fn }),
};

/**
 * An approval rule for one environment. Defaults: one approval, any approver, expires (→ rejected) after 3 days.
 * @example approval({ required: 2, groups: ['ml-leads'], expiresIn: '2d', remindEvery: '4h' })
 */
export function approval(rule: Partial<z.input<typeof approvalSchema>> = {}): ApprovalSpec {
  return { required: 1, groups: [], expiresIn: '3d', escalateTo: [], ...rule };
}
