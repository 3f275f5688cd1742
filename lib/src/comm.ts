/**
 * Digital-communications toolbox shared by the link-level notebooks (OAM fibre, semantic
 * communication): Gray-labelled square QAM, AWGN, bit-wise LLRs (exact log-sum-exp or max-log), the
 * generalised mutual information (GMI) estimated from received symbols, a deterministic AWGN GMI by
 * numerical integration, Shannon capacity, and the SNR needed for a target GMI.
 *
 * Conventions
 * - Complex sample streams are `{ re, im }` pairs of Float64Arrays (no tensors: these loops are
 *   scalar and short).
 * - A symbol is an integer label s ∈ [0, M); its bits are the binary digits of s, most significant
 *   first. The first m/2 bits choose the in-phase level, the last m/2 the quadrature level, each
 *   through a binary-reflected Gray code, so nearest neighbours differ in exactly one bit.
 * - Constellations have unit average energy; SNR = E_s/N_0 = 1/σ² with complex noise CN(0, σ²).
 * - LLR Λ = ln Σ_{s: b=1} p(z|s) − ln Σ_{s: b=0} p(z|s) (positive favours bit 1). For square QAM in
 *   circular Gaussian noise the metric separates into an I part and a Q part, so each LLR only
 *   involves the √M levels of one dimension — exact and cheap.
 * - GMI = m − (1/N) Σ_k Σ_i log2(1 + exp((−1)^{b_{k,i}} Λ_{k,i})), bits per complex symbol.
 */
import type { Rng } from "./random";
import * as V from "./validate";

export interface CArray {
  re: Float64Array;
  im: Float64Array;
}

export interface Qam {
  /** Constellation size (4, 16, 64, 256, …: an even power of two). */
  M: number;
  /** Bits per symbol, log2 M. */
  m: number;
  /** Levels per dimension, √M. */
  L: number;
  /** Unit-energy PAM levels, indexed by their Gray label (the m/2-bit half of a symbol label). */
  levels: Float64Array;
  /** Point s (label s) = re[s] + i·im[s]. */
  re: Float64Array;
  im: Float64Array;
}

/** Random source the helpers need (the seeded `rng()` of @papers/lib fits). */
export type RandomSource = Pick<Rng, "normal" | "int">;

const LN2 = Math.LN2;

function checkQam(fn: string, c: unknown, arg = "c"): Qam {
  const q = V.plainObject(fn, arg, c);
  if (
    !(typeof q.M === "number" && typeof q.m === "number" && typeof q.L === "number" && 2 ** q.m === q.M && q.L * q.L === q.M) ||
    !(q.levels instanceof Float64Array && q.levels.length === q.L) ||
    !(q.re instanceof Float64Array && q.re.length === q.M) ||
    !(q.im instanceof Float64Array && q.im.length === q.M)
  ) {
    V.fail(fn, arg, "a constellation made by qam(M)", c);
  }
  return c as Qam;
}

function checkCArray(fn: string, arg: string, x: unknown, length?: number): CArray {
  const o = V.plainObject(fn, arg, x);
  const re = V.finiteArray(fn, `${arg}.re`, o.re);
  V.finiteArray(fn, `${arg}.im`, o.im, { length: re.length });
  if (length !== undefined && re.length !== length) V.failWith(fn, arg, `${arg} must have ${length} samples, got ${re.length}`);
  return x as CArray;
}

function checkRng(fn: string, rng: unknown, needs: readonly ("normal" | "int")[]): void {
  const o = rng as Record<string, unknown> | null;
  if (typeof o !== "object" || o === null || needs.some((k) => typeof o[k] !== "function")) {
    V.fail(fn, "rng", `a random source with ${needs.map((k) => `${k}()`).join(" and ")} (e.g. L.rng())`, rng);
  }
}

function checkSymbols(fn: string, symbols: unknown, M: number, arg = "symbols"): ArrayLike<number> {
  return V.intArray(fn, arg, symbols, { min: 0, below: M });
}

