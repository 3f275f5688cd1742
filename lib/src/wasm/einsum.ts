/**
 * `Einsum` for tfjs-backend-wasm, and a gradient for `Einsum` (tfjs-core 4.22 defines none, on any
 * backend).
 *
 * One planner, two executors. The planner contracts operands left to right; each pairwise
 * contraction sums out indices used nowhere else, transposes both operands to
 * [batch, free, contracted] / [batch, contracted, free], and does one batched matmul (the fast
 * wasm BatchMatMul). The kernel runs it on TensorInfos with the wasm kernels; the gradient runs it
 * with ordinary tf ops, so it works on every backend and is itself differentiable.
 *
 * Supported: explicit ('ij,jk->ik') and implicit ('ij,jk') output, any number of operands, scalars
 * (empty terms), '...' ellipsis (broadcast only between equal sizes). Not supported: an index
 * repeated within one operand (diagonals, traces) — as in tfjs's own cpu kernel.
 */
import * as tf from "@tensorflow/tfjs";
import { free, KernelArgs, reshapeInfo, runWasm, sizeOf, TensorInfo, WasmBackend } from "./common";

/** The operations the planner needs; `drop` frees an intermediate (never an input). */
export interface EinsumOps<T> {
  shape(t: T): number[];
  sum(t: T, axes: number[]): T;
  transpose(t: T, perm: number[]): T;
  reshape(t: T, shape: number[]): T;
  /** [B, M, K] × [B, K, N] -> [B, M, N] */
  matmul(a: T, b: T): T;
  drop(t: T): void;
}

export interface ParsedEinsum {
  terms: string[];
  output: string;
}

/** Parse an equation for operands of the given ranks (expands '...', infers an implicit output). */
export function parseEinsum(equation: string, ranks: number[]): ParsedEinsum {
  const eq = equation.replace(/\s+/g, "");
  const arrow = eq.indexOf("->");
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  let rhs = arrow >= 0 ? eq.slice(arrow + 2) : null;
  const rawTerms = lhs.split(",");
  if (rawTerms.length !== ranks.length) {
    throw new Error(`einsum '${equation}': ${rawTerms.length} operand terms but ${ranks.length} tensors`);
  }
  const used = new Set(eq.replace(/[^A-Za-z]/g, "").split(""));
  const pool = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".split("").filter((c) => !used.has(c));
  let maxEll = 0;
  const terms = rawTerms.map((t, i) => {
    if (!/^[A-Za-z]*(\.\.\.)?[A-Za-z]*$/.test(t)) throw new Error(`einsum '${equation}': bad term '${t}'`);
    if (!t.includes("...")) {
      if (t.length !== ranks[i]) {
        throw new Error(`einsum '${equation}': term '${t}' has ${t.length} indices but operand ${i} has rank ${ranks[i]}`);
      }
      return t;
    }
    const nEll = ranks[i] - (t.length - 3);
    if (nEll < 0) throw new Error(`einsum '${equation}': operand ${i} has rank ${ranks[i]}, too small for '${t}'`);
    maxEll = Math.max(maxEll, nEll);
    const letters = pool.slice(maxEll - nEll, maxEll).join(""); // right-aligned
    return t.replace("...", letters);
  });
  const ell = pool.slice(0, maxEll).join("");
  if (rhs == null) {
    const count = new Map<string, number>();
    for (const t of rawTerms) for (const c of t.replace("...", "")) count.set(c, (count.get(c) ?? 0) + 1);
    rhs = ell + [...count.keys()].filter((c) => count.get(c) === 1).sort().join("");
  } else {
    if (!/^[A-Za-z]*(\.\.\.)?[A-Za-z]*$/.test(rhs)) throw new Error(`einsum '${equation}': bad output '${rhs}'`);
    rhs = rhs.replace("...", ell);
  }
  for (const t of terms) {
    if (new Set(t).size !== t.length) {
      throw new Error(`einsum '${equation}': an index repeated within one operand ('${t}', a diagonal/trace) is not supported`);
    }
  }
  if (new Set(rhs).size !== rhs.length) throw new Error(`einsum '${equation}': repeated index in the output`);
  const all = new Set(terms.join(""));
  for (const c of rhs) if (!all.has(c)) throw new Error(`einsum '${equation}': output index '${c}' appears in no operand`);
  return { terms, output: rhs };
}

