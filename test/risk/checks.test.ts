import { describe, expect, it } from 'vitest';
import { risk, riskCheckSchema } from '../../src/core/risk.js';
import { evaluateRiskChecks } from '../../src/risk/evaluate.js';
import { fixture, type ImportanceFixture, treeModel } from './model.js';

const ref = fixture<ImportanceFixture>('importance.json');
const model = treeModel(ref.tree);
const ctx = { predict: model.predict, predictProba: model.predictProba, rows: ref.rows, labels: ref.labels, features: ref.features, seed: 0 };

describe('risk check declarations', () => {
  it('builders give descriptors the schema accepts, with defaults filled in', () => {
    expect(riskCheckSchema.parse(risk.importance())).toEqual({ kind: 'importance', metric: 'accuracy', repeats: 5 });
    expect(riskCheckSchema.parse(risk.calibration({ maxEce: 0.1 }))).toEqual({ kind: 'calibration', bins: 10, maxEce: 0.1 });
    expect(riskCheckSchema.parse(risk.robustness({ perturbations: [{ kind: 'noise', features: ['x'] }], maxFlipRate: 0.1 }))).toEqual({
      kind: 'robustness',
      perturbations: [{ kind: 'noise', features: ['x'], scale: 0.1 }],
      maxFlipRate: 0.1,
    });
    expect(riskCheckSchema.parse(risk.fairness({ attribute: 'island', minGroupAccuracy: 0.8 }))).toEqual({ kind: 'fairness', attribute: 'island', minGroupAccuracy: 0.8 });
  });

  it('rejects bad declarations naming the field and the fix', () => {
    const bad = riskCheckSchema.safeParse({ kind: 'fairness', attribute: 'island', maxDemographicParityDiff: 1.5 });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['maxDemographicParityDiff'], message: 'expected a number ≤ 1' });
    const empty = riskCheckSchema.safeParse({ kind: 'robustness', perturbations: [{ kind: 'missing', features: [] }], maxFlipRate: 0.1 });
    expect(empty.error!.issues[0]).toMatchObject({ path: ['perturbations', 0, 'features'], message: 'expected at least one feature name' });
    expect(riskCheckSchema.safeParse({ kind: 'importance', repeat: 3 }).success).toBe(false);
  });
});

