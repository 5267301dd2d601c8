import { UsageError } from '../core/errors.js';
import type { RiskEvaluation } from '../risk/evaluate.js';
import type { ClassMetrics } from '../risk/metrics.js';
import type { CardSpec } from '../core/card-spec.js';
import type { riskSectionSchema } from './risk-schema.js';
import { modelCardSchema, type ModelCard, type ModelCardInput } from './schema.js';
import type { z } from 'zod';
import { firstIssue } from '../dsl/issues.js';

type When = Date | string;

/** Plain inputs of a model card, as the registry, lineage and governance tables hold them. */
export interface ModelCardParts {
  model: { name: string; description?: string | null; owner?: string | null };
  version: {
    version: number;
    status: string;
    createdAt: When;
    pipeline: string;
    artifactSha256: string;
    artifactUri: string;
    commit: string;
    params: Record<string, unknown>;
    seed: number;
    /** The workflow id of the run that registered it. */
    sourceWorkflowId: string;
    specHash?: string;
    metrics: Record<string, number>;
    /** Gate results as the run recorded them (`gate`, `passed`, `value`, `bound`, `message`). */
    gates?: unknown[];
  };
  /** What the author wrote in the pipeline's `card`. */
  card?: Partial<CardSpec>;
  datasets?: { name: string; sha256: string; uri?: string; rows?: number | null; role?: string }[];
  perClassMetrics?: Record<string, ClassMetrics>;
  /** The evaluation's risk checks, as `evaluateRiskChecks` returned them or as stored (see `storedCardData`). */
  risk?: RiskEvaluation | z.input<typeof riskSectionSchema>;
  approvals?: { env: string; approver: string; decision: string; comment?: string | null; via?: string; at: When }[];
  deployments?: { env: string; status: string; target?: string; strategy?: string; trafficPercent?: number; at: When }[];
  /** Default: now. */
  generatedAt?: When;
}

const iso = (d: When): string => (typeof d === 'string' ? d : d.toISOString());
const defined = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as T;

/**
 * Builds a validated model card from plain inputs (registry row, lineage, approvals, deployments, risk evaluation).
 * Throws a UsageError naming the field when an input does not fit the card schema.
 * @example
 * const card = buildModelCard({ model: { name: 'penguins' }, version: row, card: spec.card, risk: evaluation });
 * writeFileSync('card.html', renderModelCard(card, 'html'));
 */
export function buildModelCard(parts: ModelCardParts): ModelCard {
  const v = parts.version;
  const risk = parts.risk;
  const input: ModelCardInput = {
    kind: 'ferry/model-card/v1',
    model: defined({ name: parts.model.name, description: parts.model.description ?? undefined, owner: parts.model.owner ?? undefined }),
    version: { version: v.version, status: v.status, createdAt: iso(v.createdAt), pipeline: v.pipeline, artifact: { sha256: v.artifactSha256, uri: v.artifactUri } },
    ...(parts.card?.intendedUse ? { intendedUse: parts.card.intendedUse } : {}),
    limitations: parts.card?.limitations ?? [],
    outOfScope: parts.card?.outOfScope ?? [],
    data: { datasets: (parts.datasets ?? []).map((d) => defined({ ...d, rows: d.rows ?? undefined })) },
    metrics: v.metrics,
    ...(parts.perClassMetrics ? { perClassMetrics: parts.perClassMetrics } : {}),
    gates: (v.gates ?? []) as ModelCardInput['gates'],
    ...(risk ? { risk: 'reports' in risk ? { passed: risk.passed, results: risk.results, ...risk.reports } : risk } : {}),
    lineage: defined({ commit: v.commit, params: v.params, seed: v.seed, run: v.sourceWorkflowId, specHash: v.specHash }),
    approvals: (parts.approvals ?? []).map((a) => defined({ ...a, comment: a.comment ?? undefined, at: iso(a.at) })),
    deployments: (parts.deployments ?? []).map((d) => defined({ ...d, at: iso(d.at) })),
    generatedAt: iso(parts.generatedAt ?? new Date()),
  };
  const parsed = modelCardSchema.safeParse(input);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, input);
    throw new UsageError(`model card for ${parts.model.name}@${v.version}: ${issue.path || 'card'}: ${issue.message}`);
  }
  return parsed.data;
}
