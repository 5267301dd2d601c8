/**
 * The delayed-label check computes the metric the spec names (issue 17, "Metrics for every model kind"): an F1 bound
 * and an RMSE bound each roll production back when broken, and not on a window where only exact-match accuracy (what
 * the check computed before, whatever the spec said) would have been broken.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliases, monitorChecks } from '../../src/db/schema/index.js';
import type { PipelineInput } from '../../src/core/spec.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { modelNames, predictAndLabel, runPipeline, startHarness, stopMonitor, undrifted, type Harness } from './harness.js';

const base = { every: '2s', minLabeledShare: 0.8, onBreach: 'rollback' as const, minRows: 30, cooldown: '1m' };

describe.each(backends())('metric bounds of every model kind roll back ($name)', (backend) => {
  const { classifier, regressor } = modelNames('metric', ['classifier', 'regressor'] as const);
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(backend, [classifier], [regressor]);
  });
  afterAll(async () => {
    await stopMonitor(h, classifier);
    await stopMonitor(h, regressor);
    await h?.close();
  });

  const aliasOf = async (model: string) =>
    (await h.database.db.select({ version: aliases.version }).from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, 'production'))))[0]?.version;
  const performance = async (model: string) =>
    (await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, 'performance')))).sort((a, b) => a.id - b.id);

  /** Two versions in production, v2 live under `monitor`; then `window` is judged and the rollback is awaited after `breaking`. */
  async function prove(model: string, monitor: PipelineInput['monitor'], kept: (output: unknown, i: number) => unknown, breaking: (output: unknown, i: number) => unknown) {
    const options = { deploy: [{ env: 'production' }], monitor };
    expect((await runPipeline(h, model, 0.8, options)).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect((await runPipeline(h, model, 0.9, options)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });
    // A window where exact-match accuracy is broken but the named metric holds: judged, recorded, no action.
    expect(await predictAndLabel(h, model, undrifted(200), kept)).toBe(2);
    const [held] = await waitFor(async () => ((await performance(model)).length ? performance(model) : undefined), 60_000, `${model}: the first window's verdict`);
    expect(held).toMatchObject({ version: 2, breached: false });
    expect(await aliasOf(model)).toBe(2);
    // A window that breaks it: production goes back to v1.
    expect(await predictAndLabel(h, model, undrifted(40), breaking)).toBe(2);
    await waitFor(async () => ((await aliasOf(model)) === 1 ? true : undefined), 60_000, `${model}: the rollback to v1`);
    const checks = await performance(model);
    expect(checks.map((c) => c.breached)).toEqual([false, true]);
    const action = await waitFor(async () => (await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, 'action'))))[0], 15_000, `${model}: the action record`);
    expect(action).toMatchObject({ version: 2, action: 'rollback', result: { from: 2, to: 1 } });
    return checks.map((c) => c.result as { accuracy?: number; metrics: { metric: string; value: number; breached: boolean }[] });
  }

  it('an F1 bound (of class "big") and an RMSE bound each roll back when broken, not when only accuracy is', async () => {
    // Classifier: 200 rows, 90 predicted big. Kept window: every "big" answer right, 43 "small" answers really big:
    // F1(big) = 180 / 223 = 0.807 ≥ 0.8 while accuracy = 157 / 200 = 0.785 < 0.8. Breaking window: every answer wrong.
    let fnCount = 0;
    const flip = (o: unknown) => ((o as { label: string }).label === 'big' ? 'small' : 'big');
    const f1 = prove(
      classifier,
      { ...base, minMetric: { metric: 'f1', min: 0.8, class: 'big' }, predictionField: 'label' },
      (o) => {
        const said = (o as { label: string }).label;
        return said === 'small' && (fnCount += 1) <= 43 ? 'big' : said;
      },
      flip,
    );
    // Regressor: answers 2x. Kept window: truth 2x + 0.5 (RMSE 0.5 ≤ 1, but not one exact match: accuracy 0).
    // Breaking window: truth 2x + 3 (RMSE 3).
    const rmse = prove(
      regressor,
      { ...base, maxMetric: { metric: 'rmse', max: 1 }, predictionField: 'value' },
      (o) => (o as { value: number }).value + 0.5,
      (o) => (o as { value: number }).value + 3,
    );
    const [f1Checks, rmseChecks] = await Promise.all([f1, rmse]);
    expect(f1Checks[0]).toMatchObject({ accuracy: 0.785, metrics: [{ metric: 'f1', value: expect.closeTo(180 / 223, 9), breached: false }] });
    expect(f1Checks[1]).toMatchObject({ accuracy: 0, metrics: [{ metric: 'f1', value: 0, breached: true }] });
    expect(rmseChecks[0]).toMatchObject({ accuracy: 0, metrics: [{ metric: 'rmse', value: expect.closeTo(0.5, 9), breached: false }] });
    expect(rmseChecks[1]).toMatchObject({ metrics: [{ metric: 'rmse', value: expect.closeTo(3, 9), breached: true }] });
  }, 240_000);
});