/** Evaluate an einsum with the given executor. Inputs are never dropped. */
export function einsumWith<T>(ops: EinsumOps<T>, equation: string, operands: T[]): T {
  const { terms, output } = parseEinsum(equation, operands.map((t) => ops.shape(t).length));
  const size = new Map<string, number>();
  operands.forEach((t, i) => {
    const sh = ops.shape(t);
    [...terms[i]].forEach((c, d) => {
      const prev = size.get(c);
      if (prev != null && prev !== sh[d]) {
        throw new Error(`einsum '${equation}': index '${c}' has size ${prev} in one operand and ${sh[d]} in another`);
      }
      size.set(c, sh[d]);
    });
  });
  const dims = (idx: string) => [...idx].map((c) => size.get(c) as number);
  const owned = new Set<T>();
  const drop = (t: T) => {
    if (owned.has(t)) {
      owned.delete(t);
      ops.drop(t);
    }
  };
  const own = (t: T) => {
    owned.add(t);
    return t;
  };
  /** Sum out the indices of `idx` not in `keep`. */
  const reduce = (t: T, idx: string, keep: (c: string) => boolean): [T, string] => {
    const axes = [...idx].map((c, i) => (keep(c) ? -1 : i)).filter((i) => i >= 0);
    if (!axes.length) return [t, idx];
    const r = own(ops.sum(t, axes));
    drop(t);
    return [r, [...idx].filter((c) => keep(c)).join("")];
  };
  const permute = (t: T, idx: string, target: string): T => {
    const perm = [...target].map((c) => idx.indexOf(c));
    if (perm.every((p, i) => p === i)) return t;
    const r = own(ops.transpose(t, perm));
    drop(t);
    return r;
  };
  const reshape = (t: T, shape: number[]): T => {
    const r = own(ops.reshape(t, shape));
    drop(t);
    return r;
  };

  let cur = operands[0];
  let curIdx = terms[0];
  for (let i = 1; i < operands.length; i++) {
    const later = new Set(output + terms.slice(i + 1).join(""));
    let a = cur;
    let aIdx = curIdx;
    let b = operands[i];
    let bIdx = terms[i];
    // Indices that appear in only one of the pair and nowhere later are summed out first.
    [a, aIdx] = reduce(a, aIdx, (c) => later.has(c) || bIdx.includes(c));
    [b, bIdx] = reduce(b, bIdx, (c) => later.has(c) || aIdx.includes(c));
    const batch = [...aIdx].filter((c) => bIdx.includes(c) && later.has(c)).join("");
    const contr = [...aIdx].filter((c) => bIdx.includes(c) && !later.has(c)).join("");
    const freeA = [...aIdx].filter((c) => !bIdx.includes(c)).join("");
    const freeB = [...bIdx].filter((c) => !aIdx.includes(c)).join("");
    a = permute(a, aIdx, batch + freeA + contr);
    b = permute(b, bIdx, batch + contr + freeB);
    const [nb, m, k, n] = [sizeOf(dims(batch)), sizeOf(dims(freeA)), sizeOf(dims(contr)), sizeOf(dims(freeB))];
    a = reshape(a, [nb, m, k]);
    b = reshape(b, [nb, k, n]);
    const prod = own(ops.matmul(a, b));
    drop(a);
    drop(b);
    cur = reshape(prod, dims(batch + freeA + freeB));
    curIdx = batch + freeA + freeB;
  }
  [cur, curIdx] = reduce(cur, curIdx, (c) => output.includes(c));
  cur = permute(cur, curIdx, output);
  if (!owned.has(cur)) {
    // The result is an input unchanged ('ij->ij'): hand back a fresh reference.
    cur = ops.reshape(cur, ops.shape(cur));
  }
  owned.delete(cur);
  for (const t of owned) ops.drop(t);
  return cur;
}

/** Executor on wasm TensorInfos (inside a kernel). */
function wasmOps(backend: WasmBackend): EinsumOps<TensorInfo> {
  return {
    shape: (t) => t.shape,
    sum: (t, axes) => runWasm("Sum", { x: t }, backend, { axis: axes, keepDims: false }),
    transpose: (t, perm) => runWasm("Transpose", { x: t }, backend, { perm }),
    reshape: (t, shape) => reshapeInfo(backend, t, shape),
    matmul: (a, b) => runWasm("BatchMatMul", { a, b }, backend, { transposeA: false, transposeB: false }),
    drop: (t) => free(backend, t),
  };
}

/** Executor with tf ops (any backend, differentiable). */
export const tensorOps: EinsumOps<tf.Tensor> = {
  shape: (t) => t.shape,
  sum: (t, axes) => tf.sum(t, axes),
  transpose: (t, perm) => tf.transpose(t, perm),
  reshape: (t, shape) => tf.reshape(t, shape),
  matmul: (a, b) => tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
  drop: (t) => t.dispose(),
};

export function einsumKernel(args: KernelArgs): TensorInfo {
  const { backend } = args;
  const inputs = (Array.isArray(args.inputs) ? args.inputs : Object.values(args.inputs)) as TensorInfo[];
  const equation = String(args.attrs?.equation);
  for (const t of inputs) {
    if (t.dtype !== "float32") throw new Error(`Einsum on wasm supports float32 operands, got ${t.dtype}`);
  }
  return einsumWith(wasmOps(backend), equation, inputs);
}

/**
 * Gradient of Einsum: for operand i of 'S0,...,Sn->O', dSi = einsum('O,S0..(without Si)->Si′')
 * where Si′ drops indices of Si found nowhere else (summed out in the forward pass); those are then
 * broadcast back.
 */
export const einsumGradConfig: tf.GradConfig = {
  kernelName: "Einsum",
  saveAllInputs: true,
  gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const g = Array.isArray(dy) ? dy[0] : dy;
    const equation = String(attrs.equation);
    const { terms, output } = parseEinsum(equation, saved.map((t) => t.rank));
    const grads: Record<string, () => tf.Tensor> = {};
    saved.forEach((x, i) => {
      grads[String(i)] = () =>
        tf.tidy(() => {
          const others = terms.filter((_, j) => j !== i);
          const elsewhere = new Set(output + others.join(""));
          const kept = [...terms[i]].filter((c) => elsewhere.has(c)).join("");
          const eq = `${[output, ...others].join(",")}->${kept}`;
          let r = einsumWith(tensorOps, eq, [g, ...saved.filter((_, j) => j !== i)]);
          if (kept.length !== terms[i].length) {
            // Indices summed out in the forward pass: the gradient is constant along them.
            const shape = [...terms[i]].map((c, d) => (kept.includes(c) ? x.shape[d] : 1));
            r = tf.broadcastTo(tf.reshape(r, shape), x.shape);
          }
          return r;
        });
    });
    return grads;
  },
};
