/**
 * Performance before labels arrive (issue 17, item 3): the monitor's `estimatedMetric` rule estimates a binary
 * classifier's accuracy, precision, recall and F1 with CBPE, and acts on it. Driven through the real model server and
 * the real monitor workflow with NannyML 0.13's own fixture (test/metrics/fixtures/cbpe.json, from
 * scripts/make-cbpe-fixture.py): the reference period is served and labelled, then analysis chunks are served without
 * labels. The model is a pass-through (each input row carries the fixture's score and predicted class), so what the
 * monitor sees is exactly what NannyML saw. Stated tolerance: 1e-9 absolute, as in test/metrics/cbpe.test.ts.
 * Its submission checks are in test/metrics/sklearn.test.ts, beside the other metric rules'.
 */
import { readFileSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aliases, monitorChecks } from '../../src/db/schema/index.js';
import { definePredictor } from '../../src/dsl/ferry-config.js';
import { listIncidents } from '../../src/incidents/index.js';
import { backends } from '../helpers/db.js';
import { waitFor } from '../helpers/cli.js';
import { modelNames, predict, runPipeline, sendFeedback, startHarness, stopMonitor, type Harness } from './harness.js';

interface Fixture {
  reference: { y_pred_proba: number[]; y_pred: number[]; y_true: number[] };
  analysis: { y_pred_proba: number[]; y_pred: number[] };
  chunks: { start: number; end: number; accuracy: number; f1: number; precision: number; recall: number }[];
}
const fixture = JSON.parse(readFileSync(new URL('../metrics/fixtures/cbpe.json', import.meta.url), 'utf8')) as Fixture;
const TOLERANCE = 1e-9;
const METRICS = ['accuracy', 'precision', 'recall', 'f1'] as const;

/** Rows the pass-through model answers: x for the drift check (distributed like the training reference), score and class. */
const rows = (scores: number[], predicted: number[]) => scores.map((score, i) => ({ x: (i % 20) / 2, score, pred: predicted[i]! }));

/** Labels for analysis rows drawn as the fixture drew its own (y = 1 with probability score²), from a fixed seed. */
function drawLabels(scores: number[], seed: number): number[] {
  let a = seed;
  const uniform = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return scores.map((s) => (uniform() < s * s ? 1 : 0));
}

