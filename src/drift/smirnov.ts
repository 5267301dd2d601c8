/**
 * One-sided Kolmogorov–Smirnov survival function `smirnov(n, x)` = Pr(D+_n ≥ x), ported from scipy's xsf
 * `cephes/kolmogorov.h` (`_smirnov`, van Mulbregt 2018): the Birnbaum–Tingey sum in double-double with binomial
 * coefficients kept as (mantissa, exponent). Only the sf is computed (the pdf scipy also returns is not needed here).
 * The sum runs over up to ~n terms, so nothing in it allocates: double-doubles are pairs of locals and every operation
 * writes its result to the register `out` of double-double.ts.
 */
import { add, addD, div, divD, floorDD, frexpDD, ldexpDD, mul, mulD, out, prodErr, sub, subD } from './double-double.js';
import { expm1 } from './special.js';

const EPS = 2.220446049250313e-16;
const MINLOG = -7.451332191019412076235e2;
const LN2 = Math.LN2;
const SMIRNOV_MAX_COMPUTE_N = 1000000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
const SM_MAX_EXPONENT = 960;
/** Lower sums longer than this are evaluated by {@link lowerSumByLogs}. */
const LOG_SUM_MIN_TERMS = 2000;
// ln 2 split so that k·LN2_HI is exact for |k| < 2^20 (fdlibm's ln2_hi / ln2_lo).
const LN2_HI = 6.93147180369123816490e-1;
const LN2_LO = 1.90821492927058770002e-10;
/** log(2^-1074): a term below this is 0 in scipy's double-double as well. */
const LOG_TINY = -744.4400719213812;
/** Rescale the running sum when a term exceeds the current scale by e^RESCALE. */
const RESCALE = 512;
const TWO_P512 = 2 ** 512;
const TWO_M512 = 2 ** -512;

function nextPowerOf2(x: number): number {
  const q = x * Math.pow(2, 1 - 53);
  let L = Math.abs(q + x);
  if (L === 0) {
    L = Math.abs(x);
  } else {
    const Lint = Math.trunc(L);
    if (Lint === L) L = Lint;
  }
  return L;
}

/** out = a^m for a double-double, trading accuracy for speed as xsf `pow_D` does. */
function powD(ahi: number, alo: number, m: number): void {
  if (m <= 0) {
    if (m === 0) {
      out.hi = 1;
      out.lo = 0;
      return;
    }
    powD(ahi, alo, -m);
    div(1, 0, out.hi, out.lo);
    return;
  }
  if (ahi === 0 && alo === 0) {
    out.hi = 0;
    out.lo = 0;
    return;
  }
  const ans = Math.pow(ahi, m);
  const r = alo / ahi;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) {
      adj += m * r * (((m - 1) / 2.0) * r);
    } else {
      adj = expm1(m * Math.log1p(r));
    }
  }
  addD(ans, 0, ans * adj);
}

/** (a + b)^m rounded to a double (xsf `pow2`). */
function pow2(a: number, b: number, m: number): number {
  addD(a, 0, b);
  powD(out.hi, out.lo, m);
  return out.hi;
}

/**
 * out = a^m as a significand (`out.hi`, `out.lo`) and an exponent (`out.e`), so that huge and tiny powers survive
 * (xsf `pow2Scaled_D`).
 */
