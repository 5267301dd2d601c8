import {
  ApplicationFailure,
  defineQuery,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { StepOutput } from '../activities/steps.js';
import { checkGate, gateName, type GateResult } from '../src/dsl/gates.js';
import { pipelineSpecSchema, type PipelineSpec, type StepSpec } from '../src/dsl/spec.js';
import { searchAttributes } from '../src/temporal/search-attributes.js';
import { checkout, quick, stepOptions } from './presets.js';
import type { RunStatus, StageStatus } from './status.js';

export interface PipelineRunInput {
  spec: PipelineSpec;
  specHash: string;
  /** How the run was started: `cli`, `push`, `schedule`, `reproduce`. */
  trigger: string;
  triggeredBy?: string;
  /** Git ref to integrate instead of `spec.repo.ref`. */
  ref?: string;
  /** Task queue of the workers that run Ferry's own activities. */
  taskQueue: string;
}

export interface PipelineRunResult {
  state: RunStatus['state'];
  commit?: string;
  metrics: Record<string, number>;
  gates: GateResult[];
  modelVersion?: number;
}

/** The `status` query: where the run is, stage by stage. */
export const statusQuery = defineQuery<RunStatus>('status');

const act = proxyActivities<Activities>(quick);
const git = proxyActivities<Activities>(checkout);

/**
 * The lifecycle interpreter: runs any validated pipeline spec through integrate → build → train → evaluate, recording
 * every stage in Postgres and in the Temporal UI (search attributes, current details).
 */
export async function pipelineRun(input: PipelineRunInput): Promise<PipelineRunResult> {
  const parsed = pipelineSpecSchema.safeParse(input.spec);
  if (!parsed.success) {
    // A bad spec can never succeed: fail the run, do not retry the workflow task forever.
    throw ApplicationFailure.nonRetryable(`invalid pipeline spec: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`, 'ZodError');
  }
  const spec = parsed.data;
  const { workflowId, runId } = workflowInfo();
  const model = spec.model ?? spec.name;
  const status: RunStatus = { workflowId, pipeline: spec.name, model, state: 'running', stage: 'integrate', stages: [] };
  setHandler(statusQuery, () => status);

  const stage = async <T>(name: string, detail: string, body: () => Promise<T>): Promise<T> => {
    const entry: StageStatus = { name, state: 'running', startedAt: Date.now(), detail };
    status.stages.push(entry);
    status.stage = name;
    setCurrentDetails(`**${name}**: ${detail}`);
    upsertSearchAttributes([{ key: searchAttributes.stage, value: name }]);
    await act.recordRunProgress({ workflowId, stage: name, status: status.state, commit: status.commit });
    try {
      const result = await body();
      entry.state = 'succeeded';
      return result;
    } catch (err) {
      entry.state = 'failed';
      throw err;
    } finally {
      entry.finishedAt = Date.now();
    }
  };

  const finish = async (state: RunStatus['state'], error?: string) => {
    status.state = state;
    status.error = error;
    upsertSearchAttributes([{ key: searchAttributes.status, value: state }]);
    setCurrentDetails(error ? `**${state}**: ${error}` : `**${state}**`);
    await act.recordRunFinished({ workflowId, status: state, error });
  };

  upsertSearchAttributes([
    { key: searchAttributes.pipeline, value: spec.name },
    { key: searchAttributes.model, value: model },
    { key: searchAttributes.status, value: 'running' },
  ]);
  await act.recordRunStarted({
    workflowId,
    temporalRunId: runId,
    pipeline: spec.name,
    model,
    owner: spec.owner,
    spec,
    specHash: input.specHash,
    trigger: input.trigger,
    triggeredBy: input.triggeredBy,
  });

  const outputs: Record<string, StepOutput> = {};
  const gates: GateResult[] = [];
  try {
    const integration = await stage('integrate', `resolving ${input.ref ?? spec.repo.ref} and hashing ${spec.datasets.length} dataset(s)`, () =>
      git.integrate.executeWithOptions({ ...checkout, summary: 'git checkout and dataset hashes' }, [
        { workflowId, repo: spec.repo, ref: input.ref, datasets: spec.datasets },
      ]),
    );
    status.commit = integration.commit;

    const runStep = (stageName: string, step: StepSpec) => {
      const proxy = proxyActivities<Activities>(stepOptions(step, input.taskQueue));
      return proxy.runStep.executeWithOptions(
        { ...stepOptions(step, input.taskQueue), summary: step.kind === 'command' ? `${step.id}: ${step.run}` : `${step.id}: ${step.fn}` },
        [
          {
            workflowId,
            stage: stageName,
            step,
            repo: integration.repo,
            commit: integration.commit,
            datasets: integration.datasets,
            pipelineParams: spec.params,
            seed: spec.seed,
            previous: outputs,
          },
        ],
      );
    };

    if (spec.build.length > 0) {
      await stage('build', spec.build.map((s) => s.id).join(', '), async () => {
        for (const step of spec.build) outputs[step.id] = await runStep('build', step);
      });
    }
    if (spec.train) {
      const train = spec.train;
      outputs[train.id] = await stage('train', `${train.id} with seed ${spec.seed}`, () => runStep('train', train));
    }
    let metrics: Record<string, number> = spec.train ? (outputs[spec.train.id]?.metrics ?? {}) : {};
    if (spec.evaluate) {
      const evaluate = spec.evaluate;
      await stage('evaluate', `${evaluate.gates.length} gate(s)`, async () => {
        if (evaluate.step) {
          outputs[evaluate.step.id] = await runStep('evaluate', evaluate.step);
          metrics = { ...metrics, ...outputs[evaluate.step.id]!.metrics };
        }
        for (const gate of evaluate.gates) {
          if (gate.kind === 'custom') throw ApplicationFailure.nonRetryable(`gate ${gateName(gate)}: custom gates are not supported yet`, 'GateError');
          gates.push(checkGate(gate, metrics));
        }
        const failed = gates.find((g) => !g.passed);
        if (failed) throw ApplicationFailure.nonRetryable(`gate ${failed.gate} failed: ${failed.message}`, 'GateFailed', failed);
      });
    }
    status.metrics = metrics;
    await finish('succeeded');
    return { state: 'succeeded', commit: status.commit, metrics, gates };
  } catch (err) {
    const message = err instanceof Error ? rootMessage(err) : String(err);
    await finish('failed', message);
    throw err;
  }
}

/** The innermost cause's message: what the user needs (an activity failure wraps the real one). */
function rootMessage(err: Error): string {
  let current: Error = err;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
