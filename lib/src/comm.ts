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

/** Binary-reflected Gray code → binary. */
export function grayToBinary(g: number): number {
  let b = g;
  for (let s = g >> 1; s; s >>= 1) b ^= s;
  return b;
}

/** Binary → binary-reflected Gray code. */
export function binaryToGray(b: number): number {
  return b ^ (b >> 1);
}

/** Gray-labelled square M-QAM with unit average energy. */
export function qam(M: number): Qam {
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
  const s = new Uint32Array(n);
  for (let k = 0; k < n; k++) s[k] = rng.int(M);
  return s;
}

/** Map labels to constellation points. */
export function modulate(c: Qam, symbols: ArrayLike<number>): CArray {
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
  const out = new Uint8Array(symbols.length * m);
  for (let k = 0; k < symbols.length; k++) for (let i = 0; i < m; i++) out[k * m + i] = (symbols[k] >> (m - 1 - i)) & 1;
  return out;
}

/** Labels from bits (most significant first); bits.length must be a multiple of m. */
export function bitsToSymbols(bits: ArrayLike<number>, m: number): Uint32Array {
  if (bits.length % m !== 0) throw new Error(`bitsToSymbols: ${bits.length} bits is not a multiple of ${m}`);
  const out = new Uint32Array(bits.length / m);
  for (let k = 0; k < out.length; k++) {
    let s = 0;
    for (let i = 0; i < m; i++) s = (s << 1) | (bits[k * m + i] & 1);
    out[k] = s;
  }
  return out;
}

/** dB → linear power ratio. */
export const dbToLin = (db: number): number => 10 ** (db / 10);
/** Linear power ratio → dB. */
export const linToDb = (x: number): number => 10 * Math.log10(x);

/** Complex noise variance σ² for a given SNR (dB) and symbol energy (default 1). */
export function noiseVariance(snrDb: number, es = 1): number {
  return es / dbToLin(snrDb);
}

/** y = x + n with n ~ CN(0, σ²), σ² = E_s / SNR. Returns a new pair. */
export function awgn(x: CArray, snrDb: number, rng: RandomSource, es = 1): CArray {
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
  return Math.log2(1 + dbToLin(snrDb));
}

/** Smallest SNR (dB) at which the AWGN capacity reaches `bits` per complex symbol. */
export function shannonSnrDb(bits: number): number {
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
  if (!(sigma2 > 0)) throw new Error(`llrs: σ² must be > 0, got ${sigma2}`);
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
  if (llr.length !== bits.length) throw new Error(`gmiFromLlrs: ${llr.length} LLRs for ${bits.length} bits`);
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
  if (z.re.length !== n) throw new Error(`fitChannel: ${n} symbols but ${z.re.length} samples`);
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
  const x = modulate(c, symbols);
  const fit = fitChannel(x, z);
  const h = opts.h ?? fit.h;
  const sigma2 = opts.sigma2 ?? fit.sigma2;
  const llr = llrs(c, z, sigma2, { h, method: opts.method });
  return { ...fit, h, sigma2, gmi: gmiFromLlrs(llr, symbolsToBits(symbols, c.m), c.m) };
}

/** Monte Carlo AWGN GMI: n random symbols at the given SNR, true σ², exact (or max-log) LLRs. */
export function awgnGmiMonteCarlo(M: number, snrDb: number, n: number, rng: RandomSource, method: LlrMethod = "exact"): number {
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
  const m = Math.log2(M);
  if (!(target > 0 && target < m)) throw new Error(`snrForGmi: target ${target} must be in (0, ${m})`);
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
  if (a.length !== b.length) throw new Error("bitErrorRate: length mismatch");
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
