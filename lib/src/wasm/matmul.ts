/**
 * Fast `BatchMatMul` / `_FusedMatMul` for tfjs-backend-wasm.
 *
 * The stock wasm kernel uses XNNPACK only for `a·b` with no transpose flag and batch size 1 on both
 * sides; every other case (`aᵀ·b`, `a·bᵀ`, batched products) falls back to a scalar C++ triple
 * loop that is 10–50× slower. Every backward pass of a dense layer and every attention product lands
 * there. These replacements bring each case back to the fast path:
 *  - a transpose flag becomes an explicit `Transpose` of that operand (O(n²) against the product's O(n³));
 *  - a batched `a` times a single `b` becomes one product with the batch folded into the rows;
 *  - a batched `b` becomes one fast product per batch entry (slices copied on the WASM heap), with
 *    numpy-style broadcasting of the batch dimensions.
 */
import * as tf from "@tensorflow/tfjs";
import { Attrs, f32, free, Inputs, KernelArgs, reshapeInfo, runWasm, sizeOf, swapLast2, TensorInfo, WasmBackend, WasmKernel } from "./common";

type Stock = (args: KernelArgs) => TensorInfo;

/**
 * XNNPACK caches the packed weights of `b` keyed by b's tensor id only, not its shape. Two reshapes
 * of one buffer (same id) used as `b` with different [k, n] therefore hit a stale operator, which
 * reads/writes out of bounds (plain tfjs has this hazard too; einsum and its gradient make it
 * common). We remember the [k, n] each buffer was first packed with and hand XNNPACK a fresh copy
 * when a later call disagrees.
 */
const packedAs = new WeakMap<object, string>();

/** `b3` ([1, k, n]) or a fresh copy of it if its buffer was packed with another shape; `owned` says whether to free it. */
export function safeWeights(backend: WasmBackend, b3: TensorInfo): { b: TensorInfo; owned: boolean } {
  const key = `${b3.shape[1]}x${b3.shape[2]}`;
  const prev = packedAs.get(b3.dataId);
  if (prev === undefined) {
    packedAs.set(b3.dataId, key);
    return { b: b3, owned: false };
  }
  if (prev === key) return { b: b3, owned: false };
  const copy = backend.makeOutput(b3.shape, b3.dtype);
  f32(backend, copy).set(f32(backend, b3));
  packedAs.set(copy.dataId, key);
  return { b: copy, owned: true };
}

/** The stock plain product a[1, m, k] · b[1, k, n] through the XNNPACK path, with the weight-cache guard. */
export function stockPlain(backend: WasmBackend, stock: Stock, a: TensorInfo, b: TensorInfo, extra: Inputs = {}, attrs: Attrs = {}): TensorInfo {
  const w = safeWeights(backend, b);
  try {
    return stock({ inputs: { a, b: w.b, ...extra }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } });
  } finally {
    if (w.owned) free(backend, w.b);
  }
}

/** Index into `inShape` (right-aligned, size-1 dims broadcast) of flat index `i` over `outShape`. */
function broadcastIndex(i: number, outShape: number[], inShape: number[]): number {
  let idx = 0;
  let inStride = 1;
  let rem = i;
  const off = outShape.length - inShape.length;
  for (let d = outShape.length - 1; d >= 0; d--) {
    const coord = rem % outShape[d];
    rem = Math.floor(rem / outShape[d]);
    const id = d - off;
    if (id >= 0) {
      const n = inShape[id];
      if (n !== 1) idx += coord * inStride;
      inStride *= n;
    }
  }
  return idx;
}

interface Plain {
  /** [batchA, m, k] and [batchB, k, n], no transpose; owned by the caller (free both). */
  a3: TensorInfo;
  b3: TensorInfo;
  m: number;
  k: number;
  n: number;
  aBatch: number[];
  bBatch: number[];
  outBatch: number[];
}

