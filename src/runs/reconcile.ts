import type { Client } from '@temporalio/client';
import { inArray, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/index.js';
import type { Db } from '../db/client.js';
import { runs } from '../db/schema/index.js';
import { CLOSED_STATES, temporalRunState } from './temporal-state.js';

/** Run rows that claim the run is still going; `wedged` rows are checked again so they recover when the code is fixed. */
const OPEN_STATES = ['running', 'waiting', 'wedged'];

export interface ReconciledRun {
  workflowId: string;
  was: string;
  now: string;
  reason: string;
}

/**
 * Makes Postgres run rows follow Temporal: a run that Temporal closed outside Ferry's code (terminated in the UI or CLI,
 * timed out, failed by a nondeterminism error, lost with its namespace) gets its final state, and a run whose workflow
 * task keeps failing is marked `wedged` with the failure message. Each change is audited once. Safe to run from any
 * number of processes at once: every write is conditional on the state it read, and audit records are idempotent.
 */
export async function reconcileRuns(db: Db, client: Client, options: { workflowIds?: string[] } = {}): Promise<ReconciledRun[]> {
  const open = await db
    .select({ workflowId: runs.workflowId, status: runs.status, temporalRunId: runs.temporalRunId, error: runs.error })
    .from(runs)
    .where(options.workflowIds ? inArray(runs.workflowId, options.workflowIds) : inArray(runs.status, OPEN_STATES));
  const changed: ReconciledRun[] = [];
  for (const row of open) {
    if (!OPEN_STATES.includes(row.status)) continue;
    const state = await temporalRunState(client, row.workflowId).catch(() => undefined);
    if (!state) continue; // Temporal unreachable: try again next time rather than guess.
    let now: string;
    let reason: string;
    if (state.status === 'RUNNING' || state.status === 'CONTINUED_AS_NEW') {
      if (state.wedged) {
        if (row.status === 'wedged' && row.error === state.wedged.message) continue;
        now = 'wedged';
        reason = `workflow task failing (attempt ${state.wedged.attempt}): ${state.wedged.message}`;
      } else if (row.status === 'wedged') {
        // The code was fixed and the run moves again; its next bookkeeping write records the exact stage.
        now = 'running';
        reason = 'workflow task succeeds again';
      } else continue;
    } else {
      now = CLOSED_STATES[state.status] ?? state.status.toLowerCase();
      reason = `Temporal reports the run ${state.status.toLowerCase().replace(/_/g, ' ')}${now === 'lost' ? ' (no such workflow)' : ''}; closed outside Ferry`;
    }
    const updated = await db.transaction(async (tx) => {
      const rows = await tx
        .update(runs)
        .set(now === 'running' || now === 'wedged' ? { status: now, error: now === 'wedged' ? state.wedged!.message : null } : { status: now, error: reason, finishedAt: state.closedAt ?? new Date() })
        .where(eq(runs.workflowId, row.workflowId))
        .returning({ workflowId: runs.workflowId });
      if (rows.length === 0) return false;
      await appendAudit(tx, {
        actor: 'ferry',
        action: 'run.reconciled',
        subjectKind: 'run',
        subjectId: row.workflowId,
        workflowId: row.workflowId,
        temporalRunId: row.temporalRunId ?? undefined,
        reason,
        details: { was: row.status, now, temporalStatus: state.status },
        idempotencyKey: `${row.workflowId}:run.reconciled:${row.status}->${now}:${state.wedged?.attempt ?? state.status}`,
      });
      return true;
    });
    if (updated) changed.push({ workflowId: row.workflowId, was: row.status, now, reason });
  }
  return changed;
}

/**
 * Reconciles once now and then every `everyMs` until stopped: what a worker runs beside its pollers. Failures are
 * reported through `onError` and never stop the loop.
 */
export function startReconciler(db: Db, client: Client, options: { everyMs?: number; onChange?: (run: ReconciledRun) => void; onError?: (err: unknown) => void } = {}): { stop(): Promise<void> } {
  let stopped = false;
  let current: Promise<unknown> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    current = reconcileRuns(db, client).then(
      (changed) => changed.forEach((c) => options.onChange?.(c)),
      (err) => options.onError?.(err),
    );
  };
  tick();
  const timer = setInterval(tick, options.everyMs ?? 60_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await current;
    },
  };
}
