/**
 * A small Qwen-style decoder-only language model: token embedding (tied with the output head),
 * pre-norm blocks of RMSNorm → grouped-query self-attention (optional per-head q/k RMSNorm as in
 * Qwen3, rotary or learned positions, causal mask) → residual → RMSNorm → SwiGLU MLP → residual,
 * a final RMSNorm and logits = h Eᵀ.
 *
 * Weights are plain tensors in the PyTorch layout (linear weights [out, in]) so that notebooks can
 * read a layer as a row-major matrix, change it (quantize, rescale) and run the model again.
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random";
import * as Val from "../validate";
import { applyRope, causalMask, linear, matmul, rmsNorm, ropeTables, silu } from "./ops";

export interface QwenConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  /** Query heads. */
  nHeads: number;
  /** Key/value heads (GQA when < nHeads; must divide nHeads). */
  nKvHeads: number;
  headDim: number;
  /** SwiGLU hidden width (intermediate size). */
  ffnHidden: number;
  /** Longest sequence the model accepts (size of the position tables). */
  contextLength: number;
  positional: "rope" | "learned";
  ropeTheta: number;
  normEps: number;
  /** Qwen3's per-head RMSNorm on queries and keys (before RoPE). */
  qkNorm: boolean;
}

export const LINEAR_NAMES = ["q", "k", "v", "o", "gate", "up", "down"] as const;
export type LinearName = (typeof LINEAR_NAMES)[number];

export interface BlockWeights<T = tf.Tensor> {
  attnNorm: T;
  q: T;
  k: T;
  v: T;
  qNorm?: T;
  kNorm?: T;
  o: T;
  mlpNorm: T;
  gate: T;
  up: T;
  down: T;
}

export interface QwenWeights<T = tf.Tensor> {
  /** Token embedding [V, d]; also the output head (tied). */
  embed: T;
  /** Learned positions [contextLength, d] (only when positional = "learned"). */
  pos?: T;
  blocks: BlockWeights<T>[];
  finalNorm: T;
}

/** Defaults: the "nano-Qwen" of the quantization notebook (d 64, 4 layers, 2 heads × 32, SwiGLU 192). */
const CONFIG_KEYS = [
  "vocabSize", "dModel", "nLayers", "nHeads", "nKvHeads", "headDim", "ffnHidden", "contextLength", "positional", "ropeTheta", "normEps", "qkNorm",
] as const;

export function qwenConfig(over: Partial<QwenConfig> = {}): QwenConfig {
  Val.options("qwenConfig", "over", over, CONFIG_KEYS);
  const cfg: QwenConfig = {
    vocabSize: 256,
    dModel: 64,
    nLayers: 4,
    nHeads: 2,
    nKvHeads: 2,
    headDim: 32,
    ffnHidden: 192,
    contextLength: 64,
    positional: "rope",
    ropeTheta: 10000,
    normEps: 1e-6,
    qkNorm: true,
    ...over,
  };
  validateConfig(cfg);
  return cfg;
}

export function validateConfig(c: QwenConfig): void {
  Val.plainObject("validateConfig", "c", c);
  const ints: (keyof QwenConfig)[] = ["vocabSize", "dModel", "nLayers", "nHeads", "nKvHeads", "headDim", "ffnHidden", "contextLength"];
  for (const k of ints) {
    const v = c[k] as number;
    if (!Number.isInteger(v) || v < 1) throw new Error(`QwenConfig.${k} must be a positive integer, got ${v}`);
  }
  Val.positive("validateConfig", "c.ropeTheta", c.ropeTheta);
  Val.positive("validateConfig", "c.normEps", c.normEps);
  Val.boolean("validateConfig", "c.qkNorm", c.qkNorm);
  if (c.nHeads % c.nKvHeads !== 0) throw new Error(`QwenConfig: nKvHeads (${c.nKvHeads}) must divide nHeads (${c.nHeads})`);
  if (c.positional === "rope" && c.headDim % 2 !== 0) throw new Error("QwenConfig: RoPE needs an even headDim");
  if (c.positional !== "rope" && c.positional !== "learned") throw new Error(`QwenConfig.positional '${c.positional}'`);
}