function checkMethod(fn: string, method: unknown): void {
  if (method !== undefined) V.oneOf(fn, "method", method, ["exact", "maxlog"] as const);
}

function checkH(fn: string, h: unknown): void {
  if (h === undefined) return;
  const o = V.plainObject(fn, "opts.h", h);
  V.options(fn, "opts.h", o, ["re", "im"]);
  V.finite(fn, "opts.h.re", o.re);
  V.finite(fn, "opts.h.im", o.im);
  if ((o.re as number) === 0 && (o.im as number) === 0) V.failWith(fn, "opts.h", "opts.h must be a non-zero complex gain");
}

/** Binary-reflected Gray code → binary. */
export function grayToBinary(g: number): number {
  V.integer("grayToBinary", "g", g, { min: 0, max: 0x7fffffff });
  let b = g;
  for (let s = g >> 1; s; s >>= 1) b ^= s;
  return b;
}

/** Binary → binary-reflected Gray code. */
export function binaryToGray(b: number): number {
  V.integer("binaryToGray", "b", b, { min: 0, max: 0x7fffffff });
  return b ^ (b >> 1);
}

/** Gray-labelled square M-QAM with unit average energy. */
export function qam(M: number): Qam {
  V.integer("qam", "M", M, { min: 4, max: 2 ** 20 });
  const m = Math.round(Math.log2(M));
  if (!(M >= 4 && 2 ** m === M && m % 2 === 0)) throw new Error(`qam: M must be 4, 16, 64, 256, … (got ${M})`);
  const L = 2 ** (m / 2);
  const scale = Math.sqrt((2 * (M - 1)) / 3); // RMS of the odd-integer grid ±1, ±3, …
  const levels = new Float64Array(L);
  for (let g = 0; g < L; g++) levels[g] = (2 * grayToBinary(g) - (L - 1)) / scale;
  const re = new Float64Array(M);
  const im = new Float64Array(M);
  for (let s = 0; s < M; s++) {
    re[s] = levels[s >> (m / 2)];
    im[s] = levels[s & (L - 1)];
  }
  return { M, m, L, levels, re, im };
}

/** n uniformly random symbol labels. */
export function randomSymbols(M: number, n: number, rng: RandomSource): Uint32Array {
  V.integer("randomSymbols", "M", M, { min: 1, max: 4294967296 });
  V.nonNegInt("randomSymbols", "n", n);
  checkRng("randomSymbols", rng, ["int"]);
  const s = new Uint32Array(n);
  for (let k = 0; k < n; k++) s[k] = rng.int(M);
  return s;
}

/** Map labels to constellation points. */
export function modulate(c: Qam, symbols: ArrayLike<number>): CArray {
  checkQam("modulate", c);
  checkSymbols("modulate", symbols, c.M);
  const n = symbols.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = c.re[symbols[k]];
    im[k] = c.im[symbols[k]];
  }
  return { re, im };
}

/** Bits of each label, most significant first: Uint8Array of length n·m. */
export function symbolsToBits(symbols: ArrayLike<number>, m: number): Uint8Array {
  V.integer("symbolsToBits", "m", m, { min: 1, max: 31 });
  checkSymbols("symbolsToBits", symbols, 2 ** m);
  const out = new Uint8Array(symbols.length * m);
  for (let k = 0; k < symbols.length; k++) for (let i = 0; i < m; i++) out[k * m + i] = (symbols[k] >> (m - 1 - i)) & 1;
  return out;
}

/** Labels from bits (most significant first); bits.length must be a multiple of m. */
export function bitsToSymbols(bits: ArrayLike<number>, m: number): Uint32Array {
  V.integer("bitsToSymbols", "m", m, { min: 1, max: 31 });
  V.intArray("bitsToSymbols", "bits", bits, { min: 0, max: 1 });
  if (bits.length % m !== 0) V.failWith("bitsToSymbols", "bits", `bits has length ${bits.length}, which is not a multiple of m = ${m}`);
  const out = new Uint32Array(bits.length / m);
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let i = 0; i < m; i++) s = (s << 1) | (bits[k * m + i] & 1);
    out[k] = s;
  }
  return out;
}

