import {
  ParentClosePolicy,
  continueAsNew,
  defineQuery,
  executeChild,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities/index.js';
import type { LabelWindow, MonitorCheckResult } from '../activities/monitor.js';
import { durationMs } from '../src/dsl/duration.js';
import type { MonitorSpec, PipelineSpec } from '../src/dsl/spec.js';
import { quick } from './presets.js';
import { promotion, promotionWorkflowId } from './promotion.js';
import type { pipelineRun } from './pipeline.js';

/** What the monitor carries across continue-as-new: enough to keep its judgement, nothing that grows. */
export interface MonitorState {
  generation: number;
  checks: number;
  lastEnd?: string;
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
  /** What a retrain runs again. */
  pipeline: { spec: PipelineSpec; specHash: string; taskQueue: string };
  state?: MonitorState;
  /** Checks per workflow run before continuing as new (keeps history small). Default 50. */
  checksPerRun?: number;
}

export interface MonitorActionRecord {
  at: number;
  action: string;
  summary: string;
}

export const monitorStateQuery = defineQuery<MonitorState & { model: string; env: string }>('monitorState');

/** One monitor per model and environment; it follows whichever version the environment's alias points at. */
export function monitorWorkflowId(model: string, env: string): string {
  return `monitor-${model}-${env}`;
}

const act = proxyActivities<Activities>({ ...quick, startToCloseTimeout: '5m' });

/**
 * Watches a deployment: every `spec.every` compares the latest window of logged predictions with the training reference,
 * checks data quality and (once labels arrive) accuracy. k breaches in n checks trigger the policy — alert, roll back
 * or retrain — with a cooldown and a budget of automatic actions, after which it escalates to a person.
 */
export async function monitor(input: MonitorInput): Promise<void> {
  const { model, env, spec } = input;
  const state: MonitorState = input.state ?? { generation: 0, checks: 0, recent: [], actions: 0, pendingWindows: [], escalated: false };
  setHandler(monitorStateQuery, () => ({ ...state, model, env }));
  const perRun = input.checksPerRun ?? 50;
  let checksThisRun = 0;
  for (;;) {
    await sleep(durationMs(spec.every));
    const end = new Date(Date.now()).toISOString();
    state.checks += 1;
    const result = await act.runMonitorCheck({ model, env, start: state.lastEnd, end, spec, pendingWindows: state.pendingWindows, check: state.checks });
    state.lastEnd = end;
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
      await continueAsNew<typeof monitor>({ ...input, state: { ...state, generation: state.generation + 1 } });
    }
  }

  async function act_on(result: MonitorCheckResult): Promise<void> {
    const summary = `${result.kinds.join(', ')} breach: ${result.summary}`;
    if (state.actions >= spec.maxActions) {
      if (!state.escalated) {
        state.escalated = true;
        await act.recordIncident({ model, env, kind: 'escalation', summary: `automatic action budget (${spec.maxActions}) spent; a person must decide. ${summary}`, idempotencyKey: `${workflowInfo().workflowId}:escalation:${state.checks}` });
      }
      return;
    }
    state.actions += 1;
    const incident = await act.recordIncident({ model, env, kind: result.kinds.join('+'), summary, idempotencyKey: `${workflowInfo().workflowId}:incident:${state.checks}` });
    await act.sendAlert({ model, env, severity: 'critical', title: `${model} in ${env}: ${result.kinds.join(', ')} breach`, text: `${summary}. Action: ${spec.onBreach}. Incident #${incident.id}.` });
    if (spec.onBreach === 'rollback') await rollback(summary);
    if (spec.onBreach === 'retrain') await retrain(summary);
  }

  async function rollback(reason: string): Promise<void> {
    for (;;) {
      try {
        await executeChild(promotion, {
          workflowId: promotionWorkflowId(model, env),
          args: [{ model, env, target: input.pipeline.spec.deploy.find((d) => d.env === env)?.target ?? 'local', strategy: { kind: 'all-at-once' }, kind: 'rollback', actor: 'ferry-monitor', reason: `automatic rollback: ${reason}` }],
          staticSummary: `automatic rollback of ${model} in ${env}`,
        });
        return;
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        await sleep('5s');
      }
    }
  }

  async function retrain(reason: string): Promise<void> {
    const { spec: pipelineSpec, specHash, taskQueue } = input.pipeline;
    await startChild<typeof pipelineRun>('pipelineRun', {
      workflowId: `${pipelineSpec.name}-retrain-${workflowInfo().runId.slice(0, 8)}-${state.checks}`,
      args: [{ spec: pipelineSpec, specHash, trigger: 'retrain', triggeredBy: 'ferry-monitor', taskQueue, parentRuns: [] }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      staticSummary: `retrain ${model}: ${reason}`,
    });
  }
}
