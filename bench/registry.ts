/**
 * `npm run bench:registry`: lineage-query time for a model with 1,000 versions (with datasets, edges, approvals,
 * deployments and alias moves) and `verifyAuditChain` time over 100,000 records, on PGlite and — when DATABASE_URL is
 * set — on a real PostgreSQL server (in a scratch database, dropped afterwards). Targets: lineage < 50 ms (median of
 * 50), verify 100k < 5 s. Writes BENCHMARKS.registry.md.
 *
 *   npx tsx bench/registry.ts [--versions 1000] [--records 100000] [--runs 50] [--out BENCHMARKS.registry.md]
 */
import { execSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { auditHash, auditKey, auditMac, GENESIS_HASH, verifyAuditChain } from '../src/audit/index.js';
import { createDatabase, type Database, type Db } from '../src/db/client.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { aliasHistory, approvals, artifacts, datasets, deployments, experiments, lineageEdges, models, modelVersions, runs } from '../src/db/schema/index.js';
import { lineageOf } from '../src/lineage/index.js';
import { sha } from '../test/registry/fixtures.js';

const { values: args } = parseArgs({
  options: {
    versions: { type: 'string', default: '1000' },
    records: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '50' },
    out: { type: 'string', default: 'BENCHMARKS.registry.md' },
  },
});
const VERSIONS = Number(args.versions);
const RECORDS = Number(args.records);
const RUNS = Number(args.runs);
const MODEL = 'bench-model';

