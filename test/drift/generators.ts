/** Input generators shared with bench/drift/make-fixtures.py (same IEEE operations, so samples match bit for bit). */

/** A sample description from a fixture file. */
export type SampleSpec =
  | { kind: 'normalish'; seed: number; n: number; scale: number; shift: number }
  | { kind: 'int'; seed: number; n: number; k: number; shift: number };

const M = 2147483647;

/** Park–Miller minstd uniforms: 'normalish' = (u1+u2+u3−1.5)·scale+shift, 'int' = floor(u·k)+shift. */
export function generate(spec: SampleSpec): Float64Array {
  const out = new Float64Array(spec.n);
  let state = spec.seed;
  for (let i = 0; i < spec.n; i++) {
    if (spec.kind === 'int') {
      state = (state * 48271) % M;
      out[i] = Math.floor((state / M) * spec.k) + spec.shift;
    } else {
      let s = 0;
      for (let j = 0; j < 3; j++) {
        state = (state * 48271) % M;
        s += state / M;
      }
      out[i] = (s - 1.5) * spec.scale + spec.shift;
    }
  }
  return out;
}

/** Relative difference, with an absolute floor for values near zero. */
export function relErr(actual: number, expected: number): number {
  if (actual === expected) return 0;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), Number.MIN_VALUE);
}
