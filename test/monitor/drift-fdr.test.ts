import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorChecks } from '../../src/db/schema/index.js';
import { definePipeline, step } from '../../src/dsl/define.js';
import { defineStep } from '../../src/dsl/ferry-config.js';
import { parsePipeline } from '../../src/dsl/load.js';
import { startRun } from '../../src/runs/start.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { modelNames, predict, startHarness, stopMonitor, type Harness } from './harness.js';

const FEATURES = Array.from({ length: 40 }, (_, j) => `f${j}`);

/** A model trained on 40 features, each uniform on 0, 0.05, …, 9.95: the reference every window is tested against. */
const wideTrain = defineStep('fdr.train', z.object({}), async (ctx) => {
  writeFileSync(join(ctx.outputDir, 'model.json'), JSON.stringify({ quality: 1 }));
  const rows = Array.from({ length: 200 }, (_, i) => FEATURES.map(() => i / 20).join(','));
  writeFileSync(join(ctx.outputDir, 'reference.csv'), `${FEATURES.join(',')}\n${rows.join('\n')}\n`);
  return { metrics: { accuracy: 1 }, artifacts: { model: 'model.json', reference: 'reference.csv' } };
});

/**
 * 60 predictions drawn from the reference's own distribution (a fixed LCG, seed 1): noise only. Uncorrected, one of the
 * 40 features passes ks at p < 0.05 by chance; with Benjamini–Hochberg none does (src/drift/fdr.ts).
 */
function noiseWindow(): Record<string, number>[] {
  let s = 1;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: 60 }, () => Object.fromEntries(FEATURES.map((f) => [f, Math.floor(rnd() * 200) / 20])));
}

describe.each(backends())('Benjamini–Hochberg across a many-feature window ($name)', (backend) => {
  const { plain, fdr } = modelNames('fdr', ['plain', 'fdr'] as const);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, [plain, fdr], [], {}, [wideTrain]);
  });
  afterAll(async () => {
    await stopMonitor(h, plain);
    await stopMonitor(h, fdr);
    await h?.close();
  });

  const deploy = async (model: string, monitor: Record<string, unknown>) => {
    const loaded = parsePipeline(definePipeline({ name: model, model, owner: 'alice', train: step('train', 'fdr.train', {}), deploy: [{ env: 'production' }], monitor: { every: '2s', minRows: 30, onBreach: 'alert', ...monitor } }), `${model}.ts`);
    const handle = await startRun(h.client, loaded, { taskQueue: h.taskQueue, trigger: 'cli', triggeredBy: 'alice' });
    expect(await handle.result()).toMatchObject({ state: 'succeeded', modelVersion: 1 });
  };
  const driftCheck = (model: string) =>
    waitFor(async () => (await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, 'drift'))))[0], 45_000, `${model}'s drift check`);

  it('a noise-only window of 40 features breaches uncorrected (any drifted feature) and does not with driftFdr 0.05', async () => {
    // maxDriftShare 0.02: one drifted feature of 40 is a breach, the strictest monitor a team could write.
    await deploy(plain, { maxDriftShare: 0.02 });
    await deploy(fdr, { maxDriftShare: 0.02, driftFdr: 0.05 });
    expect(await predict(h, plain, noiseWindow())).toMatchObject({ status: 200 });
    expect(await predict(h, fdr, noiseWindow())).toMatchObject({ status: 200 });

    const uncorrected = await driftCheck(plain);
    expect(uncorrected).toMatchObject({ breached: true, result: { drifted: [expect.any(String)] } });
    const controlled = await driftCheck(fdr);
    expect(controlled).toMatchObject({ breached: false, result: { drifted: [], driftedShare: 0 } });
    // The feature that crossed p < 0.05 alone has an adjusted p-value at or above the rate.
    const feature = (uncorrected!.result as { drifted: string[] }).drifted[0]!;
    expect((controlled!.result as { statistics: Record<string, number> }).statistics[feature]).toBe((uncorrected!.result as { statistics: Record<string, number> }).statistics[feature]);
  });
});
