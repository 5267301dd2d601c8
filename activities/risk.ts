import { readFileSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { outputField } from '../src/dsl/config.js';
import type { GateResult } from '../src/core/gates.js';
import type { RiskCheck } from '../src/core/risk.js';
import { storedCardData, type CardSpec } from '../src/modelcard/index.js';
import { evaluateRiskChecks, perClassMetrics } from '../src/risk/index.js';
import type { ActivityDeps } from './deps.js';

/** The held-out data an evaluation step hands to the risk checks: artifact `heldout`. */
export const heldoutSchema = z.object({
  features: z.array(z.string()).min(1),
  rows: z.array(z.record(z.string(), z.unknown())).min(1),
  labels: z.array(z.string()),
});

export interface RiskCheckInput {
  model: string;
  checks: RiskCheck[];
  seed: number;
  modelUri: string;
  heldoutUri?: string;
  card?: CardSpec;
  description?: string;
}

export interface RiskCheckOutput {
  results: GateResult[];
  /** What the registry stores as the version's model-card data (risk reports, per-class metrics, the author's card). */
  modelCard: Record<string, unknown>;
}

/** Model-risk checks on held-out data, with the model loaded the way the model server loads it. */
export function createRiskActivities({ config, store }: ActivityDeps) {
  return {
    async runRiskChecks(input: RiskCheckInput): Promise<RiskCheckOutput> {
      const predictor = config.predictors.get(input.model);
      if (!predictor) throw ApplicationFailure.nonRetryable(`risk checks: no predictor for model "${input.model}" in ferry.config.ts; add definePredictor('${input.model}', …)`, 'StepNotFound');
      if (!input.heldoutUri) {
        throw ApplicationFailure.nonRetryable('risk checks: the evaluation returned no "heldout" artifact; write { features, rows, labels } as JSON and return it as artifacts.heldout', 'StepOutputError');
      }
      const heldout = heldoutSchema.safeParse(JSON.parse(readFileSync(await store.fetch(input.heldoutUri), 'utf8')));
      if (!heldout.success) throw ApplicationFailure.nonRetryable(`risk checks: heldout artifact: ${heldout.error.issues[0]?.path.join('.')}: ${heldout.error.issues[0]?.message}`, 'StepOutputError');
      const { features, rows, labels } = heldout.data;
      const predictFn = await predictor.load(await store.fetch(input.modelUri));
      const predict = async (batch: Record<string, unknown>[]) => (await predictFn(batch)).map((o) => String(outputField(o, predictor.labelField)));
      const predictProba = predictor.probabilitiesField
        ? async (batch: Record<string, unknown>[]) => (await predictFn(batch)).map((o) => outputField<Record<string, number>>(o, predictor.probabilitiesField))
        : undefined;
      const evaluation = await evaluateRiskChecks(input.checks, { predict, predictProba, rows, labels, features, seed: input.seed });
      const predictions = await predict(rows);
      return {
        results: evaluation.results.map((r) => ({ gate: r.check, metric: r.group ?? r.feature, passed: r.passed, value: r.value, bound: r.bound, message: r.message })),
        modelCard: storedCardData({ card: input.card, perClassMetrics: perClassMetrics(predictions, labels), risk: evaluation, description: input.description }) as Record<string, unknown>,
      };
    },
  };
}
