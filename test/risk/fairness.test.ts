import { describe, expect, it } from 'vitest';
import { fairness, MISSING_GROUP } from '../../src/risk/fairness.js';
import type { Row } from '../../src/risk/types.js';
import { fixture } from './model.js';

interface RefRates { count: number; accuracy: number; selectionRate: number; tpr: number; fpr: number }
interface RefDisparities { groups: Record<string, RefRates>; demographicParityDifference: number; equalizedOddsDifference: number }
interface Case extends Partial<RefDisparities> {
  attribute: string;
  positiveClass: string | null;
  accuracy?: Record<string, number>;
  perClass?: Record<string, RefDisparities>;
  demographicParityDifference: number;
  equalizedOddsDifference: number;
}
const ref = fixture<{ rows: Row[]; labels: string[]; predictions: string[]; cases: Case[] }>('fairness.json');

describe('fairness', () => {
  it('computes per-group metrics and both differences for a hand-worked example', () => {
    // A: labels 1 1 0 0, predictions 1 0 1 0 → selection 2/4, TPR 1/2, FPR 1/2, accuracy 2/4.
    // B: labels 1 0 0 0, predictions 1 1 1 0 → selection 3/4, TPR 1/1, FPR 2/3, accuracy 2/4.
    // Demographic parity: 3/4 − 2/4 = 1/4. Equalized odds: max(TPR gap 1/2, FPR gap 2/3 − 1/2 = 1/6) = 1/2.
    const report = fairness({
      labels: ['1', '1', '0', '0', '1', '0', '0', '0'],
      predictions: ['1', '0', '1', '0', '1', '1', '1', '0'],
      groups: ['A', 'A', 'A', 'A', 'B', 'B', 'B', 'B'],
      positiveClass: '1',
    });
    expect(report.mode).toBe('binary');
    expect(report.groups).toEqual([
      { group: 'A', count: 4, accuracy: 0.5, selectionRate: 0.5, tpr: 0.5, fpr: 0.5 },
      { group: 'B', count: 4, accuracy: 0.5, selectionRate: 0.75, tpr: 1, fpr: 2 / 3 },
    ]);
    expect(report.demographicParityDifference).toBeCloseTo(0.25, 15);
    expect(report.equalizedOddsDifference).toBeCloseTo(0.5, 15);
  });

  const binary = ref.cases.filter((c) => c.positiveClass !== null);
  it.each(binary)('matches fairlearn for $attribute with positive class $positiveClass', (c) => {
    // Group accuracy is on the original classes, not fairlearn's binarised labels: take it from the multiclass case.
    const classAccuracy = ref.cases.find((x) => x.positiveClass === null && x.attribute === c.attribute)!.accuracy!;
    const report = fairness({ predictions: ref.predictions, labels: ref.labels, groups: ref.rows.map((r) => r[c.attribute]), positiveClass: c.positiveClass! });
    expect(report.demographicParityDifference).toBeCloseTo(c.demographicParityDifference, 14);
    expect(report.equalizedOddsDifference).toBeCloseTo(c.equalizedOddsDifference, 14);
    expect(report.groups.map((g) => g.group)).toEqual(Object.keys(c.groups!).sort());
    for (const g of report.groups) {
      const want = c.groups![g.group]!;
      expect(g.count).toBe(want.count);
      expect(g.accuracy).toBeCloseTo(classAccuracy[g.group]!, 14);
      for (const k of ['selectionRate', 'tpr', 'fpr'] as const) expect(g[k]).toBeCloseTo(want[k], 14);
    }
  });

  const multi = ref.cases.filter((c) => c.positiveClass === null);
  it.each(multi)('averages fairlearn\'s one-vs-rest values for $attribute without a positive class', (c) => {
    const report = fairness({ predictions: ref.predictions, labels: ref.labels, groups: ref.rows.map((r) => r[c.attribute]) });
    expect(report.mode).toBe('one-vs-rest');
    expect(report.classes).toEqual(Object.keys(c.perClass!).sort());
    expect(report.demographicParityDifference).toBeCloseTo(c.demographicParityDifference, 14);
    expect(report.equalizedOddsDifference).toBeCloseTo(c.equalizedOddsDifference, 14);
    for (const [cls, want] of Object.entries(c.perClass!)) {
      expect(report.perClass![cls]!.demographicParityDifference).toBeCloseTo(want.demographicParityDifference, 14);
      expect(report.perClass![cls]!.equalizedOddsDifference).toBeCloseTo(want.equalizedOddsDifference, 14);
      for (const g of report.groups) expect(g.perClass![cls]!.tpr).toBeCloseTo(want.groups[g.group]!.tpr, 14);
    }
    for (const g of report.groups) {
      expect(g.accuracy).toBeCloseTo(c.accuracy![g.group]!, 14);
      expect(g.selectionRate).toBeCloseTo(1 / report.classes.length, 14);
    }
  });

  it('a group without positives has TPR 0, as fairlearn reports it', () => {
    const c = binary.find((x) => x.attribute === 'island' && x.positiveClass === 'Gentoo')!;
    expect(c.groups!.Torgersen!.tpr).toBe(0);
    const report = fairness({ predictions: ref.predictions, labels: ref.labels, groups: ref.rows.map((r) => r.island), positiveClass: 'Gentoo' });
    expect(report.groups.find((g) => g.group === 'Torgersen')!.tpr).toBe(0);
  });

  it('puts null, undefined and empty attribute values in one "(missing)" group', () => {
    const report = fairness({ predictions: ['a', 'a', 'b', 'a'], labels: ['a', 'b', 'b', 'a'], groups: ['x', null, undefined, ''], positiveClass: 'a' });
    expect(report.groups.map((g) => [g.group, g.count])).toEqual([[MISSING_GROUP, 3], ['x', 1]]);
  });

  it('rejects groups of another length, naming both lengths', () => {
    expect(() => fairness({ predictions: ['a'], labels: ['a'], groups: [] })).toThrow(/groups and labels differ in length \(0 vs 1\)/);
  });
});