/** dB → linear power ratio. */
export const dbToLin = (db: number): number => 10 ** (V.finite("dbToLin", "db", db) / 10);
/** Linear power ratio → dB. */
export const linToDb = (x: number): number => 10 * Math.log10(V.finite("linToDb", "x", x, { above: 0 }));

/** Complex noise variance σ² for a given SNR (dB) and symbol energy (default 1). */
export function noiseVariance(snrDb: number, es = 1): number {
  V.finite("noiseVariance", "snrDb", snrDb);
  V.positive("noiseVariance", "es", es);
  return es / dbToLin(snrDb);
}

/** y = x + n with n ~ CN(0, σ²), σ² = E_s / SNR. Returns a new pair. */
export function awgn(x: CArray, snrDb: number, rng: RandomSource, es = 1): CArray {
  checkCArray("awgn", "x", x);
  V.finite("awgn", "snrDb", snrDb);
  checkRng("awgn", rng, ["normal"]);
  V.positive("awgn", "es", es);
  const sd = Math.sqrt(noiseVariance(snrDb, es) / 2);
  const n = x.re.length;
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    re[k] = x.re[k] + sd * rng.normal();
    im[k] = x.im[k] + sd * rng.normal();
  }
  return { re, im };
}

/** Shannon capacity of the complex AWGN channel, log2(1 + SNR), bit per complex symbol. */
export function shannon(snrDb: number): number {
  V.finite("shannon", "snrDb", snrDb);
  return Math.log2(1 + dbToLin(snrDb));
}

/** Smallest SNR (dB) at which the AWGN capacity reaches `bits` per complex symbol. */
export function shannonSnrDb(bits: number): number {
  V.finite("shannonSnrDb", "bits", bits, { above: 0, max: 1000 });
  return linToDb(2 ** bits - 1);
}

export type LlrMethod = "exact" | "maxlog";

/**
 * Bit LLRs of one PAM dimension for received value y with metric −c·(y − a)² (c = |h|²/σ² in the
 * equalised domain). Writes m/2 LLRs into out[offset …].
 */
function pamLlrs(c: Qam, y: number, gain: number, method: LlrMethod, out: Float64Array, offset: number): void {
  const half = c.m / 2;
  const L = c.L;
  // metrics d_g = −gain (y − level_g)²; track the best per (bit, value) and, for exact, the log-sum-exp
  for (let i = 0; i < half; i++) {
    let best1 = -Infinity;
    let best0 = -Infinity;
    for (let g = 0; g < L; g++) {
      const e = y - c.levels[g];
      const d = -gain * e * e;
      if ((g >> (half - 1 - i)) & 1) {
        if (d > best1) best1 = d;
      } else if (d > best0) best0 = d;
    }
    if (method === "maxlog") {
      out[offset + i] = best1 - best0;
      continue;
    }
    let s1 = 0;
    let s0 = 0;
    for (let g = 0; g < L; g++) {
      const e = y - c.levels[g];
      const d = -gain * e * e;
      if ((g >> (half - 1 - i)) & 1) s1 += Math.exp(d - best1);
      else s0 += Math.exp(d - best0);
    }
    out[offset + i] = best1 + Math.log(s1) - (best0 + Math.log(s0));
  }
}

/**
 * Bit-wise LLRs for received samples z = h·x + n, n ~ CN(0, σ²). `h` is a complex gain (default 1).
 * Returns Float64Array of length n·m, ordered like `symbolsToBits`.
 */
