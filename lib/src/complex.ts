/**
 * Complex numbers as real/imaginary pairs of float32 tensors — lib's complex type for the notebooks.
 *
 * Why pairs rather than tfjs's `complex64` dtype: tfjs-core defines no gradient for Complex, Real,
 * Imag or FFT on any backend, so nothing trained through complex64 (phase masks, RotatE relations,
 * complex channel equalisers) can be differentiated. A pair {re, im} is built only from real ops,
 * so `tf.grad`, optimizers and `tf.tidy` work as usual, on every backend, at the speed of the real
 * kernels (on wasm a complex product is four fast matmuls). `complex64` does work on wasm for the
 * forward pass (lib adds the kernels; see lib/src/wasm/complex.ts); `toNative` / `fromNative` convert.
 *
 * Conventions: `fft` is the unnormalised DFT along the last axis, X_k = Σ_j x_j e^{-2πi jk/n};
 * `ifft` carries the 1/n (numpy's and tfjs's convention). They are computed as matmuls with cached
 * DFT matrices: O(n²) per row, exact to float32, fine up to n of a few thousand.
 *
 *   import { complex as C } from "@papers/lib";
 *   const z = C.expi(phase);                     // e^{iφ}, differentiable in φ
 *   const field = C.ifft2(C.mul(C.fft2(u), H));  // angular-spectrum propagation
 *   const loss = C.abs2(field).mean();
 */
import * as tf from "@tensorflow/tfjs";
import * as V from "./validate";

/** A complex tensor as two real tensors of one shape. */
export interface CTensor {
  re: tf.Tensor;
  im: tf.Tensor;
}

type Real = tf.Tensor | number;

/** A CTensor argument: two live tensors of one shape. */
function C(fn: string, arg: string, a: unknown): CTensor {
  const o = V.plainObject(fn, arg, a);
  V.tensor(fn, `${arg}.re`, o.re);
  V.tensor(fn, `${arg}.im`, o.im, { shape: (o.re as tf.Tensor).shape });
  return a as CTensor;
}

function real(fn: string, arg: string, s: unknown): void {
  if (typeof s === "number") V.finite(fn, arg, s);
  else V.tensor(fn, arg, s);
}

function t(x: Real | number[] | Float32Array): tf.Tensor {
  return x instanceof tf.Tensor ? x : tf.tensor(x as number | number[] | Float32Array);
}

/** re + i·im (im defaults to zeros). */
export function of(re: tf.Tensor | number[] | Float32Array | number, im?: tf.Tensor | number[] | Float32Array | number): CTensor {
  const part = (arg: string, x: unknown): void => {
    if (typeof x === "number") V.finite("of", arg, x);
    else if (Array.isArray(x) || x instanceof Float32Array) V.finiteArray("of", arg, x);
    else V.tensor("of", arg, x);
  };
  part("re", re);
  if (im != null) part("im", im);
  const r = t(re);
  const i = im == null ? tf.zerosLike(r) : t(im);
  if (i.shape.join() !== r.shape.join()) {
    tf.dispose([r, i].filter((x, k) => x !== [re, im][k]));
    V.failWith("of", "im", `re and im must have one shape, got [${r.shape}] and [${i.shape}]`);
  }
  return { re: r, im: i };
}

/** r·e^{iθ}. */
export function fromPolar(r: Real, theta: tf.Tensor): CTensor {
  real("fromPolar", "r", r);
  V.tensor("fromPolar", "theta", theta);
  return { re: tf.mul(r, tf.cos(theta)), im: tf.mul(r, tf.sin(theta)) };
}

/** e^{iθ}. */
export function expi(theta: tf.Tensor): CTensor {
  V.tensor("expi", "theta", theta);
  return { re: tf.cos(theta), im: tf.sin(theta) };
}

export function add(a: CTensor, b: CTensor): CTensor {
  C("add", "a", a);
  C("add", "b", b);
  return { re: tf.add(a.re, b.re), im: tf.add(a.im, b.im) };
}

export function sub(a: CTensor, b: CTensor): CTensor {
  C("sub", "a", a);
  C("sub", "b", b);
  return { re: tf.sub(a.re, b.re), im: tf.sub(a.im, b.im) };
}

/** Elementwise product (broadcasting). */
export function mul(a: CTensor, b: CTensor): CTensor {
  C("mul", "a", a);
  C("mul", "b", b);
  return {
    re: tf.sub(tf.mul(a.re, b.re), tf.mul(a.im, b.im)),
    im: tf.add(tf.mul(a.re, b.im), tf.mul(a.im, b.re)),
  };
}

/** Elementwise quotient a / b. */
export function div(a: CTensor, b: CTensor): CTensor {
  C("div", "a", a);
  C("div", "b", b);
  const d = abs2(b);
  return {
    re: tf.div(tf.add(tf.mul(a.re, b.re), tf.mul(a.im, b.im)), d),
    im: tf.div(tf.sub(tf.mul(a.im, b.re), tf.mul(a.re, b.im)), d),
  };
}

