/** Seeded randomness for the example: the same seed gives the same split and the same traffic on every machine. */

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). Not for cryptography. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A shuffled copy (Fisher–Yates). */
export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A standard normal draw (Box–Muller). */
export function normal(random: () => number): number {
  const u = 1 - random(); // in (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface Split<T> {
  train: T[];
  test: T[];
}

/**
 * A stratified train/test split: each class gives `round(size × testShare)` rows to the test set, so both sets keep the
 * class balance of the data. Deterministic for a seed and the rows' order.
 * @example stratifiedSplit(rows, (r) => r.species, { testShare: 0.25, seed: 42 })
 */
export function stratifiedSplit<T>(rows: readonly T[], classOf: (row: T) => string, options: { testShare: number; seed: number }): Split<T> {
  if (!(options.testShare > 0 && options.testShare < 1)) throw new RangeError(`testShare: expected a number between 0 and 1 (exclusive), got ${options.testShare}`);
  const random = mulberry32(options.seed);
  const byClass = new Map<string, T[]>();
  for (const row of rows) {
    const key = classOf(row);
    const members = byClass.get(key) ?? [];
    members.push(row);
    byClass.set(key, members);
  }
  const train: T[] = [];
  const test: T[] = [];
  // Sorted class order: the split must not depend on which class happens to come first in the file.
  for (const key of [...byClass.keys()].sort()) {
    const members = shuffle(byClass.get(key)!, random);
    const nTest = Math.round(members.length * options.testShare);
    test.push(...members.slice(0, nTest));
    train.push(...members.slice(nTest));
  }
  return { train: shuffle(train, random), test: shuffle(test, random) };
}
