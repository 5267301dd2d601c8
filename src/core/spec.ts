import { z } from 'zod';
import { cardSpecSchema } from './card-spec.js';
import { durationSchema } from './duration.js';
import { repoSpecSchema } from './repo-spec.js';
import { MONITOR_METRICS, estimatedMetricSchema, metricName, metricOptions, metricRuleProblems } from './monitor-metrics.js';
import { riskCheckSchema } from './risk.js';

/**
 * The pipeline spec: the plain, serialisable description `definePipeline` returns and the lifecycle workflow runs.
 * This schema is the single source of truth: the TypeScript types below are inferred from it.
 */

const slug = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'expected lower-case letters, digits and dashes, starting with a letter (e.g. "churn-model")')
  .max(63, 'expected at most 63 characters');

const scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * Why a path written in a pipeline would leave the run's workspace, or undefined when it stays inside. Lexical only
 * (workflow code validates specs too, so no file system here): absolute paths, NUL bytes and `..` that climbs above
 * the workspace. Symbolic links are checked against the checkout by the activities (src/workspace-paths.ts).
 */
export function workspacePathProblem(path: string): string | undefined {
  const shown = JSON.stringify(path);
  if (path.includes('\0')) return `${shown} contains a NUL byte`;
  if (path.startsWith('/')) return `${shown} is absolute; use a path relative to the repository, e.g. data/train.csv`;
  let depth = 0;
  for (const segment of path.split('/')) {
    if (segment === '..') depth -= 1;
    else if (segment !== '.' && segment !== '') depth += 1;
    if (depth < 0) return `${shown} leaves the workspace (..); use a path inside the repository, e.g. data/train.csv`;
  }
  return depth === 0 ? `${shown} is the workspace itself; name a file or directory inside it` : undefined;
}

/** A path inside the run's workspace (see `workspacePathProblem`). */
const workspacePath = (required: string) =>
  z
    .string()
    .min(1, required)
    .superRefine((path, ctx) => {
      const problem = workspacePathProblem(path);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

/** Options every step takes: how long it may run, how often it is retried, where it runs. */
const stepOptions = {
  /** Start-to-close timeout per attempt. */
  timeout: durationSchema.default('10m'),
  /** Attempts after the first; 0 means run once. */
  retries: z.number().int().min(0, 'expected a number ≥ 0').max(100, 'expected a number ≤ 100').default(3),
  /** Heartbeat timeout: a step that reports nothing for this long is retried (long training). */
  heartbeat: durationSchema.optional(),
  /** Task queue of the workers that may run it (e.g. "gpu": `ferry worker --task-queue gpu`). */
  taskQueue: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, ".", "_" or "-"').optional(),
  /** With `taskQueue`: how long the step may wait for a worker of that queue to pick it up before the run fails. */
  queueTimeout: durationSchema.optional(),
  /** Extra environment variables. */
  env: z.record(z.string(), z.string()).default({}),
};

export const functionStepSchema = z.strictObject({
  kind: z.literal('function'),
  id: slug,
  /** Name of a step registered with `defineStep` in ferry.config.ts. */
  fn: z.string().min(1, 'expected the name of a step registered in ferry.config.ts'),
  params: z.record(z.string(), z.unknown()).default({}),
  ...stepOptions,
});

export const commandStepSchema = z.strictObject({
  kind: z.literal('command'),
  id: slug,
  /** Shell command run in a workspace checked out at the integrated commit. */
  run: z.string().min(1, 'expected a shell command'),
  /** Directory (relative to the workspace, and inside it) the command writes its outputs and `metrics.json` to. */
  outputs: workspacePath('expected a directory inside the workspace, e.g. "out"').optional(),
  /**
   * Extra artifacts the command writes under `outputs`, by name (plots, reports): `{ roc: 'roc.png' }`. A declared
   * one that is missing fails the step. `model` (file or directory) and `metrics.json` are picked up without this.
   */
  artifacts: z
    .record(
      slug.refine((name) => name !== 'log', '"log" is the step\'s own log; choose another name'),
      workspacePath('expected a path under the step\'s outputs, e.g. "roc.png"'),
    )
    .optional(),
  /**
   * A pinned `requirements.txt` or pip lock file in the repository: Ferry installs it into a cached virtual
   * environment keyed by its hash and runs the command with that environment first on PATH (`python` is its python).
   */
  requirements: workspacePath('expected a file inside the workspace, e.g. "requirements.txt"').optional(),
  ...stepOptions,
  /**
   * Attempts after the first when the command exits non-zero (a deterministic failure: default none). A lost worker
   * or a timed-out attempt is retried regardless (infrastructure, up to 10 attempts in all).
   */
  retries: stepOptions.retries.unwrap().default(0),
}).refine((step) => !step.artifacts || step.outputs, { message: 'artifacts are read from the step\'s outputs directory; set outputs too, e.g. outputs: "out"', path: ['artifacts'] });

export const stepSchema = z.discriminatedUnion('kind', [functionStepSchema, commandStepSchema], {
  error: 'expected "function" or "command" (use step() or command())',
});

const metric = z.string().min(1, 'expected a metric name');

export const gateSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('min'), metric, min: z.number() }),
  z.strictObject({ kind: z.literal('max'), metric, max: z.number() }),
  z.strictObject({
    kind: z.literal('no-regression'),
    metric,
    /** How much worse than production is still accepted (absolute). */
    tolerance: z.number().min(0, 'expected a number ≥ 0').default(0),
    higherIsBetter: z.boolean().default(true),
  }),
  z.strictObject({ kind: z.literal('custom'), name: z.string().min(1), fn: z.string().min(1, 'expected the name of a registered gate function') }),
], { error: 'expected "min" or "max" or "no-regression" or "custom" (use gate.min(), gate.max(), gate.noRegression() or gate.custom())' });

