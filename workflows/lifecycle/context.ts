import {
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { Activities } from '../../activities/index.js';
import type { StepOutput } from '../../activities/steps.js';
import { rootMessage } from '../../src/core/errors.js';
import type { GateResult } from '../../src/core/gates.js';
import { searchAttributes } from '../../src/core/search-attributes.js';
import type { PipelineSpec } from '../../src/core/spec.js';
import type { RunStatus, StageStatus } from '../../src/core/status.js';
import { createApprovals } from '../approval.js';
import { decideCompactHistory, decidePatches, type Patches } from '../patches.js';
import { bookkeeping, checkout, quick } from '../presets.js';
import type { PromotionResult } from '../promotion.js';
import type { PipelineRunInput, PipelineRunResult } from './types.js';
import { Failure } from '../../src/core/failures.js';

/** The `status` query: where the run is, stage by stage. */
export const statusQuery = defineQuery<RunStatus>('status');

export const act = proxyActivities<Activities>(quick);
export const git = proxyActivities<Activities>(checkout);
const local = proxyLocalActivities<Activities>(bookkeeping);

export type Integration = Awaited<ReturnType<Activities['integrate']>>;

/** What the stages of one run share: its input, what it has produced so far, and what the status query shows. */
export interface RunContext {
  readonly input: PipelineRunInput;
  readonly spec: PipelineSpec;
  readonly model: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly status: RunStatus;
  readonly approvals: ReturnType<typeof createApprovals>;
  readonly patches: Patches;
  readonly outputs: Record<string, StepOutput>;
  readonly gates: GateResult[];
  readonly deployments: PromotionResult[];
  metrics: Record<string, number>;
  version?: number;
  modelCard?: Record<string, unknown>;
  integration?: Integration;
}

/** Bookkeeping writes run as local activities; runs recorded before that change replay with scheduled ones. */
export function books(run: RunContext): typeof local {
  return run.patches.localBookkeeping ? local : act;
}

/**
 * Validates the spec, answers the status query, tags the run for the Temporal UI, decides the patches and records the
 * run's start: the commands every run opens with, in the order recorded histories hold them.
 */
export async function openRun(input: PipelineRunInput): Promise<RunContext> {
  // Bundled, but evaluated only here: a worker's other workflows (a fleet of monitors) never build the spec's schemas,
  // which were most of each cached workflow's memory. The same commands, in the same order, as a static import.
  const { pipelineSpecSchema } = await import(/* webpackMode: "eager" */ '../../src/core/spec.js');
  const parsed = pipelineSpecSchema.safeParse(input.spec);
  if (!parsed.success) {
    // A bad spec can never succeed: fail the run, do not retry the workflow task forever.
    throw ApplicationFailure.nonRetryable(`invalid pipeline spec: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, Failure.ZodError);
  }
  const spec = parsed.data;
  const { workflowId, runId } = workflowInfo();
  const model = spec.model ?? spec.name;
  const status: RunStatus = { workflowId, pipeline: spec.name, model, state: 'running', stage: 'integrate', stages: [] };
  let escalationAdmits = false;
  const approvals = createApprovals({ workflowId, author: spec.owner, trigger: input.triggeredBy, onChange: () => undefined, escalationAdmits: () => escalationAdmits });
  setHandler(statusQuery, () => ({
    ...status,
    approvals: approvals.pending().map((a) => ({
      env: a.env,
      required: a.rule.required,
      groups: a.rule.groups,
      requestedAt: a.requestedAt,
      expiresAt: a.expiresAt,
      decisions: a.decisions.map((d) => ({ approver: d.approver, decision: d.decision, at: d.at })),
    })),
  }));
  const compact = decideCompactHistory();
  show(compact, [
    { key: searchAttributes.pipeline, value: spec.name },
    { key: searchAttributes.model, value: model },
    { key: searchAttributes.status, value: 'running' },
  ]);
  // Here, where the first bookkeeping write always asked for it: recorded histories keep their command order.
  const patches = decidePatches(compact);
  escalationAdmits = patches.approvalEscalation;
  const run: RunContext = {
    input,
    spec,
    model,
    workflowId,
    runId,
    status,
    approvals,
    patches,
    outputs: {},
    gates: [],
    deployments: [],
    metrics: {},
    modelCard: spec.card ? { card: spec.card, description: spec.description } : undefined,
  };
  // A compact run records its start together with the start's verification (`checkRunStart`), in the run's try.
  if (!compact) await books(run).recordRunStarted(runStarted(run));
  return run;
}

/** The `runs` row a run's start writes. */
export function runStarted(run: RunContext) {
  const { input, spec } = run;
  return { workflowId: run.workflowId, temporalRunId: run.runId, pipeline: spec.name, model: run.model, owner: spec.owner, spec, specHash: input.specHash, trigger: input.trigger, triggeredBy: input.triggeredBy };
}

/**
 * Tags the run for the Temporal UI. A `compact-history` run upserts only the values that differ from what the run
 * already shows (its start's tags, earlier upserts): the same search attributes, fewer history events.
 */
export function show(compact: boolean, pairs: SearchAttributeUpdatePair[]): void {
  const shown = workflowInfo().typedSearchAttributes;
  const changed = compact ? pairs.filter((p) => shown.get(p.key) !== p.value) : pairs;
  if (changed.length > 0) upsertSearchAttributes(changed);
}

/** A stage's `runs` row update (`recordRunProgress`). */
export interface Progress {
  workflowId: string;
  stage: string;
  status: string;
  commit?: string;
}

/**
 * Runs one stage: shown in the status query, the UI's current details and search attributes, recorded in Postgres.
 * With `handOver`, a `compact-history` run hands the Postgres record to the stage's first activity (`progress` in its
 * input: integrate, a step) instead of writing it with a local activity of its own.
 */
export async function stage<T>(run: RunContext, name: string, detail: string, body: (entry: StageStatus, progress?: Progress) => Promise<T>, handOver = false): Promise<T> {
  const entry: StageStatus = { name, state: 'running', startedAt: Date.now(), detail };
  run.status.stages.push(entry);
  run.status.stage = name;
  setCurrentDetails(`**${name}**: ${detail}`);
  show(run.patches.compactHistory, [{ key: searchAttributes.stage, value: name }]);
  const progress: Progress = { workflowId: run.workflowId, stage: name, status: run.status.state, commit: run.status.commit };
  const handed = handOver && run.patches.compactHistory;
  if (!handed) await books(run).recordRunProgress(progress);
  try {
    const result = await body(entry, handed ? progress : undefined);
    entry.state = 'succeeded';
    return result;
  } catch (err) {
    entry.state = 'failed';
    throw err;
  } finally {
    entry.finishedAt = Date.now();
  }
}

export function setState(run: RunContext, state: RunStatus['state']): void {
  run.status.state = state;
  show(run.patches.compactHistory, [{ key: searchAttributes.status, value: state }]);
}

/** Records how the run ended, in the status query, the UI and Postgres. */
export async function finish(run: RunContext, state: RunStatus['state'], error?: string): Promise<void> {
  setState(run, state);
  run.status.error = error;
  setCurrentDetails(error ? `**${state}**: ${error}` : `**${state}**`);
  await books(run).recordRunFinished({ workflowId: run.workflowId, temporalRunId: run.runId, status: state, error });
}

/** Records a run that ended by an error: cancelled (`ferry cancel`) or failed. The caller rethrows. */
export async function finishAfter(run: RunContext, err: unknown): Promise<void> {
  if (!isCancellation(err)) return finish(run, 'failed', rootMessage(err));
  // `ferry cancel`: the promotion child rolls its traffic back itself; here the run is recorded as cancelled.
  await CancellationScope.nonCancellable(async () => {
    const { model, version, workflowId } = run;
    if (version !== undefined && run.deployments.length < run.spec.deploy.length) {
      await act.setModelVersionStatus({ model, version, status: 'rejected', actor: 'ferry', reason: 'run cancelled before every deployment finished', workflowId });
    }
    await finish(run, 'cancelled', 'cancelled');
  });
}

/** The workflow's result, in whichever state the run ended. */
export function runResult(run: RunContext, state: PipelineRunResult['state']): PipelineRunResult {
  const trained = run.spec.train ? run.outputs[run.spec.train.id] : undefined;
  return { state, commit: run.status.commit, metrics: run.metrics, gates: run.gates, modelVersion: run.version, artifactSha256: trained?.artifacts.model?.sha256, deployments: run.deployments };
}

/** The checkout integrate produced; every later stage runs on it. */
export function checkedOut(run: RunContext): Integration {
  if (!run.integration) throw new Error('internal: a stage ran before integrate');
  return run.integration;
}
