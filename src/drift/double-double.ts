/**
 * Double-double arithmetic (≈106-bit significand), the subset of scipy's xsf `cephes/dd_real.h` (from the qd package)
 * that `smirnov` needs. `twoProd` uses Dekker's split instead of fma; both give the exact rounding error of a product
 * (barring overflow), so results are bit-identical to scipy's.
 */
export interface DD {
  readonly hi: number;
  readonly lo: number;
}

const SPLITTER = 134217729.0; // 2^27 + 1
const SPLIT_THRESH = 6.69692879491417e299; // 2^996
const TWO_M28 = 3.7252902984e-9; // 2^-28
const TWO_28 = 268435456.0;

/** Builds a double-double from one double. */
export function dd(hi: number, lo = 0): DD {
  return { hi, lo };
}

function split(a: number): [number, number] {
  if (a > SPLIT_THRESH || a < -SPLIT_THRESH) {
    const s = a * TWO_M28;
    const t = SPLITTER * s;
    const hi = t - (t - s);
    const lo = s - hi;
    return [hi * TWO_28, lo * TWO_28];
  }
  const t = SPLITTER * a;
  const hi = t - (t - a);
  return [hi, a - hi];
}

/** fl(a*b) and its exact error. */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  const err = ah * bh - p + ah * bl + al * bh + al * bl;
  return [p, err];
}

function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const c = s - a;
  const d = b - c;
  const e = s - c;
  return [s, a - e + d];
}

function quickTwoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const c = s - a;
  return [s, b - c];
}

/** dd + dd (Briggs/Kahan, IEEE-style error bound). */
export function add(a: DD, b: DD): DD {
  let [s1, s2] = twoSum(a.hi, b.hi);
  const [t1, t2] = twoSum(a.lo, b.lo);
  s2 += t1;
  [s1, s2] = quickTwoSum(s1, s2);
  s2 += t2;
  [s1, s2] = quickTwoSum(s1, s2);
  return { hi: s1, lo: s2 };
}

/** dd + double. */
export function addD(a: DD, b: number): DD {
  let [s1, s2] = twoSum(a.hi, b);
  s2 += a.lo;
  [s1, s2] = quickTwoSum(s1, s2);
  return { hi: s1, lo: s2 };
}

/** dd − dd. */
export function sub(a: DD, b: DD): DD {
  return add(a, { hi: -b.hi, lo: -b.lo });
}

/** dd − double. */
export function subD(a: DD, b: number): DD {
  let [s1, s2] = twoSum(a.hi, -b);
  s2 += a.lo;
  [s1, s2] = quickTwoSum(s1, s2);
  return { hi: s1, lo: s2 };
}

/** dd × dd. */
export function mul(a: DD, b: DD): DD {
  let [p1, p2] = twoProd(a.hi, b.hi);
  p2 += a.hi * b.lo + a.lo * b.hi;
  [p1, p2] = quickTwoSum(p1, p2);
  return { hi: p1, lo: p2 };
}

/** dd × double. */
export function mulD(a: DD, b: number): DD {
  const [p1, e1] = twoProd(a.hi, b);
  const [p2, e2] = twoProd(a.lo, b);
  const [s, e] = quickTwoSum(p1, e2 + p2 + e1);
  return { hi: s, lo: e };
}

/** dd ÷ dd (long division, three partial quotients). */
export function div(a: DD, b: DD): DD {
  let q1 = a.hi / b.hi;
  let r = sub(a, mulD(b, q1));
  let q2 = r.hi / b.hi;
  r = sub(r, mulD(b, q2));
  const q3 = r.hi / b.hi;
  [q1, q2] = quickTwoSum(q1, q2);
  return addD({ hi: q1, lo: q2 }, q3);
}

/** dd ÷ double (xsf converts the double to dd first). */
export function divD(a: DD, b: number): DD {
  return div(a, { hi: b, lo: 0 });
}

/** Largest integer ≤ a. */
export function floorDD(a: DD): DD {
  let hi = Math.floor(a.hi);
  let lo = 0;
  if (hi === a.hi) {
    lo = Math.floor(a.lo);
    [hi, lo] = quickTwoSum(hi, lo);
  }
  return { hi, lo };
}

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
// Index of the high 32-bit word (sign, exponent, top of the significand) on this platform.
const HI = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 1 : 0;

/** 2^n for −1022 ≤ n ≤ 1023, built from its bits (exact, cheaper than Math.pow). */
function pow2i(n: number): number {
  U32[HI] = (n + 1023) << 20;
  U32[1 - HI] = 0;
  return F64[0]!;
}

/** x · 2^e for doubles (musl `scalbn`: two steps when needed, without double rounding into subnormals). */
export function ldexp(x: number, e: number): number {
  let y = x;
  let n = e;
  if (n > 1023) {
    y *= 8.98846567431158e307; // 2^1023
    n -= 1023;
    if (n > 1023) {
      y *= 8.98846567431158e307;
      n -= 1023;
      if (n > 1023) n = 1023;
    }
  } else if (n < -1022) {
    // 2^-1022 · 2^53: keeps intermediate results normal so rounding happens once.
    y *= 2.004168360008973e-292;
    n += 969;
    if (n < -1022) {
      y *= 2.004168360008973e-292;
      n += 969;
      if (n < -1022) n = -1022;
    }
  }
  return y * pow2i(n);
}

/** Splits x into m · 2^e with 0.5 ≤ |m| < 1 (C `frexp`), reading the exponent bits. */
export function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  F64[0] = x;
  const biased = (U32[HI]! >>> 20) & 0x7ff;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    const [m, e] = frexp(x * 18014398509481984); // 2^54
    return [m, e - 54];
  }
  const e = biased - 1022;
  U32[HI] = (U32[HI]! & 0x800fffff) | (1022 << 20);
  return [F64[0]!, e];
}

/** dd · 2^e. */
export function ldexpDD(a: DD, e: number): DD {
  return { hi: ldexp(a.hi, e), lo: ldexp(a.lo, e) };
}

/** frexp for double-double: 0.5 ≤ |hi| < 1 (or |hi| = 1 with hi·lo < 0), as xsf `frexp(double_double)`. */
export function frexpDD(a: DD): [DD, number] {
  let [man, exponent] = frexp(a.hi);
  let b1 = ldexp(a.lo, -exponent);
  if (Math.abs(man) === 0.5 && man * b1 < 0) {
    man *= 2;
    b1 *= 2;
    exponent -= 1;
  }
  return [{ hi: man, lo: b1 }, exponent];
}