export const approvalSchema = z.strictObject({
  /** Distinct approvals needed (N of M). */
  required: z.number().int().min(1, 'expected a number ≥ 1').default(1),
  /** Groups whose members may approve; empty = any user with the approver role. */
  groups: z.array(z.string().min(1)).default([]),
  /** Undecided after this long → rejected. */
  expiresIn: durationSchema.default('3d'),
  remindEvery: durationSchema.optional(),
  /** Undecided after this long → escalated: `escalateTo` is notified and may decide from then on. */
  escalateAfter: durationSchema.optional(),
  /** User or group names who are told, and who may approve besides `groups`, once the approval escalates. */
  escalateTo: z.array(z.string().min(1)).default([]),
});

/** What a canary or blue/green bake needs before it passes (defaults in src/core/rollout.ts). */
const bakeEvidence = {
  /** Requests the new version must answer in each bake before it is judged (default 100). */
  minRequests: z.int().min(1, 'expected at least 1 request').optional(),
  /** How far above the stable version's error rate the new version's may be (absolute; default 0.02). */
  maxErrorRateIncrease: z.number().min(0).max(1, 'expected a number ≤ 1').optional(),
  /** How many times the stable version's p95 latency the new version's may be (default 1.5). */
  maxLatencyRatio: z.number().min(1, 'expected a ratio ≥ 1').optional(),
};

export const strategySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('all-at-once') }),
  z.strictObject({
    kind: z.literal('canary'),
    /** Traffic percentages in order, ending at 100. */
    steps: z
      .array(z.number().gt(0, 'expected a percentage > 0').max(100, 'expected a percentage ≤ 100'))
      .min(1)
      .refine((s) => s[s.length - 1] === 100, 'the last canary step must be 100'),
    bake: durationSchema.default('1m'),
    maxErrorRate: z.number().min(0).max(1, 'expected a number ≤ 1').default(0.05),
    maxLatencyMs: z.number().positive().optional(),
    ...bakeEvidence,
  }),
  z.strictObject({
    kind: z.literal('blue-green'),
    bake: durationSchema.default('1m'),
    ...bakeEvidence,
  }),
], { error: 'expected "all-at-once" or "canary" or "blue-green"' });

