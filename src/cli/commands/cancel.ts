import { eq } from 'drizzle-orm';
import { WorkflowFailedError } from '@temporalio/client';
import { appendAudit } from '../../audit/index.js';
import { runs } from '../../db/schema/index.js';
import { FerryError, UsageError } from '../../core/errors.js';
import { reconcileRuns } from '../../runs/reconcile.js';
import { temporalRunState } from '../../runs/temporal-state.js';
import { say } from '../output.js';
import { openAuthenticatedSession } from '../auth-session.js';
import { statusQuery } from '../../../workflows/pipeline.js';

const finished = Symbol('finished');

/**
 * `ferry cancel <run>`: asks the run to stop at a safe point, where it runs its compensations and records itself
 * cancelled, and waits for that at most `--wait` seconds. A run that does not stop in time (a wedged workflow task,
 * a compensation that hangs) is reported with what to do next; `--terminate` then ends it for certain.
 */
export async function cancel(run: string, opts: { wait?: string; terminate?: boolean } = {}): Promise<void> {
  const waitSeconds = Number(opts.wait ?? '30');
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) throw new UsageError(`--wait ${opts.wait}: expected seconds ≥ 0, e.g. --wait 60`);
  const session = await openAuthenticatedSession('engineer');
  try {
    const { db } = session.database;
    const handle = session.client.workflow.getHandle(run);
    const before = await temporalRunState(session.client, run);
    if (before.status === 'NOT_FOUND') throw new UsageError(`run ${run}: no such workflow in Temporal; list runs with 'npx ferry status'`);
    if (before.status !== 'RUNNING') {
      await reconcileRuns(db, session.client, { workflowIds: [run] });
      say(`Run ${run} already ended (${before.status.toLowerCase()}); nothing to cancel.`);
      return;
    }
    await handle.cancel();
    const outcome = await Promise.race([
      handle.result().then(
        () => finished,
        (err: unknown) => {
          if (err instanceof WorkflowFailedError) return finished;
          throw err;
        },
      ),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), waitSeconds * 1000).unref()),
    ]);
    if (outcome === finished) {
      const status = await handle.query(statusQuery).catch(() => undefined);
      await reconcileRuns(db, session.client, { workflowIds: [run] });
      say(`Run ${run} ${status?.state ?? 'cancelled'}${status?.stage ? ` at ${status.stage}` : ''}.`);
      return;
    }
    const now = await temporalRunState(session.client, run);
    const why = now.wedged ? `its workflow task keeps failing (attempt ${now.wedged.attempt}): ${now.wedged.message}` : 'its compensation is still running';
    if (!opts.terminate) {
      throw new FerryError(`run ${run} did not stop within ${waitSeconds} s: ${why}. Wait longer with --wait <seconds>, or end it for certain with 'npx ferry cancel ${run} --terminate' (no compensation runs)`);
    }
    const reason = `terminated by ${session.user.name} with ferry cancel --terminate: ${why}`;
    await handle.terminate(reason);
    await db.transaction(async (tx) => {
      const [row] = await tx.update(runs).set({ status: 'terminated', error: reason, finishedAt: new Date() }).where(eq(runs.workflowId, run)).returning({ temporalRunId: runs.temporalRunId });
      await appendAudit(tx, {
        actor: session.user.name,
        action: 'run.terminated',
        subjectKind: 'run',
        subjectId: run,
        workflowId: run,
        temporalRunId: row?.temporalRunId ?? undefined,
        reason,
        details: { via: 'cli', waitedSeconds: waitSeconds, wedged: Boolean(now.wedged) },
        idempotencyKey: `${run}:run.terminated`,
      });
    });
    say(`Run ${run} terminated after ${waitSeconds} s (${why}).`);
  } finally {
    await session.close();
  }
}
