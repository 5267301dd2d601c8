import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../src/dsl/load.js';
import { checkPolicies, loadPolicies } from '../../src/policy/index.js';
import definition from '../../pipelines/penguins.js';
import { predictor } from '../../pipelines/penguins/predictor.js';
import { evaluate, train, trainParams } from '../../pipelines/penguins/steps.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('pipelines/penguins.ts', () => {
  const { spec } = parsePipeline(definition, 'pipelines/penguins.ts');

  it('is a valid pipeline spec with the lifecycle of the flagship example', () => {
    expect(spec).toMatchObject({ name: 'penguins', model: 'penguins', seed: 42, params: { trees: 50, testShare: 0.25 } });
    expect(spec.datasets).toEqual([{ name: 'penguins', path: 'pipelines/penguins/data/penguins.csv' }]);
    expect(spec.evaluate?.gates.map((g) => g.kind)).toEqual(['min', 'no-regression']);
    expect(spec.deploy.map((d) => [d.env, d.strategy.kind, d.approval?.groups])).toEqual([
      ['staging', 'all-at-once', ['ml-leads']],
      ['production', 'canary', ['ml-leads']],
    ]);
    expect(spec.monitor).toMatchObject({ every: '1h', maxDriftShare: 0.3, minMetric: { metric: 'accuracy', min: 0.85 }, onBreach: 'rollback' });
  });

  it('refers to the step functions and predictor defined beside it, and to a dataset in the repository', () => {
    expect(spec.train).toMatchObject({ kind: 'function', fn: train.name });
    expect(spec.evaluate?.step).toMatchObject({ kind: 'function', fn: evaluate.name });
    expect(predictor.model).toBe(spec.model);
    expect(existsSync(`${REPO}/${spec.datasets[0]!.path}`)).toBe(true);
    expect(trainParams.pick({ trees: true, testShare: true }).parse(spec.params)).toEqual(spec.params);
  });

  it("passes the repository's policies", async () => {
    const report = checkPolicies(await loadPolicies(REPO), spec);
    expect(report.violations).toEqual([]);
  });
});