/** Shapes [out, in] of the seven linears of a block. */
export function linearShapes(c: QwenConfig): Record<LinearName, [number, number]> {
  validateConfig(c);
  const d = c.dModel;
  return {
    q: [c.nHeads * c.headDim, d],
    k: [c.nKvHeads * c.headDim, d],
    v: [c.nKvHeads * c.headDim, d],
    o: [d, c.nHeads * c.headDim],
    gate: [c.ffnHidden, d],
    up: [c.ffnHidden, d],
    down: [d, c.ffnHidden],
  };
}

/** Parameter counts: all, the quantizable linears (7 per block), embeddings, norms, positions. */
export function paramCounts(c: QwenConfig): { total: number; linear: number; embed: number; norms: number; pos: number } {
  validateConfig(c);
  const sh = linearShapes(c);
  const linearPer = LINEAR_NAMES.reduce((s, n) => s + sh[n][0] * sh[n][1], 0);
  const normsPer = 2 * c.dModel + (c.qkNorm ? 2 * c.headDim : 0);
  const linear = c.nLayers * linearPer;
  const embed = c.vocabSize * c.dModel;
  const norms = c.nLayers * normsPer + c.dModel;
  const pos = c.positional === "learned" ? c.contextLength * c.dModel : 0;
  return { total: linear + embed + norms + pos, linear, embed, norms, pos };
}

/**
 * Fresh weights as trainable variables: N(0, 0.02²) for embeddings and linears, the residual
 * output projections (o, down) scaled by 1/√(2L), norm gains 1. Drawn from `rng` (deterministic).
 */
export function initWeights(c: QwenConfig, rng: Rng, std = 0.02): QwenWeights<tf.Variable> {
  validateConfig(c);
  if (typeof rng !== "object" || rng === null || typeof (rng as { normal?: unknown }).normal !== "function") Val.fail("initWeights", "rng", "a random source with normal() (e.g. L.rng())", rng);
  Val.positive("initWeights", "std", std);
  const normal = (shape: number[], s: number, name: string): tf.Variable => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal(0, s);
    return tf.variable(tf.tensor(v, shape), true, name);
  };
  const ones = (n: number, name: string): tf.Variable => tf.variable(tf.ones([n]), true, name);
  const sh = linearShapes(c);
  const outStd = std / Math.sqrt(2 * c.nLayers);
  const uid = Math.floor(rng.uniform() * 1e9).toString(36);
  const blocks: BlockWeights<tf.Variable>[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `qwen_${uid}.blocks.${l}.`;
    blocks.push({
      attnNorm: ones(c.dModel, p + "attnNorm"),
      q: normal(sh.q, std, p + "q"),
      k: normal(sh.k, std, p + "k"),
      v: normal(sh.v, std, p + "v"),
      ...(c.qkNorm ? { qNorm: ones(c.headDim, p + "qNorm"), kNorm: ones(c.headDim, p + "kNorm") } : {}),
      o: normal(sh.o, outStd, p + "o"),
      mlpNorm: ones(c.dModel, p + "mlpNorm"),
      gate: normal(sh.gate, std, p + "gate"),
      up: normal(sh.up, std, p + "up"),
      down: normal(sh.down, outStd, p + "down"),
    });
  }
  return {
    embed: normal([c.vocabSize, c.dModel], std, `qwen_${uid}.embed`),
    ...(c.positional === "learned" ? { pos: normal([c.contextLength, c.dModel], std, `qwen_${uid}.pos`) } : {}),
    blocks,
    finalNorm: ones(c.dModel, `qwen_${uid}.finalNorm`),
  };
}

