import { randomBytes } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Signer } from '../auth/attest.js';
import { UsageError } from '../core/errors.js';
import { signRunStart } from './start-attestation.js';
import { pinCommit } from './submit.js';
import { canonicalHash } from '../dsl/hash.js';
import type { LoadedPipeline } from '../dsl/load.js';
import type { PipelineSpec } from '../core/spec.js';
import { withSpan } from '../observability/tracing.js';
import { runWorkflowId } from '../core/ids.js';
import { searchAttributes } from '../core/search-attributes.js';
import type { pipelineRun } from '../../workflows/pipeline.js';

/** Applies `--param key=value` overrides; only declared params may be set, and values keep the declared type. */
export function applyParams(loaded: LoadedPipeline, overrides: string[]): LoadedPipeline {
  if (overrides.length === 0) return loaded;
  const params: PipelineSpec['params'] = { ...loaded.spec.params };
  for (const pair of overrides) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${pair}: expected key=value, e.g. --param trees=100`);
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    const declared = loaded.spec.params[key];
    if (declared === undefined) {
      throw new UsageError(`--param ${key}: ${loaded.file} declares no param "${key}" (declared: ${Object.keys(params).join(', ') || 'none'}); add it to params`);
    }
    if (typeof declared === 'number') {
      const value = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--param ${key}: expected a number, got "${raw}"`);
      params[key] = value;
    } else if (typeof declared === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`--param ${key}: expected true or false, got "${raw}"`);
      params[key] = raw === 'true';
    } else params[key] = raw;
  }
  const spec = { ...loaded.spec, params };
  return { ...loaded, spec, specHash: canonicalHash(spec) };
}

/** A readable, unique workflow id: `<pipeline>-<UTC timestamp>-<random>`. */
export function newRunId(pipeline: string, now = new Date()): string {
  return runWorkflowId(pipeline, now, randomBytes(3).toString('hex'));
}

export interface StartRunOptions {
  taskQueue: string;
  trigger: string;
  triggeredBy?: string;
  ref?: string;
  workflowId?: string;
  /** Signs the start (who, spec hash, policy verdict, time) so the workflow accepts it; see start-attestation.ts. */
  signer?: Signer;
}

/** Starts the lifecycle workflow for a validated pipeline; the spec is the input, so it is frozen in the run's history. */
export async function startRun(client: Client, loaded: LoadedPipeline, options: StartRunOptions): Promise<WorkflowHandle<typeof pipelineRun>> {
  const { spec } = loaded;
  const model = spec.model ?? spec.name;
  const workflowId = options.workflowId ?? newRunId(spec.name);
  // A remote repository's commit is resolved now and pinned (and signed) in the input: workers fetch that SHA.
  const ref = await pinCommit(loaded, options.ref);
  const claim = { workflowId, specHash: loaded.specHash, trigger: options.trigger, triggeredBy: options.triggeredBy, ref, taskQueue: options.taskQueue };
  const attestation = options.signer ? signRunStart(options.signer, claim) : undefined;
  // The trace's root: the client interceptor carries it into the workflow, its activities and child workflows.
  return withSpan(`ferry run ${spec.name}`, { 'ferry.pipeline': spec.name, 'ferry.model': model, 'ferry.run_id': workflowId, 'ferry.trigger': options.trigger }, () =>
    client.workflow.start<typeof pipelineRun>('pipelineRun', {
      workflowId,
      taskQueue: options.taskQueue,
      args: [{ spec, specHash: loaded.specHash, trigger: options.trigger, triggeredBy: options.triggeredBy, ref, taskQueue: options.taskQueue, ...(attestation ? { attestation } : {}) }],
      typedSearchAttributes: [
        { key: searchAttributes.pipeline, value: spec.name },
        { key: searchAttributes.model, value: model },
        { key: searchAttributes.status, value: 'running' },
        { key: searchAttributes.stage, value: 'integrate' },
      ],
      staticSummary: `${spec.name} → model ${model}`,
      staticDetails: `Pipeline **${spec.name}** (${loaded.file}), spec sha256 \`${loaded.specHash.slice(0, 16)}\`${spec.repo.url ? `, ${spec.repo.url} at \`${ref}\`` : ''}, triggered by ${options.trigger}${options.triggeredBy ? ` (${options.triggeredBy})` : ''}.`,
    }),
  );
}
