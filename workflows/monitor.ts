import {
  ChildWorkflowFailure,
  ParentClosePolicy,
  continueAsNew,
  defineQuery,
  defineSignal,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { LabelWindow, MonitorCheckResult } from '../activities/monitor.js';
import { durationMs } from '../src/core/duration.js';
import type { MonitorSpec, PipelineSpec } from '../src/core/spec.js';
import { breachLineageId, monitorIncidentKey } from '../src/core/ids.js';
import { decideMonitorPatches } from './patches.js';
import { MONITOR_CHECK_HEARTBEAT, quick } from './presets.js';
import { runPromotion } from './promotion.js';
import type { PipelineRunWorkflow } from './lifecycle/types.js';

/** What the monitor carries across continue-as-new: enough to keep its judgement, nothing that grows. */
export interface MonitorState {
  generation: number;
  checks: number;
  /** When the latest check ran. */
  lastEnd?: string;
  /** Highest prediction id already checked: the next window starts after it. */
  cursor?: number;
  /** Breach flags of the latest checks (at most `spec.window`), for k-of-n persistence. */
  recent: boolean[];
  actions: number;
  cooldownUntil?: number;
  pendingWindows: LabelWindow[];
  lastSummary?: string;
  escalated: boolean;
}

export interface MonitorInput {
  model: string;
  env: string;
  spec: MonitorSpec;
  /** What a retrain runs again: the spec of the version in production (each promotion hands over its own). */
  pipeline: { spec: PipelineSpec; specHash: string; taskQueue: string };
  /** The run whose version is in production: a retrain's parent. Absent in monitors started before it was recorded. */
  run?: string;
  state?: MonitorState;
  /** Checks per workflow run before continuing as new (keeps history small). Default 50. */
  checksPerRun?: number;
}

export interface MonitorActionRecord {
  at: number;
  action: string;
  summary: string;
}

export const monitorStateQuery = defineQuery<MonitorState & { model: string; env: string; spec?: MonitorSpec; run?: string }>('monitorState');

/** What a promotion hands the running monitor: the promoted version's monitor settings, spec and run. */
export type MonitorFollow = Pick<MonitorInput, 'spec' | 'pipeline' | 'run'>;
export const monitorFollowSignal = defineSignal<[MonitorFollow]>('monitorFollow');


const act = proxyActivities<Activities>({ ...quick, startToCloseTimeout: '5m' });
/** The check itself, with a heartbeat timeout (patch `monitor-check-liveness`). */
const liveCheck = proxyActivities<Activities>({ ...quick, startToCloseTimeout: '5m', heartbeatTimeout: MONITOR_CHECK_HEARTBEAT });

/**
 * Watches a deployment: every `spec.every` compares the latest window of logged predictions with the training reference,
 * checks data quality and (once labels arrive) accuracy. k breaches in n checks trigger the policy — alert, roll back
 * or retrain — with a cooldown and a budget of automatic actions, after which it escalates to a person.
 */
export async function monitor(input: MonitorInput): Promise<void> {
  const patches = decideMonitorPatches();
  const checker = patches.checkLiveness ? liveCheck : act;
  const { model, env } = input;
  // The live deployment's settings: replaced by each promotion's `monitorFollow` (a signal issues no command, so
  // histories without one replay as before).
  let current: MonitorFollow = { spec: input.spec, pipeline: input.pipeline, ...(input.run ? { run: input.run } : {}) };
  let spec = current.spec;
  const state: MonitorState = input.state ?? { generation: 0, checks: 0, recent: [], actions: 0, pendingWindows: [], escalated: false };
  setHandler(monitorStateQuery, () => ({ ...state, model, env, spec, ...(current.run ? { run: current.run } : {}) }));
  setHandler(monitorFollowSignal, (next) => {
    current = next;
    spec = next.spec;
  });
  // Runs recorded before `generationChecks` existed have no such field: they keep the input's (or 50).
  const perRun = spec.generationChecks ?? input.checksPerRun ?? 50;
  let checksThisRun = 0;
  for (;;) {
    await sleep(durationMs(spec.every));
    const end = new Date(Date.now()).toISOString();
    state.checks += 1;
    const result = await checker.runMonitorCheck({ model, env, afterId: state.cursor, end, spec, pendingWindows: state.pendingWindows, check: state.checks });
    state.lastEnd = end;
    state.cursor = result.cursor;
    state.pendingWindows = result.pendingWindows;
    state.lastSummary = result.summary;
    const cooling = state.cooldownUntil !== undefined && Date.now() < state.cooldownUntil;
    state.recent = [...state.recent, result.breached && !cooling].slice(-spec.window);
    setCurrentDetails(`**${model}** in ${env}, check ${state.checks}: ${result.summary}${cooling ? ' (cooling down)' : ''}`);
    if (state.recent.filter(Boolean).length >= spec.breaches) {
      await act_on(result);
      state.recent = [];
      state.cooldownUntil = Date.now() + durationMs(spec.cooldown);
    }
    checksThisRun += 1;
    if (checksThisRun >= perRun || workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof monitor>({ ...input, ...current, state: { ...state, generation: state.generation + 1 } });
    }
  }

  async function act_on(result: MonitorCheckResult): Promise<void> {
    const summary = `${result.kinds.join(', ')} breach: ${result.summary}`;
    const check = state.checks;
    if (state.actions >= spec.maxActions) {
      if (!state.escalated) {
        state.escalated = true;
        await escalate(`automatic action budget (${spec.maxActions}) spent; a person must decide. ${summary}`, result.version);
      }
      return;
    }
    state.actions += 1;
    const incident = await act.recordIncident({ model, env, kind: result.kinds.join('+'), summary, idempotencyKey: monitorIncidentKey(workflowInfo(), 'incident', check) });
    await act.sendAlert({ model, env, severity: 'critical', title: `${model} in ${env}: ${result.kinds.join(', ')} breach`, text: `${summary}. Action: ${spec.onBreach}. Incident #${incident.id}.` });
    let outcome: Record<string, unknown> = {};
    try {
      if (spec.onBreach === 'rollback') outcome = await rollback(summary);
      if (spec.onBreach === 'retrain') outcome = await retrain(summary, incident.id);
    } catch (err) {
      // A rollback with nowhere to go (or a failed one) must not end the monitor: a person takes over.
      if (!(err instanceof ChildWorkflowFailure)) throw err;
      const why = err.cause?.message ?? err.message;
      await act.recordMonitorAction({ model, env, version: result.version, check, action: spec.onBreach, summary, incidentId: incident.id, outcome: { failed: why } });
      state.escalated = true;
      await escalate(`automatic ${spec.onBreach} failed (${why}); a person must decide. ${summary}`, result.version);
      return;
    }
    await act.recordMonitorAction({ model, env, version: result.version, check, action: spec.onBreach, summary, incidentId: incident.id, outcome });
  }

  async function escalate(summary: string, version: number | undefined): Promise<void> {
    const incident = await act.recordIncident({ model, env, kind: 'escalation', summary, idempotencyKey: monitorIncidentKey(workflowInfo(), 'escalation', state.checks) });
    await act.sendAlert({ model, env, severity: 'critical', title: `${model} in ${env}: a person must decide`, text: `${summary} Incident #${incident.id}.` });
    await act.recordMonitorAction({ model, env, version, check: state.checks, action: 'escalate', summary, incidentId: incident.id });
  }

  async function rollback(reason: string): Promise<Record<string, unknown>> {
    const done = await runPromotion(
      { model, env, target: current.pipeline.spec.deploy.find((d) => d.env === env)?.target ?? 'local', strategy: { kind: 'all-at-once' }, kind: 'rollback', actor: 'ferry-monitor', reason: `automatic rollback: ${reason}` },
      { staticSummary: `automatic rollback of ${model} in ${env}` },
    );
    return { from: done.from ?? null, to: done.version, state: done.state };
  }

  /** A retrain of the version in production, through the same gates and approvals; its lineage names the run and the breach. */
  async function retrain(reason: string, incidentId: number): Promise<Record<string, unknown>> {
    const { spec: pipelineSpec, specHash, taskQueue } = current.pipeline;
    const parentRuns = [...(current.run ? [current.run] : []), breachLineageId(incidentId)];
    const workflowId = `${pipelineSpec.name}-retrain-${workflowInfo().runId.slice(0, 8)}-${state.checks}`;
    await startChild<PipelineRunWorkflow>('pipelineRun', {
      workflowId,
      args: [{ spec: pipelineSpec, specHash, trigger: 'retrain', triggeredBy: 'ferry-monitor', taskQueue, parentRuns }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `retrain ${model}: ${reason}`,
    });
    return { retrainWorkflowId: workflowId, parentRuns };
  }
}
