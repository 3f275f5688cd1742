/**
 * Special functions shared by the physics notebooks (Josephson junctions, OAM fibre modes):
 * integer-order Bessel functions J_n, Y_n, I_n, K_n of a real argument, written here in plain
 * TypeScript (no dependency).
 *
 * Why not the `bessel` npm package: measured against SciPy it loses up to 1e-5 relative accuracy on
 * J near x ≈ 30 and is off by 50 % for I_n(200); these routines stay at ~1e-14 (see
 * tests/lib-special.test.mjs, which checks identities and tabulated values).
 *
 * Methods (all standard, each valid for every x > 0):
 * - J_0..J_N: Miller's backward recurrence J_{k-1} = (2k/x) J_k − J_{k+1}, started far above the
 *   wanted orders and normalised with 1 = J_0 + 2 Σ_k J_{2k}.
 * - Y_0, Y_1: for x < 25 the Neumann series
 *   Y_0 = (2/π)(ln(x/2)+γ) J_0 − (4/π) Σ_{k≥1} (−1)^k J_{2k}/k and its derivative
 *   Y_1 = −Y_0' = (2/π)[(ln(x/2)+γ) J_1 − J_0/x] + (2/π) Σ_{k≥1} (−1)^k (J_{2k−1} − J_{2k+1})/k;
 *   for x ≥ 25 Hankel's asymptotic expansion. Higher orders by upward recurrence (stable for Y).
 * - I_0..I_N: backward recurrence I_{k-1} = (2k/x) I_k + I_{k+1}, normalised with
 *   e^x = I_0 + 2 Σ_{k≥1} I_k (so e^{−x} I_n comes out without overflow).
 * - K_0, K_1: for x < 2 the power series of K_0 and the Wronskian I_0 K_1 + I_1 K_0 = 1/x; for x ≥ 2
 *   the integral K_ν(x) = ∫_0^∞ exp(−x cosh t) cosh(νt) dt by the trapezoidal rule, which converges
 *   exponentially for this analytic, doubly-decaying integrand; higher orders by upward recurrence
 *   K_{k+1} = K_{k−1} + (2k/x) K_k (stable for K).
 */

import * as V from "./validate";

const EULER_GAMMA = 0.5772156649015329;
const BIG = 1e250;
const SMALL = 1e-250;

// Orders up to 1e5 (the recurrences allocate arrays of about nmax + x elements).
function checkOrder(n: number, fn: string, x: number): void {
  V.integer(fn, "n", n, { min: -100000, max: 100000 });
  V.finite(fn, "x", x, { min: -1e6, max: 1e6 });
}

function checkMaxOrder(nmax: number, fn: string, x: number): void {
  V.integer(fn, "nmax", nmax, { min: 0, max: 100000 });
  V.finite(fn, "x", x, { min: -1e6, max: 1e6 });
}

function checkPositive(fn: string, x: number): void {
  if (!(x > 0)) V.fail(fn, "x", "a finite number > 0", x);
}

/** Even starting order for the backward recurrences: well above both the wanted order and x. */
function startOrder(nmax: number, x: number): number {
  const m = Math.max(nmax, Math.ceil(x));
  const n = m + 20 + Math.ceil(Math.sqrt(60 * (m + 1)));
  return n % 2 === 0 ? n : n + 1;
}

/**
 * J_0(x) … J_N(x) for x > 0 by Miller's algorithm. Returns an array of length N+1 with N ≥ nmax
 * (the extra orders are used by the Neumann series for Y).
 */
function millerJ(nmax: number, x: number): Float64Array {
  const N = startOrder(nmax, x);
  const j = new Float64Array(N + 2);
  j[N + 1] = 0;
  j[N] = SMALL;
  let sum = 0; // J_0 + 2 Σ J_{2k}, accumulated in the same (rescaled) units
  if (N % 2 === 0) sum += 2 * j[N];
  for (let k = N; k >= 1; k--) {
    j[k - 1] = ((2 * k) / x) * j[k] - j[k + 1];
    if (k - 1 > 0 && (k - 1) % 2 === 0) sum += 2 * j[k - 1];
    if (Math.abs(j[k - 1]) > BIG) {
      for (let i = k - 1; i <= N; i++) j[i] *= SMALL;
      sum *= SMALL;
    }
  }
  sum += j[0];
  const out = new Float64Array(N + 1);
  for (let i = 0; i <= N; i++) out[i] = j[i] / sum;
  return out;
}

/** J_0(x) … J_nmax(x) (x may be any real number). */
export function besselJArray(nmax: number, x: number): Float64Array {
  checkMaxOrder(nmax, "besselJArray", x);
  const out = new Float64Array(nmax + 1);
  if (x === 0) {
    out[0] = 1;
    return out;
  }
  const j = millerJ(nmax, Math.abs(x));
  for (let k = 0; k <= nmax; k++) out[k] = x < 0 && k % 2 === 1 ? -j[k] : j[k];
  return out;
}

