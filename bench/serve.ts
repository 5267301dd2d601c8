/**
 * `npm run bench:serve`: predictions per second through Ferry's model server with prediction logging on, from a load
 * generator on loopback (a worker thread with keep-alive connections), then close and check that no log record was lost.
 * Writes BENCHMARKS.serve.md. Env: BENCH_REQUESTS (20000), BENCH_CONCURRENCY (32), DATABASE_URL (else embedded PGlite).
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { count, eq } from 'drizzle-orm';
import { configFrom } from '../src/config.js';
import { createDatabase } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { models, modelVersions, predictions, servingRoutes } from '../src/db/schema/index.js';
import { definePredictor } from '../src/dsl/config.js';
import { createModelServer } from '../src/serve/index.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const MODEL = 'bench-linear';

// The load generator: plain JS in a worker thread, so it does not share the server's event loop.
const loadGenerator = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, requests, concurrency } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
let next = 0, ok = 0, failed = 0;
const latencies = [];
function one(i) {
  return new Promise((resolve) => {
    const body = JSON.stringify({ inputs: [{ x: i % 1000, y: (i * 7) % 13 }] });
    const started = performance.now();
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/models/${MODEL}/predict', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-request-id': 'bench-' + i } }, (res) => {
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

async function run(): Promise<void> {
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
  const database = createDatabase(process.env.DATABASE_URL ?? embedded!.url);
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-serve-'));
  try {
    await migrateDatabase(database.db);
    const { db } = database;
    await db.delete(predictions).where(eq(predictions.model, MODEL));
    const artifact = join(dir, 'model.json');
    writeFileSync(artifact, JSON.stringify({ weights: { x: 0.5, y: -1.25 }, bias: 3 }));
    await db.insert(models).values({ name: MODEL }).onConflictDoNothing();
    await db
      .insert(modelVersions)
      .values({ model: MODEL, version: 1, metrics: {}, sourceWorkflowId: `bench-${Date.now()}`, pipeline: 'bench', specHash: 'bench', commit: '0'.repeat(40), params: {}, seed: 0, artifactSha256: '0'.repeat(64), artifactUri: pathToFileURL(artifact).href })
      .onConflictDoNothing();
    await db.insert(servingRoutes).values({ model: MODEL, env: 'production', routes: [{ version: 1, percent: 100 }] }).onConflictDoNothing();
    const linear = definePredictor(MODEL, (file) => {
      const m = JSON.parse(readFileSync(file, 'utf8')) as { weights: Record<string, number>; bias: number };
      return (rows) => rows.map((r) => Object.entries(m.weights).reduce((sum, [k, w]) => sum + w * Number(r[k] ?? 0), m.bias));
    });
    const server = await createModelServer({ db, config: configFrom({ predictors: [linear] }), port: 0 });
    const port = Number(new URL(server.url).port);
    process.stderr.write(`bench:serve — ${REQUESTS} requests, concurrency ${CONCURRENCY}, ${embedded ? 'embedded PGlite' : 'DATABASE_URL'}\n`);
    const result = await new Promise<{ ok: number; failed: number; seconds: number; p50: number; p99: number }>((resolve, reject) => {
      const worker = new Worker(loadGenerator, { eval: true, workerData: { port, requests: REQUESTS, concurrency: CONCURRENCY } });
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const atEnd = server.stats().predictionLog;
    const closeStarted = performance.now();
    await server.close();
    const closeMs = performance.now() - closeStarted;
    const stats = server.stats().predictionLog;
    const [row] = await db.select({ n: count() }).from(predictions).where(eq(predictions.model, MODEL));
    const rows = row!.n;
    const lost = result.ok + result.failed - rows - stats.dropped;
    const m = machine();
    const rps = result.ok / result.seconds;
    const report = `# Model server benchmark (\`npm run bench:serve\`)

Predictions per second through \`POST /v1/models/<name>/predict\` with prediction logging on, from a load generator on
loopback (a worker thread of the same process, keep-alive connections), one record per request; then \`close()\` and a
count of the logged rows.

| figure | value |
|---|---|
| requests | ${REQUESTS} (concurrency ${CONCURRENCY}) |
| succeeded / failed | ${result.ok} / ${result.failed} |
| wall time | ${result.seconds.toFixed(2)} s |
| **predictions per second** | **${rps.toFixed(0)}** |
| latency p50 / p99 | ${result.p50.toFixed(2)} ms / ${result.p99.toFixed(2)} ms |
| log queued when the load ended | ${atEnd.queued} |
| close() (drain + final flush) | ${closeMs.toFixed(0)} ms |
| rows in \`predictions\` | ${rows} |
| dropped (queue bound) | ${stats.dropped} |
| **lost log records** | **${lost}** |
| database | ${embedded ? 'embedded PGlite over the wire protocol (same process)' : 'PostgreSQL at DATABASE_URL'} |

Machine: ${m.cpus} CPUs, ${m.model}; Node ${m.node}; ${new Date().toISOString()}; load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' / ')}
(other processes included: compare runs only at similar load).
The server, the load generator and (with PGlite) the database share these CPUs, so the figure is a floor for one process.
`;
    writeFileSync('BENCHMARKS.serve.md', report);
    process.stdout.write(report);
    if (lost !== 0) throw new Error(`${lost} prediction log records were lost`);
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

run().catch((err: Error) => {
  process.stderr.write(`bench:serve: ${err.message}\n`);
  process.exit(1);
});