/** Inserts rows in chunks that stay under Postgres' 65,535 bind-parameter limit. */
async function insertChunked<T>(rows: T[], size: number, insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/** One model with VERSIONS versions, each with 3 datasets, a parent run, 2 approvals, 2 deployments and an alias move. */
async function seedRegistry(db: Db): Promise<void> {
  await db.insert(models).values({ name: MODEL, owner: 'bench' });
  const versions = Array.from({ length: VERSIONS }, (_, i) => i + 1);
  const run = (v: number) => `wf-bench-${v}`;
  const artifact = (v: number) => sha(`artifact ${v}`);
  const commit = (v: number) => sha(`commit ${v}`).slice(0, 40);
  await insertChunked(versions, 500, (c) => db.insert(artifacts).values(c.map((v) => ({ sha256: artifact(v), uri: `file:///bench/${v}`, kind: 'model', size: 1000 + v }))));
  await insertChunked(versions, 500, (c) =>
    db.insert(runs).values(c.map((v) => ({ workflowId: run(v), temporalRunId: `t-${v}`, pipeline: MODEL, model: MODEL, specHash: sha('spec'), spec: { repo: { path: '/srv/bench' } }, trigger: 'push', status: 'succeeded', commit: commit(v) }))),
  );
  await insertChunked(versions, 500, (c) =>
    db.insert(experiments).values(c.map((v) => ({ workflowId: run(v), pipeline: MODEL, params: { trees: v % 100, depth: v % 7 }, seed: v, metrics: { accuracy: 0.8 + (v % 100) / 1000 }, commit: commit(v) }))),
  );
  await insertChunked(versions, 400, (c) =>
    db.insert(modelVersions).values(
      c.map((v) => ({
        model: MODEL,
        version: v,
        status: 'approved',
        metrics: { accuracy: 0.8 + (v % 100) / 1000, f1: 0.7 },
        gates: [{ gate: 'min(accuracy)', passed: true, message: 'ok' }],
        sourceWorkflowId: run(v),
        pipeline: MODEL,
        specHash: sha('spec'),
        commit: commit(v),
        params: { trees: v % 100, depth: v % 7 },
        seed: v,
        artifactSha256: artifact(v),
        artifactUri: `file:///bench/${v}`,
      })),
    ),
  );
  const datasetRows = versions.flatMap((v) => ['train', 'valid', 'test'].map((name) => ({ name, uri: `data/${name}.csv`, sha256: sha(`${name} ${v}`), rows: 1000 })));
  const stored: { id: number; sha256: string }[] = [];
  await insertChunked(datasetRows, 1000, async (c) => stored.push(...(await db.insert(datasets).values(c).returning({ id: datasets.id, sha256: datasets.sha256 }))));
  const datasetId = new Map(stored.map((d) => [d.sha256, d.id]));
  const edges = versions.flatMap((v) => [
    { fromKind: 'commit', fromId: commit(v), toKind: 'run', toId: run(v), relation: 'checked-out' },
    ...['train', 'valid', 'test'].map((name) => ({ fromKind: 'dataset', fromId: String(datasetId.get(sha(`${name} ${v}`))), toKind: 'run', toId: run(v), relation: 'used' })),
    ...(v > 1 ? [{ fromKind: 'run', fromId: run(v - 1), toKind: 'run', toId: run(v), relation: 'triggered' }] : []),
    { fromKind: 'run', fromId: run(v), toKind: 'artifact', toId: artifact(v), relation: 'produced' },
    { fromKind: 'artifact', fromId: artifact(v), toKind: 'model-version', toId: `${MODEL}@${v}`, relation: 'packaged-as' },
    { fromKind: 'run', fromId: run(v), toKind: 'model-version', toId: `${MODEL}@${v}`, relation: 'registered' },
    { fromKind: 'model-version', fromId: `${MODEL}@${v}`, toKind: 'deployment', toId: `d-${v}`, relation: 'deployed-as' },
  ]);
  await insertChunked(edges, 2000, (c) => db.insert(lineageEdges).values(c.map((e) => ({ ...e, workflowId: e.toKind === 'run' ? e.toId : e.fromId }))));
  await insertChunked(versions, 500, (c) =>
    db.insert(approvals).values(c.flatMap((v) => ['staging', 'production'].map((env) => ({ workflowId: run(v), env, approver: `approver-${v % 5}`, decision: 'approve', via: 'cli', idempotencyKey: `${run(v)}/${env}` })))),
  );
  await insertChunked(versions, 500, (c) =>
    db.insert(deployments).values(
      c.flatMap((v) => ['staging', 'production'].map((env) => ({ model: MODEL, version: v, env, target: 'local', strategy: 'canary', status: 'superseded', trafficPercent: 100, workflowId: run(v), idempotencyKey: `${run(v)}/deploy-${env}` }))),
    ),
  );
  await insertChunked(versions, 500, (c) =>
    db.insert(aliasHistory).values(c.map((v) => ({ model: MODEL, alias: 'production', fromVersion: v > 1 ? v - 1 : null, toVersion: v, actor: 'bench', reason: 'bench', idempotencyKey: `alias-${v}` }))),
  );
  await db.execute(sql`insert into aliases (model, alias, version) values (${MODEL}, 'production', ${VERSIONS})`);
  await db.execute(sql`analyze`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

async function timeLineage(db: Db): Promise<{ median: number; p95: number }> {
  for (let i = 0; i < 5; i++) await lineageOf(db, MODEL, 1 + i); // warm the pool and the plan cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const version = 1 + ((i * 7919) % VERSIONS);
    const start = performance.now();
    const lineage = await lineageOf(db, MODEL, version);
    times.push(performance.now() - start);
    if (lineage?.upstream.datasets.length !== 3 || lineage.approvals.length !== 2 || lineage.downstream.deployments.length !== 2) {
      throw new Error(`lineage of ${MODEL}@${version} is incomplete: the seed or the query is wrong`);
    }
  }
  return { median: median(times), p95: p95(times) };
}

/**
 * RECORDS audit records, chained in app code with the hash formula appendAudit uses, inserted 5,000 at a time
 * through `unnest` of column arrays (twelve bind parameters per batch instead of one per value).
 */
async function seedAudit(pool: pg.Pool): Promise<number> {
  const start = performance.now();
  let prevHash = GENESIS_HASH;
  const base = Date.UTC(2025, 0, 1);
  const BATCH = 5_000;
  for (let first = 1; first <= RECORDS; first += BATCH) {
    const cols: unknown[][] = Array.from({ length: 13 }, () => []);
    const key = auditKey()!;
    for (let seq = first; seq < Math.min(first + BATCH, RECORDS + 1); seq++) {
      const content = {
        seq,
        at: new Date(base + seq * 1000),
        actor: `user-${seq % 17}`,
        action: seq % 3 ? 'alias.moved' : 'deployment.started',
        subjectKind: 'alias',
        subjectId: `${MODEL}@production`,
        workflowId: `wf-${seq % 1000}`,
        temporalRunId: null,
        reason: seq % 5 ? null : 'scheduled',
        details: { model: MODEL, toVersion: seq % VERSIONS, nested: { a: [1, 2, 3], b: 'x' } },
      };
      const hash = auditHash(prevHash, content);
      const values = [seq, content.at.toISOString(), content.actor, content.action, content.subjectKind, content.subjectId, content.workflowId, content.temporalRunId, content.reason, JSON.stringify(content.details), prevHash, hash, auditMac(key, { seq, prevHash, hash })];
      values.forEach((v, i) => cols[i]!.push(v));
      prevHash = hash;
    }
    await pool.query(
      `insert into audit_log (seq, at, actor, action, subject_kind, subject_id, workflow_id, temporal_run_id, reason, details, prev_hash, hash, mac)
       select * from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::jsonb[], $11::text[], $12::text[], $13::text[])`,
      cols,
    );
  }
  return performance.now() - start;
}

async function timeVerify(db: Db): Promise<{ ms: number; checked: number }> {
  const start = performance.now();
  const result = await verifyAuditChain(db);
  const ms = performance.now() - start;
  if (!result.ok || result.checked !== RECORDS) throw new Error(`verify failed on an intact chain: ${JSON.stringify(result.firstBroken)}`);
  return { ms, checked: result.checked };
}

/** Indexes recommended in the report for lineage lookups by target node, approvals by run and deployments by version. */
const RECOMMENDED_INDEXES = [
  sql`create index if not exists lineage_edges_to_idx on lineage_edges (to_kind, to_id)`,
  sql`create index if not exists approvals_workflow_idx on approvals (workflow_id)`,
  sql`create index if not exists deployments_model_version_idx on deployments (model, version)`,
  sql`create index if not exists alias_history_model_alias_idx on alias_history (model, alias)`,
];

interface Result {
  backend: string;
  lineage: { median: number; p95: number };
  lineageIndexed: { median: number; p95: number };
  seedAuditMs: number;
  verify: { ms: number; checked: number };
}

async function benchmark(backend: string, database: Database): Promise<Result> {
  const { db } = database;
  await migrateDatabase(db);
  process.stderr.write(`${backend}: seeding ${VERSIONS} versions…\n`);
  await seedRegistry(db);
  const lineage = await timeLineage(db);
  for (const statement of RECOMMENDED_INDEXES) await db.execute(statement);
  await db.execute(sql`analyze`);
  const lineageIndexed = await timeLineage(db);
  process.stderr.write(`${backend}: chaining and inserting ${RECORDS} audit records…\n`);
  const seedAuditMs = await seedAudit(database.pool);
  await db.execute(sql`analyze audit_log`);
  const verify = await timeVerify(db);
  return { backend, lineage, lineageIndexed, seedAuditMs, verify };
}

async function onPglite(): Promise<Result> {
  const server = await startEmbeddedPostgres();
  const database = createDatabase(server.url);
  try {
    return await benchmark('PGlite 0.5.14 (wire protocol)', database);
  } finally {
    await database.close();
    await server.stop();
  }
}

async function onPostgres(url: string): Promise<Result> {
  const name = `ferry_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const version = (await admin.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
  await admin.query(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const database = createDatabase(target.toString());
  try {
    return await benchmark(`PostgreSQL ${version.split(' ')[0]}`, database);
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(2)} ms`);
const verdict = (ok: boolean) => (ok ? 'pass' : 'MISS');

function machine(): string[] {
  const run = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return [`- date: ${new Date().toISOString()}`, `- nproc: ${run('nproc')}`, `- cpu: ${run("lscpu | grep 'Model name' | sed 's/Model name:[ ]*//'")}`, `- node: ${process.version}`, `- load average at the end (1/5/15 min; the machine is shared): ${loadavg().map((l) => l.toFixed(2)).join(' / ')}`];
}

async function main(): Promise<void> {
  const results = [await onPglite()];
  if (process.env.DATABASE_URL) results.push(await onPostgres(process.env.DATABASE_URL));
  const table = [
    `| backend | lineage median (p95), ${VERSIONS} versions, schema indexes | same with recommended indexes | verify ${RECORDS.toLocaleString('en')} records | insert chain | lineage < 50 ms | verify < 5 s |`,
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.backend} | ${fmt(r.lineage.median)} (${fmt(r.lineage.p95)}) | ${fmt(r.lineageIndexed.median)} (${fmt(r.lineageIndexed.p95)}) | ${fmt(r.verify.ms)} | ${fmt(r.seedAuditMs)} | ${verdict(r.lineage.median < 50)} | ${verdict(r.verify.ms < 5000)} |`,
    ),
  ];
  process.stdout.write(`${table.join('\n')}\n`);
  const doc = [
    '# Registry benchmarks',
    '',
    'Produced by `npm run bench:registry` (`bench/registry.ts`). Lineage: `lineageOf` for one version of a model with',
    `${VERSIONS} versions (3 datasets, a parent run, 8 edges, 2 approvals, 2 deployments and an alias move each), median and p95`,
    `of ${RUNS} queries over different versions. Verify: \`verifyAuditChain\` over ${RECORDS.toLocaleString('en')} records chained with the`,
    'production hash formula, read in keyset batches of 5,000. "Recommended indexes" adds the indexes proposed for the',
    'schema (lineage_edges (to_kind, to_id), approvals (workflow_id), deployments (model, version), alias_history (model, alias)).',
    '',
    ...machine(),
    '',
    ...table,
    '',
  ].join('\n');
  writeFileSync(args.out!, doc);
  process.stderr.write(`wrote ${args.out}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench:registry: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
