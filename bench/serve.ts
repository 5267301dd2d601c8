/**
 * `npm run bench:serve`: predictions per second through Ferry's model server with prediction logging on, from a load
 * generator on loopback (a worker thread with keep-alive connections), for the in-process JS backend and for a real
 * MLServer behind the gateway; then close and check that no log record was lost. Writes BENCHMARKS.serve.md.
 * Env: BENCH_REQUESTS (20000, JS), BENCH_MLSERVER_REQUESTS (3000), BENCH_CONCURRENCY (32), DATABASE_URL (else PGlite).
 */
import { execSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { count, eq } from 'drizzle-orm';
import { createFileStore } from '../src/artifacts/store.js';
import { configFrom, type LoadedConfig } from '../src/dsl/load-config.js';
import type { Db } from '../src/db/client.js';
import { createMlserverTarget } from '../src/deploy/mlserver.js';
import { verifyDeployment } from '../src/deploy/target.js';
import { startMlserver, type MlserverInstance } from '../src/mlserver/server.js';
import { MLSERVER_VERSION } from '../src/mlserver/requirements.js';
import { createDatabase } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { models, modelVersions, predictions, servingRoutes } from '../src/db/schema/index.js';
import { definePredictor } from '../src/dsl/ferry-config.js';
import { createModelServer } from '../src/serve/index.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MODEL = 'bench-linear';
const MLSERVER_MODEL = 'bench-iris';
/** MLServer answers far fewer per second than an in-process predictor: fewer requests keep the run short. */
const MLSERVER_REQUESTS = Number(process.env.BENCH_MLSERVER_REQUESTS ?? 3000);

// The load generator: plain JS in a worker thread, so it does not share the server's event loop.
const loadGenerator = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, requests, concurrency, path, kind, prefix } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
let next = 0, ok = 0, failed = 0;
const latencies = [];
function one(i) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ inputs: [kind === 'iris'
      ? { sepal_length: 4.5 + (i % 30) / 10, sepal_width: 2 + (i % 20) / 10, petal_length: 1 + (i % 50) / 10, petal_width: 0.1 + (i % 25) / 10 }
      : { x: i % 1000, y: (i * 7) % 13 }] });
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path, agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': prefix + i } }, (res) => {
      res.resume();
      res.on('end', () => { latencies.push(performance.now() - started); res.statusCode === 200 ? ok++ : failed++; resolve(); });
    });
    req.on('error', () => { failed++; resolve(); });
    req.end(body);
  });
}
(async () => {
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => { while (next < requests) await one(next++); }));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  parentPort.postMessage({ ok, failed, seconds, p50: q(0.5), p99: q(0.99) });
})();
`;

function machine(): { cpus: string; model: string; node: string } {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return { cpus: sh('nproc'), model: sh("lscpu | grep 'Model name'").replace(/^Model name:\s*/, ''), node: process.version };
}

interface Figures {
  backend: string;
  ok: number;
  failed: number;
  seconds: number;
  p50: number;
  p99: number;
  queuedAtEnd: number;
  closeMs: number;
  rows: number;
  dropped: number;
  lost: number;
}

/** Drives `requests` predictions at `model` through a fresh gateway, closes it, and counts the logged rows. */
async function measure(db: Db, backend: string, model: string, kind: 'linear' | 'iris', config: LoadedConfig, requests: number): Promise<Figures> {
  await db.delete(predictions).where(eq(predictions.model, model));
  const server = await createModelServer({ db, config, port: 0 });
  const port = Number(new URL(server.url).port);
  process.stderr.write(`bench:serve — ${backend}: ${requests} requests, concurrency ${CONCURRENCY}\n`);
  const result = await new Promise<{ ok: number; failed: number; seconds: number; p50: number; p99: number }>((resolve, reject) => {
    const worker = new Worker(loadGenerator, { eval: true, workerData: { port, requests, concurrency: CONCURRENCY, path: `/v1/models/${model}/predict`, kind, prefix: `${model}-${Date.now()}-` } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const queuedAtEnd = server.stats().predictionLog.queued;
  const closeStarted = performance.now();
  await server.close();
  const closeMs = performance.now() - closeStarted;
  const stats = server.stats().predictionLog;
  const [row] = await db.select({ n: count() }).from(predictions).where(eq(predictions.model, model));
  const rows = row!.n;
  // Every answered request is a row, or counted as dropped by the queue bound; anything else is lost.
  return { backend, ...result, queuedAtEnd, closeMs, rows, dropped: stats.dropped, lost: result.ok + result.failed - rows - stats.dropped };
}

async function register(db: Db, model: string, artifact: { uri: string; sha256: string }): Promise<void> {
  await db.insert(models).values({ name: model }).onConflictDoNothing();
  await db
    .insert(modelVersions)
    .values({ model, version: 1, metrics: {}, sourceWorkflowId: `bench-${model}-${Date.now()}`, pipeline: 'bench', specHash: 'bench', commit: '0'.repeat(40), params: {}, seed: 0, artifactSha256: artifact.sha256, artifactUri: artifact.uri })
    .onConflictDoNothing();
}

/** The JS backend: a linear model predicted in-process. */
async function jsBackend(db: Db, dir: string): Promise<LoadedConfig> {
  const artifact = join(dir, 'model.json');
  writeFileSync(artifact, JSON.stringify({ weights: { x: 0.5, y: -1.25 }, bias: 3 }));
  await register(db, MODEL, { uri: pathToFileURL(artifact).href, sha256: '0'.repeat(64) });
  await db.insert(servingRoutes).values({ model: MODEL, env: 'production', routes: [{ version: 1, percent: 100 }] }).onConflictDoNothing();
  const linear = definePredictor(MODEL, (file) => {
    const m = JSON.parse(readFileSync(file, 'utf8')) as { weights: Record<string, number>; bias: number };
    return (rows) => rows.map((r) => Object.entries(m.weights).reduce((sum, [k, w]) => sum + w * Number(r[k] ?? 0), m.bias));
  });
  return configFrom({ predictors: [linear] });
}

/** MLServer: the Python example's scikit-learn model, trained with MLServer's own libraries, deployed by the mlserver target. */
async function mlserverBackend(db: Db, dir: string, mlserver: MlserverInstance, config: LoadedConfig): Promise<void> {
  const out = join(dir, 'iris');
  const trained = spawnSync(mlserver.python!, ['pipelines/iris-python/train.py'], { env: { ...process.env, FERRY_OUTPUT_DIR: out, FERRY_SEED: '7' }, encoding: 'utf8' });
  if (trained.status !== 0) throw new Error(`train.py failed: ${trained.stderr}`);
  const store = createFileStore(join(dir, 'artifacts'));
  await register(db, MLSERVER_MODEL, await store.put(join(out, 'model')));
  // The target verifies through a gateway: one serves while it deploys, then the measured one starts from the routes.
  const gateway = await createModelServer({ db, config, port: 0, refreshMs: 100 });
  try {
    const target = createMlserverTarget({ db, store, serveUrl: gateway.url, mlserver: async () => mlserver });
    await verifyDeployment(target, { model: MLSERVER_MODEL, version: 1, env: 'production', routes: [{ version: 1, percent: 100 }] }, { attempts: 50 });
  } finally {
    await gateway.close();
  }
}

function table(f: Figures): string {
  return `| ${f.backend} | ${f.ok} / ${f.failed} | ${f.seconds.toFixed(2)} s | **${(f.ok / f.seconds).toFixed(0)}** | ${f.p50.toFixed(2)} / ${f.p99.toFixed(2)} ms | ${f.queuedAtEnd} | ${f.closeMs.toFixed(0)} ms | ${f.rows} | ${f.dropped} | **${f.lost}** |`;
}

async function run(): Promise<void> {
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const database = createDatabase(process.env.DATABASE_URL ?? embedded!.url);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-serve-'));
  let mlserver: MlserverInstance | undefined;
  try {
    await migrateDatabase(database.db);
    const { db } = database;
    const figures: Figures[] = [];
    // One config for both: the JS model's predictor; the MLServer model needs none (its backend is V2).
    const config = await jsBackend(db, dir);
    figures.push(await measure(db, 'in-process JS predictor', MODEL, 'linear', config, REQUESTS));
    mlserver = await startMlserver({ dir: join(dir, 'mlserver') });
    await mlserverBackend(db, dir, mlserver, config);
    figures.push(await measure(db, `MLServer ${MLSERVER_VERSION} (scikit-learn, V2 over HTTP)`, MLSERVER_MODEL, 'iris', config, MLSERVER_REQUESTS));
    const m = machine();
    const report = `# Model server benchmark (\`npm run bench:serve\`)

