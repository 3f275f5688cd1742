/**
 * Building blocks of a decoder-only transformer. Every matmul goes through `matmul` / `linear`,
 * whose gradients use explicit transposes and plain products. This was written before `lib/wasm`
 * replaced the WASM backend's slow transposed `BatchMatMul` (10–60× slower on stock tfjs 4.22);
 * with lib's kernels both paths are about equally fast. It is kept because the committed nano-Qwen
 * weights and notebook 09's recorded results were produced through it, and because it keeps the
 * model fast on a stock WASM backend (`PAPERS_WASM_KERNELS=0`) too.
 */
import * as tf from "@tensorflow/tfjs";
import * as V from "../validate";

/** Swap the last two axes (a no-op rank check for rank < 2 is an error). */
export function transposeLast2(x: tf.Tensor): tf.Tensor {
  V.tensor("transposeLast2", "x", x, { minRank: 2 });
  const r = x.rank;
  if (r < 2) throw new Error(`transposeLast2 needs rank ≥ 2, got ${r}`);
  const perm = Array.from({ length: r }, (_, i) => i);
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return tf.transpose(x, perm);
}

const matmulNN = tf.customGrad((a: tf.Tensor | tf.GradSaveFunc, b: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const A = a as tf.Tensor;
  const B = b as tf.Tensor;
  (save as tf.GradSaveFunc)([A, B]);
  return {
    value: tf.matMul(A, B),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved;
      // C = A B  ⇒  dA = dC Bᵀ, dB = Aᵀ dC (explicit transposes, plain matMuls)
      return [tf.matMul(dy, transposeLast2(sb)), tf.matMul(transposeLast2(sa), dy)];
    },
  };
});

/**
 * `a @ b` (optionally transposing either operand first), batched over leading axes, with a
 * gradient that only uses untransposed matMuls.
 */
export function matmul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  V.tensor("matmul", "a", a, { minRank: 2 });
  V.tensor("matmul", "b", b, { minRank: 2 });
  V.boolean("matmul", "transposeA", transposeA);
  V.boolean("matmul", "transposeB", transposeB);
  const ka = a.shape[a.rank - (transposeA ? 2 : 1)];
  const kb = b.shape[b.rank - (transposeB ? 1 : 2)];
  if (ka !== kb) V.failWith("matmul", "b", `inner dimensions differ: a is [${a.shape}]${transposeA ? "ᵀ" : ""}, b is [${b.shape}]${transposeB ? "ᵀ" : ""}`);
  return tf.tidy(() => matmulNN(transposeA ? transposeLast2(a) : a, transposeB ? transposeLast2(b) : b));
}

const linearOp = tf.customGrad((x: tf.Tensor | tf.GradSaveFunc, w: tf.Tensor | tf.GradSaveFunc, save: tf.Tensor | tf.GradSaveFunc) => {
  const X = x as tf.Tensor2D;
  const W = w as tf.Tensor2D;
  (save as tf.GradSaveFunc)([X, W]);
  return {
    value: tf.matMul(X, tf.transpose(W)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved;
      // y = x Wᵀ  ⇒  dx = dy W,  dW = dyᵀ x
      return [tf.matMul(dy, sw), tf.matMul(tf.transpose(dy), sx)];
    },
  };
});

/**
 * A bias-free linear layer in the PyTorch layout: `x` [N, in], `w` [out, in] → [N, out].
 * Row-major [out, in] is also the layout the quantizers work in (one row per output channel).
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  V.tensor("linear", "x", x, { rank: 2 });
  V.tensor("linear", "w", w, { rank: 2 });
  if (x.shape[1] !== w.shape[1]) throw new Error(`linear: x has ${x.shape[1]} features but w is [${w.shape}] ([out, in])`);
  return linearOp(x, w) as tf.Tensor2D;
}

/** RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · g. */
export function rmsNorm<T extends tf.Tensor>(x: T, g: tf.Tensor1D, eps: number): T {
  V.tensor("rmsNorm", "x", x, { minRank: 1 });
  V.tensor("rmsNorm", "g", g, { shape: [x.shape[x.rank - 1]] });
  V.positive("rmsNorm", "eps", eps);
  return tf.tidy(() => {
    const ms = tf.mean(tf.square(x), -1, true);
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), g) as T;
  });
}

/** SiLU(x) = x·σ(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  V.tensor("silu", "x", x);
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)) as T);
}

/**
 * Rotary-embedding tables for positions 0..T-1 in the "rotate half" layout used by Qwen/Llama:
 * frequency i (0 ≤ i < hd/2) is θ^(−2i/hd), applied to the pair (x_i, x_{i+hd/2}).
 * Returns cos and sin, each [T, hd] (the hd/2 angles repeated twice).
 */
export function ropeTables(T: number, headDim: number, theta: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  V.count("ropeTables", "T", T);
  V.count("ropeTables", "headDim", headDim);
  V.positive("ropeTables", "theta", theta);
  if (headDim % 2 !== 0) throw new Error(`RoPE needs an even head dimension, got ${headDim}`);
  const half = headDim / 2;
  const cos = new Float32Array(T * headDim);
  const sin = new Float32Array(T * headDim);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const ang = t * Math.pow(theta, (-2 * i) / headDim);
      cos[t * headDim + i] = cos[t * headDim + i + half] = Math.cos(ang);
      sin[t * headDim + i] = sin[t * headDim + i + half] = Math.sin(ang);
    }
  }
  return { cos: tf.tensor2d(cos, [T, headDim]), sin: tf.tensor2d(sin, [T, headDim]) };
}

/** Apply RoPE to x [B, H, T, hd] with tables cos/sin [≥T, hd]: x·cos + rotate_half(x)·sin. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  V.tensor("applyRope", "x", x, { rank: 4 });
  V.tensor("applyRope", "cos", cos, { rank: 2 });
  V.tensor("applyRope", "sin", sin, { shape: cos.shape });
  if (cos.shape[0] < x.shape[2] || cos.shape[1] !== x.shape[3] || x.shape[3] % 2 !== 0) {
    V.failWith("applyRope", "cos", `tables [${cos.shape}] do not cover x [${x.shape}] (need [>= ${x.shape[2]}, ${x.shape[3]}], even head dimension)`);
  }
  return tf.tidy(() => {
    const [, , T, hd] = x.shape;
    const half = hd / 2;
    const c = cos.shape[0] === T ? cos : tf.slice(cos, [0, 0], [T, hd]);
    const s = sin.shape[0] === T ? sin : tf.slice(sin, [0, 0], [T, hd]);
    const x1 = tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, half]);
    const x2 = tf.slice(x, [0, 0, 0, half], [-1, -1, -1, half]);
    const rot = tf.concat([tf.neg(x2), x1], 3);
    return tf.add(tf.mul(x, c), tf.mul(rot, s)) as tf.Tensor4D;
  });
}

/** Additive causal mask [T, T]: 0 on and below the diagonal, −1e9 above. */
export function causalMask(T: number): tf.Tensor2D {
  V.count("causalMask", "T", T);
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = -1e9;
  return tf.tensor2d(m, [T, T]);
}