function pow2ScaledD(ahi: number, alo: number, m: number): void {
  if (m <= 0) {
    if (m === 0) {
      out.hi = 1;
      out.lo = 0;
      out.e = 0;
      return;
    }
    pow2ScaledD(ahi, alo, -m);
    const aE1 = out.e;
    div(1, 0, out.hi, out.lo);
    frexpDD(out.hi, out.lo);
    out.e = -aE1 + out.e;
    return;
  }
  frexpDD(ahi, alo);
  if (m === 1) return;
  const yhi = out.hi;
  const ylo = out.lo;
  const yE = out.e;
  let maxExpt = SM_MAX_EXPONENT;
  if ((m * (yhi - 1)) / yhi < -SM_MAX_EXPONENT * LN2) {
    const lg2y = Math.log(yhi) / LN2;
    const lgAns = m * lg2y;
    if (lgAns <= -SM_MAX_EXPONENT) {
      maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
    }
  }
  if (m <= maxExpt) {
    powD(yhi, ylo, m);
    frexpDD(out.hi, out.lo);
    out.e += m * yE;
    return;
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  pow2ScaledD(yhi, ylo, r);
  const y2rhi = out.hi;
  const y2rlo = out.lo;
  const y2rE = out.e;
  pow2ScaledD(yhi, ylo, maxExpt);
  const y2mE = out.e;
  pow2ScaledD(out.hi, out.lo, q);
  const y2mqE = out.e + y2mE * q;
  mul(y2rhi, y2rlo, out.hi, out.lo);
  frexpDD(out.hi, out.lo);
  out.e = out.e + y2mqE + y2rE + m * yE;
}

/** out = ((a+b)/(c+d))^m in double-double (xsf `pow4_D`). */
function pow4D(a: number, b: number, c: number, d: number, m: number): void {
  if (m <= 0) {
    if (m === 0) {
      out.hi = 1;
      out.lo = 0;
      return;
    }
    pow4D(c, d, a, b, -m);
    return;
  }
  addD(a, 0, b);
  const Ahi = out.hi;
  const Alo = out.lo;
  addD(c, 0, d);
  const Chi = out.hi;
  const Clo = out.lo;
  if (Ahi === 0 && Alo === 0) {
    const v = Chi === 0 && Clo === 0 ? NaN : 0;
    out.hi = v;
    out.lo = v;
    return;
  }
  if (Chi === 0 && Clo === 0) {
    const v = Ahi < 0 ? -Infinity : Infinity;
    out.hi = v;
    out.lo = v;
    return;
  }
  div(Ahi, Alo, Chi, Clo);
  powD(out.hi, out.lo, m);
}

/** Pr(D+_n ≥ x), the one-sided KS survival function (scipy.special.smirnov). */
export function smirnov(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  // Exact floor(n·x) and fractional part (xsf `modNX`).
  mulD(x, 0, n);
  const nxhi = out.hi;
  const nxlo = out.lo;
  floorDD(nxhi, nxlo);
  let nxfl = Math.trunc(out.hi);
  sub(nxhi, nxlo, out.hi, out.lo);
  let alpha = out.hi;
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }

  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }
  // x <= 1/n
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) {
    const t = pow2(1, x, n - 1);
    return clamp01(1 - x * t);
  }
  // sf underflows
  if (-2 * n * x * x < MINLOG) return 0;
  // x >= 1 - 1/n
  if (nxfl >= n - 1) return clamp01(pow2(1, -x, n));
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -Math.pow(6.0 * n * x + 1, 2) / 18.0 / n;
    const sf = logp < -LN2 ? Math.exp(logp) : 1 - -expm1(logp);
    return clamp01(sf);
  }

  const nUpperTerms = n - n1mxceil + 1;
  let useUpperSum = nUpperTerms <= 1 && x < 0.5;
  useUpperSum =
    useUpperSum || (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));

  let start = 0;
  let step = 1;
  let nTerms = n1mxfl + 1;
  const vmid = Math.trunc(n / 2);
  if (!useUpperSum && nTerms > LOG_SUM_MIN_TERMS) return clamp01(lowerSumByLogs(n, x, nTerms, vmid));
  if (useUpperSum) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    pow4D(1, x, 1, 0, n - 1);
  } else {
    pow4D(1, -x, 1, 0, n);
    divD(out.hi, out.lo, x);
  }
  let ajHi = out.hi;
  let ajLo = out.lo;
  add(0, 0, ajHi, ajLo);
  let sumHi = out.hi;
  let sumLo = out.lo;
  // The binomial coefficient C(n, j) as a double-double significand and an exponent (xsf `updateBinomial`).
  let cHi = 1;
  let cLo = 0;
  let cExp = 0;
  divD(n, 0, 1.0);
  mul(cHi, cLo, out.hi, out.lo);
  frexpDD(out.hi, out.lo);
  cHi = out.hi;
  cLo = out.lo;
  cExp += out.e;

  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    computeAv(n, x, v, cHi, cLo, cExp);
    ajHi = out.hi;
    ajLo = out.lo;
    const zero = ajHi === 0 && ajLo === 0;
    if (Number.isFinite(ajHi) && !zero) {
      add(sumHi, sumLo, ajHi, ajLo);
      sumHi = out.hi;
      sumLo = out.lo;
    }
    if (!zero) {
      if (4 * (nTerms - j) * Math.abs(ajHi) < EPS * sumHi && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    divD(n - j, 0, j + 1.0);
    mul(cHi, cLo, out.hi, out.lo);
    frexpDD(out.hi, out.lo);
    cHi = out.hi;
    cLo = out.lo;
    cExp += out.e;
  }
  mulD(sumHi, sumLo, x);
  const prob = out.hi;
  const sf = step < 0 ? 1 - prob : prob;
  return clamp01(sf);
}

/** out = A_v(n, x) = C(n, v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1) (xsf `computeAv`). */
function computeAv(n: number, x: number, v: number, cHi: number, cLo: number, cExp: number): void {
  divD(n - v, 0, n);
  subD(out.hi, out.lo, x);
  pow2ScaledD(out.hi, out.lo, n - v);
  const t2hi = out.hi;
  const t2lo = out.lo;
  const t2E = out.e;
  divD(v, 0, n);
  addD(out.hi, out.lo, x);
  pow2ScaledD(out.hi, out.lo, v - 1);
  const t1E = out.e;
  mul(out.hi, out.lo, t2hi, t2lo);
  mul(out.hi, out.lo, cHi, cLo);
  ldexpDD(out.hi, out.lo, cExp + t1E + t2E);
}