/** Multiply by a real tensor or number. */
export function scale(a: CTensor, s: Real): CTensor {
  C("scale", "a", a);
  real("scale", "s", s);
  return { re: tf.mul(a.re, s), im: tf.mul(a.im, s) };
}

export function conj(a: CTensor): CTensor {
  C("conj", "a", a);
  return { re: a.re, im: tf.neg(a.im) };
}

export function neg(a: CTensor): CTensor {
  C("neg", "a", a);
  return { re: tf.neg(a.re), im: tf.neg(a.im) };
}

/** |z|² = re² + im². */
export function abs2(a: CTensor): tf.Tensor {
  C("abs2", "a", a);
  return tf.add(tf.square(a.re), tf.square(a.im));
}

/** |z| = sqrt(re² + im² + eps); eps > 0 keeps the gradient finite at z = 0. */
export function abs(a: CTensor, eps = 0): tf.Tensor {
  C("abs", "a", a);
  V.nonNegative("abs", "eps", eps);
  const s = abs2(a);
  return tf.sqrt(eps ? tf.add(s, eps) : s);
}

/** arg z in (-π, π]. */
export function angle(a: CTensor): tf.Tensor {
  C("angle", "a", a);
  return tf.atan2(a.im, a.re);
}

/** e^z. */
export function exp(a: CTensor): CTensor {
  C("exp", "a", a);
  const m = tf.exp(a.re);
  return { re: tf.mul(m, tf.cos(a.im)), im: tf.mul(m, tf.sin(a.im)) };
}

/** Apply the same real, linear, shape-only op (reshape, transpose, slice, gather, sum, …) to both parts. */
export function map(a: CTensor, f: (x: tf.Tensor) => tf.Tensor): CTensor {
  C("map", "a", a);
  V.func("map", "f", f);
  return { re: f(a.re), im: f(a.im) };
}

export function reshape(a: CTensor, shape: number[]): CTensor {
  C("reshape", "a", a);
  V.intArray("reshape", "shape", shape, { min: -1 });
  return map(a, (x) => tf.reshape(x, shape));
}

export function transpose(a: CTensor, perm?: number[]): CTensor {
  C("transpose", "a", a);
  if (perm !== undefined) V.intArray("transpose", "perm", perm, { min: 0, below: a.re.rank }, { length: a.re.rank });
  return map(a, (x) => tf.transpose(x, perm));
}

export function sum(a: CTensor, axis?: number | number[], keepDims = false): CTensor {
  C("sum", "a", a);
  return map(a, (x) => tf.sum(x, axis, keepDims));
}

export function mean(a: CTensor, axis?: number | number[], keepDims = false): CTensor {
  C("mean", "a", a);
  return map(a, (x) => tf.mean(x, axis, keepDims));
}

export function concat(list: CTensor[], axis = 0): CTensor {
  V.array("concat", "list", list, { minLength: 1 }).forEach((z, i) => C("concat", `list[${i}]`, z));
  V.integer("concat", "axis", axis);
  return { re: tf.concat(list.map((z) => z.re), axis), im: tf.concat(list.map((z) => z.im), axis) };
}

/** Matrix product (batched like tf.matMul). Transpose flags transpose, they do not conjugate. */
export function matMul(a: CTensor, b: CTensor, transposeA = false, transposeB = false): CTensor {
  C("matMul", "a", a);
  C("matMul", "b", b);
  V.boolean("matMul", "transposeA", transposeA);
  V.boolean("matMul", "transposeB", transposeB);
  if (a.re.rank < 2 || b.re.rank < 2) V.failWith("matMul", "a", `a and b must have rank >= 2, got shapes [${a.re.shape}] and [${b.re.shape}]`);
  {
    const ka = a.re.shape[a.re.rank - (transposeA ? 2 : 1)];
    const kb = b.re.shape[b.re.rank - (transposeB ? 1 : 2)];
    if (ka !== kb) V.failWith("matMul", "b", `inner dimensions differ: a is [${a.re.shape}]${transposeA ? "ᵀ" : ""}, b is [${b.re.shape}]${transposeB ? "ᵀ" : ""}`);
  }
  const mm = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, transposeA, transposeB);
  return { re: tf.sub(mm(a.re, b.re), mm(a.im, b.im)), im: tf.add(mm(a.re, b.im), mm(a.im, b.re)) };
}

// ---- DFT ---------------------------------------------------------------------------------------

const dftCache = new Map<number, { cos: tf.Tensor2D; sin: tf.Tensor2D }>();

