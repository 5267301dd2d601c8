/**
 * `npm run bench:fleet [-- --monitors 1000 --every 1m --minutes 5 --rows 40 --generation 3 --profile DIR --max-cached-workflows N]`: N monitored deployments on
 * one worker against the dev server. Each deployment is a registered version with the alias `production` and a
 * training reference (one shared CSV, 2 features); each `--every` the bench logs `--rows` predictions per deployment
 * (one INSERT for the fleet), and every monitor checks its window (drift + data quality, the real `runMonitorCheck`),
 * continuing as new every `--generation` checks. Everything listens on 127.0.0.1; the worker is a child process
 * (bench/fleet-worker.ts) whose RSS is sampled every second. Reports:
 *   - check lag: when a check was due (its timer's start + `every`) → its `runMonitorCheck` completed, p50/p95/max,
 *     split into timer (due → fired), workflow task (→ check scheduled), queue (→ started) and execution (→ completed);
 *   - worker RSS, peak and last;
 *   - history events per monitor generation (closed runs that continued as new);
 *   - Postgres rows written per check (every table's row count before and after, predictions excluded).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import { createFileStore } from '../src/artifacts/store.js';
import { durationMs } from '../src/core/duration.js';
import { monitorWorkflowId } from '../src/core/ids.js';
import { monitorSchema, type PipelineSpec } from '../src/core/spec.js';
import { aliases, models, modelVersions } from '../src/db/schema/index.js';
import { readEnv } from '../src/settings.js';
import { startStack } from '../src/stack.js';

const { values: args } = parseArgs({
  options: {
    monitors: { type: 'string', default: '1000' },
    every: { type: 'string', default: '1m' },
    minutes: { type: 'string', default: '5' },
    rows: { type: 'string', default: '40' },
    generation: { type: 'string', default: '3' },
    /** Write the worker's CPU profile (node --cpu-prof) into this directory. */
    profile: { type: 'string' },
    /** The worker's `maxCachedWorkflows` (default: the SDK's, sized from the heap limit): an evicted monitor is replayed. */
    'max-cached-workflows': { type: 'string' },
  },
});
const int = (name: keyof typeof args, max: number): number => {
  const v = Number(args[name]);
  if (!Number.isInteger(v) || v < 1 || v > max) throw new Error(`--${name} must be an integer from 1 to ${max}`);
  return v;
};
const N = int('monitors', 5000);
const MINUTES = int('minutes', 120);
const ROWS = int('rows', 1000);
const GENERATION = int('generation', 1000);
const EVERY = String(args.every);
const everyMs = durationMs(EVERY);
const { temporal } = protos;
const EventType = temporal.api.enums.v1.EventType;
const tsMs = (t: protos.temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
};
const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');