/** Hankel's asymptotic P and Q for order nu (valid for x ≳ 20; terms taken until they stop shrinking). */
function hankelPQ(nu: number, x: number): [number, number] {
  const mu = 4 * nu * nu;
  let p = 1;
  let q = 0;
  let term = 1;
  let prev = Infinity;
  for (let k = 1; k < 200; k++) {
    term *= (mu - (2 * k - 1) * (2 * k - 1)) / (k * 8 * x);
    const a = Math.abs(term);
    if (a > prev || a < 1e-18) break;
    prev = a;
    // a_k / x^k with sign (−1)^{floor(k/2)}: odd k → Q, even k → P
    if (k % 2 === 1) q += ((k - 1) / 2) % 2 === 0 ? term : -term;
    else p += (k / 2) % 2 === 0 ? term : -term;
  }
  return [p, q];
}

/** Y_0, Y_1 from a Miller J array `j` computed at x (Neumann series), or Hankel's expansion for x ≥ 25. */
function y01(x: number, j: Float64Array | null): [number, number] {
  if (x >= 25) {
    const s = Math.sqrt(2 / (Math.PI * x));
    const [p0, q0] = hankelPQ(0, x);
    const [p1, q1] = hankelPQ(1, x);
    const c0 = x - Math.PI / 4;
    const c1 = x - (3 * Math.PI) / 4;
    return [s * (p0 * Math.sin(c0) + q0 * Math.cos(c0)), s * (p1 * Math.sin(c1) + q1 * Math.cos(c1))];
  }
  const jj = j ?? millerJ(1, x);
  const N = jj.length - 1;
  const lg = Math.log(x / 2) + EULER_GAMMA;
  let s0 = 0;
  let s1 = 0;
  for (let k = 1; 2 * k + 1 <= N; k++) {
    const sg = k % 2 === 0 ? 1 : -1;
    s0 += (sg * jj[2 * k]) / k;
    s1 += (sg * (jj[2 * k - 1] - jj[2 * k + 1])) / k;
  }
  const y0 = (2 / Math.PI) * (lg * jj[0]) - (4 / Math.PI) * s0;
  const y1 = (2 / Math.PI) * (lg * jj[1] - jj[0] / x) + (2 / Math.PI) * s1;
  return [y0, y1];
}

function upwardY(nmax: number, x: number, y0: number, y1: number): Float64Array {
  const out = new Float64Array(nmax + 1);
  out[0] = y0;
  if (nmax >= 1) out[1] = y1;
  for (let k = 1; k < nmax; k++) out[k + 1] = ((2 * k) / x) * out[k] - out[k - 1];
  return out;
}

/** Y_0(x) … Y_nmax(x) for x > 0. */
export function besselYArray(nmax: number, x: number): Float64Array {
  checkMaxOrder(nmax, "besselYArray", x);
  checkPositive("besselYArray", x);
  const [y0, y1] = y01(x, null);
  return upwardY(nmax, x, y0, y1);
}

/** J_0 … J_nmax and Y_0 … Y_nmax at one x > 0, sharing one Miller recurrence (what a mode solver needs). */
export function besselJYArray(nmax: number, x: number): { j: Float64Array; y: Float64Array } {
  checkMaxOrder(nmax, "besselJYArray", x);
  checkPositive("besselJYArray", x);
  const jm = millerJ(Math.max(nmax, 1), x);
  const [y0, y1] = y01(x, jm);
  return { j: jm.slice(0, nmax + 1), y: upwardY(nmax, x, y0, y1) };
}

/** e^{−|x|} I_0(x) … e^{−|x|} I_nmax(x) (exponentially scaled, never overflows). */
export function besselIeArray(nmax: number, x: number): Float64Array {
  checkMaxOrder(nmax, "besselIeArray", x);
  const out = new Float64Array(nmax + 1);
  if (x === 0) {
    out[0] = 1;
    return out;
  }
  const ax = Math.abs(x);
  const N = startOrder(nmax, ax + 6 * Math.sqrt(ax));
  const v = new Float64Array(N + 2);
  v[N + 1] = 0;
  v[N] = SMALL;
  let sum = 2 * v[N]; // I_0 + 2 Σ_{k≥1} I_k
  for (let k = N; k >= 1; k--) {
    v[k - 1] = ((2 * k) / ax) * v[k] + v[k + 1];
    sum += k - 1 > 0 ? 2 * v[k - 1] : v[0];
    if (v[k - 1] > BIG) {
      for (let i = k - 1; i <= N; i++) v[i] *= SMALL;
      sum *= SMALL;
    }
  }
  for (let k = 0; k <= nmax; k++) out[k] = (x < 0 && k % 2 === 1 ? -v[k] : v[k]) / sum;
  return out;
}