/** cos and sin of 2π·jk/n as [n, n] matrices (twiddles computed in float64 with jk reduced mod n). */
function dftMatrices(n: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  let m = dftCache.get(n);
  if (m && !m.cos.isDisposed && !m.sin.isDisposed) return m;
  const c = new Float32Array(n * n);
  const s = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * ((j * k) % n)) / n;
      c[j * n + k] = Math.cos(a);
      s[j * n + k] = Math.sin(a);
    }
  }
  m = { cos: tf.keep(tf.tensor2d(c, [n, n])), sin: tf.keep(tf.tensor2d(s, [n, n])) };
  dftCache.set(n, m);
  return m;
}

/** Free the cached DFT matrices. */
export function clearCache(): void {
  for (const m of dftCache.values()) tf.dispose([m.cos, m.sin]);
  dftCache.clear();
}

/** tf.tidy for a function returning a CTensor. */
export function tidy(f: () => CTensor): CTensor {
  V.func("tidy", "f", f);
  const [re, im] = tf.tidy(() => {
    const z = f();
    return [z.re, z.im];
  });
  return { re, im };
}

function dftLast(a: CTensor, inverse: boolean): CTensor {
  return tidy(() => {
    const shape = a.re.shape;
    const n = shape[shape.length - 1];
    const { cos, sin } = dftMatrices(n);
    const xr = tf.reshape(a.re, [-1, n]);
    const xi = tf.reshape(a.im, [-1, n]);
    const rc = tf.matMul(xr, cos);
    const rs = tf.matMul(xr, sin);
    const ic = tf.matMul(xi, cos);
    const is = tf.matMul(xi, sin);
    // forward: (xr + i·xi)(C − i·S); inverse: (xr + i·xi)(C + i·S) / n
    let re = inverse ? tf.sub(rc, is) : tf.add(rc, is);
    let im = inverse ? tf.add(ic, rs) : tf.sub(ic, rs);
    if (inverse) {
      re = tf.div(re, n);
      im = tf.div(im, n);
    }
    return { re: tf.reshape(re, shape), im: tf.reshape(im, shape) };
  });
}

/** DFT along the last axis (unnormalised, e^{-2πi jk/n}). */
export function fft(a: CTensor): CTensor {
  C("fft", "a", a);
  if (a.re.rank < 1 || a.re.shape[a.re.rank - 1] < 1) V.failWith("fft", "a", `a needs a non-empty last axis, got shape [${a.re.shape}]`);
  return dftLast(a, false);
}

/** Inverse DFT along the last axis (with 1/n). */
export function ifft(a: CTensor): CTensor {
  C("ifft", "a", a);
  if (a.re.rank < 1 || a.re.shape[a.re.rank - 1] < 1) V.failWith("ifft", "a", `a needs a non-empty last axis, got shape [${a.re.shape}]`);
  return dftLast(a, true);
}

function swapLast2(a: CTensor): CTensor {
  const r = a.re.rank;
  const perm = [...Array(r).keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return transpose(a, perm);
}

/** 2-D DFT over the last two axes. */
export function fft2(a: CTensor): CTensor {
  C("fft2", "a", a);
  if (a.re.rank < 2) V.failWith("fft2", "a", `a must have rank >= 2, got shape [${a.re.shape}]`);
  return tidy(() => swapLast2(fft(swapLast2(fft(a)))));
}

/** Inverse 2-D DFT over the last two axes. */
export function ifft2(a: CTensor): CTensor {
  C("ifft2", "a", a);
  if (a.re.rank < 2) V.failWith("ifft2", "a", `a must have rank >= 2, got shape [${a.re.shape}]`);
  return tidy(() => swapLast2(ifft(swapLast2(ifft(a)))));
}

// ---- conversion and bookkeeping -----------------------------------------------------------------

/** To tfjs's complex64 dtype (forward only; works on wasm with lib's kernels, and on cpu). */
export function toNative(a: CTensor): tf.Tensor {
  C("toNative", "a", a);
  return tf.complex(a.re, a.im);
}

/** From a complex64 tensor. */
export function fromNative(x: tf.Tensor): CTensor {
  V.tensor("fromNative", "x", x, { dtype: ["complex64"] });
  return { re: tf.real(x), im: tf.imag(x) };
}

export function dispose(a: CTensor | CTensor[]): void {
  (Array.isArray(a) ? a : [a]).forEach((z, i) => {
    const o = V.plainObject("dispose", Array.isArray(a) ? `a[${i}]` : "a", z);
    if (!V.isTensorLike(o.re) || !V.isTensorLike(o.im)) V.fail("dispose", Array.isArray(a) ? `a[${i}]` : "a", "a complex tensor { re, im }", z);
  });
  for (const z of Array.isArray(a) ? a : [a]) tf.dispose([z.re, z.im]);
}

/** Both parts as typed arrays. */
export function dataSync(a: CTensor): { re: Float32Array; im: Float32Array } {
  C("dataSync", "a", a);
  return { re: a.re.dataSync() as Float32Array, im: a.im.dataSync() as Float32Array };
}