const home = mkdtempSync(join(tmpdir(), 'ferry-bench-fleet-'));
const stack = await startStack({ env: { ...readEnv(), FERRY_HOME: home, TEMPORAL_ADDRESS: undefined, DATABASE_URL: undefined } as never, persistent: false, headless: true });
const db = stack.database.db;
const connection = await Connection.connect({ address: stack.temporalAddress });
const client = new Client({ connection, namespace: stack.namespace });
const taskQueue = `bench-fleet-${process.pid}`;
let worker: ReturnType<typeof spawn> | undefined;
try {
  console.log(`bench:fleet: ${N} monitors, a check every ${EVERY}, ${MINUTES} min, ${ROWS} predictions per deployment per interval, continue-as-new every ${GENERATION} checks`);
  console.log(`machine: nproc ${cpus().length}, ${cpus()[0]?.model}, load ${load()}, ${new Date().toISOString()}`);
  const refPath = join(home, 'reference.csv');
  writeFileSync(refPath, `x,y\n${Array.from({ length: 2000 }, (_, i) => `${(i % 20) / 2},${(i * 7) % 13}`).join('\n')}\n`);
  const ref = await createFileStore(join(home, 'artifacts')).put(refPath);
  const names = Array.from({ length: N }, (_, i) => `fleet-${i}`);
  for (let i = 0; i < N; i += 500) {
    const chunk = names.slice(i, i + 500);
    await db.insert(models).values(chunk.map((name) => ({ name })));
    await db.insert(modelVersions).values(chunk.map((model) => ({ model, version: 1, metrics: {}, sourceWorkflowId: `bench-${model}`, pipeline: 'bench', specHash: '-', commit: '-', params: {}, seed: 0, artifactSha256: ref.sha256, artifactUri: ref.uri, referenceSha256: ref.sha256 })));
    await db.insert(aliases).values(chunk.map((model) => ({ model, alias: 'production', version: 1 })));
  }
  const logInterval = async (tick: number) => {
    await db.execute(sql.raw(`INSERT INTO predictions (request_id, model, version, env, inputs, outputs, latency_ms)
      SELECT 'r-${tick}-' || m || '-' || g, 'fleet-' || m, 1, 'production', jsonb_build_object('x', (g % 20) / 2.0, 'y', (g * 7) % 13), '{"label": 1}'::jsonb, 1
      FROM generate_series(0, ${N - 1}) AS m, generate_series(1, ${ROWS}) AS g`));
  };
  await logInterval(0);
  const rowCounts = async () => {
    const tables = (await db.execute(sql`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'predictions'`)).rows as { tablename: string }[];
    let total = 0;
    for (const { tablename } of tables) total += Number(((await db.execute(sql.raw(`SELECT count(*)::int AS n FROM "${tablename}"`))).rows[0] as { n: number }).n);
    return total;
  };

  let lastMemory = '—';
  worker = spawn(process.execPath, [...(args.profile ? ['--cpu-prof', '--cpu-prof-dir', args.profile] : []), '--import', 'tsx', join(import.meta.dirname, 'fleet-worker.ts'), stack.temporalAddress, stack.namespace, stack.databaseUrl, taskQueue, home, ...(args['max-cached-workflows'] ? [String(int('max-cached-workflows', 100_000))] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    worker!.stdout!.on('data', (d: Buffer) => {
      const text = d.toString();
      if (text.includes('ready')) resolve();
      for (const line of text.split('\n')) if (line.startsWith('memory ')) lastMemory = line.slice('memory '.length);
    });
    worker!.once('exit', (code) => reject(new Error(`bench/fleet-worker.ts exited ${code} before it was ready`)));
  });
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${worker!.pid}/status`, 'utf8'));
    if (m) rss.push(Number(m[1]) / 1024);
  }, 1000);

  const rowsBefore = await rowCounts();
  const spec = monitorSchema.parse({ every: EVERY, generationChecks: GENERATION, cooldown: '1h' });
  const pipeline = { spec: { name: 'bench' } as unknown as PipelineSpec, specHash: '-', taskQueue };
  const started = Date.now();
  const firstRuns: string[] = [];
  for (let i = 0; i < N; i += 50) {
    firstRuns.push(...(await Promise.all(names.slice(i, i + 50).map(async (model) => (await client.workflow.start('monitor', { workflowId: monitorWorkflowId(model, 'production'), taskQueue, args: [{ model, env: 'production', spec, pipeline }] })).firstExecutionRunId))));
  }
  console.log(`  ${N} monitors started in ${((Date.now() - started) / 1000).toFixed(1)} s (load ${load()})`);
  for (let tick = 1; Date.now() - started < MINUTES * 60_000; tick++) {
    await new Promise((r) => setTimeout(r, Math.min(everyMs, started + MINUTES * 60_000 - Date.now())));
    await logInterval(tick);
  }
  clearInterval(sampler);
  const loadAtEnd = load();
  const endedAt = Date.now();

  // Stop the monitors, then read every run of every monitor.
  await Promise.all(names.map((m) => client.workflow.getHandle(monitorWorkflowId(m, 'production')).terminate('bench over').catch(() => undefined)));
  const lags: number[] = [];
  // Where the lag goes: timer due → fired, fired → check scheduled (workflow task), scheduled → started (queue), started → done.
  const parts = { timer: [] as number[], workflowTask: [] as number[], queue: [] as number[], execution: [] as number[] };
  const generationEvents: number[] = [];
  let checks = 0;
  // A check that was due before the measured minutes ended but had not completed when the monitors were stopped counts
  // too, with its lag so far (a lower bound): leaving it out would flatter the percentiles of a worker falling behind.
  let unfinished = 0;
  for (const { type } of [{ type: 'monitor' }]) {
    for await (const wf of client.workflow.list({ query: `WorkflowType = '${type}' AND TaskQueue = '${taskQueue}'` })) {
      const events = (await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory()).events ?? [];
      if (events.at(-1)?.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) generationEvents.push(events.length);
      let due: number | undefined;
      let fired = 0;
      let startedAt = 0;
      const scheduled = new Map<string, number>();
      for (const e of events) {
        const at = tsMs(e.eventTime);
        if (e.eventType === EventType.EVENT_TYPE_TIMER_STARTED) due = at + everyMs;
        if (e.eventType === EventType.EVENT_TYPE_TIMER_FIRED) fired = at;
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED && e.activityTaskScheduledEventAttributes?.activityType?.name === 'runMonitorCheck') scheduled.set(String(e.eventId), at);
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) startedAt = at;
        const scheduledAt = scheduled.get(String(e.activityTaskCompletedEventAttributes?.scheduledEventId));
        if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED && scheduledAt !== undefined && due !== undefined) {
          lags.push(at - due);
          parts.timer.push(fired - due);
          parts.workflowTask.push(scheduledAt - fired);
          parts.queue.push(startedAt - scheduledAt);
          parts.execution.push(at - startedAt);
          checks += 1;
          due = undefined;
        }
      }
      if (due !== undefined && due <= endedAt) {
        lags.push(endedAt - due);
        unfinished += 1;
      }
    }
  }
  const rowsAfter = await rowCounts();
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`  checks due in the measured minutes: ${checks + unfinished}; completed: ${checks} (${(checks / N).toFixed(1)} per monitor), not completed when stopped: ${unfinished} (counted in the lag with their lag so far)`);
  console.log(`  check lag (due → runMonitorCheck completed): p50 ${s(percentile(lags, 50))}, p95 ${s(percentile(lags, 95))}, max ${s(Math.max(...lags))}`);
  for (const [part, ms] of Object.entries(parts)) console.log(`    ${part.padEnd(13)} p50 ${s(percentile(ms, 50))}, p95 ${s(percentile(ms, 95))}`);
  console.log(`  worker RSS: peak ${Math.max(...rss).toFixed(0)} MiB, last ${rss.at(-1)?.toFixed(0)} MiB; the worker's last sample (MiB): ${lastMemory}`);
  console.log(`  history events per monitor generation (${generationEvents.length} closed generations): p50 ${percentile(generationEvents, 50)}, max ${Math.max(...generationEvents)}`);
  console.log(`  Postgres rows per check: ${((rowsAfter - rowsBefore) / Math.max(1, checks)).toFixed(2)} (${rowsAfter - rowsBefore} rows for ${checks} checks, predictions excluded)`);
  console.log(`targets: p95 lag ≤ 5 s: ${percentile(lags, 95) <= 5000 ? 'met' : 'missed'}; worker RSS ≤ 1.5 GB: ${Math.max(...rss) <= 1536 ? 'met' : 'missed'}`);
  console.log(`load at the end of the measured minutes: ${loadAtEnd}`);
} finally {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await Promise.race([once(worker, 'exit'), new Promise((r) => setTimeout(r, 30_000))]);
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  await connection.close();
  await stack.stop();
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
