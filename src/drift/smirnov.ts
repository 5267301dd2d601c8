/**
 * One-sided Kolmogorov–Smirnov survival function `smirnov(n, x)` = Pr(D+_n ≥ x), ported from scipy's xsf
 * `cephes/kolmogorov.h` (`_smirnov`, van Mulbregt 2018): the Birnbaum–Tingey sum in double-double with binomial
 * coefficients kept as (mantissa, exponent). Only the sf is computed (the pdf scipy also returns is not needed here).
 */
import {
  type DD,
  add,
  addD,
  dd,
  div,
  divD,
  floorDD,
  frexpDD,
  ldexpDD,
  mul,
  mulD,
  sub,
  subD,
} from './double-double.js';
import { expm1 } from './special.js';

const EPS = 2.220446049250313e-16;
const MINLOG = -7.451332191019412076235e2;
const LN2 = Math.LN2;
const SMIRNOV_MAX_COMPUTE_N = 1000000;
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;
const SM_MAX_EXPONENT = 960;

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

/** a^m for a double-double, trading accuracy for speed as xsf `pow_D` does. */
function powD(a: DD, m: number): DD {
  if (m <= 0) {
    if (m === 0) return dd(1);
    return div(dd(1), powD(a, -m));
  }
  if (a.hi === 0 && a.lo === 0) return dd(0);
  const ans = Math.pow(a.hi, m);
  const r = a.lo / a.hi;
  let adj = m * r;
  if (Math.abs(adj) > 1e-8) {
    if (Math.abs(adj) < 1e-4) {
      adj += m * r * (((m - 1) / 2.0) * r);
    } else {
      adj = expm1(m * Math.log1p(r));
    }
  }
  return addD(dd(ans), ans * adj);
}

function pow2(a: number, b: number, m: number): number {
  return powD(addD(dd(a), b), m).hi;
}

/** a^m as (significand, exponent) so that huge and tiny powers survive (xsf `pow2Scaled_D`). */
function pow2ScaledD(a: DD, m: number): [DD, number] {
  if (m <= 0) {
    if (m === 0) return [dd(1), 0];
    const [ans0, aE1] = pow2ScaledD(a, -m);
    const [ans, aE2] = frexpDD(div(dd(1), ans0));
    return [ans, -aE1 + aE2];
  }
  const [y, yE] = frexpDD(a);
  if (m === 1) return [y, yE];
  let maxExpt = SM_MAX_EXPONENT;
  if ((m * (y.hi - 1)) / y.hi < -SM_MAX_EXPONENT * LN2) {
    const lg2y = Math.log(y.hi) / LN2;
    const lgAns = m * lg2y;
    if (lgAns <= -SM_MAX_EXPONENT) {
      maxExpt = Math.trunc(nextPowerOf2(-SM_MAX_EXPONENT / lg2y + 1) / 2);
    }
  }
  if (m <= maxExpt) {
    const [ans, ansE0] = frexpDD(powD(y, m));
    return [ans, ansE0 + m * yE];
  }
  const q = Math.trunc(m / maxExpt);
  const r = m % maxExpt;
  const [y2r, y2rE] = pow2ScaledD(y, r);
  const [y2m, y2mE] = pow2ScaledD(y, maxExpt);
  const [y2mq, y2mqE0] = pow2ScaledD(y2m, q);
  const [ans, ansE0] = frexpDD(mul(y2r, y2mq));
  const y2mqE = y2mqE0 + y2mE * q;
  return [ans, ansE0 + y2mqE + y2rE + m * yE];
}

/** ((a+b)/(c+d))^m in double-double (xsf `pow4_D`). */
function pow4D(a: number, b: number, c: number, d: number, m: number): DD {
  if (m <= 0) {
    if (m === 0) return dd(1);
    return pow4D(c, d, a, b, -m);
  }
  const A = addD(dd(a), b);
  const C = addD(dd(c), d);
  if (A.hi === 0 && A.lo === 0) return C.hi === 0 && C.lo === 0 ? dd(NaN, NaN) : dd(0);
  if (C.hi === 0 && C.lo === 0) return A.hi < 0 ? dd(-Infinity, -Infinity) : dd(Infinity, Infinity);
  return powD(div(A, C), m);
}

/** Exact floor(n·x) and fractional part (xsf `modNX`). */
function modNX(n: number, x: number): { alpha: number; nxfl: number; nx: number } {
  const nxD = mulD(dd(x), n);
  const nxfloorD = floorDD(nxD);
  const alphaD = sub(nxD, nxfloorD);
  let alpha = alphaD.hi;
  let nxfl = Math.trunc(nxfloorD.hi);
  if (alpha === 1) {
    nxfl += 1;
    alpha = 0;
  }
  return { alpha, nxfl, nx: nxD.hi };
}

/** Pr(D+_n ≥ x), the one-sided KS survival function (scipy.special.smirnov). */
export function smirnov(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  const { alpha, nxfl } = modNX(n, x);
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
  let Cman = dd(1);
  let Cexpt = 0;
  let Aj: DD;
  if (useUpperSum) {
    start = n;
    step = -1;
    nTerms = n - n1mxceil + 1;
    Aj = pow4D(1, x, 1, 0, n - 1);
  } else {
    const t2 = pow4D(1, -x, 1, 0, n);
    Aj = divD(t2, x);
  }
  let AjSum = add(dd(0), Aj);
  // updateBinomial(&Cman, &Cexpt, n, 0)
  [Cman, Cexpt] = updateBinomial(Cman, Cexpt, n, 0);

  for (let j = 1; j < nTerms; j++) {
    const v = start + j * step;
    Aj = computeAv(n, x, v, Cman, Cexpt);
    if (Number.isFinite(Aj.hi) && !(Aj.hi === 0 && Aj.lo === 0)) {
      AjSum = add(AjSum, Aj);
    }
    if (!(Aj.hi === 0 && Aj.lo === 0)) {
      if (4 * (nTerms - j) * Math.abs(Aj.hi) < EPS * AjSum.hi && j !== nTerms - 1) break;
    } else if (j > vmid) {
      break;
    }
    [Cman, Cexpt] = updateBinomial(Cman, Cexpt, n, j);
  }
  const prob = mulD(AjSum, x).hi;
  const sf = step < 0 ? 1 - prob : prob;
  return clamp01(sf);
}

function updateBinomial(Cman: DD, Cexpt: number, n: number, j: number): [DD, number] {
  const rat = divD(dd(n - j), j + 1.0);
  const [man2, expt] = frexpDD(mul(Cman, rat));
  return [man2, Cexpt + expt];
}

/** A_v(n, x) = C(n, v) (1 − x − v/n)^(n−v) (x + v/n)^(v−1) (xsf `computeAv`). */
function computeAv(n: number, x: number, v: number, Cman: DD, Cexpt: number): DD {
  const t2x = subD(divD(dd(n - v), n), x);
  const [t2, t2E] = pow2ScaledD(t2x, n - v);
  const t1x = addD(divD(dd(v), n), x);
  const [t1, t1E] = pow2ScaledD(t1x, v - 1);
  const ans = mul(mul(t1, t2), Cman);
  return ldexpDD(ans, Cexpt + t1E + t2E);
}

function clamp01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
