import { count, isNull } from 'drizzle-orm';
import { Gauge } from 'prom-client';
import type { Db } from '../db/client.js';
import { runs } from '../db/schema/index.js';
import { log } from '../log.js';
import { metricsRegistry } from './metrics-registry.js';

interface OpenRun {
  pipeline: string;
  status: string;
  stage: string | null;
  n: number;
}

const sources = new Set<Db>();
// One read per scrape feeds both gauges; a failed read keeps the last values rather than failing the scrape.
let last: OpenRun[] = [];
let pending: Promise<OpenRun[]> | undefined;

async function openRuns(): Promise<OpenRun[]> {
  pending ??= (async () => {
    try {
      const rows: OpenRun[] = [];
      for (const db of sources) {
        const found = await db
          .select({ pipeline: runs.pipeline, status: runs.status, stage: runs.stage, n: count() })
          .from(runs)
          .where(isNull(runs.finishedAt))
          .groupBy(runs.pipeline, runs.status, runs.stage);
        rows.push(...found.map((r) => ({ ...r, n: Number(r.n) })));
      }
      last = rows;
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'metrics: cannot read open runs; keeping the last values');
    }
    return last;
  })().finally(() => (pending = undefined));
  return pending;
}

/**
 * Runs not finished yet, read from Postgres at scrape time: right after worker restarts and with many workers (every
 * worker reports the same number, so aggregate with `max`, not `sum`).
 */
export const runsInFlight = new Gauge({
  name: 'ferry_runs_in_flight',
  help: 'Runs started and not finished, by pipeline and status (from the runs table; aggregate across workers with max)',
  labelNames: ['pipeline', 'status'] as const,
  registers: [metricsRegistry],
  async collect() {
    const rows = await openRuns();
    this.reset();
    for (const r of rows) this.inc({ pipeline: r.pipeline, status: r.status }, r.n);
  },
});

/** Runs waiting in an `approve:<env>` stage. */
export const approvalsPending = new Gauge({
  name: 'ferry_approvals_pending',
  help: 'Runs waiting for an approval, by pipeline and environment (from the runs table; aggregate with max)',
  labelNames: ['pipeline', 'env'] as const,
  registers: [metricsRegistry],
  async collect() {
    const rows = await openRuns();
    this.reset();
    for (const r of rows) if (r.stage?.startsWith('approve:')) this.inc({ pipeline: r.pipeline, env: r.stage.slice('approve:'.length) }, r.n);
  },
});

/** Feeds the open-run gauges from this database until the returned function is called. */
export function watchRuns(db: Db): () => void {
  sources.add(db);
  return () => void sources.delete(db);
}
