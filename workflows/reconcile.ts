import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { durationMs } from '../src/core/duration.js';
import { quick } from './presets.js';

/**
 * What a reconcile loop is told. `restore` is the policy: false (the default) only raises incidents; true also puts
 * back the approved state by redeploying Ferry's last routes through the target. Durations are parameters so a test
 * runs in seconds.
 */
export interface ReconcileInput {
  env: string;
  /** Between checks (default `5m`). */
  every?: string;
  restore?: boolean;
  /** Checks per workflow run before continuing as new (default 100): history stays bounded. */
  checksPerRun?: number;
  /** Carried across continue-as-new. */
  checks?: number;
  /** Stop after this many checks in all (tests); default: run forever. */
  maxChecks?: number;
}

export interface ReconcileState {
  env: string;
  checks: number;
  findings: number;
  restores: number;
  lastSummary?: string;
}

export const reconcileStateQuery = defineQuery<ReconcileState>('reconcileState');

const act = proxyActivities<Activities>({ ...quick, startToCloseTimeout: '5m' });

/**
 * The periodic reconcile of one environment (`reconcile-<env>`): every check reads back what each target serves; each
 * mismatch opens an incident and, with `restore`, is redeployed to the approved state (audited by `applyRoutes`).
 */
export async function reconcile(input: ReconcileInput): Promise<ReconcileState> {
  const info = workflowInfo();
  const life = info.firstExecutionRunId ?? info.runId;
  const state: ReconcileState = { env: input.env, checks: input.checks ?? 0, findings: 0, restores: 0 };
  setHandler(reconcileStateQuery, () => state);
  const perRun = input.checksPerRun ?? 100;
  for (let i = 0; i < perRun; i++) {
    if (input.maxChecks !== undefined && state.checks >= input.maxChecks) return state;
    state.checks++;
    const check = `${life}:${state.checks}`;
    const findings = await act.reconcileEnvironment({ env: input.env, check });
    state.findings += findings.length;
    for (const f of findings) {
      await act.recordIncident({
        model: f.model,
        env: f.env,
        kind: 'reconcile',
        summary: `reconciliation: ${f.summary}${input.restore ? `; restoring ${f.expected.map((r) => `v${r.version}:${r.percent}`).join(' ')}` : ''}`,
        // One incident per swap: a mismatch that persists across checks (no restore) is the same incident, a new swap a new one.
        idempotencyKey: `${info.workflowId}:${life}:${f.model}:${f.kind}:g${f.generation}`,
        details: { finding: f.kind, expected: f.expected, live: f.live, offending: f.offending, restore: input.restore === true },
      });
      if (!input.restore) continue;
      await act.applyRoutes({
        model: f.model,
        env: f.env,
        target: f.target,
        routes: f.expected,
        version: f.version,
        strategy: 'reconcile',
        idempotencyKey: `${info.workflowId}:${check}:restore:${f.model}`,
        reason: `reconcile: restored ${f.model}@${f.env} after ${f.kind} (${f.summary})`,
      });
      state.restores++;
    }
    state.lastSummary = findings.length ? findings.map((f) => f.summary).join('; ') : 'in sync';
    await sleep(durationMs(input.every ?? '5m'));
  }
  return continueAsNew<typeof reconcile>({ ...input, checks: state.checks });
}