export function llrs(
  c: Qam,
  z: CArray,
  sigma2: number,
  opts: { h?: { re: number; im: number }; method?: LlrMethod } = {},
): Float64Array {
  checkQam("llrs", c);
  checkCArray("llrs", "z", z);
  V.positive("llrs", "sigma2", sigma2);
  V.options("llrs", "opts", opts, ["h", "method"]);
  checkH("llrs", opts.h);
  checkMethod("llrs", opts.method);
  const hr = opts.h?.re ?? 1;
  const hi = opts.h?.im ?? 0;
  const h2 = hr * hr + hi * hi;
  const method = opts.method ?? "exact";
  // |z − h s|² = |h|² |z/h − s|²: equalise, then the metric separates into I and Q
  const gain = h2 / sigma2;
  const n = z.re.length;
  const out = new Float64Array(n * c.m);
  const half = c.m / 2;
  for (let k = 0; k < n; k++) {
    // y = z / h = z h* / |h|²
    const yr = (z.re[k] * hr + z.im[k] * hi) / h2;
    const yi = (z.im[k] * hr - z.re[k] * hi) / h2;
    pamLlrs(c, yr, gain, method, out, k * c.m);
    pamLlrs(c, yi, gain, method, out, k * c.m + half);
  }
  return out;
}

/** log2(1 + e^x) without overflow. */
function log2OnePlusExp(x: number): number {
  return x > 0 ? (x + Math.log1p(Math.exp(-x))) / LN2 : Math.log1p(Math.exp(x)) / LN2;
}

/** GMI (bit per symbol) from LLRs and the transmitted bits (both ordered symbol-major). */
export function gmiFromLlrs(llr: ArrayLike<number>, bits: ArrayLike<number>, m: number): number {
  V.count("gmiFromLlrs", "m", m);
  V.numberArrayWithGaps("gmiFromLlrs", "llr", llr, { minLength: 1 });
  V.intArray("gmiFromLlrs", "bits", bits, { min: 0, max: 1 });
  if (llr.length !== bits.length) V.failWith("gmiFromLlrs", "bits", `${llr.length} LLRs but ${bits.length} bits (they must match)`);
  if (llr.length % m !== 0) V.failWith("gmiFromLlrs", "llr", `llr has length ${llr.length}, which is not a multiple of m = ${m}`);
  for (let j = 0; j < llr.length; j++) if (Number.isNaN(llr[j])) V.failWith("gmiFromLlrs", "llr", `llr[${j}] is NaN`);
  const n = llr.length / m;
  let loss = 0;
  for (let j = 0; j < llr.length; j++) loss += log2OnePlusExp(bits[j] ? -llr[j] : llr[j]);
  return m - loss / n;
}

export interface ChannelFit {
  /** Complex gain ĥ = Σ x* z / Σ |x|². */
  h: { re: number; im: number };
  /** Residual noise variance σ̂² = mean |z − ĥ x|². */
  sigma2: number;
  /** Effective SNR |ĥ|²·E[|x|²]/σ̂² in dB. */
  snrDb: number;
}

/** Least-squares fit of z = h·x + n on known symbols (data-aided). */
export function fitChannel(x: CArray, z: CArray): ChannelFit {
  const n = x.re.length;
  checkCArray("fitChannel", "x", x);
  if (n === 0) V.failWith("fitChannel", "x", "x must have at least one symbol");
  if (typeof z !== "object" || z === null || !z.re || z.re.length !== n) V.failWith("fitChannel", "z", `${n} symbols but z has ${V.describe(z?.re)} samples`);
  checkCArray("fitChannel", "z", z, n);
  let nr = 0;
  let ni = 0;
  let ex = 0;
  for (let k = 0; k < n; k++) {
    // x* z
    nr += x.re[k] * z.re[k] + x.im[k] * z.im[k];
    ni += x.re[k] * z.im[k] - x.im[k] * z.re[k];
    ex += x.re[k] * x.re[k] + x.im[k] * x.im[k];
  }
  const hr = nr / ex;
  const hi = ni / ex;
  let s2 = 0;
  for (let k = 0; k < n; k++) {
    const er = z.re[k] - (hr * x.re[k] - hi * x.im[k]);
    const ei = z.im[k] - (hr * x.im[k] + hi * x.re[k]);
    s2 += er * er + ei * ei;
  }
  const sigma2 = s2 / n;
  return { h: { re: hr, im: hi }, sigma2, snrDb: linToDb(((hr * hr + hi * hi) * ex) / n / sigma2) };
}

