import { desc, eq } from 'drizzle-orm';
import { runs, stepRuns } from '../../db/schema/index.js';
import { FerryError, UsageError } from '../../core/errors.js';
import { degradedLines } from '../../health/index.js';
import { watchStatus } from '../../observability/watch-status.js';
import { reconcileRuns } from '../../runs/reconcile.js';
import { statusQuery } from '../../../workflows/pipeline.js';
import { printJson, printTable, workflowUrl } from '../output.js';
import { openSession } from '../session.js';

/**
 * `ferry status`: recent runs from Postgres, or one run's stages from its workflow and its steps from Postgres;
 * `--watch` redraws the run's stages, durations and step progress until it finishes.
 */
export async function status(runId: string | undefined, opts: { limit: string; format: string; watch?: boolean; interval?: string }): Promise<void> {
  const limit = Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit ${opts.limit}: expected a whole number ≥ 1`);
  const interval = Number(opts.interval ?? '1000');
  if (!Number.isFinite(interval) || interval < 100) throw new UsageError(`--interval ${opts.interval}: expected milliseconds ≥ 100`);
  if (opts.watch && !runId) throw new UsageError(`--watch: name the run to watch, e.g. 'npx ferry status <run> --watch' (list runs with 'npx ferry status')`);
  if (opts.watch && opts.format === 'json') throw new UsageError(`--watch: redraws text; drop --format json or drop --watch`);
  const session = await openSession();
  // Outside services this FERRY_HOME's processes cannot reach (Slack, alert receivers, deploy targets), on stderr.
  for (const line of degradedLines(session.env.FERRY_HOME)) process.stderr.write(`${line}\n`);
  try {
    const { db } = session.database;
    // Postgres follows Temporal: a run terminated, timed out or wedged outside Ferry's code is shown as it is.
    const openRuns = async () =>
      (await db.select({ run: runs.workflowId, status: runs.status }).from(runs).orderBy(desc(runs.startedAt)).limit(limit))
        .filter((r) => ['running', 'waiting', 'wedged'].includes(r.status))
        .map((r) => r.run);
    await reconcileRuns(db, session.client, { workflowIds: runId ? [runId] : await openRuns() });
    if (!runId) {
      const rows = await db
        .select({ run: runs.workflowId, pipeline: runs.pipeline, status: runs.status, stage: runs.stage, commit: runs.commit, started: runs.startedAt, finished: runs.finishedAt })
        .from(runs)
        .orderBy(desc(runs.startedAt))
        .limit(limit);
      if (opts.format === 'json') return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('No runs yet. Start one with: npx ferry run pipelines/hello.ts\n');
      return printTable(rows.map((r) => ({ ...r, commit: r.commit?.slice(0, 12) })), ['run', 'pipeline', 'status', 'stage', 'commit', 'started', 'finished']);
    }
    const [row] = await db.select().from(runs).where(eq(runs.workflowId, runId));
    if (!row) throw new UsageError(`run ${runId}: not found; list runs with 'npx ferry status'`);
    if (opts.watch) {
      const final = await watchStatus(session.client.workflow.getHandle(runId), { intervalMs: interval });
      const [after] = await db.select({ status: runs.status, error: runs.error }).from(runs).where(eq(runs.workflowId, runId));
      const state = final?.state ?? after?.status ?? 'finished';
      // Like `ferry run --wait`: a run that did not succeed is a failed check for scripts.
      if (['failed', 'rejected', 'cancelled'].includes(state)) throw new FerryError(`run ${runId} ${state}${after?.error ? `: ${after.error}` : ''}`);
      process.stderr.write(`Run ${runId} ${state}\n`);
      return;
    }
    const live = await session.client.workflow.getHandle(runId).query(statusQuery).catch(() => undefined);
    const steps = await db.select().from(stepRuns).where(eq(stepRuns.workflowId, runId)).orderBy(stepRuns.id);
    const url = workflowUrl(session.endpoints.uiUrl, session.endpoints.namespace, runId);
    if (opts.format === 'json') return printJson({ run: row, live, steps, url });
    const out = process.stdout;
    const shown = row.status === 'wedged' || !live ? row.status : live.state;
    out.write(`Run ${runId}  pipeline ${row.pipeline}  status ${shown}  commit ${row.commit ?? '-'}\n`);
    if (url) out.write(`Temporal UI: ${url}\n`);
    if (row.error) out.write(`Error: ${row.error}\n`);
    out.write('\n');
    if (live) {
      printTable(
        live.stages.map((s) => ({ stage: s.name, state: s.state, seconds: s.finishedAt && s.startedAt ? ((s.finishedAt - s.startedAt) / 1000).toFixed(1) : '', detail: s.detail })),
        ['stage', 'state', 'seconds', 'detail'],
      );
      out.write('\n');
    }
    printTable(
      steps.map((s) => ({ step: s.step, stage: s.stage, status: s.status, attempts: s.attempts, ms: s.durationMs, error: s.error?.split('\n')[0] })),
      ['step', 'stage', 'status', 'attempts', 'ms', 'error'],
    );
  } finally {
    await session.close();
  }
}
