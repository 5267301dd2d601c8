import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  defineQuery,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  TimeoutFailure,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { StepOutput } from '../activities/steps.js';
import { checkGate, type GateResult } from '../src/core/gates.js';
import { rootMessage } from '../src/core/errors.js';
import { pipelineSpecSchema, type DeploySpec, type PipelineSpec, type StepSpec } from '../src/core/spec.js';
import { searchAttributes } from '../src/core/search-attributes.js';
import { createApprovals } from './approval.js';
import { decidePatches, waitingStatusAtApproval } from './patches.js';
import type { monitor } from './monitor.js';
import { monitorWorkflowId } from '../src/core/ids.js';
import type { PipelineRunInput, PipelineRunResult } from './lifecycle/types.js';
import { bookkeeping, checkout, DEFAULT_QUEUE_TIMEOUT, INTEGRATE_HEARTBEAT, quick, stepOptions } from './presets.js';
import { runPromotion, type PromotionResult } from './promotion.js';
import type { RunStatus, StageStatus } from '../src/core/status.js';

export type { PipelineRunInput, PipelineRunResult } from './lifecycle/types.js';

/** The `status` query: where the run is, stage by stage. */
export const statusQuery = defineQuery<RunStatus>('status');

const act = proxyActivities<Activities>(quick);
const git = proxyActivities<Activities>(checkout);
const local = proxyLocalActivities<Activities>(bookkeeping);