export interface GmiEstimate extends ChannelFit {
  gmi: number;
}

/**
 * GMI of a received stream given the transmitted labels: fit ĥ and σ̂² on the same payload (a
 * Gaussian, possibly mismatched, decoding metric), compute bit LLRs, average the bit losses.
 * `sigma2` overrides the fitted noise variance (e.g. the true one on a synthetic AWGN channel).
 */
export function estimateGmi(
  c: Qam,
  symbols: ArrayLike<number>,
  z: CArray,
  opts: { method?: LlrMethod; sigma2?: number; h?: { re: number; im: number } } = {},
): GmiEstimate {
  checkQam("estimateGmi", c);
  checkSymbols("estimateGmi", symbols, c.M);
  checkCArray("estimateGmi", "z", z, symbols.length);
  V.options("estimateGmi", "opts", opts, ["method", "sigma2", "h"]);
  checkMethod("estimateGmi", opts.method);
  if (opts.sigma2 !== undefined) V.positive("estimateGmi", "opts.sigma2", opts.sigma2);
  checkH("estimateGmi", opts.h);
  const x = modulate(c, symbols);
  const fit = fitChannel(x, z);
  const h = opts.h ?? fit.h;
  const sigma2 = opts.sigma2 ?? fit.sigma2;
  const llr = llrs(c, z, sigma2, { h, method: opts.method });
  return { ...fit, h, sigma2, gmi: gmiFromLlrs(llr, symbolsToBits(symbols, c.m), c.m) };
}

/** Monte Carlo AWGN GMI: n random symbols at the given SNR, true σ², exact (or max-log) LLRs. */
export function awgnGmiMonteCarlo(M: number, snrDb: number, n: number, rng: RandomSource, method: LlrMethod = "exact"): number {
  V.finite("awgnGmiMonteCarlo", "snrDb", snrDb);
  V.count("awgnGmiMonteCarlo", "n", n);
  checkRng("awgnGmiMonteCarlo", rng, ["normal", "int"]);
  checkMethod("awgnGmiMonteCarlo", method);
  const c = qam(M);
  const s = randomSymbols(M, n, rng);
  const z = awgn(modulate(c, s), snrDb, rng);
  return gmiFromLlrs(llrs(c, z, noiseVariance(snrDb), { method }), symbolsToBits(s, c.m), c.m);
}

/**
 * AWGN GMI of Gray square M-QAM by numerical integration (no randomness): the GMI is twice the sum
 * of the bit-wise mutual informations of one √M-PAM dimension in real noise of variance σ²/2; each
 * expectation over the noise is a Simpson rule on ±`span` standard deviations with `points` nodes.
 */
