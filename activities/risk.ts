import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { outputField } from '../src/dsl/ferry-config.js';
import type { ChampionScores, GateResult } from '../src/core/gates.js';
import { getVersion } from '../src/registry/read.js';
import type { RiskCheck } from '../src/core/risk.js';
import { storedCardData, type CardSpec } from '../src/modelcard/index.js';
import { evaluateRiskChecks, perClassMetrics, score, type ScoreMetric } from '../src/risk/index.js';
import type { ActivityDeps } from './deps.js';
import { Failure, FerryFailure } from '../src/core/failures.js';
import { firstIssue } from '../src/dsl/issues.js';

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

export interface ScoreProductionInput {
  model: string;
  /** The metrics the no-regression gates name. */
  metrics: string[];
  /** The candidate's metrics as its evaluation reported them. */
  candidate: Record<string, number>;
  candidateModelUri?: string;
  heldoutUri?: string;
}

/** Metrics Ferry can compute itself from predicted and true labels; others are compared as recorded. */
const RESCORABLE: Record<string, ScoreMetric> = { accuracy: 'accuracy', macroF1: 'macro-f1', 'macro-f1': 'macro-f1', f1_macro: 'macro-f1', macro_f1: 'macro-f1' };

/** Reads and checks a held-out artifact already fetched to `path`. */
function loadHeldout(path: string, what: string) {
  const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const heldout = heldoutSchema.safeParse(json);
  if (!heldout.success) {
    const issue = firstIssue(heldout.error, json);
    throw new FerryFailure(Failure.StepOutputError, `${what}: heldout artifact: ${issue.path}: ${issue.message}`);
  }
  return heldout.data;
}

/** Model-risk checks on held-out data, with the model loaded the way the model server loads it. */
export function createRiskActivities({ config, db, store }: ActivityDeps) {
  return {
    /**
     * Scores the production version on the candidate's held-out data through the model's predictor — the one the
     * model server serves both with — next to the candidate, for the no-regression gates. Without a predictor, a
     * held-out artifact or a metric Ferry can compute, production's metric is the one recorded at its registration.
     * Undefined when nothing is in production.
     */
    async scoreProduction(input: ScoreProductionInput): Promise<ChampionScores | undefined> {
      const row = await getVersion(db, input.model, 'production');
      if (!row) return undefined;
      const values: ChampionScores['values'] = Object.fromEntries(
        input.metrics.map((m) => [m, { candidate: input.candidate[m], production: row.metrics[m], source: 'recorded' as const }]),
      );
      const predictor = config.predictors.get(input.model);
      const rescorable = input.metrics.filter((m) => RESCORABLE[m]);
      if (!predictor || !input.heldoutUri || !input.candidateModelUri || rescorable.length === 0) return { version: row.version, values };
      const { rows, labels } = loadHeldout(await store.fetch(input.heldoutUri), 'no-regression');
      const labelsOf = async (uri: string) => (await (await predictor.load(await store.fetch(uri)))(rows)).map((o) => String(outputField(o, predictor.labelField)));
      const [candidate, production] = [await labelsOf(input.candidateModelUri), await labelsOf(row.artifactUri)];
      for (const m of rescorable) values[m] = { candidate: score(RESCORABLE[m]!, candidate, labels), production: score(RESCORABLE[m]!, production, labels), source: 'rescored' };
      return { version: row.version, values };
    },

    async runRiskChecks(input: RiskCheckInput): Promise<RiskCheckOutput> {
      const predictor = config.predictors.get(input.model);
      if (!predictor) throw new FerryFailure(Failure.StepNotFound, `risk checks: no predictor for model "${input.model}" in ferry.config.ts; add definePredictor('${input.model}', …)`);
      if (!input.heldoutUri) {
        throw new FerryFailure(Failure.StepOutputError, 'risk checks: the evaluation returned no "heldout" artifact; write { features, rows, labels } as JSON and return it as artifacts.heldout');
      }
      const { features, rows, labels } = loadHeldout(await store.fetch(input.heldoutUri), 'risk checks');
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
