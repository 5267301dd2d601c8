/**
 * Double-double arithmetic (≈106-bit significand), the subset of scipy's xsf `cephes/dd_real.h` (from the qd package)
 * that `smirnov` needs. `twoProd` uses Dekker's split instead of fma; both give the exact rounding error of a product
 * (barring overflow), so results are bit-identical to scipy's.
 *
 * Allocation-free: a double-double travels as two numbers (hi, lo), and every operation writes its result to the one
 * register {@link out} instead of returning an object. `smirnov` sums ~n terms of several operations each, and an object
 * (or a [hi, lo] tuple) per operation made it 3–9× slower than sorting its input. Read `out` right after a call: the next
 * operation overwrites it.
 */

/** Result register: `hi` + `lo` of the last operation's result, and `e` for the exponent-returning ones (frexp). */
export const out = { hi: 0, lo: 0, e: 0 };

const SPLITTER = 134217729.0; // 2^27 + 1
const SPLIT_THRESH = 6.69692879491417e299; // 2^996
const TWO_M28 = 3.7252902984e-9; // 2^-28
const TWO_28 = 268435456.0;

/** The exact error a·b − p of the product p = fl(a·b), via Dekker's split of both factors (qd's `two_prod`, no fma). */
export function prodErr(a: number, b: number, p: number): number {
  let ah: number;
  let al: number;
  let bh: number;
  let bl: number;
  if (a > SPLIT_THRESH || a < -SPLIT_THRESH) {
    const s = a * TWO_M28;
    const t = SPLITTER * s;
    ah = t - (t - s);
    al = (s - ah) * TWO_28;
    ah *= TWO_28;
  } else {
    const t = SPLITTER * a;
    ah = t - (t - a);
    al = a - ah;
  }
  if (b > SPLIT_THRESH || b < -SPLIT_THRESH) {
    const s = b * TWO_M28;
    const t = SPLITTER * s;
    bh = t - (t - s);
    bl = (s - bh) * TWO_28;
    bh *= TWO_28;
  } else {
    const t = SPLITTER * b;
    bh = t - (t - b);
    bl = b - bh;
  }
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** out = a + b (dd + dd, Briggs/Kahan, IEEE-style error bound). */
export function add(ahi: number, alo: number, bhi: number, blo: number): void {
  // two_sum(a.hi, b.hi)
  let s1 = ahi + bhi;
  let c = s1 - ahi;
  let s2 = ahi - (s1 - c) + (bhi - c);
  // two_sum(a.lo, b.lo)
  const t1 = alo + blo;
  c = t1 - alo;
  const t2 = alo - (t1 - c) + (blo - c);
  s2 += t1;
  // quick_two_sum(s1, s2), twice
  let s = s1 + s2;
  s2 = s2 - (s - s1);
  s1 = s;
  s2 += t2;
  s = s1 + s2;
  out.hi = s;
  out.lo = s2 - (s - s1);
}

/** out = a + b (dd + double). */
export function addD(ahi: number, alo: number, b: number): void {
  const s1 = ahi + b;
  const c = s1 - ahi;
  const s2 = ahi - (s1 - c) + (b - c) + alo;
  const s = s1 + s2;
  out.hi = s;
  out.lo = s2 - (s - s1);
}

/** out = a − b (dd − dd). */
export function sub(ahi: number, alo: number, bhi: number, blo: number): void {
  add(ahi, alo, -bhi, -blo);
}

/** out = a − b (dd − double). */
export function subD(ahi: number, alo: number, b: number): void {
  addD(ahi, alo, -b);
}

/** out = a × b (dd × dd). */
export function mul(ahi: number, alo: number, bhi: number, blo: number): void {
  const p1 = ahi * bhi;
  const p2 = prodErr(ahi, bhi, p1) + (ahi * blo + alo * bhi);
  const s = p1 + p2;
  out.hi = s;
  out.lo = p2 - (s - p1);
}

/** out = a × b (dd × double). */
export function mulD(ahi: number, alo: number, b: number): void {
  const p1 = ahi * b;
  const e1 = prodErr(ahi, b, p1);
  const p2 = alo * b;
  const e2 = prodErr(alo, b, p2);
  const t = e2 + p2 + e1;
  const s = p1 + t;
  out.hi = s;
  out.lo = t - (s - p1);
}

/** out = a ÷ b (dd ÷ dd, long division with three partial quotients). */
export function div(ahi: number, alo: number, bhi: number, blo: number): void {
  const q1 = ahi / bhi;
  mulD(bhi, blo, q1);
  add(ahi, alo, -out.hi, -out.lo);
  let rhi = out.hi;
  let rlo = out.lo;
  const q2 = rhi / bhi;
  mulD(bhi, blo, q2);
  add(rhi, rlo, -out.hi, -out.lo);
  rhi = out.hi;
  rlo = out.lo;
  const q3 = rhi / bhi;
  const s = q1 + q2;
  addD(s, q2 - (s - q1), q3);
}

/** out = a ÷ b (dd ÷ double; xsf converts the double to dd first). */
export function divD(ahi: number, alo: number, b: number): void {
  div(ahi, alo, b, 0);
}

/** out = the largest integer ≤ a. */
export function floorDD(ahi: number, alo: number): void {
  const hi = Math.floor(ahi);
  if (hi === ahi) {
    const lo = Math.floor(alo);
    const s = hi + lo;
    out.hi = s;
    out.lo = lo - (s - hi);
  } else {
    out.hi = hi;
    out.lo = 0;
  }
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

/** Splits x into m · 2^e with 0.5 ≤ |m| < 1 (C `frexp`): returns m, and sets `out.e` to e. */
export function frexp(x: number): number {
  if (x === 0 || !Number.isFinite(x)) {
    out.e = 0;
    return x;
  }
  F64[0] = x;
  let biased = (U32[HI]! >>> 20) & 0x7ff;
  let shift = 0;
  if (biased === 0) {
    // Subnormal: scale into the normal range first.
    F64[0] = x * 18014398509481984; // 2^54
    biased = (U32[HI]! >>> 20) & 0x7ff;
    shift = 54;
  }
  U32[HI] = (U32[HI]! & 0x800fffff) | (1022 << 20);
  out.e = biased - 1022 - shift;
  return F64[0]!;
}

/** out = a · 2^e. */
export function ldexpDD(ahi: number, alo: number, e: number): void {
  out.hi = ldexp(ahi, e);
  out.lo = ldexp(alo, e);
}

/** frexp for double-double into out (0.5 ≤ |hi| < 1, or |hi| = 1 with hi·lo < 0), as xsf `frexp(double_double)`. */
export function frexpDD(ahi: number, alo: number): void {
  let man = frexp(ahi);
  let exponent = out.e;
  let b1 = ldexp(alo, -exponent);
  if (Math.abs(man) === 0.5 && man * b1 < 0) {
    man *= 2;
    b1 *= 2;
    exponent -= 1;
  }
  out.hi = man;
  out.lo = b1;
  out.e = exponent;
}
