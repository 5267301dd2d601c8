import type { z } from 'zod';
import type { StepContext } from 'ferry';

/**
 * A step's bad input (params, a missing dataset or model). Named `InvalidParams` because Ferry's step retry policy treats
 * that error type as non-retryable: running the same step again cannot fix its input.
 */
export class StepInputError extends Error {
  override name = 'InvalidParams';
}

/**
 * A step's effective params: the pipeline's params (after `--param` overrides) for the keys the step's schema declares,
 * plus the params written on the step itself. A key set in both places with different values is an error rather than a
 * silent precedence rule, so `--param trees=80` always does what it says.
 * @example resolveParams(trainParams, ctx, params) // pipeline { trees: 50, testShare: 0.25 }, step {} → { trees: 50, testShare: 0.25 }
 */
export function resolveParams<S extends z.ZodObject>(schema: S, ctx: Pick<StepContext, 'stepId' | 'pipelineParams'>, stepParams: Record<string, unknown>): z.infer<S> {
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) {
    const fromPipeline = ctx.pipelineParams[key];
    const fromStep = stepParams[key];
    if (fromPipeline !== undefined && fromStep !== undefined && fromPipeline !== fromStep) {
      throw new StepInputError(
        `step "${ctx.stepId}": "${key}" is set both in the pipeline's params (${String(fromPipeline)}) and in the step's params (${String(fromStep)}); set it in one place`,
      );
    }
    const value = fromStep ?? fromPipeline;
    if (value !== undefined) merged[key] = value;
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new StepInputError(`step "${ctx.stepId}": params.${issue.path.join('.')}: ${issue.message}; set it in the pipeline's params or the step's params`);
  }
  return parsed.data;
}

/** A declared dataset (its local path and the sha256 recorded at integration), or an error naming the declaration to add. */
export function declaredDataset(ctx: Pick<StepContext, 'stepId' | 'datasets'>, name: string): { path: string; sha256: string } {
  const dataset = ctx.datasets[name];
  if (!dataset) {
    const declared = Object.keys(ctx.datasets).join(', ') || 'none';
    throw new StepInputError(`step "${ctx.stepId}": no dataset "${name}" is declared (declared: ${declared}); add { name: '${name}', path: ... } to the pipeline's datasets`);
  }
  return dataset;
}
