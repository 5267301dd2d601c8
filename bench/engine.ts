/**
 * `npm run bench:engine`: Ferry's engine overhead. N pipelines of no-op function steps run through the real dev server
 * (the interpreter workflow with all its bookkeeping), then the same `runStep` activities in a plain hand-written
 * workflow (bench/plain-workflows.ts), then a floor of empty activities — all in one run, same server, same database.
 * Prints throughput, p50/p95 latency per run, history events per run, the ratios Ferry/plain, and where Ferry's time
 * goes per activity type (from the histories). Not a test: numbers go to BENCHMARKS.engine.md by hand.
 *
 *   npm run bench:engine [-- --runs 50 --steps 5 --concurrency 10 --json]
 *
 * Uses TEMPORAL_ADDRESS / DATABASE_URL when set, else a headless dev server and in-memory PGlite (src/stack.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { z } from 'zod';
import { createActivities, type ActivityDeps } from '../activities/index.js';
import { createFileStore } from '../src/artifacts/store.js';
import { configFrom } from '../src/dsl/load-config.js';
import { runs } from '../src/db/schema/index.js';
import { defineStep } from '../src/dsl/ferry-config.js';
import { definePipeline, step } from '../src/dsl/define.js';
import { parsePipeline } from '../src/dsl/load.js';
import { readEnv } from '../src/settings.js';
import { failureInterceptors } from '../src/temporal/failure-interceptor.js';
import { resolveCommit } from '../src/git.js';
import { startRun } from '../src/runs/start.js';
import { startStack } from '../src/stack.js';
import { installRuntime } from '../src/temporal/runtime.js';
import { workflowBundlerOptions, workflowsPath } from '../src/temporal/worker.js';
import { makeRepo } from '../test/helpers/git.js';
import { activityProfile, childrenCpuMs, eventKinds, workflowTaskMsPerRun, workflowTaskProfile } from './engine-profile.js';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    steps: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs);
const STEPS = Number(args.steps);
const CONCURRENCY = Number(args.concurrency);
const WARMUP = Number(args.warmup);
const noop = defineStep('bench.noop', z.object({}), async () => ({}));
const quiet = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as never;

interface Sample {
  ms: number;
  handle: WorkflowHandle;
}

/** Runs `count` workflows, at most `concurrency` at a time; each sample is start → result. */
async function batch(count: number, concurrency: number, start: (i: number) => Promise<WorkflowHandle>): Promise<{ wallMs: number; samples: Sample[]; cpu: { workerMs: number; childrenMs: number } }> {
  const samples: Sample[] = [];
  let next = 0;
  const cpu0 = process.cpuUsage();
  const children0 = childrenCpuMs();
  const began = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const handle = await start(i);
        await handle.result();
        samples.push({ ms: performance.now() - t0, handle });
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { wallMs: performance.now() - began, samples, cpu: { workerMs: (cpu.user + cpu.system) / 1000, childrenMs: childrenCpuMs() - children0 } };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
async function summarize(name: string, result: Awaited<ReturnType<typeof batch>>) {
  const histories = await Promise.all(result.samples.map((s) => s.handle.fetchHistory()));
  const latencies = result.samples.map((s) => s.ms);
  return {
    name,
    runs: result.samples.length,
    throughput: result.samples.length / (result.wallMs / 1000),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    workerCpuMs: result.cpu.workerMs / result.samples.length,
    childrenCpuMs: result.cpu.childrenMs / result.samples.length,
    events: histories.reduce((a, h) => a + (h.events?.length ?? 0), 0) / histories.length,
    workflowTaskMs: workflowTaskMsPerRun(histories),
    profile: activityProfile(histories),
    eventKinds: eventKinds(histories),
    taskProfile: workflowTaskProfile(histories),
  };
}

async function run(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const env = { ...readEnv(), FERRY_HOME: home };
  process.stderr.write('starting the stack (dev server + PGlite unless TEMPORAL_ADDRESS / DATABASE_URL) and bundling…\n');
  const stack = await startStack({ env, persistent: false, headless: true });
  const repo = makeRepo({ 'README.md': 'bench\n' });
  const connections: { close(): Promise<void> }[] = [];
  try {
    installRuntime();
    const [ferryBundle, plainBundle] = await Promise.all([
      bundleWorkflowCode({ workflowsPath, ...workflowBundlerOptions, logger: quiet }),
      bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('./plain-workflows.ts', import.meta.url)), logger: quiet }),
    ]);
    const db = stack.database.db;
    const deps: ActivityDeps = { db, store: createFileStore(join(home, 'artifacts')), config: configFrom({ steps: [noop] }), home, cwd: repo };
    const activities = { ...createActivities(deps), benchNoop: async () => undefined };
    const suffix = randomBytes(3).toString('hex');
    const ferryQueue = `bench-ferry-${suffix}`;
    const plainQueue = `bench-plain-${suffix}`;
    const workerConnection = await NativeConnection.connect({ address: stack.temporalAddress });
    connections.push(workerConnection);
    const ferryWorker = await Worker.create({ connection: workerConnection, taskQueue: ferryQueue, activities, workflowBundle: ferryBundle, interceptors: { activity: [failureInterceptors] } });
    const plainWorker = await Worker.create({ connection: workerConnection, taskQueue: plainQueue, activities, workflowBundle: plainBundle, interceptors: { activity: [failureInterceptors] } });
    const connection = await Connection.connect({ address: stack.temporalAddress });
    connections.push(connection);
    const client = new Client({ connection, namespace: stack.namespace });

    const stepIds = Array.from({ length: STEPS }, (_, i) => `noop-${i + 1}`);
    const loaded = parsePipeline(definePipeline({ name: 'bench', build: stepIds.map((id) => step(id, 'bench.noop')) }), 'bench.ts');
    const commit = await resolveCommit(repo, 'HEAD');
    const plainSteps = loaded.spec.build.map((s) => ({ stage: 'build', step: s, repo, commit, datasets: [], pipelineParams: {}, seed: 0 }));

    const startFerry = (tag: string) => (i: number) => startRun(client, loaded, { taskQueue: ferryQueue, trigger: 'bench', workflowId: `bench-ferry-${tag}-${suffix}-${i}` });
    const startPlain = (tag: string) => async (i: number) => {
      const workflowId = `bench-plain-${tag}-${suffix}-${i}`;
      // step_runs references runs: the row Ferry's recordRunStarted would write, inserted untimed before the start.
      await db.insert(runs).values({ workflowId, temporalRunId: '-', pipeline: 'bench-plain', specHash: '-', spec: {}, trigger: 'bench', status: 'running' });
      return client.workflow.start('plainSteps', { taskQueue: plainQueue, workflowId, args: [{ steps: plainSteps }] });
    };
    const startNoop = (tag: string) => (i: number) => client.workflow.start('plainNoop', { taskQueue: plainQueue, workflowId: `bench-noop-${tag}-${suffix}-${i}`, args: [{ count: STEPS }] });

    // Workers run in the background and are shut down explicitly once every batch is measured.
    const running = [ferryWorker.run(), plainWorker.run()];
    let measured: Summary[];
    try {
      process.stderr.write(`warm-up: ${WARMUP} runs of each\n`);
      await batch(WARMUP, CONCURRENCY, startFerry('warm'));
      await batch(WARMUP, CONCURRENCY, startPlain('warm'));
      await batch(WARMUP, CONCURRENCY, startNoop('warm'));
      process.stderr.write(`measuring: ${RUNS} runs × ${STEPS} no-op steps, concurrency ${CONCURRENCY}\n`);
      const ferry = await summarize('ferry', await batch(RUNS, CONCURRENCY, startFerry('run')));
      process.stderr.write('  ferry done\n');
      const plain = await summarize('plain (runStep)', await batch(RUNS, CONCURRENCY, startPlain('run')));
      process.stderr.write('  plain done\n');
      const floor = await summarize('plain (empty activity)', await batch(RUNS, CONCURRENCY, startNoop('run')));
      process.stderr.write('  floor done\n');
      measured = [ferry, plain, floor];
    } finally {
      ferryWorker.shutdown();
      plainWorker.shutdown();
      await Promise.all(running);
    }
    const [ferry, plain, floor] = measured;
    report(ferry!, plain!, floor!);
  } finally {
    for (const c of connections.reverse()) await c.close().catch(() => undefined);
    await stack.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(repo, { recursive: true, force: true });
  }
}

