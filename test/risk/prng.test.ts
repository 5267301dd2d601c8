import { describe, expect, it } from 'vitest';
import { gaussian, mulberry32, permutation } from '../../src/risk/prng.js';
import { fixture } from './model.js';

const ref = fixture<{ cases: { seed: number; values: number[]; permutation10: number[] }[] }>('prng.json');

describe('seeded randomness', () => {
  it.each(ref.cases)('mulberry32($seed) gives the published generator\'s draws', ({ seed, values }) => {
    const random = mulberry32(seed);
    expect(values.map(() => random())).toEqual(values);
  });

  it.each(ref.cases)('the Fisher–Yates permutation for seed $seed matches the reference', ({ seed, permutation10 }) => {
    expect(permutation(10, mulberry32(seed))).toEqual(permutation10);
  });

  it('every position is about equally likely under many shuffles', () => {
    const random = mulberry32(3);
    const counts = Array.from({ length: 5 }, () => new Array<number>(5).fill(0));
    for (let k = 0; k < 20_000; k++) permutation(5, random).forEach((v, pos) => counts[v]![pos]!++);
    for (const row of counts) for (const c of row) expect(Math.abs(c - 4000)).toBeLessThan(250);
  });

  it('gaussian draws have mean 0 and variance 1', () => {
    const random = mulberry32(11);
    const xs = Array.from({ length: 50_000 }, () => gaussian(random));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });
});
