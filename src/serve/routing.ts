import type { Route } from '../core/routes.js';

/** A source of uniform numbers in [0, 1): `Math.random` in production, a seeded one in tests. */
export type Rng = () => number;

/** A small, fast seeded RNG (mulberry32): the same seed gives the same traffic split. */
export function createSeededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Picks the version a request goes to, weighted by the routes' percentages (which sum to 100). */
export function pickVersion(routes: readonly Route[], rng: Rng): number {
  const total = routes.reduce((sum, r) => sum + r.percent, 0);
  let point = rng() * total;
  for (const route of routes) {
    if (route.percent <= 0) continue;
    if (point < route.percent) return route.version;
    point -= route.percent;
  }
  // Floating-point leftovers land on the last served version.
  const last = [...routes].reverse().find((r) => r.percent > 0);
  if (!last) throw new Error('no route with traffic');
  return last.version;
}