/** Every weight tensor with a stable dotted name ("embed", "blocks.0.q", …), in a fixed order. */
export function namedWeights<T>(w: QwenWeights<T>): [string, T][] {
  Val.array("namedWeights", "w.blocks", Val.plainObject("namedWeights", "w", w).blocks);
  const out: [string, T][] = [["embed", w.embed]];
  if (w.pos) out.push(["pos", w.pos]);
  const keys: (keyof BlockWeights)[] = ["attnNorm", "q", "k", "v", "qNorm", "kNorm", "o", "mlpNorm", "gate", "up", "down"];
  w.blocks.forEach((b, l) => {
    for (const k of keys) if (b[k] !== undefined) out.push([`blocks.${l}.${k}`, b[k] as T]);
  });
  out.push(["finalNorm", w.finalNorm]);
  return out;
}

/** Rebuild a weights object from named tensors (inverse of `namedWeights`). */
export function weightsFromNamed<T>(c: QwenConfig, named: Map<string, T> | Record<string, T>): QwenWeights<T> {
  validateConfig(c);
  if (!(named instanceof Map)) Val.plainObject("weightsFromNamed", "named", named);
  const get = (k: string, optional = false): T | undefined => {
    const v = named instanceof Map ? named.get(k) : named[k];
    if (v === undefined && !optional) throw new Error(`weights: missing '${k}'`);
    return v;
  };
  const blocks: BlockWeights<T>[] = [];
  for (let l = 0; l < c.nLayers; l++) {
    const p = `blocks.${l}.`;
    const b: BlockWeights<T> = {
      attnNorm: get(p + "attnNorm")!,
      q: get(p + "q")!,
      k: get(p + "k")!,
      v: get(p + "v")!,
      o: get(p + "o")!,
      mlpNorm: get(p + "mlpNorm")!,
      gate: get(p + "gate")!,
      up: get(p + "up")!,
      down: get(p + "down")!,
    };
    if (c.qkNorm) {
      b.qNorm = get(p + "qNorm")!;
      b.kNorm = get(p + "kNorm")!;
    }
    blocks.push(b);
  }
  return { embed: get("embed")!, pos: c.positional === "learned" ? get("pos")! : undefined, blocks, finalNorm: get("finalNorm")! };
}

/** Apply `f` to every tensor (e.g. clone, dispose, to Float64Array). */
export function mapWeights<A, B>(w: QwenWeights<A>, f: (x: A, name: string) => B): QwenWeights<B> {
  Val.func("mapWeights", "f", f);
  const m = new Map<string, B>();
  for (const [k, v] of namedWeights(w)) m.set(k, f(v, k));
  const blocks = w.blocks.map((b, l) => {
    const o: Partial<BlockWeights<B>> = {};
    for (const key of Object.keys(b) as (keyof BlockWeights)[]) if (b[key] !== undefined) o[key] = m.get(`blocks.${l}.${key}`);
    return o as BlockWeights<B>;
  });
  return { embed: m.get("embed")!, pos: w.pos !== undefined ? m.get("pos") : undefined, blocks, finalNorm: m.get("finalNorm")! };
}

/** Dispose every tensor of a weights object. */
export function disposeWeights(w: QwenWeights<tf.Tensor>): void {
  Val.plainObject("disposeWeights", "w", w);
  for (const [, t] of namedWeights(w)) t.dispose();
}

// ---------------------------------------------------------------- forward

/**
 * Hooks into the forward pass. `linearInput` sees the 2-D input [N, in] of every linear (called
 * once per linear, so q, k and v each see the same normed input); returning a tensor replaces the
 * input of that linear only (e.g. fake-quantized activations). Use it to capture calibration data.
 */
export interface ForwardHooks {
  linearInput?: (layer: number, name: LinearName, x: tf.Tensor2D) => tf.Tensor2D | void;
}

/** Per-forward constants (RoPE tables, causal mask) for sequences of length T. */
export interface ForwardContext {
  T: number;
  mask: tf.Tensor2D;
  cos?: tf.Tensor2D;
  sin?: tf.Tensor2D;
}

const ctxCache = new Map<string, ForwardContext>();

