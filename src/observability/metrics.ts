import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from './metrics-registry.js';

// Labels stay of bounded cardinality: pipeline, model, env, stage, status, feature, kind, activity. Never a run id.
const registers = [metricsRegistry];

/** Seconds from minutes-long builds to multi-day approvals. */
const STAGE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 10_800, 43_200, 86_400, 259_200];
const APPROVAL_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 259_200, 604_800];
const ACTIVITY_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600];

/** Ferry's lifecycle metrics, observed on workers at the activity level (workflow code never touches them). */
export const ferryMetrics = {
  runsStarted: new Counter({ name: 'ferry_runs_started_total', help: 'Pipeline runs started', labelNames: ['pipeline'] as const, registers }),
  runsFinished: new Counter({
    name: 'ferry_runs_finished_total',
    help: 'Pipeline runs finished, by final status (succeeded, failed, rejected, cancelled)',
    labelNames: ['pipeline', 'status'] as const,
    registers,
  }),
  stageDuration: new Histogram({
    name: 'ferry_stage_duration_seconds',
    help: 'Time from a stage starting to the next stage (or the end of the run) starting',
    labelNames: ['pipeline', 'stage'] as const,
    buckets: STAGE_BUCKETS,
    registers,
  }),
  approvalWait: new Histogram({
    name: 'ferry_approval_wait_seconds',
    help: 'Time from an approval being requested to each decision on it',
    labelNames: ['pipeline', 'env', 'decision'] as const,
    buckets: APPROVAL_BUCKETS,
    registers,
  }),
  approvalDecisions: new Counter({
    name: 'ferry_approval_decisions_total',
    help: 'Approval decisions recorded (approve, reject, refused, expired)',
    labelNames: ['env', 'decision'] as const,
    registers,
  }),
  deployments: new Counter({
    name: 'ferry_deployments_total',
    help: 'Deployments that finished, by outcome (live, rolled-back)',
    labelNames: ['model', 'env', 'status'] as const,
    registers,
  }),
  deploymentTraffic: new Gauge({
    name: 'ferry_deployment_traffic_percent',
    help: 'Share of traffic the version being rolled out takes after its last step',
    labelNames: ['model', 'env'] as const,
    registers,
  }),
  rollbacks: new Counter({ name: 'ferry_rollbacks_total', help: 'Rollbacks: canary rollbacks and rollbacks to an earlier version', labelNames: ['model', 'env'] as const, registers }),
  monitorChecks: new Counter({ name: 'ferry_monitor_checks_total', help: 'Monitor checks run', labelNames: ['model', 'env'] as const, registers }),
  breaches: new Counter({
    name: 'ferry_monitor_breaches_total',
    help: 'Monitor checks that breached, by kind (drift, performance, data-quality)',
    labelNames: ['model', 'env', 'kind'] as const,
    registers,
  }),
  driftStatistic: new Gauge({
    name: 'ferry_drift_statistic',
    help: 'Drift statistic of each feature at the last monitor check (the method depends on the column type)',
    labelNames: ['model', 'env', 'feature'] as const,
    registers,
  }),
  driftShare: new Gauge({ name: 'ferry_drift_share', help: 'Share of features drifted at the last monitor check (0–1)', labelNames: ['model', 'env'] as const, registers }),
  activityDuration: new Histogram({
    name: 'ferry_activity_duration_seconds',
    help: 'Activity executions on this worker, by activity type and outcome (ok, failed)',
    labelNames: ['activity', 'status'] as const,
    buckets: ACTIVITY_BUCKETS,
    registers,
  }),
};

export type FerryMetrics = typeof ferryMetrics;