export const deploySchema = z.strictObject({
  env: slug,
  approval: approvalSchema.optional(),
  /** local: JS predictors in Ferry's model server; mlserver: Python models on MLServer behind it; kubernetes: KServe; webhook: your platform; sagemaker: SageMaker endpoints. */
  target: z.enum(['local', 'kubernetes', 'webhook', 'mlserver', 'sagemaker']).default('local'),
  strategy: strategySchema.default({ kind: 'all-at-once' }),
});

export const monitorSchema = z.strictObject({
  every: durationSchema.default('1h'),
  /** Drift threshold on the share of drifted features. */
  maxDriftShare: z.number().min(0).max(1, 'expected a number ≤ 1').default(0.5),
  /** Benjamini–Hochberg false discovery rate across the p-value-tested features (e.g. 0.05); unset: each at p < 0.05. */
  driftFdr: z.number().gt(0).lt(1, 'expected a rate < 1, e.g. 0.05').optional(),
  /** A delayed-label bound on a metric that is better when higher (accuracy, precision, recall, f1, roc_auc, r2). */
  minMetric: z.strictObject({ metric: metricName, min: z.number(), ...metricOptions }).optional(),
  /** A delayed-label bound on a metric that is better when lower (log_loss, mae, rmse). */
  maxMetric: z.strictObject({ metric: metricName, max: z.number(), ...metricOptions }).optional(),
  /**
   * A bound on the performance estimated before labels arrive (CBPE, as NannyML does it) for a binary classifier:
   * `class` is the positive class, `scoreField` its probability. Calibrated on the version's labelled predictions
   * logged before the window; judged on every window of at least `minRows` predictions.
   */
  estimatedMetric: estimatedMetricSchema.optional(),
  /** Field of the model's output holding its probabilities (of `class`, or an object class → probability): for roc_auc, log_loss, estimatedMetric. */
  scoreField: z.string().min(1).optional(),
  /** Breaches within `window` checks needed before acting (k of n). */
  breaches: z.number().int().min(1).default(1),
  window: z.number().int().min(1).default(1),
  onBreach: z.enum(['alert', 'rollback', 'retrain']).default('alert'),
  /** After an automatic action, breaches are only recorded for this long. */
  cooldown: durationSchema.default('1h'),
  /** Automatic actions before Ferry stops acting alone and escalates to a person (an incident). */
  maxActions: z.number().int().min(0).default(3),
  /** Share of a window's predictions that need labels before its performance is judged; until then it waits. */
  minLabeledShare: z.number().gt(0).max(1, 'expected a number ≤ 1').default(0.5),
  /** Checks a window for labels this many times before giving up on it. */
  labelWaitChecks: z.number().int().min(1).default(24),
  /** Field of the model's output compared with the label (default: the predictor's `labelField`, else the output). */
  predictionField: z.string().min(1).optional(),
  /**
   * The dataset (a name in `datasets`) drift is measured against, on the columns the model's inputs name. Default: the
   * train step's `reference` artifact when it writes one, else the first dataset.
   */
  reference: slug.optional(),
  /** Fewer predictions than this in a window: too little to judge drift. */
  minRows: z.number().int().min(1).default(30),
  /** Checks per monitor generation before it continues as new (bounds its history); default 50. */
  generationChecks: z.number().int().min(1).max(1000, 'expected a number ≤ 1000').optional(),
}).superRefine((monitor, ctx) => {
  const rules = [['minMetric', monitor.minMetric, 'min'], ['maxMetric', monitor.maxMetric, 'max']] as const;
  for (const [field, rule, bound] of rules) {
    if (!rule) continue;
    for (const message of metricRuleProblems(rule, bound)) ctx.addIssue({ code: 'custom', message, path: [field] });
    if (MONITOR_METRICS[rule.metric].probabilities && !monitor.scoreField) {
      ctx.addIssue({ code: 'custom', message: `${rule.metric} needs probabilities: set scoreField to the output field that holds them`, path: ['scoreField'] });
    }
  }
  if (monitor.estimatedMetric && !monitor.scoreField) {
    ctx.addIssue({ code: 'custom', message: `estimatedMetric needs probabilities: set scoreField to the output field with the probability of class ${JSON.stringify(monitor.estimatedMetric.class)}`, path: ['scoreField'] });
  }
  if (monitor.minMetric && monitor.maxMetric && MONITOR_METRICS[monitor.minMetric.metric].kind !== MONITOR_METRICS[monitor.maxMetric.metric].kind) {
    const [cls, reg] = MONITOR_METRICS[monitor.minMetric.metric].kind === 'classifier' ? [monitor.minMetric.metric, monitor.maxMetric.metric] : [monitor.maxMetric.metric, monitor.minMetric.metric];
    ctx.addIssue({ code: 'custom', message: `${cls} is a classification metric and ${reg} a regression one: a model is one or the other`, path: ['maxMetric'] });
  }
});