/**
 * The lower Birnbaum–Tingey sum x·Σ_{v<nTerms} A_v of {@link smirnov}, with each term evaluated from its logarithm:
 * log A_v = log C(n, v) + (n − v)·log(1 − x − v/n) + (v − 1)·log(x + v/n), summed in double-double.
 *
 * Why: this path runs for the KS p-value of every drifted feature of a large window (n·D² ≥ 2.2), over ~n terms, and
 * scipy's per-term double-double powers (`pow2Scaled_D`: about six `pow` calls a term) cost 3–9× sorting the samples.
 * Here a term costs three `log`s and one `exp`. Every lower-sum term is positive (v < n(1 − x)), so the sum's relative
 * error is at most its worst term's: the bases, the binomial coefficient (same running double-double product as xsf,
 * kept as significand and exponent) and the big products are exact to ~1e-30, and what remains is `Math.log`'s rounding
 * (≤ 1 ulp) times the exponent n − v, i.e. ≤ 3e-11 relative at n = 10^6 — within the 1e-9 the contract allows.
 * Control flow is scipy's: the same first term, the same stopping rules (relative size, and an underflowed term past
 * n/2), and terms below 2^-1074 dropped as they underflow to 0 in xsf.
 */
function lowerSumByLogs(n: number, x: number, nTerms: number, vmid: number): number {
  // The sum is (sumHi + sumLo)·e^scale; scale only grows, so the sum stays in range.
  let scale = LOG_TINY;
  // A_0 = (1 − x)^n / x.
  const l1 = Math.log1p(-x);
  const p0 = n * l1;
  add(p0, prodErr(n, l1, p0), -Math.log(x), 0);
  let sumHi = out.hi < LOG_TINY ? 0 : Math.exp(out.hi - scale + out.lo);
  let sumLo = 0;
  // C(n, v) = (cHi + cLo)·2^cExp, a running double-double product as in xsf's `updateBinomial`, renormalised by
  // exact powers of two.
  let cHi = n;
  let cLo = 0;
  let cExp = 0;
  // Everything below is inlined double-double arithmetic: a call per operation would box its arguments.
  for (let v = 1; v < nTerms; v++) {
    // c = v/n + x and b = 1 − c = (n − v)/n − x as double-doubles.
    const q = v / n;
    const qp = q * n;
    const qLo = (v - qp - prodErr(q, n, qp)) / n;
    let t = q + x;
    let z = t - q;
    const cxLo = q - (t - z) + (x - z) + qLo;
    const cxHi = t + cxLo;
    const cxL = cxLo - (cxHi - t);
    t = 1 - cxHi;
    z = t - 1;
    const bxLo = 1 - (t - z) + (-cxHi - z) - cxL;
    const bxHi = t + bxLo;
    const bxL = bxLo - (bxHi - t);
    const lb = Math.log(bxHi) + bxL / bxHi;
    const lc = Math.log(cxHi) + cxL / cxHi;
    // log A_v = cExp·ln2 + log(c) + (n − v)·lb + (v − 1)·lc, in double-double (cExp·LN2_HI is exact).
    const pb = (n - v) * lb;
    const pc = (v - 1) * lc;
    add(cExp * LN2_HI, cExp * LN2_LO + Math.log(cHi) + cLo / cHi, pb, prodErr(n - v, lb, pb));
    add(out.hi, out.lo, pc, prodErr(v - 1, lc, pc));
    const logHi = out.hi;
    const logLo = out.lo;
    if (logHi >= LOG_TINY) {
      if (logHi - scale > RESCALE) {
        const f = Math.exp(scale - logHi);
        sumLo *= f;
        sumHi *= f;
        scale = logHi;
      }
      const term = Math.exp(logHi - scale + logLo);
      const s1 = sumHi + term;
      const d = s1 - sumHi;
      const s2 = sumHi - (s1 - d) + (term - d) + sumLo;
      sumHi = s1 + s2;
      sumLo = s2 - (sumHi - s1);
      if (4 * (nTerms - v) * term < EPS * sumHi && v !== nTerms - 1) break;
    } else if (v > vmid) {
      break;
    }
    // C(n, v + 1) = C(n, v)·(n − v)/(v + 1): a double-double times a double, then divided by one (qd's algorithms).
    const m = n - v;
    const mp = cHi * m;
    const ml = prodErr(cHi, m, mp) + cLo * m;
    const mHi = mp + ml;
    const mLo = ml - (mHi - mp);
    const k = v + 1;
    const d1 = mHi / k;
    const dp = d1 * k;
    const d2 = (mHi - dp - prodErr(d1, k, dp) + mLo) / k;
    cHi = d1 + d2;
    cLo = d2 - (cHi - d1);
    if (cHi > TWO_P512) {
      cHi *= TWO_M512;
      cLo *= TWO_M512;
      cExp += 512;
    } else if (cHi < TWO_M512) {
      cHi *= TWO_P512;
      cLo *= TWO_P512;
      cExp -= 512;
    }
  }
  const s = sumHi * x + sumLo * x;
  return scale > -700 ? s * Math.exp(scale) : Math.exp(scale + Math.log(s));
}

function clamp01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