type Summary = Awaited<ReturnType<typeof summarize>>;

function report(ferry: Summary, plain: Summary, floor: Summary): void {
  const ratios = {
    throughput: ferry.throughput / plain.throughput,
    p50: ferry.p50 / plain.p50,
    p95: ferry.p95 / plain.p95,
  };
  // Issue #19's targets: p50 Ferry/plain ≤ ×1.10, Ferry/floor ≤ ×2.0, history events Ferry − plain ≤ +6.
  const targets = { p50: 1.1, floor: 2.0, events: 6 };
  const floorRatio = ferry.p50 / floor.p50;
  const extraEvents = ferry.events - plain.events;
  const met = { p50: ratios.p50 <= targets.p50, floor: floorRatio <= targets.floor, events: extraEvents <= targets.events };
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ runs: RUNS, steps: STEPS, concurrency: CONCURRENCY, ferry, plain, floor, ratios: { ...ratios, floor: floorRatio, extraEvents }, targets, met }, null, 2)}\n`);
    return;
  }
  const out = (line = '') => process.stdout.write(`${line}\n`);
  const fmt = (n: number, d = 1) => n.toFixed(d);
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  out(`engine benchmark: ${RUNS} runs × ${STEPS} no-op function steps, concurrency ${CONCURRENCY}`);
  out();
  out('| configuration | runs/s | p50 ms | p95 ms | history events/run | workflow-task ms/run | CPU ms/run: this process | dev server + git |');
  out('|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of [ferry, plain, floor]) out(`| ${s.name} | ${fmt(s.throughput, 2)} | ${fmt(s.p50)} | ${fmt(s.p95)} | ${fmt(s.events)} | ${fmt(s.workflowTaskMs)} | ${fmt(s.workerCpuMs, 0)} | ${fmt(s.childrenCpuMs, 0)} |`);
  out();
  out(`Ferry/plain: throughput ×${fmt(ratios.throughput, 3)}, p95 latency ×${fmt(ratios.p95, 3)}`);
  out(`p50 Ferry/plain ×${fmt(ratios.p50, 2)} (target ≤ ×${targets.p50}: ${verdict(met.p50)}); p50 Ferry/floor ×${fmt(floorRatio, 2)} (target ≤ ×${targets.floor}: ${verdict(met.floor)}); events Ferry − plain +${fmt(extraEvents, 0)} (target ≤ +${targets.events}: ${verdict(met.events)})`);
  out();
  out('History events per run by kind (ferry | plain):');
  out();
  out('| event | ferry | plain |');
  out('|---|---:|---:|');
  for (const kind of new Set([...Object.keys(ferry.eventKinds), ...Object.keys(plain.eventKinds)])) out(`| ${kind} | ${fmt(ferry.eventKinds[kind] ?? 0)} | ${fmt(plain.eventKinds[kind] ?? 0)} |`);
  out();
  out('Where a Ferry run spends its activity time (scheduled → completed, from the histories):');
  out();
  out('| activity | calls/run | mean ms | ms/run |');
  out('|---|---:|---:|---:|');
  for (const p of ferry.profile) out(`| ${p.activity} | ${fmt(p.perRun)} | ${fmt(p.meanMs)} | ${fmt(p.totalMsPerRun)} |`);
  out();
  out('Ferry\'s workflow tasks, in order (scheduled → completed, mean; a task\'s local activities run inside it):');
  out();
  out('| task | mean ms | recorded | plain mean ms |');
  out('|---:|---:|---|---:|');
  for (const t of ferry.taskProfile) out(`| ${t.task} | ${fmt(t.meanMs)} | ${t.recorded} | ${plain.taskProfile[t.task - 1] ? fmt(plain.taskProfile[t.task - 1]!.meanMs) : ''} |`);
  const plainStep = plain.profile.find((p) => p.activity === 'runStep');
  if (plainStep) out(`| (plain) runStep | ${fmt(plainStep.perRun)} | ${fmt(plainStep.meanMs)} | ${fmt(plainStep.totalMsPerRun)} |`);
}

run().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:engine: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