describe('evaluateRiskChecks', () => {
  it('a fairness bound that the model breaks fails naming the group and the value', async () => {
    const evaluation = await evaluateRiskChecks([risk.fairness({ attribute: 'island', positiveClass: 'Gentoo', maxDemographicParityDiff: 0.2 })], ctx);
    expect(evaluation.passed).toBe(false);
    const [result] = evaluation.results;
    expect(result).toMatchObject({ check: 'fairness(island)', passed: false, group: 'Biscoe', bound: 0.2 });
    expect(result!.value).toBeCloseTo(0.6538, 4);
    expect(result!.message).toBe('fairness(island): demographic parity difference = 0.6538 > max 0.2; selection rate ("Biscoe" 0.6538 vs "Torgersen" 0)');
  });

  it('a group accuracy bound names the failing group, its accuracy and the bound', async () => {
    const { results, passed } = await evaluateRiskChecks([risk.fairness({ attribute: 'sex', minGroupAccuracy: 0.97 })], ctx);
    expect(passed).toBe(false);
    const failed = results.filter((r) => !r.passed);
    expect(failed.length).toBeGreaterThan(0);
    for (const r of failed) expect(r.message).toMatch(new RegExp(`^fairness\\(sex\\): accuracy of group "${r.group}" = 0\\.\\d+ < min 0\\.97 \\(\\d+ rows\\)$`));
  });

  it('one-vs-rest equalized odds names the class and groups with the largest gap', async () => {
    const { results } = await evaluateRiskChecks([risk.fairness({ attribute: 'island', maxEqualizedOddsDiff: 0.1 })], ctx);
    expect(results[0]!.passed).toBe(false);
    expect(results[0]!.message).toMatch(/^fairness\(island\): equalized odds difference = [\d.]+ > max 0\.1; (TPR|FPR) \(largest for class "\w+": "\w+" [\d.]+ vs "\w+" [\d.]+\)$/);
  });

  it('passing bounds pass, and checks without bounds report without failing', async () => {
    const evaluation = await evaluateRiskChecks(
      [risk.importance({ repeats: 3, minTop: 0.1 }), risk.fairness({ attribute: 'island' }), risk.calibration(), risk.robustness({ perturbations: [{ kind: 'noise', features: ['body_mass_g'], scale: 0.5 }], maxFlipRate: 0 })],
      ctx,
    );
    expect(evaluation.results.map((r) => [r.check, r.passed])).toEqual([
      ['importance', true],
      ['fairness(island)', true],
      ['calibration', true],
      ['robustness', true],
    ]);
    expect(evaluation.results[0]).toMatchObject({ feature: 'flipper_length_mm', bound: 0.1 });
    expect(evaluation.reports.importance!.features).toHaveLength(4);
    expect(evaluation.reports.fairness[0]!.attribute).toBe('island');
    expect(evaluation.reports.calibration!.table).toHaveLength(10);
    expect(evaluation.reports.robustness[0]!.maxFlipRate).toBe(0);
  });

  it('permutation importance is reproducible for a seed through the checks (same numbers twice)', async () => {
    const run = () => evaluateRiskChecks([risk.importance({ repeats: 4, seed: 11 })], ctx);
    const a = await run();
    const b = await run();
    expect(b.reports.importance).toEqual(a.reports.importance);
    expect(a.reports.importance!.seed).toBe(11);
  });

  it('uses the pipeline seed when a check declares none', async () => {
    const a = await evaluateRiskChecks([risk.importance({ repeats: 2 })], { ...ctx, seed: 5 });
    expect(a.reports.importance!.seed).toBe(5);
  });

  it('a robustness bound broken names the perturbation, the features, the value and the bound', async () => {
    const { results } = await evaluateRiskChecks([risk.robustness({ perturbations: [{ kind: 'missing', features: ['flipper_length_mm'] }], maxFlipRate: 0.05 })], ctx);
    expect(results[0]).toMatchObject({ check: 'robustness', passed: false, feature: 'flipper_length_mm', bound: 0.05 });
    expect(results[0]!.message).toMatch(/^robustness: flip rate under missing\(flipper_length_mm\) = 0\.\d+ > max 0\.05 \(\d+ of 60 predictions changed\)$/);
  });

  it('an ECE bound broken names the value and the bound', async () => {
    const { results } = await evaluateRiskChecks([risk.calibration({ bins: 5, maxEce: 0.001 })], ctx);
    expect(results[0]).toMatchObject({ check: 'calibration', passed: false, bound: 0.001 });
    expect(results[0]!.message).toMatch(/^calibration: expected calibration error = 0\.\d+ > max 0\.001 \(5 bins\)$/);
  });

  it('a minTop the model does not reach fails naming the top feature', async () => {
    const { results } = await evaluateRiskChecks([risk.importance({ repeats: 2, minTop: 0.9 })], ctx);
    expect(results[0]!.message).toMatch(/^importance: top feature "flipper_length_mm" drops accuracy by 0\.\d+ < min 0\.9$/);
  });

  it('fails a calibration check when the model has no probabilities, and an unknown attribute, saying what to do', async () => {
    const { predictProba: _ignored, ...noProba } = ctx;
    const { results } = await evaluateRiskChecks([risk.calibration(), risk.fairness({ attribute: 'colour' })], noProba);
    expect(results.map((r) => r.passed)).toEqual([false, false]);
    expect(results[0]!.message).toMatch(/give its predictor a predictProba or remove the calibration check/);
    expect(results[1]!.message).toBe('fairness(colour): the evaluation rows have no column "colour"; add it to the held-out data or fix the attribute name');
  });

  it('rejects an invalid check with its index and field', async () => {
    await expect(evaluateRiskChecks([risk.importance(), { kind: 'calibration', bins: 0 }], ctx)).rejects.toThrow(/^evaluate\.checks\[1\]: bins: expected at least 1 bin$/);
  });
});