export const pipelineSpecSchema = z
  .strictObject({
    apiVersion: z.literal('ferry/v1'),
    name: slug,
    /** Registry name of the model this pipeline produces (defaults to the pipeline name). */
    model: slug.optional(),
    owner: z.string().min(1).optional(),
    description: z.string().optional(),
    repo: repoSpecSchema,
    datasets: z.array(z.strictObject({ name: slug, path: workspacePath('expected a file path') })).default([]),
    params: z.record(z.string(), scalar).default({}),
    seed: z.number().int().min(0).default(0),
    on: z
      .strictObject({
        push: z.strictObject({ branches: z.array(z.string().min(1)).min(1) }).optional(),
        /** MLflow registry webhooks (`ferry webhook`, POST /hooks/mlflow): a version registered or an alias set in MLflow. */
        mlflow: z
          .strictObject({
            model: z.string().min(1),
            events: z.array(z.enum(['model_version.created', 'model_version_alias.created'])).min(1).default(['model_version.created']),
            /** With `model_version_alias.created`: only this alias. */
            alias: z.string().min(1).optional(),
          })
          .optional(),
      })
      .default({}),
    build: z.array(stepSchema).default([]),
    train: stepSchema.optional(),
    evaluate: z
      .strictObject({
        step: stepSchema.optional(),
        gates: z.array(gateSchema).default([]),
        /** Model-risk checks (explainability, fairness, robustness, calibration) on the held-out data. */
        checks: z.array(riskCheckSchema).default([]),
      })
      .optional(),
    /** What the author says about the model, for its model card: intended use, limitations, out-of-scope uses. */
    card: cardSpecSchema.optional(),
    deploy: z.array(deploySchema).default([]),
    monitor: monitorSchema.optional(),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    const steps = [...spec.build, spec.train, spec.evaluate?.step].filter((s) => s !== undefined);
    steps.forEach((step) => {
      if (seen.has(step.id)) ctx.addIssue({ code: 'custom', message: `step id "${step.id}" is used twice; give each step its own id`, path: ['steps'] });
      seen.add(step.id);
    });
    const envs = new Set<string>();
    spec.deploy.forEach((d, i) => {
      if (envs.has(d.env)) ctx.addIssue({ code: 'custom', message: `environment "${d.env}" is deployed twice`, path: ['deploy', i, 'env'] });
      envs.add(d.env);
    });
    if (spec.deploy.length > 0 && !spec.train) {
      ctx.addIssue({ code: 'custom', message: 'a pipeline that deploys needs a train step to produce the model', path: ['train'] });
    }
  });

export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;
export type PipelineInput = z.input<typeof pipelineSpecSchema>;
export type StepSpec = z.infer<typeof stepSchema>;
export type GateSpec = z.infer<typeof gateSchema>;
export type ApprovalSpec = z.infer<typeof approvalSchema>;
export type DeploySpec = z.infer<typeof deploySchema>;
export type MonitorSpec = z.infer<typeof monitorSchema>;