/** Cached constants for length T (kept across calls; `tf.keep`-ed so tidy never frees them). */
export function forwardContext(c: QwenConfig, T: number): ForwardContext {
  Val.count("forwardContext", "T", T);
  const key = `${T}|${c.headDim}|${c.positional}|${c.ropeTheta}`;
  let ctx = ctxCache.get(key);
  if (!ctx || ctx.mask.isDisposed) {
    const mask = tf.keep(causalMask(T));
    let cos: tf.Tensor2D | undefined;
    let sin: tf.Tensor2D | undefined;
    if (c.positional === "rope") {
      const r = ropeTables(T, c.headDim, c.ropeTheta);
      cos = tf.keep(r.cos);
      sin = tf.keep(r.sin);
    }
    ctx = { T, mask, cos, sin };
    ctxCache.set(key, ctx);
  }
  return ctx;
}

function lin(hooks: ForwardHooks | undefined, layer: number, name: LinearName, x: tf.Tensor2D, w: tf.Tensor): tf.Tensor2D {
  const r = hooks?.linearInput?.(layer, name, x);
  return linear(r ?? x, w as tf.Tensor2D);
}

/**
 * Self-attention with its output projection on an already-normed input `xn` [B, T, d] → [B, T, d].
 * Query head h reads key/value head ⌊h / (nHeads/nKvHeads)⌋ (GQA).
 */