/**
 * e^{x} K_0(x) and e^{x} K_1(x). For x < 2 the power series
 * K_0 = −(ln(x/2)+γ) I_0 + Σ_{k≥1} (x²/4)^k H_k/(k!)² (H_k the harmonic numbers) and the Wronskian
 * I_0 K_1 + I_1 K_0 = 1/x; for x ≥ 2 the trapezoidal rule on
 * e^{x} K_ν(x) = ∫_0^∞ exp(−x (cosh t − 1)) cosh(νt) dt with step min(0.2, 0.5/√x), which is below
 * 1e-14 relative error (the integrand is analytic and decays doubly exponentially).
 */
function scaledK01(x: number): [number, number] {
  if (x < 2) {
    const q = (x * x) / 4;
    let term = 1; // (x²/4)^k/(k!)²
    let i0 = 1;
    let i1 = 0.5; // I_1 = (x/2) Σ (x²/4)^k/(k!(k+1)!)
    let sk = 0;
    let h = 0;
    for (let k = 1; k < 40; k++) {
      term *= q / (k * k);
      h += 1 / k;
      i0 += term;
      i1 += term / (2 * (k + 1));
      sk += term * h;
      if (term < 1e-18) break;
    }
    i1 *= x;
    const k0 = -(Math.log(x / 2) + EULER_GAMMA) * i0 + sk;
    const k1 = (1 / x - i1 * k0) / i0;
    const ex = Math.exp(x);
    return [k0 * ex, k1 * ex];
  }
  const h = Math.min(0.2, 0.5 / Math.sqrt(x));
  // stop once x (cosh t − 1) − t exceeds 45 (the terms are then < 1e-19 of the t = 0 term)
  let k0 = 0.5;
  let k1 = 0.5;
  for (let i = 1; ; i++) {
    const t = i * h;
    const ch = Math.cosh(t);
    const e = x * (ch - 1);
    const f = Math.exp(-e);
    k0 += f;
    k1 += f * ch;
    if (e - t > 45) break;
  }
  return [k0 * h, k1 * h];
}

/** e^{x} K_0(x) … e^{x} K_nmax(x) for x > 0 (exponentially scaled). */
export function besselKeArray(nmax: number, x: number): Float64Array {
  checkMaxOrder(nmax, "besselKeArray", x);
  checkPositive("besselKeArray", x);
  const out = new Float64Array(nmax + 1);
  const [k0, k1] = scaledK01(x);
  out[0] = k0;
  if (nmax >= 1) out[1] = k1;
  for (let k = 1; k < nmax; k++) out[k + 1] = out[k - 1] + ((2 * k) / x) * out[k];
  return out;
}

const sgnNeg = (n: number): number => (n % 2 === 0 ? 1 : -1);

/** Bessel function of the first kind J_n(x), integer n, real x (J_{−n} = (−1)^n J_n). */
export function besselJ(n: number, x: number): number {
  checkOrder(n, "besselJ", x);
  if (n < 0) return sgnNeg(n) * besselJ(-n, x);
  return besselJArray(n, x)[n];
}

/** Bessel function of the second kind Y_n(x), integer n, x > 0. */
export function besselY(n: number, x: number): number {
  checkOrder(n, "besselY", x);
  checkPositive("besselY", x);
  if (n < 0) return sgnNeg(n) * besselY(-n, x);
  return besselYArray(n, x)[n];
}

/** Modified Bessel function of the first kind I_n(x), integer n, real x (I_{−n} = I_n). */
export function besselI(n: number, x: number): number {
  checkOrder(n, "besselI", x);
  const m = Math.abs(n);
  const v = besselIeArray(m, x)[m];
  return v === 0 ? 0 : v * Math.exp(Math.abs(x));
}

/** Modified Bessel function of the second kind K_n(x), integer n, x > 0 (K_{−n} = K_n). */
export function besselK(n: number, x: number): number {
  checkOrder(n, "besselK", x);
  checkPositive("besselK", x);
  const m = Math.abs(n);
  return besselKeArray(m, x)[m] * Math.exp(-x);
}

/** e^{−|x|} I_n(x), no overflow for large x. */
export function besselIe(n: number, x: number): number {
  checkOrder(n, "besselIe", x);
  const m = Math.abs(n);
  return besselIeArray(m, x)[m];
}

/** e^{x} K_n(x), no underflow for large x. */
export function besselKe(n: number, x: number): number {
  checkOrder(n, "besselKe", x);
  checkPositive("besselKe", x);
  const m = Math.abs(n);
  return besselKeArray(m, x)[m];
}
