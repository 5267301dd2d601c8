import type { GateResult } from '../../src/core/gates.js';
import type { PipelineSpec } from '../../src/core/spec.js';
import type { RunStartAttestation } from '../../src/core/run-start.js';
import type { RunStatus } from '../../src/core/status.js';
import type { PromotionResult } from '../promotion.js';

export interface PipelineRunInput {
  spec: PipelineSpec;
  specHash: string;
  /** How the run was started: `cli`, `push`, `schedule`, `reproduce`, `retrain`, `demo`. */
  trigger: string;
  /** The Ferry user who started it (separation of duties: they cannot approve it). */
  triggeredBy?: string;
  /** Git ref to integrate instead of `spec.repo.ref`. */
  ref?: string;
  /** Task queue of the workers that run Ferry's own activities. */
  taskQueue: string;
  /** Runs this one descends from (a retrain of, a reproduction of). */
  parentRuns?: string[];
  /** A reproduction of a registered version: the recorded dataset hashes must match; nothing is registered or deployed. */
  reproduce?: { model: string; version: number; datasets: { name: string; sha256: string }[] };
  /** Who started it, signed (src/runs/start-attestation.ts); checked before any step runs. */
  attestation?: RunStartAttestation;
}

export interface PipelineRunResult {
  state: RunStatus['state'];
  commit?: string;
  metrics: Record<string, number>;
  gates: GateResult[];
  modelVersion?: number;
  artifactSha256?: string;
  deployments: PromotionResult[];
}

/** The lifecycle workflow's signature: what a parent (the monitor's retrain) needs to start it by name. */
export type PipelineRunWorkflow = (input: PipelineRunInput) => Promise<PipelineRunResult>;
