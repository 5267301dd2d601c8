import { describe, expect, it } from 'vitest';
import { createActivityObserver } from '../../src/observability/activity-metrics.js';
import { metricsRegistry } from '../../src/observability/metrics-registry.js';
import { parsePromText, valueOf } from './prom-text.js';

// The observer is fed activity inputs and results shaped as activities/*.ts declare them, with a controlled clock.
async function samples() {
  return parsePromText(await metricsRegistry.metrics()).samples;
}

describe('the activity metrics observer', () => {
  it('times stages and approval waits from the bookkeeping activities, and counts decisions', async () => {
    let now = 1_000_000;
    const observer = createActivityObserver({ now: () => now });
    const call = (activityType: string, input: unknown, output?: unknown) => observer.observe({ activityType, input, output, seconds: 0.01 });
    await call('recordRunStarted', { workflowId: 'w1', temporalRunId: 'r', pipeline: 'obs-approve', spec: {}, specHash: 'h', trigger: 'test' });
    await call('recordRunProgress', { workflowId: 'w1', stage: 'register', status: 'running' });
    now += 4000;
    await call('recordRunProgress', { workflowId: 'w1', stage: 'approve:production', status: 'running' });
    now += 3_600_000;
    await call('recordApprovalDecision', { workflowId: 'w1', env: 'production', approver: 'ana', decision: 'refused', via: 'cli' });
    await call('recordApprovalDecision', { workflowId: 'w1', env: 'production', approver: 'bo', decision: 'approve', via: 'slack' });
    await call('recordRunProgress', { workflowId: 'w1', stage: 'deploy:production', status: 'running' });
    now += 10_000;
    await call('recordRunFinished', { workflowId: 'w1', status: 'succeeded' });

    const s = await samples();
    expect(valueOf(s, 'ferry_stage_duration_seconds_sum', { pipeline: 'obs-approve', stage: 'register' })).toBe(4);
    expect(valueOf(s, 'ferry_stage_duration_seconds_sum', { pipeline: 'obs-approve', stage: 'approve:production' })).toBe(3600);
    expect(valueOf(s, 'ferry_stage_duration_seconds_sum', { pipeline: 'obs-approve', stage: 'deploy:production' })).toBe(10);
    expect(valueOf(s, 'ferry_approval_wait_seconds_sum', { pipeline: 'obs-approve', env: 'production', decision: 'approve' })).toBe(3600);
    // A refused attempt is counted but is not a wait that ended.
    expect(valueOf(s, 'ferry_approval_decisions_total', { env: 'production', decision: 'refused' })).toBe(1);
    expect(valueOf(s, 'ferry_approval_wait_seconds_count', { decision: 'refused' })).toBeUndefined();
    expect(valueOf(s, 'ferry_runs_finished_total', { pipeline: 'obs-approve', status: 'succeeded' })).toBe(1);
    expect(observer.tracked()).toBe(0);
  });

  it('times a compact-history run\'s stages from the activities their records were handed to, from each one\'s start', async () => {
    let now = 2_000_000;
    const observer = createActivityObserver({ now: () => now });
    const progress = (stage: string) => ({ workflowId: 'w3', stage, status: 'running' });
    await observer.observe({ activityType: 'recordAndVerifyRunStart', input: { started: { workflowId: 'w3', temporalRunId: 'r', pipeline: 'obs-compact', spec: {}, specHash: 'h', trigger: 'test' }, facts: {} }, output: { ok: true }, seconds: 0 });
    now += 5000; // integrate ran 5 s and finished now: the stage began 5 s ago
    await observer.observe({ activityType: 'integrate', input: { workflowId: 'w3', progress: progress('integrate') }, seconds: 5 });
    now += 7000; // the train step ran 3 s of the 7 s since: integrate lasted 9 s
    await observer.observe({ activityType: 'runStep', input: { workflowId: 'w3', progress: progress('train') }, seconds: 3 });
    await observer.observe({ activityType: 'runStep', input: { workflowId: 'w3' }, seconds: 1 }); // a later step of the stage
    now += 2000;
    await observer.observe({ activityType: 'registerModelVersion', input: { workflowId: 'w3', progress: progress('register') }, seconds: 1 });
    now += 1000;
    await observer.observe({ activityType: 'recordRunFinished', input: { workflowId: 'w3', status: 'succeeded' }, seconds: 0 });
    const s = await samples();
    expect(valueOf(s, 'ferry_runs_started_total', { pipeline: 'obs-compact' })).toBe(1);
    expect(valueOf(s, 'ferry_stage_duration_seconds_sum', { pipeline: 'obs-compact', stage: 'integrate' })).toBe(9);
    expect(valueOf(s, 'ferry_stage_duration_seconds_sum', { pipeline: 'obs-compact', stage: 'train' })).toBe(4);
    expect(valueOf(s, 'ferry_stage_duration_seconds_sum', { pipeline: 'obs-compact', stage: 'register' })).toBe(2);
    expect(observer.tracked()).toBe(0);
  });

  it('counts a retried run start once, and finds the pipeline of a run another worker started', async () => {
    const observer = createActivityObserver({ lookupPipeline: async (id) => (id === 'w-elsewhere' ? 'obs-lookup' : undefined) });
    const started = { workflowId: 'w2', temporalRunId: 'r', pipeline: 'obs-retry', spec: {}, specHash: 'h', trigger: 'test' };
    await observer.observe({ activityType: 'recordRunStarted', input: started, seconds: 0 });
    await observer.observe({ activityType: 'recordRunStarted', input: started, seconds: 0 });
    await observer.observe({ activityType: 'recordRunFinished', input: { workflowId: 'w-elsewhere', status: 'failed' }, seconds: 0 });
    const s = await samples();
    expect(valueOf(s, 'ferry_runs_started_total', { pipeline: 'obs-retry' })).toBe(1);
    expect(valueOf(s, 'ferry_runs_finished_total', { pipeline: 'obs-lookup', status: 'failed' })).toBe(1);
  });

  it('counts deployments by outcome, rollbacks, and the traffic of a rollout', async () => {
    const observer = createActivityObserver();
    const apply = (reason: string, status: string, trafficPercent: number) =>
      observer.observe({
        activityType: 'applyRoutes',
        input: { model: 'obs-m', env: 'production', target: 'local', routes: [], reason },
        output: { deploymentId: 1, generation: 1, live: {}, status, trafficPercent },
        seconds: 0.2,
      });
    await apply('canary step 1/3: 10% to v2', 'deploying', 10);
    await apply('canary unhealthy: error rate 40% > 5%', 'rolled-back', 0);
    await apply('canary step 3/3: 100% to v3', 'live', 100);
    await apply('rollback step 1/1: 100% to v1; incident 4', 'live', 100);
    const s = await samples();
    expect(valueOf(s, 'ferry_deployments_total', { model: 'obs-m', env: 'production', status: 'live' })).toBe(2);
    expect(valueOf(s, 'ferry_deployments_total', { model: 'obs-m', env: 'production', status: 'rolled-back' })).toBe(1);
    expect(valueOf(s, 'ferry_deployments_total', { status: 'deploying' })).toBeUndefined();
    expect(valueOf(s, 'ferry_rollbacks_total', { model: 'obs-m', env: 'production' })).toBe(2);
    expect(valueOf(s, 'ferry_deployment_traffic_percent', { model: 'obs-m', env: 'production' })).toBe(100);
  });

  it('sets the drift statistic per feature and counts breaches by kind; a failed check records only its duration', async () => {
    const observer = createActivityObserver();
    const input = { model: 'obs-d', env: 'production', end: '2025-01-01T00:00:00Z', spec: {}, pendingWindows: [], check: 3 };
    const output = {
      version: 2,
      predictions: 300,
      breached: true,
      kinds: ['drift', 'data-quality'],
      summary: '',
      drift: { driftedShare: 0.5, drifted: ['bill_length_mm'], statistics: { bill_length_mm: 0.41, island: 12.5 }, reportPath: '/tmp/r.html' },
      pendingWindows: [],
    };
    await observer.observe({ activityType: 'runMonitorCheck', input, output, seconds: 1 });
    await observer.observe({ activityType: 'runMonitorCheck', input, error: new Error('db down'), seconds: 1 });
    const s = await samples();
    expect(valueOf(s, 'ferry_drift_statistic', { model: 'obs-d', feature: 'bill_length_mm' })).toBe(0.41);
    expect(valueOf(s, 'ferry_drift_statistic', { model: 'obs-d', feature: 'island' })).toBe(12.5);
    expect(valueOf(s, 'ferry_drift_share', { model: 'obs-d' })).toBe(0.5);
    expect(valueOf(s, 'ferry_monitor_breaches_total', { model: 'obs-d', kind: 'drift' })).toBe(1);
    expect(valueOf(s, 'ferry_monitor_breaches_total', { model: 'obs-d', kind: 'data-quality' })).toBe(1);
    expect(valueOf(s, 'ferry_monitor_checks_total', { model: 'obs-d' })).toBe(1);
    expect(valueOf(s, 'ferry_activity_duration_seconds_count', { activity: 'runMonitorCheck', status: 'failed' })).toBe(1);
  });
});
