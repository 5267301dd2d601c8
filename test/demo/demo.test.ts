import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';
import { readEnv } from '../../src/settings.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createDatabase } from '../../src/db/client.js';
import { aliasHistoryOf } from '../../src/registry/index.js';
import { verifyAuditChain } from '../../src/audit/index.js';
import { screenshot } from '../../src/provision/chromium.js';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { createMlflowClient, type MlflowClient } from '../../src/mlflow/client.js';
import { startMlflowServer, type MlflowServer } from '../../src/mlflow/server.js';
import { aliases as aliasTable, runs as runTable } from '../../src/db/schema/index.js';
import { ferryBin } from '../helpers/cli.js';

/** Sums a metric's samples in Prometheus text, e.g. all `ferry_runs_finished_total{…}` lines. */
function metricTotal(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

// The flagship demo as `npm run demo` runs it (own Temporal dev server, persistent PGlite in FERRY_HOME/demo), twice.
// With MLFLOW_TRACKING_URI set (a real MLflow server from PyPI, in the cached venv), the demo's runs, versions and
// alias moves are mirrored into MLflow too.
describe('npm run demo', () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-demo-'));
  const demoHome = join(home, 'demo');
  let mlflowServer: MlflowServer;
  const env = { ...readEnv({ ...process.env, TEMPORAL_ADDRESS: '', DATABASE_URL: '', MLFLOW_TRACKING_URI: '' }), FERRY_HOME: home };
  beforeAll(async () => {
    mlflowServer = await startMlflowServer({ dir: join(home, 'mlflow') });
    env.MLFLOW_TRACKING_URI = mlflowServer.url;
  }, 900_000);
  afterAll(async () => {
    await mlflowServer?.stop();
  });
  const lines: string[] = [];
  let first: DemoResult;
  const scrapes: { worker: string; serve: string }[] = [];

  // The two tests that run a whole demo get its own room: on a busy 2-core machine one demo (two runs, two approvals,
  // a canary of minimum requests per step, a monitor's rollback) takes longer than the suite's default 120 s.
  it('ends with production serving v1 after v2 is rolled back, alias history and a verified audit chain', async () => {
    let polling: ReturnType<typeof setInterval> | undefined;
    first = await runDemo({
      env,
      say: (line) => lines.push(line),
      onStarted: (urls) => {
        polling = setInterval(() => {
          void Promise.all([fetch(urls.metrics).then((r) => r.text()), fetch(`${urls.serve}/metrics`).then((r) => r.text())])
            .then(([worker, serve]) => scrapes.push({ worker, serve }))
            .catch(() => undefined);
        }, 2000);
      },
      beforeStop: async (urls) => {
        const [worker, serve] = await Promise.all([fetch(urls.metrics).then((r) => r.text()), fetch(`${urls.serve}/metrics`).then((r) => r.text())]);
        scrapes.push({ worker, serve });
      },
    });
    clearInterval(polling);
    expect(first.production).toBe(1);
    expect(first.runs.map((r) => r.version)).toEqual([1, 2]);
    expect(first.auditOk).toBe(true);
    const output = lines.join('\n');
    expect(output).toMatch(/FERRY_TOKEN=<dana's token> npx ferry approve penguins-\S+ --env staging/);
    expect(output).toContain('The monitor found the drift and rolled production back: v1 serves again.');
    expect(output).not.toMatch(/^\s+at /m);
    // Its data stays in its own home, and it says how to open it again.
    expect(output).toContain(`Explore: FERRY_HOME=${demoHome} npx ferry dev`);

    // The persisted registry, read back after the demo stopped.
    const pg = await startEmbeddedPostgres({ dataDir: join(demoHome, 'pgdata') });
    const database = createDatabase(pg.url);
    try {
      const history = (await aliasHistoryOf(database.db, 'penguins', 'production')).map((m) => [m.fromVersion, m.toVersion, m.actor]);
      expect(history).toEqual([
        [null, 1, 'alex'],
        [1, 2, 'alex'],
        [2, 1, 'ferry-monitor'],
      ]);
      expect((await verifyAuditChain(database.db)).ok).toBe(true);
    } finally {
      await database.close();
      await pg.stop();
    }
  }, 600_000);

  it('leaves every run, both versions and the alias moves in MLflow, tagged with their approvers', async () => {
    const mlflow = createMlflowClient({ trackingUri: mlflowServer.url });
    const experiment = await mlflow.experimentId('penguins');
    for (const run of first.runs) {
      const found = await mlflow.findRuns(experiment, 'ferry.run_id', run.workflowId);
      expect(found, run.workflowId).toHaveLength(1);
      const params = Object.fromEntries(found[0]!.data.params.map((p) => [p.key, p.value]));
      expect(params).toMatchObject({ seed: expect.any(String), trees: expect.any(String) });
      expect(found[0]!.data.metrics.map((m) => m.key)).toContain('accuracy');
      expect(found[0]!.info.status).toBe('FINISHED');
    }
    const versions = await mlflow.modelVersions('penguins');
    const ferryVersion = (v: { tags: { key: string; value: string }[] }) => v.tags.find((t) => t.key === 'ferry.version')?.value;
    expect(versions.map(ferryVersion).sort()).toEqual(['1', '2']);
    const registered = (await mlflow.registeredModel('penguins'))!;
    const byMlflowVersion = new Map(versions.map((v) => [v.version, v]));
    const aliasOn = (alias: string) => byMlflowVersion.get(registered.aliases.find((a) => a.alias === alias)!.version)!;
    // Ferry's aliases, read back from its database, are where MLflow shows them.
    const pg = await startEmbeddedPostgres({ dataDir: join(demoHome, 'pgdata') });
    const database = createDatabase(pg.url);
    try {
      const ferryAliases = await database.db.select().from(aliasTable);
      expect(ferryAliases.map((a) => a.alias).sort()).toEqual(['production', 'staging']);
      for (const a of ferryAliases) expect(ferryVersion(aliasOn(a.alias)), a.alias).toBe(String(a.version));
    } finally {
      await database.close();
      await pg.stop();
    }
    expect(ferryVersion(aliasOn('production'))).toBe('1');
    const tag = (v: { tags: { key: string; value: string }[] }, key: string) => v.tags.find((t) => t.key === key)?.value;
    expect(tag(aliasOn('production'), 'ferry.alias.production.move')).toMatch(/v2 → v1 by ferry-monitor: .*rollback.*audit #\d+/);
    expect(tag(aliasOn('staging'), 'ferry.alias.staging.approvers')).toBe('dana');
  });

  it('mirrors once into a fresh MLflow across a SIGKILL in the middle of its writes, without duplicates, and reports an alias moved by hand', async () => {
    const second = await startMlflowServer({ dir: join(home, 'mlflow-2') });
    // A slow HTTP relay in front of the real server, so the kill lands between two of the mirror's writes.
    const seen: string[] = [];
    let delayMs = 150; // until the kill; then the relay only passes requests on
    const relay: Server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      const upstream = new URL(second.url);
      setTimeout(() => {
        const out = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        out.on('error', () => res.destroy());
        req.pipe(out);
      }, delayMs);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const relayUrl = `http://127.0.0.1:${(relay.address() as { port: number }).port}`;
    const pg = await startEmbeddedPostgres({ dataDir: join(demoHome, 'pgdata') });
    const database = createDatabase(pg.url);
    const childEnv = { ...process.env, FERRY_HOME: demoHome, DATABASE_URL: pg.url, TEMPORAL_ADDRESS: '', MLFLOW_TRACKING_URI: relayUrl };
    const sync = (extra: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [ferryBin, 'mlflow', 'sync'], { env: { ...childEnv, ...extra } });
        let out = '';
        child.stdout.on('data', (b: Buffer) => (out += b.toString()));
        child.stderr.on('data', (b: Buffer) => (out += b.toString()));
        child.on('exit', (code) => resolve({ code, out }));
      });
    try {
      const killed = new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, [ferryBin, 'mlflow', 'sync'], { env: childEnv, stdio: 'ignore' });
        const poll = setInterval(() => {
          if (seen.some((s) => s.includes('model-versions/create'))) {
            clearInterval(poll);
            child.kill('SIGKILL');
            delayMs = 0;
          }
        }, 20);
        child.on('exit', (code, signal) => {
          clearInterval(poll);
          resolve(signal === 'SIGKILL' ? -9 : code);
        });
      });
      expect(await killed).toBe(-9); // killed mid-pass: runs written, versions being written, aliases not yet
      const mlflow: MlflowClient = createMlflowClient({ trackingUri: second.url });
      expect((await mlflow.registeredModel('penguins'))?.aliases ?? []).toEqual([]);

      const resumed = await sync();
      expect(resumed.code, resumed.out).toBe(0);
      expect((await sync()).out).toMatch(/runs 2 \(0 created, 0 updated\) · versions 2 \(0 created\) · aliases 2 \(0 moved, 0 restored\)/);
      const experiment = await mlflow.experimentId('penguins');
      const ferryRuns = await database.db.select({ id: runTable.workflowId }).from(runTable);
      for (const run of ferryRuns) expect(await mlflow.findRuns(experiment, 'ferry.run_id', run.id), run.id).toHaveLength(1);
      const versions = await mlflow.modelVersions('penguins');
      expect(versions).toHaveLength(2);

      // Someone points production at v2 in MLflow's UI: reported, not followed; restored when the policy says so.
      const v2 = versions.find((v) => v.tags.some((t) => t.key === 'ferry.version' && t.value === '2'))!;
      await mlflow.setAlias('penguins', 'production', v2.version);
      const reported = await sync();
      expect(reported.out).toContain('drift: penguins@production is on MLflow version 2, Ferry has v1');
      expect((await mlflow.registeredModel('penguins'))!.aliases).toContainEqual({ alias: 'production', version: v2.version });
      const restored = await sync({ FERRY_MLFLOW_ALIAS_DRIFT: 'restore' });
      expect(restored.out).toContain('1 restored');
      expect((await mlflow.registeredModel('penguins'))!.aliases).not.toContainEqual({ alias: 'production', version: v2.version });
    } finally {
      relay.close();
      await database.close();
      await pg.stop();
      await second.stop();
    }
  });

  it('exposes Ferry metrics on the worker and the model server, and their values move', () => {
    expect(scrapes.length).toBeGreaterThan(3);
    const last = scrapes[scrapes.length - 1]!;
    for (const name of ['ferry_runs_started_total', 'ferry_stage_duration_seconds_count', 'ferry_rollbacks_total', 'ferry_drift_statistic']) expect(last.worker, name).toContain(name);
    expect(metricTotal(last.worker, 'ferry_runs_started_total')).toBeGreaterThan(metricTotal(scrapes[0]!.worker, 'ferry_runs_started_total'));
    expect(metricTotal(last.serve, 'ferry_predictions_total')).toBeGreaterThan(metricTotal(scrapes[0]!.serve, 'ferry_predictions_total'));
    expect(metricTotal(last.worker, 'ferry_rollbacks_total')).toBeGreaterThan(0);
  });

  it('writes a drift report whose histograms render in headless Chromium', async () => {
    expect(first.driftReport).toBeDefined();
    const html = readFileSync(first.driftReport!, 'utf8');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(6);
    const shot = join(home, 'drift.png');
    await screenshot(first.driftReport!, { out: shot, width: 1000, height: 1400 });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1000, 1400]);
    // Bars in two colours make a much larger image than a blank page of the same size (about 5 KB).
    expect(statSync(shot).size).toBeGreaterThan(40_000);
  });

  it("renders the example's model card with importance, per-group fairness, robustness and calibration", async () => {
    expect(first.modelCard).toBeDefined();
    const html = readFileSync(first.modelCard!, 'utf8');
    for (const text of ['importance', 'fairness(island)', 'fairness(sex)', 'robustness', 'calibration', 'Torgersen', 'Intended use']) expect(html, text).toContain(text);
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(3);
    const shot = join(home, 'card.png');
    await screenshot(first.modelCard!, { out: shot, width: 1200, height: 3000 });
    expect(statSync(shot).size).toBeGreaterThan(80_000);
  });

  it("runs again in a row, starting from an empty demo home and saying so, without touching the user's runs", async () => {
    // What `ferry dev` keeps for the user lives in FERRY_HOME itself: the demo must leave it alone.
    mkdirSync(join(home, 'runs', 'churn-1'), { recursive: true });
    writeFileSync(join(home, 'runs', 'churn-1', 'train.log'), 'the user\'s run');
    const again: string[] = [];
    const second = await runDemo({ env, say: (line) => again.push(line) });
    expect(again[0]).toBe(`Starting from an empty ${demoHome} (the previous demo's data was removed; 'npm run demo -- --keep' keeps it).`);
    expect(readFileSync(join(home, 'runs', 'churn-1', 'train.log'), 'utf8')).toBe("the user's run");
    expect(second.production).toBe(1);
    expect(second.auditOk).toBe(true);
  }, 600_000);
});
