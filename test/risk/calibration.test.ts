import { describe, expect, it } from 'vitest';
import { calibration, type ReliabilityBin } from '../../src/risk/calibration.js';
import { fixture } from './model.js';

interface Case { name: string; bins: number; probabilities: number[] | Record<string, number>[]; predictions: string[]; labels: string[]; ece: number; table: ReliabilityBin[] }
const ref = fixture<{ cases: Case[] }>('calibration.json');

describe('calibration', () => {
  it.each(ref.cases)('ECE and reliability table match the numpy reference ($name)', (c) => {
    const report = calibration({ probabilities: c.probabilities, labels: c.labels, predictions: c.predictions, bins: c.bins });
    expect(report.ece).toBeCloseTo(c.ece, 13);
    expect(report.table).toHaveLength(c.bins);
    report.table.forEach((b, i) => {
      const want = c.table[i]!;
      expect([b.bin, b.count]).toEqual([want.bin, want.count]);
      expect(b.lower).toBe(want.lower);
      expect(b.upper).toBe(want.upper);
      if (want.meanConfidence === null) expect(b.meanConfidence).toBeNull();
      else expect(b.meanConfidence).toBeCloseTo(want.meanConfidence, 13);
      if (want.accuracy === null) expect(b.accuracy).toBeNull();
      else expect(b.accuracy).toBeCloseTo(want.accuracy, 13);
    });
  });

  it('computes a hand-worked ECE: bins (0.5, 0.6] and (0.8, 0.9], half the rows each', () => {
    // |1 − 0.9| × 1/2 + |0 − 0.6| × 1/2 = 0.35
    const report = calibration({ probabilities: [0.9, 0.6], predictions: ['a', 'b'], labels: ['a', 'a'] });
    expect(report.ece).toBeCloseTo(0.35, 15);
    expect(report.table.filter((b) => b.count > 0).map((b) => b.bin)).toEqual([5, 8]);
  });

  it('puts a confidence on an edge in the lower bin and 0 in the first', () => {
    const report = calibration({ probabilities: [0.5, 0, 1], predictions: ['a', 'a', 'a'], labels: ['a', 'a', 'a'], bins: 2 });
    expect(report.table.map((b) => b.count)).toEqual([2, 1]);
  });

  it('is 0 for a perfectly calibrated model', () => {
    const report = calibration({ probabilities: [0.75, 0.75, 0.75, 0.75], predictions: ['a', 'a', 'a', 'a'], labels: ['a', 'a', 'a', 'b'] });
    expect(report.ece).toBe(0);
  });

  it('rejects a missing probability for the predicted class, naming the row', () => {
    expect(() => calibration({ probabilities: [{ a: 0.9 }, { a: 0.2 }], predictions: ['a', 'b'], labels: ['a', 'b'] })).toThrow(/row 1 has no probability in \[0, 1\] for its predicted class "b"/);
  });
});