export function attention(c: QwenConfig, b: BlockWeights, xn: tf.Tensor3D, layer = 0, hooks?: ForwardHooks): tf.Tensor3D {
  Val.tensor("attention", "xn", xn, { shape: [null, null, c.dModel] });
  Val.plainObject("attention", "b", b);
  Val.nonNegInt("attention", "layer", layer);
  return tf.tidy(() => {
    const [B, T, d] = xn.shape;
    const H = c.nHeads;
    const KV = c.nKvHeads;
    const hd = c.headDim;
    const ctx = forwardContext(c, T);
    const x2 = tf.reshape(xn, [B * T, d]) as tf.Tensor2D;
    const heads = (y: tf.Tensor2D, n: number): tf.Tensor4D =>
      tf.transpose(tf.reshape(y, [B, T, n, hd]), [0, 2, 1, 3]) as tf.Tensor4D; // [B, n, T, hd]
    let q = heads(lin(hooks, layer, "q", x2, b.q), H);
    let k = heads(lin(hooks, layer, "k", x2, b.k), KV);
    const v0 = heads(lin(hooks, layer, "v", x2, b.v), KV);
    if (c.qkNorm) {
      q = rmsNorm(q, b.qNorm as tf.Tensor1D, c.normEps);
      k = rmsNorm(k, b.kNorm as tf.Tensor1D, c.normEps);
    }
    if (c.positional === "rope") {
      q = applyRope(q, ctx.cos!, ctx.sin!);
      k = applyRope(k, ctx.cos!, ctx.sin!);
    }
    let v = v0;
    if (KV !== H) {
      const rep = H / KV;
      // [B, KV, T, hd] → [B·KV, 1, T·hd] → tile ×rep → [B, H, T, hd] (head h reads KV head ⌊h/rep⌋)
      const expand = (t: tf.Tensor4D): tf.Tensor4D =>
        tf.reshape(tf.tile(tf.reshape(t, [B * KV, 1, T * hd]), [1, rep, 1]), [B, H, T, hd]) as tf.Tensor4D;
      k = expand(k);
      v = expand(v);
    }
    const scores = tf.add(tf.mul(matmul(q, k, false, true), 1 / Math.sqrt(hd)), ctx.mask); // [B, H, T, T]
    const probs = tf.softmax(scores, -1);
    const ctxv = matmul(probs, v); // [B, H, T, hd]
    const merged = tf.reshape(tf.transpose(ctxv, [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
    return tf.reshape(lin(hooks, layer, "o", merged, b.o), [B, T, d]) as tf.Tensor3D;
  });
}

/** SwiGLU MLP on an already-normed input [N, d] → [N, d]: down(silu(gate x) ⊙ up x). */
export function mlp(b: BlockWeights, xn: tf.Tensor2D, layer = 0, hooks?: ForwardHooks): tf.Tensor2D {
  Val.plainObject("mlp", "b", b);
  Val.tensor("mlp", "xn", xn, { rank: 2 });
  Val.nonNegInt("mlp", "layer", layer);
  return tf.tidy(() => {
    const g = lin(hooks, layer, "gate", xn, b.gate);
    const u = lin(hooks, layer, "up", xn, b.up);
    const h = tf.mul(silu(g), u) as tf.Tensor2D;
    return lin(hooks, layer, "down", h, b.down);
  });
}

/** One pre-norm decoder block: x + attn(norm(x)), then + mlp(norm(·)). x [B, T, d]. */
export function block(c: QwenConfig, b: BlockWeights, x: tf.Tensor3D, layer = 0, hooks?: ForwardHooks): tf.Tensor3D {
  Val.plainObject("block", "b", b);
  Val.tensor("block", "x", x, { shape: [null, null, c.dModel] });
  Val.nonNegInt("block", "layer", layer);
  return tf.tidy(() => {
    const [B, T, d] = x.shape;
    const h = tf.add(x, attention(c, b, rmsNorm(x, b.attnNorm as tf.Tensor1D, c.normEps), layer, hooks)) as tf.Tensor3D;
    const h2 = tf.reshape(h, [B * T, d]) as tf.Tensor2D;
    const m = mlp(b, rmsNorm(h2, b.mlpNorm as tf.Tensor1D, c.normEps), layer, hooks);
    return tf.add(h, tf.reshape(m, [B, T, d])) as tf.Tensor3D;
  });
}

/**
 * Token ids [B, T] → hidden states [B, T, d]. The lookup is a one-hot × embedding matmul (its
 * gradient is a matmul too, so it trains on backends without a scatter kernel; V is small here).
 */
export function embed(c: QwenConfig, w: QwenWeights, tokens: tf.Tensor2D): tf.Tensor3D {
  Val.tensor("embed", "tokens", tokens, { rank: 2 });
  return tf.tidy(() => {
    const [B, T] = tokens.shape;
    if (T > c.contextLength) throw new Error(`sequence length ${T} exceeds contextLength ${c.contextLength}`);
    const oh = tf.cast(tf.oneHot(tf.reshape(tf.cast(tokens, "int32"), [B * T]), c.vocabSize), "float32") as tf.Tensor2D;
    let h = tf.reshape(matmul(oh, w.embed), [B, T, c.dModel]);
    if (c.positional === "learned") h = tf.add(h, tf.slice(w.pos!, [0, 0], [T, c.dModel]));
    return h as tf.Tensor3D;
  });
}

/** Final RMSNorm and the tied head: h [B, T, d] → logits [B, T, V]. */
export function head(c: QwenConfig, w: QwenWeights, h: tf.Tensor3D): tf.Tensor3D {
  Val.tensor("head", "h", h, { shape: [null, null, c.dModel] });
  return tf.tidy(() => {
    const [B, T, d] = h.shape;
    const hn = rmsNorm(tf.reshape(h, [B * T, d]) as tf.Tensor2D, w.finalNorm as tf.Tensor1D, c.normEps);
    return tf.reshape(matmul(hn, w.embed, false, true), [B, T, c.vocabSize]) as tf.Tensor3D;
  });
}

/** Token ids [B, T] → logits [B, T, V]. */
export function forward(c: QwenConfig, w: QwenWeights, tokens: tf.Tensor2D, hooks?: ForwardHooks): tf.Tensor3D {
  Val.tensor("forward", "tokens", tokens, { rank: 2 });
  if (tokens.shape[1] > c.contextLength) Val.failWith("forward", "tokens", `sequence length ${tokens.shape[1]} exceeds contextLength ${c.contextLength}`);
  Val.array("forward", "w.blocks", w.blocks, { length: c.nLayers });
  return tf.tidy(() => {
    let h = embed(c, w, tokens);
    w.blocks.forEach((b, l) => {
      h = block(c, b, h, l, hooks);
    });
    return head(c, w, h);
  });
}

/** Per-position negative log-likelihood [B, T] of `targets` under `logits` [B, T, V]. */
export function tokenNll(logits: tf.Tensor3D, targets: tf.Tensor2D): tf.Tensor2D {
  Val.tensor("tokenNll", "logits", logits, { rank: 3 });
  Val.tensor("tokenNll", "targets", targets, { shape: [logits.shape[0], logits.shape[1]] });
  return tf.tidy(() => {
    const V = logits.shape[2];
    const lp = tf.logSoftmax(logits, -1);
    const oh = tf.cast(tf.oneHot(tf.cast(targets, "int32"), V), "float32");
    return tf.neg(tf.sum(tf.mul(lp, oh), -1)) as tf.Tensor2D;
  });
}

/**
 * Mean next-token cross-entropy of windows [B, L]: positions 0..L-2 predict 1..L-1
 * (so L may be contextLength + 1). A scalar in nats.
 */
export function lmLoss(c: QwenConfig, w: QwenWeights, windows: tf.Tensor2D, hooks?: ForwardHooks): tf.Scalar {
  Val.tensor("lmLoss", "windows", windows, { rank: 2 });
  if (windows.shape[1] < 2) Val.failWith("lmLoss", "windows", `windows need length >= 2 (input + next token), got shape [${windows.shape}]`);
  return tf.tidy(() => {
    const [B, L] = windows.shape;
    const inp = tf.slice(windows, [0, 0], [B, L - 1]) as tf.Tensor2D;
    const tgt = tf.slice(windows, [0, 1], [B, L - 1]) as tf.Tensor2D;
    return tf.mean(tokenNll(forward(c, w, inp, hooks), tgt)) as tf.Scalar;
  });
}

export interface EvalResult {
  /** Mean next-token NLL in nats over all predicted positions. */
  nll: number;
  /** exp(mean over windows of the window's mean NLL) — the paper's PPL protocol. */
  ppl: number;
  /** Next-token top-1 accuracy. */
  accuracy: number;
  tokens: number;
}

/**
 * Perplexity and next-token accuracy on fixed windows [count, L] (Int32Array, row-major), in
 * batches of `batch` windows. Deterministic given the weights.
 */
export function evaluate(
  c: QwenConfig,
  w: QwenWeights,
  windows: Int32Array,
  L: number,
  opts: { batch?: number; hooks?: ForwardHooks } = {},
): EvalResult {
  Val.intArray("evaluate", "windows", windows, { min: 0, below: c.vocabSize }, { minLength: 1 });
  Val.integer("evaluate", "L", L, { min: 2 });
  Val.options("evaluate", "opts", opts, ["batch", "hooks"]);
  if (opts.batch !== undefined) Val.count("evaluate", "opts.batch", opts.batch);
  const count = windows.length / L;
  if (!Number.isInteger(count)) throw new Error(`evaluate: ${windows.length} ids is not a whole number of windows of ${L}`);
  const batch = opts.batch ?? 64;
  let nllSum = 0;
  let winMeanSum = 0;
  let correct = 0;
  let n = 0;
  for (let s = 0; s < count; s += batch) {
    const bsz = Math.min(batch, count - s);
    const [nllRows, hits] = tf.tidy(() => {
      const win = tf.tensor2d(windows.subarray(s * L, (s + bsz) * L), [bsz, L], "int32");
      const inp = tf.slice(win, [0, 0], [bsz, L - 1]) as tf.Tensor2D;
      const tgt = tf.slice(win, [0, 1], [bsz, L - 1]) as tf.Tensor2D;
      const logits = forward(c, w, inp, opts.hooks);
      const nll = tokenNll(logits, tgt);
      const hit = tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tgt), "float32"));
      return [nll.dataSync() as Float32Array, hit.dataSync()[0]];
    });
    for (let i = 0; i < bsz; i++) {
      let m = 0;
      for (let t = 0; t < L - 1; t++) m += nllRows[i * (L - 1) + t];
      nllSum += m;
      winMeanSum += m / (L - 1);
    }
    correct += hits;
    n += bsz * (L - 1);
  }
  return { nll: nllSum / n, ppl: Math.exp(winMeanSum / count), accuracy: correct / n, tokens: n };
}