Predictions per second through the gateway's \`POST /v1/models/<name>/predict\` with prediction logging on, from a
load generator on loopback (a worker thread of the same process, keep-alive connections, concurrency ${CONCURRENCY}),
one record per request; then \`close()\` and a count of the logged rows. The MLServer backend is a real MLServer
(started by Ferry on 127.0.0.1, one process, in-process inference) serving the Python example's scikit-learn model;
the gateway calls its V2 \`/infer\` per request.

| backend | succeeded / failed | wall time | predictions/s | p50 / p99 | log queued at end | close() | rows logged | dropped | lost log records |
|---|---|---|---|---|---|---|---|---|---|
${figures.map(table).join('\n')}

Database: ${embedded ? 'embedded PGlite over the wire protocol (same process)' : 'PostgreSQL at DATABASE_URL'}.
Machine: ${m.cpus} CPUs, ${m.model}; Node ${m.node}; ${new Date().toISOString()}; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' / ')}
(other processes included: compare runs only at similar load).
The gateway, the load generator, MLServer and (with PGlite) the database share these CPUs, so the figures are floors.
`;
    writeFileSync('BENCHMARKS.serve.md', report);
    process.stdout.write(report);
    const lost = figures.filter((f) => f.lost !== 0);
    if (lost.length) throw new Error(`prediction log records were lost: ${lost.map((f) => `${f.backend}: ${f.lost}`).join('; ')}`);
  } finally {
    await mlserver?.stop();
    await database.close();
    await embedded?.stop();
  }
}

run().catch((err: Error) => {
  process.stderr.write(`bench:serve: ${err.message}\n`);
  process.exit(1);
});