/** Bring both operands to plain rank-3 layout, transposing explicitly where a flag asks for it. */
function toPlain(backend: WasmBackend, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Plain {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  const [ar, ac] = [a.shape[ra - 2], a.shape[ra - 1]];
  const [br, bc] = [b.shape[rb - 2], b.shape[rb - 1]];
  const m = transposeA ? ac : ar;
  const kA = transposeA ? ar : ac;
  const kB = transposeB ? bc : br;
  const n = transposeB ? br : bc;
  if (kA !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${a.shape} and ${b.shape} and ` +
        `transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  let a3 = reshapeInfo(backend, a, [sizeOf(aBatch), ar, ac]);
  if (transposeA) {
    const t = swapLast2(backend, a3);
    free(backend, a3);
    a3 = t;
  }
  let b3 = reshapeInfo(backend, b, [sizeOf(bBatch), br, bc]);
  if (transposeB) {
    const t = swapLast2(backend, b3);
    free(backend, b3);
    b3 = t;
  }
  return { a3, b3, m, k: kA, n, aBatch, bBatch, outBatch };
}

/** Plain (no-transpose) product with the stock fast path; result [prod(outBatch), m, n]. */
function plainProduct(backend: WasmBackend, stock: Stock, p: Plain): TensorInfo {
  const { a3, b3, m, k, n, outBatch } = p;
  const batchA = a3.shape[0];
  const batchB = b3.shape[0];
  const batchOut = sizeOf(outBatch);
  if (batchB === 1) {
    // All of a's batch shares one b: fold the batch into the rows (b is packed once).
    const aFlat = reshapeInfo(backend, a3, [1, batchA * m, k]);
    const out = stockPlain(backend, stock, aFlat, b3);
    free(backend, aFlat);
    return out; // batchB = 1 means the output batch is a's batch
  }
  // Batched b: one fast product per output batch entry. XNNPACK caches packed weights by b's tensor
  // id, so each b slice gets a fresh tensor (freed right after, which drops the cached operator).
  const out = backend.makeOutput([batchOut, m, n], "float32");
  let ta: TensorInfo | null = batchA === 1 ? null : backend.makeOutput([1, m, k], "float32");
  const aBatch = p.aBatch;
  const bBatch = p.bBatch;
  for (let i = 0; i < batchOut; i++) {
    const ia = broadcastIndex(i, outBatch, aBatch);
    const ib = broadcastIndex(i, outBatch, bBatch);
    const tb = backend.makeOutput([1, k, n], "float32");
    f32(backend, tb).set(f32(backend, b3).subarray(ib * k * n, (ib + 1) * k * n));
    let aIn: TensorInfo = a3;
    if (ta) {
      f32(backend, ta).set(f32(backend, a3).subarray(ia * m * k, (ia + 1) * m * k));
      aIn = ta;
    }
    const o = stockPlain(backend, stock, aIn, tb);
    f32(backend, out).set(f32(backend, o), i * m * n);
    free(backend, o, tb);
  }
  free(backend, ta);
  ta = null;
  return out;
}

/**
 * Many tiny products (m·n·k below ~6k, e.g. 64 heads of 16×16): the per-entry cost of a fast call
 * (~4 µs) exceeds the stock scalar loop, which we then keep — only when both batches are equal
 * (the stock loop does not broadcast batch dimensions).
 */
const SMALL_MNK = 6144;
function smallBatched(as: number[], bs: number[], tA: boolean, tB: boolean): boolean {
  const ra = as.length;
  const rb = bs.length;
  if (ra < 3 && rb < 3) return false;
  const aB = as.slice(0, -2);
  const bB = bs.slice(0, -2);
  if (aB.length !== bB.length || aB.some((d, i) => d !== bB[i]) || sizeOf(aB) === 1) return false;
  const m = tA ? as[ra - 1] : as[ra - 2];
  const k = tA ? as[ra - 2] : as[ra - 1];
  const n = tB ? bs[rb - 2] : bs[rb - 1];
  return m * n * k < SMALL_MNK;
}

export function makeBatchMatMul(stockKernel: tf.KernelFunc): WasmKernel {
  const stock = stockKernel as unknown as Stock;
  return (args: KernelArgs): TensorInfo => {
    const { inputs, backend } = args;
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const transposeA = Boolean(args.attrs?.transposeA);
    const transposeB = Boolean(args.attrs?.transposeB);
    if (a.dtype !== "float32" || b.dtype !== "float32") return stock(args); // stock error message
    if (smallBatched(a.shape, b.shape, transposeA, transposeB)) return stock(args);
    const p = toPlain(backend, a, b, transposeA, transposeB);
    try {
      const out = plainProduct(backend, stock, p);
      out.shape = [...p.outBatch, p.m, p.n];
      return out;
    } finally {
      free(backend, p.a3, p.b3);
    }
  };
}

/** Activations the fused kernel accepts, applied with the wasm elementwise kernels. */
function applyActivation(backend: WasmBackend, x: TensorInfo, activation: string, alpha: TensorInfo | undefined, leakyreluAlpha: number): TensorInfo {
  switch (activation) {
    case "linear":
      return x;
    case "relu":
      return runWasm("Relu", { x }, backend);
    case "relu6":
      return runWasm("Relu6", { x }, backend);
    case "sigmoid":
      return runWasm("Sigmoid", { x }, backend);
    case "elu":
      return runWasm("Elu", { x }, backend);
    case "leakyrelu":
      return runWasm("LeakyRelu", { x }, backend, { alpha: leakyreluAlpha });
    case "prelu":
      return runWasm("Prelu", { x, alpha }, backend);
    default:
      throw new Error(`_FusedMatMul: activation '${activation}' is not supported on wasm`);
  }
}

export function makeFusedMatMul(stockKernel: tf.KernelFunc, batchMatMul: WasmKernel): WasmKernel {
  const stock = stockKernel as unknown as Stock;
  return (args: KernelArgs): TensorInfo => {
    const { inputs, backend } = args;
    const attrs = args.attrs ?? {};
    const a = inputs.a as TensorInfo;
    const b = inputs.b as TensorInfo;
    const { bias, preluActivationWeights } = inputs;
    const transposeA = Boolean(attrs.transposeA);
    const transposeB = Boolean(attrs.transposeB);
    const activation = String(attrs.activation ?? "linear");
    const leakyreluAlpha = Number(attrs.leakyreluAlpha ?? 0.2);
    if (a.dtype !== "float32" || b.dtype !== "float32") return stock(args);
    const batchA = sizeOf(a.shape.slice(0, -2));
    const batchB = sizeOf(b.shape.slice(0, -2));
    const biasOk = bias == null || bias.shape.length === 1;
    // Already on the fast path: leave it to the stock kernel.
    if (!transposeA && !transposeB && batchA === 1 && batchB === 1) {
      return stockPlain(backend, stock, a, b, { bias, preluActivationWeights }, attrs);
    }
    if (batchB === 1 && biasOk && activation !== "prelu") {
      // Explicit transposes, batch folded into rows, then the stock fused kernel (bias + activation in XNNPACK).
      const p = toPlain(backend, a, b, transposeA, transposeB);
      try {
        const aFlat = reshapeInfo(backend, p.a3, [1, batchA * p.m, p.k]);
        const out = stockPlain(backend, stock, aFlat, p.b3, { bias, preluActivationWeights }, attrs);
        free(backend, aFlat);
        out.shape = [...p.outBatch, p.m, p.n];
        return out;
      } finally {
        free(backend, p.a3, p.b3);
      }
    }
    // General case: fast product, then bias and activation with the elementwise kernels.
    const prod = batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA, transposeB } }) as TensorInfo;
    let y = prod;
    if (bias) {
      y = runWasm("Add", { a: prod, b: bias }, backend);
      free(backend, prod);
    }
    const act = applyActivation(backend, y, activation, preluActivationWeights, leakyreluAlpha);
    if (act !== y) free(backend, y);
    return act;
  };
}