export function awgnGmi(M: number, snrDb: number, opts: { method?: LlrMethod; points?: number; span?: number } = {}): number {
  V.finite("awgnGmi", "snrDb", snrDb);
  V.options("awgnGmi", "opts", opts, ["method", "points", "span"]);
  checkMethod("awgnGmi", opts.method);
  if (opts.points !== undefined) V.integer("awgnGmi", "opts.points", opts.points, { min: 3, max: 1e6 });
  if (opts.span !== undefined) V.positive("awgnGmi", "opts.span", opts.span);
  const c = qam(M);
  const method = opts.method ?? "exact";
  const pts = (opts.points ?? 241) | 1; // odd for Simpson (241 nodes: < 1e-8 error for M ≤ 256)
  const span = opts.span ?? 9;
  const sigma2 = noiseVariance(snrDb);
  const sd = Math.sqrt(sigma2 / 2);
  const gain = 1 / sigma2;
  const half = c.m / 2;
  const llr = new Float64Array(half);
  const step = (2 * span) / (pts - 1);
  let loss = 0; // expected Σ_i log2(1 + e^{±Λ_i}) over one dimension
  for (let g = 0; g < c.L; g++) {
    const a = c.levels[g];
    let acc = 0;
    for (let p = 0; p < pts; p++) {
      const u = -span + p * step; // noise in units of sd
      const w = (p === 0 || p === pts - 1 ? 1 : p % 2 === 1 ? 4 : 2) * Math.exp(-0.5 * u * u);
      pamLlrs(c, a + sd * u, gain, method, llr, 0);
      let l = 0;
      for (let i = 0; i < half; i++) l += log2OnePlusExp((g >> (half - 1 - i)) & 1 ? -llr[i] : llr[i]);
      acc += w * l;
    }
    loss += ((acc * step) / 3 / Math.sqrt(2 * Math.PI)) / c.L;
  }
  return c.m - 2 * loss;
}

/**
 * SNR (dB) at which Gray M-QAM reaches a target AWGN GMI, by bisection on the deterministic
 * `awgnGmi` (monotone in SNR). Throws if the target is not below m bits.
 */
export function snrForGmi(M: number, target: number, opts: { lo?: number; hi?: number; tol?: number; method?: LlrMethod } = {}): number {
  const m = qam(M).m;
  V.finite("snrForGmi", "target", target, { above: 0, below: m });
  V.options("snrForGmi", "opts", opts, ["lo", "hi", "tol", "method"]);
  if (opts.lo !== undefined) V.finite("snrForGmi", "opts.lo", opts.lo);
  if (opts.hi !== undefined) V.finite("snrForGmi", "opts.hi", opts.hi, { above: opts.lo ?? -10 });
  if (opts.tol !== undefined) V.positive("snrForGmi", "opts.tol", opts.tol);
  checkMethod("snrForGmi", opts.method);
  let lo = opts.lo ?? -10;
  let hi = opts.hi ?? 50;
  const tol = opts.tol ?? 1e-3;
  const f = (s: number): number => awgnGmi(M, s, { method: opts.method }) - target;
  if (f(lo) > 0 || f(hi) < 0) throw new Error(`snrForGmi: target ${target} not bracketed by [${lo}, ${hi}] dB`);
  while (hi - lo > tol) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Nearest-point (hard) decisions; for square QAM per dimension. */
export function hardDecision(c: Qam, z: CArray): Uint32Array {
  checkQam("hardDecision", c);
  checkCArray("hardDecision", "z", z);
  const n = z.re.length;
  const out = new Uint32Array(n);
  const half = c.m / 2;
  const pick = (y: number): number => {
    let best = 0;
    let bd = Infinity;
    for (let g = 0; g < c.L; g++) {
      const d = Math.abs(y - c.levels[g]);
      if (d < bd) {
        bd = d;
        best = g;
      }
    }
    return best;
  };
  for (let k = 0; k < n; k++) out[k] = (pick(z.re[k]) << half) | pick(z.im[k]);
  return out;
}

/** Bit error ratio between two label streams. */
export function bitErrorRate(a: ArrayLike<number>, b: ArrayLike<number>, m: number): number {
  V.integer("bitErrorRate", "m", m, { min: 1, max: 32 });
  V.intArray("bitErrorRate", "a", a, { min: 0, below: 2 ** m }, { minLength: 1 });
  V.intArray("bitErrorRate", "b", b, { min: 0, below: 2 ** m });
  V.sameLength("bitErrorRate", "a", a, "b", b);
  let errs = 0;
  for (let k = 0; k < a.length; k++) {
    let x = (a[k] ^ b[k]) >>> 0;
    while (x) {
      errs += x & 1;
      x >>>= 1;
    }
  }
  return errs / (a.length * m);
}