describe.each(backends())('the monitor estimates performance before labels arrive ($name)', (backend) => {
  const { model } = modelNames('estimate', ['model'] as const);
  let h: Harness;
  beforeAll(async () => {
    // A pass-through classifier: the predicted class and its score come in with the row.
    const passThrough = definePredictor(model, () => (input) => input.map((row) => ({ label: Number(row.pred), p: Number(row.score) })), { labelField: 'label' });
    h = await startHarness(backend, [passThrough]);
  });
  afterAll(async () => {
    await stopMonitor(h, model);
    await h?.close();
  });

  const checks = async (kind: string) =>
    (await h.database.db.select().from(monitorChecks).where(and(eq(monitorChecks.model, model), eq(monitorChecks.kind, kind)))).sort((a, b) => a.id - b.id);
  const aliasOf = async () => (await h.database.db.select({ version: aliases.version }).from(aliases).where(and(eq(aliases.model, model), eq(aliases.alias, 'production'))))[0]?.version;
  type Estimated = { metrics: { label: string; value: number; breached: boolean; n: number; calibratedOn: number; error?: string; estimate?: Record<(typeof METRICS)[number], number> }[] };
  /** The estimate recorded for a window of `n` predictions calibrated on `calibratedOn` labels. */
  const estimateFor = (n: number, calibratedOn: number, what: string) =>
    waitFor(async () => (await checks('estimated-performance')).find((c) => (c.result as Estimated).metrics[0]?.n === n && (c.result as Estimated).metrics[0]?.calibratedOn === calibratedOn), 60_000, what);

  /** Serves `inputs` to production in one request (one log batch, so one monitor window); returns the request ids. */
  async function serve(inputs: Record<string, unknown>[], tag: string) {
    const requestIds = inputs.map((_, i) => `${model}-${tag}-${i}`);
    const sent = await predict(h, model, inputs, requestIds);
    expect(sent.status).toBe(200);
    expect(sent.body.version).toBe(2);
    return requestIds;
  }

  it('matches NannyML CBPE on its fixture within 1e-9, reports the estimate beside the realised metric, and rolls back on it', async () => {
    const monitor = {
      every: '2s',
      minRows: 100,
      // Accuracy: every window of the reference is estimated ≥ 0.77, analysis chunks 1–2 at 0.767 / 0.778, chunks 3–4 at 0.687 / 0.703.
      estimatedMetric: { metric: 'accuracy' as const, min: 0.74, class: 1 },
      scoreField: 'p',
      predictionField: 'label',
      minMetric: { metric: 'accuracy' as const, min: 0 },
      minLabeledShare: 0.8,
      maxDriftShare: 1,
      onBreach: 'rollback' as const,
      cooldown: '1m',
    };
    const options = { deploy: [{ env: 'production' }], monitor };
    expect((await runPipeline(h, model, 0.8, options)).result).toMatchObject({ state: 'succeeded', modelVersion: 1 });
    expect((await runPipeline(h, model, 0.9, options)).result).toMatchObject({ state: 'succeeded', modelVersion: 2 });

    // The reference period, served and labelled: what the estimates are calibrated on.
    const ref = fixture.reference;
    const refIds = await serve(rows(ref.y_pred_proba, ref.y_pred), 'reference');
    expect((await sendFeedback(h, refIds.map((requestId, i) => ({ requestId, label: ref.y_true[i] })))).accepted).toBe(2000);
    await waitFor(async () => ((await checks('performance')).reduce((n, c) => n + (c.result as { labeled: number }).labeled, 0) === 2000 ? true : undefined), 60_000, 'the reference judged');

    // Chunk 1 without labels: the monitor's estimate is NannyML's, every metric, within 1e-9.
    const [chunk1, , chunk3] = fixture.chunks as [Fixture['chunks'][number], unknown, Fixture['chunks'][number]];
    const slice = (c: typeof chunk1) => ({ scores: fixture.analysis.y_pred_proba.slice(c.start, c.end + 1), predicted: fixture.analysis.y_pred.slice(c.start, c.end + 1) });
    const first = slice(chunk1);
    const chunkIds = await serve(rows(first.scores, first.predicted), 'chunk1');
    const early = ((await estimateFor(500, 2000, 'the estimate of chunk 1')).result as Estimated).metrics[0]!;
    expect(early).toMatchObject({ label: 'estimated accuracy of 1', breached: false });
    for (const metric of METRICS) expect(Math.abs(early.estimate![metric] - chunk1[metric]), metric).toBeLessThan(TOLERANCE);
    expect(await aliasOf()).toBe(2);

    // Its labels arrive: the realised metric is judged, with the estimate made before them beside it.
    const labels = drawLabels(first.scores, 17);
    expect((await sendFeedback(h, chunkIds.map((requestId, i) => ({ requestId, label: labels[i] })))).accepted).toBe(500);
    const realised = await waitFor(async () => (await checks('performance')).find((c) => (c.result as { estimated?: { value: number } }).estimated?.value === early.value), 60_000, 'chunk 1 judged on its labels');
    const right = labels.filter((y, i) => y === first.predicted[i]).length;
    expect(realised.result).toMatchObject({ labeled: 500, accuracy: right / 500, estimated: { label: 'estimated accuracy of 1', value: early.value } });

    // Chunk 3 (scores shifted up): the estimate breaks the bound before any label, and production goes back to v1.
    const third = slice(chunk3);
    await serve(rows(third.scores, third.predicted), 'chunk3');
    const breach = ((await estimateFor(500, 2500, 'the estimate of chunk 3')).result as Estimated).metrics[0]!;
    expect(breach.breached).toBe(true);
    expect(breach.value).toBeLessThan(0.74);
    // Calibrated on 2,500 labels now (the reference and chunk 1), so near NannyML's 0.687 rather than equal to it.
    expect(Math.abs(breach.value - chunk3.accuracy)).toBeLessThan(0.02);
    await waitFor(async () => ((await aliasOf()) === 1 ? true : undefined), 60_000, 'the rollback to v1');
    const [action] = await waitFor(async () => ((await checks('action')).length ? checks('action') : undefined), 15_000, 'the action record');
    expect(action).toMatchObject({ version: 2, action: 'rollback', result: { from: 2, to: 1 } });
    const [incident] = await listIncidents(h.database.db, { model });
    expect(incident).toMatchObject({ kind: 'estimated-performance', summary: expect.stringMatching(/estimated accuracy of 1 0\.\d{3} over 500 prediction\(s\), calibrated on 2500 label\(s\) \(min 0\.74\)/) });
  }, 240_000);
});
