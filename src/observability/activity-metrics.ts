import type { ApplyRoutesInput, ApplyRoutesResult } from '../../activities/deploy.js';
import type { ApprovalRecordInput } from '../../activities/approvals.js';
import type { MonitorCheckRequest, MonitorCheckResult } from '../../activities/monitor.js';
import type { RunProgress, RunStartedInput } from '../../activities/runs.js';
import { ferryMetrics, type FerryMetrics } from './metrics.js';

interface RunState {
  pipeline: string;
  stage?: string;
  stageSince: number;
  /** When each `approve:<env>` stage began, for the approval wait histogram. */
  approvalSince: Map<string, number>;
}

export interface ActivityObserverOptions {
  metrics?: FerryMetrics;
  /** The pipeline of a run this worker has not seen start (another worker, or before a restart). */
  lookupPipeline?: (workflowId: string) => Promise<string | undefined>;
  now?: () => number;
  /** Runs tracked at most; the oldest is forgotten beyond it (a run finished on another worker never says so here). */
  maxRuns?: number;
}

/** What an activity call looked like, as the interceptor saw it. */
export interface ObservedActivity {
  activityType: string;
  input: unknown;
  output?: unknown;
  error?: unknown;
  seconds: number;
}

/**
 * Turns the bookkeeping activities' inputs and results into metrics: run starts and ends, stage durations (stage
 * start to next stage start), approval waits, deployments and rollbacks, drift and breaches. Stage timings live in
 * this worker's memory, so a stage whose start another worker recorded is not timed (counters are unaffected).
 */
export function createActivityObserver(options: ActivityObserverOptions = {}) {
  const m = options.metrics ?? ferryMetrics;
  const now = options.now ?? Date.now;
  const maxRuns = options.maxRuns ?? 10_000;
  const live = new Map<string, RunState>();

  function track(workflowId: string, state: RunState): RunState {
    live.delete(workflowId);
    live.set(workflowId, state);
    if (live.size > maxRuns) live.delete(live.keys().next().value!);
    return state;
  }

  async function stateOf(workflowId: string): Promise<RunState | undefined> {
    const known = live.get(workflowId);
    if (known) return known;
    const pipeline = await options.lookupPipeline?.(workflowId).catch(() => undefined);
    return pipeline ? track(workflowId, { pipeline, stageSince: now(), approvalSince: new Map() }) : undefined;
  }

  function closeStage(state: RunState, at: number): void {
    if (state.stage) m.stageDuration.observe({ pipeline: state.pipeline, stage: state.stage }, Math.max(0, (at - state.stageSince) / 1000));
  }

  async function stageStarted(input: { workflowId: string; stage: string }, at: number): Promise<void> {
    const state = await stateOf(input.workflowId);
    if (!state || state.stage === input.stage) return;
    closeStage(state, at);
    state.stage = input.stage;
    state.stageSince = at;
    if (input.stage.startsWith('approve:')) state.approvalSince.set(input.stage.slice('approve:'.length), at);
  }

  function handedProgress(progress: RunProgress | undefined, call: ObservedActivity): Promise<void> | undefined {
    return progress ? stageStarted(progress, now() - call.seconds * 1000) : undefined;
  }

  function runStarted(input: RunStartedInput): void {
    // A retried start must not count twice.
    if (live.has(input.workflowId)) return;
    m.runsStarted.inc({ pipeline: input.pipeline });
    track(input.workflowId, { pipeline: input.pipeline, stageSince: now(), approvalSince: new Map() });
  }

  const handlers: Record<string, (input: never, output: never, call: ObservedActivity) => Promise<void> | void> = {
    recordRunStarted: runStarted,
    recordAndVerifyRunStart: (input: { started: RunStartedInput }) => runStarted(input.started),
    recordRunProgress: (input: { workflowId: string; stage: string }) => stageStarted(input, now()),
    // A `compact-history` run hands a stage's record to its first activity: the stage began when that activity did.
    integrate: (input: { progress?: RunProgress }, _output: never, call: ObservedActivity) => handedProgress(input.progress, call),
    runStep: (input: { progress?: RunProgress }, _output: never, call: ObservedActivity) => handedProgress(input.progress, call),
    registerModelVersion: (input: { progress?: RunProgress }, _output: never, call: ObservedActivity) => handedProgress(input.progress, call),
    async recordRunFinished(input: { workflowId: string; status: string }) {
      const state = await stateOf(input.workflowId);
      if (!state) return;
      closeStage(state, now());
      m.runsFinished.inc({ pipeline: state.pipeline, status: input.status });
      live.delete(input.workflowId);
    },
    async recordApprovalDecision(input: ApprovalRecordInput) {
      m.approvalDecisions.inc({ env: input.env, decision: input.decision });
      if (input.decision === 'refused') return;
      const state = live.get(input.workflowId);
      const since = state?.approvalSince.get(input.env);
      if (state && since !== undefined) m.approvalWait.observe({ pipeline: state.pipeline, env: input.env, decision: input.decision }, Math.max(0, (now() - since) / 1000));
    },
    applyRoutes(input: ApplyRoutesInput, output: ApplyRoutesResult) {
      const labels = { model: input.model, env: input.env };
      m.deploymentTraffic.set(labels, output.trafficPercent);
      const rollback = output.status === 'rolled-back' || (output.status === 'live' && /^rollback/i.test(input.reason ?? ''));
      if (output.status !== 'deploying') m.deployments.inc({ ...labels, status: output.status });
      if (rollback) m.rollbacks.inc(labels);
    },
    runMonitorCheck(input: MonitorCheckRequest, output: MonitorCheckResult) {
      const labels = { model: input.model, env: input.env };
      m.monitorChecks.inc(labels);
      for (const kind of output.kinds) m.breaches.inc({ ...labels, kind });
      if (output.drift) {
        m.driftShare.set(labels, output.drift.driftedShare);
        for (const [feature, value] of Object.entries(output.drift.statistics)) {
          if (Number.isFinite(value)) m.driftStatistic.set({ ...labels, feature }, value);
        }
      }
    },
  };

  return {
    /** Records one finished activity call; never throws (metrics must not fail an activity). */
    async observe(call: ObservedActivity): Promise<void> {
      m.activityDuration.observe({ activity: call.activityType, status: call.error === undefined ? 'ok' : 'failed' }, call.seconds);
      const handler = handlers[call.activityType];
      if (!handler || call.error !== undefined) return;
      try {
        await handler(call.input as never, call.output as never, call);
      } catch {
        // A malformed input is the activity's problem to report, not the metrics'.
      }
    },
    /** Runs currently tracked (for tests). */
    tracked: () => live.size,
  };
}

export type ActivityObserver = ReturnType<typeof createActivityObserver>;
