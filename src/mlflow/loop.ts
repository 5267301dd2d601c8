import pg from 'pg';
import type { Db } from '../db/client.js';
import { reportUp, tracked } from '../health/index.js';
import { log } from '../log.js';
import { createMlflowClient } from './client.js';
import { mirrorOnce, type MirrorOptions, type MirrorReport } from './mirror.js';

export interface MlflowMirrorOptions extends MirrorOptions {
  db: Db;
  trackingUri: string;
  /** A real PostgreSQL server's URL: the mirror then holds an advisory lock so one process mirrors at a time. */
  databaseUrl?: string;
  /** Pause between passes (default 10 s). */
  everyMs?: number;
  onReport?: (report: MirrorReport) => void;
}

const LOCK_KEY = 0x6665_7272; // "ferr": one mirror per database

/**
 * Mirrors Ferry into MLflow from this process: a pass at start, then every `everyMs`, and a last one on stop so that
 * what a short-lived stack (the demo) did is in MLflow when it exits. MLflow being down is degraded service (logged once,
 * shown in `ferry status`, retried every pass), never a failure of a run: runs do not wait for the mirror.
 */
export async function startMlflowMirror(options: MlflowMirrorOptions): Promise<() => Promise<void>> {
  const mlflow = createMlflowClient({ trackingUri: options.trackingUri });
  let lock: pg.Client | undefined;
  let holding = !options.databaseUrl;
  const pass = async () => {
    if (!holding && options.databaseUrl) {
      if (!lock) {
        const client = new pg.Client({ connectionString: options.databaseUrl });
        await client.connect();
        lock = client;
      }
      holding = (await lock.query<{ ok: boolean }>('select pg_try_advisory_lock($1) as ok', [LOCK_KEY])).rows[0]?.ok === true;
      if (!holding) return; // another worker mirrors
    }
    const report = await tracked('mlflow', () => mirrorOnce(options.db, mlflow, options));
    reportUp('mlflow');
    for (const d of report.drift) log.warn(d, `mlflow: alias ${d.model}@${d.alias} is on MLflow version ${d.mlflowVersion ?? 'none'} but Ferry has v${d.ferryVersion} (moved in MLflow by hand; ${options.aliasDrift === 'restore' ? 'moved back' : 'not followed'})`);
    options.onReport?.(report);
  };
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    running = pass()
      .catch((err: unknown) => log.warn({ err }, `mlflow mirror: ${(err as Error).message}; the next pass catches up`))
      .finally(() => {
        if (!stopped) timer = setTimeout(schedule, options.everyMs ?? 10_000);
      });
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
    await pass().catch((err: unknown) => log.warn({ err }, `mlflow mirror (last pass): ${(err as Error).message}`));
    await lock?.end().catch(() => undefined);
  };
}
