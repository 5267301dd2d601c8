/**
 * Seeded randomness for the risk checks. mulberry32 (Tommy Ettinger's 32-bit generator, public domain) is small, fast
 * and gives the same stream on every platform, which is what "same seed, same numbers" needs.
 */

/** A function returning uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: a seeded uniform generator on [0, 1) with a 2^32 period. */
export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles `items` in place with the Fisher–Yates (Durstenfeld) algorithm and returns it. */
export function shuffleInPlace<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i]!;
    items[i] = items[j]!;
    items[j] = tmp;
  }
  return items;
}

/** A uniformly random permutation of 0..n-1. */
export function permutation(n: number, random: Random): number[] {
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    random,
  );
}

/** A standard normal draw (Box–Muller; the second value is dropped to keep the stream simple to reason about). */
export function gaussian(random: Random): number {
  const u = 1 - random(); // (0, 1]: log(0) never happens
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