/**
 * The lifecycle interpreter: runs any validated pipeline spec through integrate → build → train → evaluate →
 * register → (approve → deploy) per environment → monitor, recording every stage in Postgres and in the Temporal UI.
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
  const approvals = createApprovals({ workflowId, author: spec.owner, trigger: input.triggeredBy, onChange: () => undefined });
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

  let books: () => typeof local = () => act;
  const stage = async <T>(name: string, detail: string, body: (entry: StageStatus) => Promise<T>): Promise<T> => {
    const entry: StageStatus = { name, state: 'running', startedAt: Date.now(), detail };
    status.stages.push(entry);
    status.stage = name;
    setCurrentDetails(`**${name}**: ${detail}`);
    upsertSearchAttributes([{ key: searchAttributes.stage, value: name }]);
    await books().recordRunProgress({ workflowId, stage: name, status: status.state, commit: status.commit });
    try {
      const result = await body(entry);
      entry.state = 'succeeded';
      return result;
    } catch (err) {
      entry.state = 'failed';
      throw err;
    } finally {
      entry.finishedAt = Date.now();
    }
  };

  const setState = (state: RunStatus['state']) => {
    status.state = state;
    upsertSearchAttributes([{ key: searchAttributes.status, value: state }]);
  };

  const finish = async (state: RunStatus['state'], error?: string) => {
    setState(state);
    status.error = error;
    setCurrentDetails(error ? `**${state}**: ${error}` : `**${state}**`);
    await books().recordRunFinished({ workflowId, temporalRunId: runId, status: state, error });
  };

  upsertSearchAttributes([
    { key: searchAttributes.pipeline, value: spec.name },
    { key: searchAttributes.model, value: model },
    { key: searchAttributes.status, value: 'running' },
  ]);
  // Here, where the first bookkeeping write always asked for it: recorded histories keep their command order.
  const patches = decidePatches();
  /**
   * Bookkeeping writes (runs, experiments, gate results) run as local activities: no task-queue round trip per stage.
   * Runs recorded before that change replay with the scheduled activities they used.
   */
  books = () => (patches.localBookkeeping ? local : act);
  await books().recordRunStarted({
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
  const deployments: PromotionResult[] = [];
  let metrics: Record<string, number> = {};
  let version: number | undefined;
  let modelCard: Record<string, unknown> | undefined = spec.card ? { card: spec.card, description: spec.description } : undefined;
  try {
    const integration = await stage('integrate', `resolving ${input.ref ?? spec.repo.ref} and hashing ${spec.datasets.length} dataset(s)`, () =>
      git.integrate.executeWithOptions({ ...checkout, ...(patches.stepLiveness ? { heartbeatTimeout: INTEGRATE_HEARTBEAT } : {}), summary: 'git checkout and dataset hashes' }, [{ workflowId, repo: spec.repo, ref: input.ref, datasets: spec.datasets }]),
    );
    status.commit = integration.commit;
    if (input.reproduce) {
      const { model: of, version: v } = input.reproduce;
      for (const recorded of input.reproduce.datasets) {
        const now = integration.datasets.find((d) => d.name === recorded.name);
        if (!now || now.sha256 !== recorded.sha256) {
          throw ApplicationFailure.nonRetryable(
            `dataset "${recorded.name}" changed since ${of}@${v} was trained: recorded sha256 ${recorded.sha256.slice(0, 12)}, now ${now ? now.sha256.slice(0, 12) : 'missing'}; a reproduction needs the same data`,
            'DatasetChanged',
          );
        }
      }
    }

    const runStep = async (stageName: string, step: StepSpec) => {
      const options = stepOptions(step, input.taskQueue, patches.stepLiveness);
      try {
        return await proxyActivities<Activities>(options).runStep.executeWithOptions(
          { ...options, summary: step.kind === 'command' ? `${step.id}: ${step.run}` : `${step.id}: ${step.fn}` },
          [{ workflowId, stage: stageName, step, repo: integration.repo, commit: integration.commit, datasets: integration.datasets, pipelineParams: spec.params, seed: spec.seed, previous: outputs }],
        );
      } catch (err) {
        if (err instanceof ActivityFailure && err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START') {
          throw ApplicationFailure.nonRetryable(
            `step "${step.id}": no worker picked it up from task queue "${step.taskQueue}" within ${step.queueTimeout ?? DEFAULT_QUEUE_TIMEOUT}; start one with 'npx ferry worker --task-queue ${step.taskQueue}' (or fix the step's taskQueue)`,
            'NoWorkerForQueue',
          );
        }
        throw err;
      }
    };

    if (spec.build.length > 0) {
      await stage('build', spec.build.map((s) => s.id).join(', '), async () => {
        for (const step of spec.build) outputs[step.id] = await runStep('build', step);
      });
    }
    if (spec.train) {
      const train = spec.train;
      outputs[train.id] = await stage('train', `${train.id} with seed ${spec.seed}`, () => runStep('train', train));
      metrics = { ...outputs[train.id]!.metrics };
      await books().recordExperiment({ workflowId, pipeline: spec.name, params: spec.params, seed: spec.seed, metrics, environment: runEnvironment(integration.environment, outputs), commit: integration.commit });
    }
    if (spec.evaluate) {
      const evaluate = spec.evaluate;
      await stage('evaluate', `${evaluate.gates.length} gate(s)`, async () => {
        if (evaluate.step) {
          outputs[evaluate.step.id] = await runStep('evaluate', evaluate.step);
          metrics = { ...metrics, ...outputs[evaluate.step.id]!.metrics };
          await books().recordExperiment({ workflowId, pipeline: spec.name, params: spec.params, seed: spec.seed, metrics, environment: runEnvironment(integration.environment, outputs), commit: integration.commit });
        }
        const production = evaluate.gates.some((g) => g.kind === 'no-regression') ? await act.getProductionMetrics({ model }) : undefined;
        for (const gate of evaluate.gates) {
          gates.push(gate.kind === 'custom' ? await act.checkCustomGate({ gate, metrics, production }) : checkGate(gate, metrics, production));
        }
        if (evaluate.checks.length > 0) {
          const produced = Object.values(outputs).reverse();
          const modelArtifact = produced.find((o) => o.artifacts.model)?.artifacts.model;
          if (!modelArtifact) throw ApplicationFailure.nonRetryable('risk checks need a "model" artifact from the train step', 'StepOutputError');
          const risk = await act.runRiskChecks({
            model,
            checks: evaluate.checks,
            seed: spec.seed,
            modelUri: modelArtifact.uri,
            heldoutUri: produced.find((o) => o.artifacts.heldout)?.artifacts.heldout?.uri,
            card: spec.card,
            description: spec.description,
          });
          gates.push(...risk.results);
          modelCard = risk.modelCard;
        }
        await books().recordGateResults({ workflowId, model, gates });
        const failed = gates.find((g) => !g.passed);
        if (failed) throw ApplicationFailure.nonRetryable(`gate ${failed.gate} failed: ${failed.message}`, 'GateFailed', failed);
      });
    }
    status.metrics = metrics;

    const trained = spec.train ? outputs[spec.train.id] : undefined;
    const artifact = trained?.artifacts.model;
    if (trained && !artifact && spec.deploy.length > 0) {
      throw ApplicationFailure.nonRetryable(`train step "${spec.train!.id}" returned no "model" artifact to deploy; return { artifacts: { model: 'model.json' } } (or write <outputs>/model)`, 'StepOutputError');
    }
    // A run whose training produced a model registers it; one that only tracks an experiment (or reproduces) does not.
    if (trained && artifact && !input.reproduce) {
      version = await stage('register', `registering ${model}`, async () => {
        const registered = await act.registerModelVersion({
          model,
          description: spec.description,
          owner: spec.owner,
          sourceWorkflowId: workflowId,
          temporalRunId: runId,
          pipeline: spec.name,
          specHash: input.specHash,
          commit: integration.commit,
          params: spec.params,
          seed: spec.seed,
          metrics,
          gates,
          artifact: { sha256: artifact.sha256, uri: artifact.uri, size: artifact.size, kind: 'model' },
          referenceSha256: trained.artifacts.reference?.sha256,
          modelCard,
          datasets: integration.datasets.map((d) => ({ name: d.name, uri: `${integration.repo}#${integration.commit}:${d.path}`, sha256: d.sha256 })),
          parentRuns: input.parentRuns ?? [],
          actor: input.triggeredBy ?? 'ferry',
        });
        return registered.version;
      });
      status.modelVersion = version;
      upsertSearchAttributes([{ key: searchAttributes.modelVersion, value: version }]);
    }

    for (const target of spec.deploy) {
      if (version === undefined) break;
      if (target.approval) {
        const rule = target.approval;
        const outcome = await stage(`approve:${target.env}`, `${rule.required} approval(s)${rule.groups.length ? ` from ${rule.groups.join(' or ')}` : ''}; expires in ${rule.expiresIn}`, async (entry) => {
          setState('waiting');
          entry.state = 'waiting';
          upsertSearchAttributes([{ key: searchAttributes.environment, value: target.env }]);
          // `ferry status` reads Postgres: say there that the run waits (runs recorded before this replay without it).
          const waitingStatus = await waitingStatusAtApproval(patches);
          if (waitingStatus) await books().recordRunProgress({ workflowId, stage: entry.name, status: 'waiting', commit: status.commit });
          const result = await approvals.wait(target.env, rule, (kind, to) =>
            act.notifyApprovers({ workflowId, env: target.env, kind, model, version, to, text: `${model} v${version} needs ${rule.required} approval(s) for ${target.env} (${kind})` }),
          );
          setState('running');
          if (waitingStatus) await books().recordRunProgress({ workflowId, stage: entry.name, status: 'running', commit: status.commit });
          return result;
        });
        if (outcome === 'rejected') {
          await act.setModelVersionStatus({ model, version, status: 'rejected', actor: 'ferry', reason: `not approved for ${target.env}`, workflowId });
          await finish('rejected', `${model} v${version} was not approved for ${target.env}`);
          return { state: 'rejected', commit: status.commit, metrics, gates, modelVersion: version, artifactSha256: trained?.artifacts.model?.sha256, deployments };
        }
        await act.setModelVersionStatus({ model, version, status: 'approved', actor: 'ferry', reason: `approved for ${target.env}`, workflowId });
      }
      await act.checkPromotionPolicies({
        workflowId,
        spec,
        env: target.env,
        author: spec.owner ?? input.triggeredBy,
        approvals: approvals.decided(target.env).map((d) => ({ approver: d.approver, decision: d.decision, groups: d.groups })),
      });
      const result = await stage(`deploy:${target.env}`, `${target.strategy.kind} via ${target.target}`, () => promote(model, version!, target, input.triggeredBy ?? 'ferry', workflowId));
      deployments.push(result);
      if (result.state !== 'live') throw ApplicationFailure.nonRetryable(`deploy to ${target.env} rolled back: ${result.reason}`, 'RolledBack', result);
    }

    if (spec.monitor && deployments.length > 0) {
      const env = deployments[deployments.length - 1]!.env;
      await stage('monitor', `every ${spec.monitor.every} in ${env}`, () => startMonitor(model, env, spec, input));
    }
    await finish('succeeded');
    return { state: 'succeeded', commit: status.commit, metrics, gates, modelVersion: version, artifactSha256: trained?.artifacts.model?.sha256, deployments };
  } catch (err) {
    if (isCancellation(err)) {
      // `ferry cancel`: the promotion child rolls its traffic back itself; here the run is recorded as cancelled.
      await CancellationScope.nonCancellable(async () => {
        if (version !== undefined && deployments.length < spec.deploy.length) {
          await act.setModelVersionStatus({ model, version, status: 'rejected', actor: 'ferry', reason: 'run cancelled before every deployment finished', workflowId });
        }
        await finish('cancelled', 'cancelled');
      });
      throw err;
    }
    await finish('failed', rootMessage(err));
    throw err;
  }
}

/**
 * The run's environment fingerprint: the checkout's (runtimes, OS, lockfiles) and what each step ran on beyond it
 * (a command step's Python: version, venv, `pip freeze` hash), under `steps.<id>`.
 */
function runEnvironment(checkout: Record<string, unknown>, outputs: Record<string, StepOutput>): Record<string, unknown> {
  const steps = Object.fromEntries(Object.entries(outputs).flatMap(([id, out]) => (out.environment ? [[id, out.environment]] : [])));
  return Object.keys(steps).length > 0 ? { ...checkout, steps } : checkout;
}

/** Runs the model's promotion for one environment (cancelled with the run). */
function promote(model: string, version: number, target: DeploySpec, actor: string, requestedBy: string): Promise<PromotionResult> {
  return runPromotion(
    { model, version, env: target.env, target: target.target, strategy: target.strategy, kind: 'deploy', actor, reason: `run ${requestedBy}`, requestedBy },
    { parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL, staticSummary: `deploy ${model} v${version} to ${target.env}` },
  );
}

/** Starts the environment's monitor unless one already watches it; it outlives this run (abandoned on close). */
async function startMonitor(model: string, env: string, spec: PipelineSpec, input: PipelineRunInput): Promise<void> {
  try {
    await startChild<typeof monitor>('monitor', {
      workflowId: monitorWorkflowId(model, env),
      args: [{ model, env, spec: spec.monitor!, pipeline: { spec, specHash: input.specHash, taskQueue: input.taskQueue } }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `monitor ${model} in ${env}`,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
