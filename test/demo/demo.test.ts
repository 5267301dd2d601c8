import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo, type DemoResult } from '../../src/demo/run-demo.js';
import { readEnv } from '../../src/settings.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createDatabase } from '../../src/db/client.js';
import { aliasHistoryOf } from '../../src/registry/index.js';
import { verifyAuditChain } from '../../src/audit/index.js';
import { screenshot } from '../../src/provision/chromium.js';

/** Sums a metric's samples in Prometheus text, e.g. all `ferry_runs_finished_total{…}` lines. */
function metricTotal(text: string, name: string): number {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

// The flagship demo as `npm run demo` runs it (own Temporal dev server, persistent PGlite in FERRY_HOME/demo), twice.
describe('npm run demo', () => {
  const home = mkdtempSync(join(tmpdir(), 'ferry-demo-'));
  const demoHome = join(home, 'demo');
  const env = { ...readEnv({ ...process.env, TEMPORAL_ADDRESS: '', DATABASE_URL: '' }), FERRY_HOME: home };
  const lines: string[] = [];
  let first: DemoResult;
  const scrapes: { worker: string; serve: string }[] = [];

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
  });
});
