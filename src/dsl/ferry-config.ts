import type { z } from 'zod';

/** What a step function is given: where it runs and what the run integrated. */
export interface StepContext {
  workflowId: string;
  stepId: string;
  /** Checkout of the integrated commit (a git worktree), the working directory of the step. */
  workspace: string;
  commit: string;
  /** Declared datasets, resolved inside the workspace, with the sha256 recorded at integration. */
  datasets: Record<string, { path: string; sha256: string }>;
  /** The pipeline's params after `--param` overrides. */
  pipelineParams: Record<string, string | number | boolean>;
  seed: number;
  /** An empty directory for this step's artifacts; files named in `artifacts` are stored content-addressed. */
  outputDir: string;
  /** Outputs of earlier steps of this run, by step id (e.g. the trained model's artifact for evaluation). */
  previous: Record<string, PreviousStep>;
  /** Reports liveness (and progress) to Temporal; required for steps declared with `heartbeat`. */
  heartbeat(progress?: unknown): void;
}

/** An earlier step's output as a later step sees it: metrics, stored artifacts (with a local path) and other fields. */
export interface PreviousStep {
  metrics: Record<string, number>;
  artifacts: Record<string, { sha256: string; uri: string; size: number; path: string }>;
  result: Record<string, unknown>;
}

/** What a step function returns. Everything must be JSON. */
export interface StepResult {
  metrics?: Record<string, number>;
  /** name → file path inside `outputDir`; the model file is named `model`. */
  artifacts?: Record<string, string>;
  [key: string]: unknown;
}

export interface StepDefinition<S extends z.ZodType = z.ZodType> {
  readonly kind: 'step';
  readonly name: string;
  readonly params: S;
  readonly run: (ctx: StepContext, params: z.infer<S>) => Promise<StepResult | void>;
}

/**
 * Declares a step function that pipelines refer to by `name` (`step('train', name, params)`). Its params are
 * validated with `paramsSchema` when the step runs; an invalid value fails the step without retries.
 * @example
 * export const train = defineStep('penguins.train', z.object({ trees: z.number().int() }), async (ctx, { trees }) => {
 *   return { metrics: { accuracy: 0.97 }, artifacts: { model: 'model.json' } };
 * });
 */
export function defineStep<S extends z.ZodType>(
  name: string,
  paramsSchema: S,
  run: (ctx: StepContext, params: z.infer<S>) => Promise<StepResult | void>,
): StepDefinition<S> {
  return { kind: 'step', name, params: paramsSchema, run };
}

export interface GateContext {
  metrics: Record<string, number>;
  productionMetrics?: Record<string, number>;
}

export interface GateDefinition {
  readonly kind: 'gate';
  readonly name: string;
  readonly check: (ctx: GateContext) => Promise<{ passed: boolean; value?: number; message: string }> | { passed: boolean; value?: number; message: string };
}

/** Declares a custom gate function (`gate.custom(label, name)` in a pipeline). */
export function defineGate(name: string, check: GateDefinition['check']): GateDefinition {
  return { kind: 'gate', name, check };
}

/** A loaded model: turns a batch of input records into outputs (one per record). */
export type Predict = (inputs: Record<string, unknown>[]) => Promise<unknown[]> | unknown[];

/** How to read a classifier's outputs: where the predicted label and the class probabilities are. */
export interface PredictorOutputs {
  /** Field of each output holding the predicted label (omit when the output is the label). */
  labelField?: string;
  /** Field of each output holding `{ class: probability }` (for calibration checks). */
  probabilitiesField?: string;
}

/** A field of a model output (the output itself when no field is named or the output is not an object). */
export function outputField<T = unknown>(output: unknown, field: string | undefined): T {
  return (field && output !== null && typeof output === 'object' ? (output as Record<string, unknown>)[field] : output) as T;
}

export interface PredictorDefinition extends PredictorOutputs {
  readonly kind: 'predictor';
  /** The registry model name it serves. */
  readonly model: string;
  /** Loads a registered version's model artifact (a local file path) into a predict function. */
  readonly load: (artifactPath: string) => Promise<Predict> | Predict;
}

/**
 * Declares how the model server loads and calls a registered model's artifact.
 * `outputs` says where a classifier's label and probabilities are, for risk checks and the monitor's accuracy.
 * @example definePredictor('penguins', async (file) => { const rf = load(file); return (rows) => rows.map(predictOne); }, { labelField: 'species' })
 */
export function definePredictor(model: string, load: PredictorDefinition['load'], outputs: PredictorOutputs = {}): PredictorDefinition {
  return { kind: 'predictor', model, load, ...outputs };
}

export interface FerryConfig {
  /** Step functions the worker registers. */
  steps?: StepDefinition[];
  gates?: GateDefinition[];
  /** How the model server loads each model. */
  predictors?: PredictorDefinition[];
}

/**
 * The project's ferry.config.ts: which step functions and gates workers load.
 * @example export default defineConfig({ steps: [train, evaluate] });
 */
export function defineConfig(config: FerryConfig): FerryConfig {
  return config;
}
