/** src/metrics against scikit-learn's own numbers (test/metrics/fixtures/sklearn.json, from scripts/make-metric-fixtures.py). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeMetric, type MetricRule } from '../../src/metrics/index.js';
import { parsePipeline } from '../../src/dsl/load.js';

interface Classification { name: string; classes: string[]; truth: string[]; predicted: string[]; probabilities: number[][]; expected: Record<string, number> }
interface Regression { name: string; truth: number[]; predicted: number[]; expected: Record<string, number> }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/sklearn.json', import.meta.url), 'utf8')) as { sklearn: string; classification: Classification[]; regression: Regression[] };

/** `f1:macro`, `f1:class=yes`, `roc_auc:class=yes`, `log_loss` → the rule that asks for it. */
function ruleOf(name: string): MetricRule {
  const [metric, option] = name.split(':') as [MetricRule['metric'], string | undefined];
  if (option?.startsWith('class=')) return { metric, class: option.slice('class='.length) };
  return option ? { metric, average: option as MetricRule['average'] } : { metric };
}

describe(`monitor metrics match scikit-learn ${fixture.sklearn}`, () => {
  it.each(fixture.classification)('classification: $name', (c) => {
    const rows = c.truth.map((label, i) => ({
      label,
      predicted: c.predicted[i],
      // Binary rules with a class take the positive class's probability alone; the rest a class → probability object.
      probabilities: Object.fromEntries(c.classes.map((cls, j) => [cls, c.probabilities[i]![j]!])),
    }));
    const names = Object.keys(c.expected);
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const name of names) {
      const rule = ruleOf(name);
      const scored = rule.class !== undefined && (rule.metric === 'roc_auc' || rule.metric === 'log_loss') ? rows.map((r) => ({ ...r, probabilities: (r.probabilities as Record<string, number>)[rule.class!] })) : rows;
      expect([name, computeMetric(rule, scored)]).toEqual([name, expect.closeTo(c.expected[name]!, 12)]);
    }
  });

  it.each(fixture.regression)('regression: $name', (c) => {
    const rows = c.truth.map((label, i) => ({ label, predicted: c.predicted[i] }));
    for (const [name, value] of Object.entries(c.expected)) expect([name, computeMetric(ruleOf(name), rows)]).toEqual([name, expect.closeTo(value, 10)]);
  });

  it('says why a label or an output cannot be scored', () => {
    expect(() => computeMetric({ metric: 'rmse' }, [{ label: 'big', predicted: 3 }])).toThrow(/label "big" is not a number/);
    expect(() => computeMetric({ metric: 'log_loss' }, [{ label: 'a', predicted: 'a', probabilities: 'x' }])).toThrow(/set the monitor's scoreField/);
  });
});

describe('a monitor metric rule is checked at submission', () => {
  const problem = (monitor: unknown) => {
    try {
      parsePipeline({ apiVersion: 'ferry/v1', name: 'm', monitor }, 'm.ts');
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    }
  };
  it('names an unknown metric, a wrong direction and a binary average without its class', () => {
    expect(problem({ minMetric: { metric: 'auc', min: 0.8 } })).toBe('m.ts: monitor.minMetric.metric: expected "accuracy" or "precision" or "recall" or "f1" or "roc_auc" or "log_loss" or "mae" or "rmse" or "r2", got "auc"');
    expect(problem({ minMetric: { metric: 'rmse', min: 1 } })).toMatch(/^m\.ts: monitor\.minMetric: rmse is better when lower: write maxMetric: \{ metric: 'rmse', max: … \}/);
    expect(problem({ maxMetric: { metric: 'f1', max: 1 } })).toMatch(/f1 is better when higher/);
    expect(problem({ minMetric: { metric: 'f1', min: 0.8, average: 'binary' } })).toMatch(/needs class/);
    expect(problem({ minMetric: { metric: 'roc_auc', min: 0.8 } })).toMatch(/roc_auc needs probabilities: set scoreField/);
    expect(problem({ minMetric: { metric: 'f1', min: 0.8, average: 'weighted' }, maxMetric: { metric: 'rmse', max: 2 } })).toMatch(/f1 is a classification metric and rmse a regression one/);
    expect(problem({ minMetric: { metric: 'f1', min: 0.8, class: 'yes' }, maxMetric: { metric: 'log_loss', max: 0.7 }, scoreField: 'proba' })).toBe('accepted');
  });
  it('names an estimatedMetric CBPE cannot estimate, a missing positive class and a missing scoreField', () => {
    expect(problem({ estimatedMetric: { metric: 'rmse', min: 0.8, class: 1 }, scoreField: 'p' })).toBe('m.ts: monitor.estimatedMetric.metric: expected "accuracy" or "precision" or "recall" or "f1", got "rmse"');
    expect(problem({ estimatedMetric: { metric: 'f1', min: 0.8 }, scoreField: 'p' })).toBe("m.ts: monitor.estimatedMetric.class: expected the positive class, e.g. class: 'yes', got nothing");
    expect(problem({ estimatedMetric: { metric: 'f1', min: 0.8, class: 'yes' } })).toBe('m.ts: monitor.scoreField: estimatedMetric needs probabilities: set scoreField to the output field with the probability of class "yes"');
    expect(problem({ estimatedMetric: { metric: 'f1', min: 0.8, class: 'yes' }, scoreField: 'p' })).toBe('accepted');
  });
});
