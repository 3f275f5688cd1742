/** Small tensor helpers the notebooks keep needing. */
import * as tf from "@tensorflow/tfjs";

/** `n` evenly spaced numbers from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`linspace needs n >= 1 (integer), got ${n}`);
  if (n === 1) return [start];
  const step = (stop - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : start + i * step));
}

/** `n` log-spaced numbers from 10^a to 10^b inclusive. */
export function logspace(a: number, b: number, n: number): number[] {
  return linspace(a, b, n).map((e) => Math.pow(10, e));
}

/** Integers (or steps) from start (inclusive) to stop (exclusive). */
export function arange(start: number, stop?: number, step = 1): number[] {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new Error("arange step must be non-zero");
  const out: number[] = [];
  for (let v = start; step > 0 ? v < stop : v > stop; v += step) out.push(v);
  return out;
}

export type Nested = number | Nested[];

/** Tensor → nested JS arrays (synchronous; small tensors only). */
export function toNested(t: tf.Tensor): Nested {
  return t.arraySync() as Nested;
}

/** Nested JS arrays → tensor, with a clear error for ragged input. */
export function fromNested(values: Nested, dtype: "float32" | "int32" = "float32"): tf.Tensor {
  const shape: number[] = [];
  let probe: Nested = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const check = (v: Nested, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== "number") throw new Error(`fromNested: expected a number at ${path}`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new Error(
        `fromNested: ragged array at ${path || "root"}: expected length ${shape[depth]}, got ${
          Array.isArray(v) ? v.length : typeof v
        }`,
      );
    }
    v.forEach((c, i) => check(c, depth + 1, `${path}[${i}]`));
  };
  check(values, 0, "");
  return tf.tensor(values as number[], shape, dtype);
}

/**
 * Read a scalar (or the single element of a size-1 tensor) as a JS number. If `fn` is given,
 * the tensor it returns is computed inside `tf.tidy` and disposed after reading, so nothing leaks.
 */
export function readScalar(t: tf.Tensor | (() => tf.Tensor)): number {
  if (typeof t === "function") {
    const out = tf.tidy(t);
    try {
      return readScalar(out);
    } finally {
      out.dispose();
    }
  }
  if (t.size !== 1) throw new Error(`readScalar expects one element, got shape [${t.shape.join(", ")}]`);
  return t.dataSync()[0];
}

/**
 * Assert a tensor's shape. `null` in `expected` matches any size. The error names both shapes.
 */
export function assertShape(t: tf.Tensor | readonly number[], expected: readonly (number | null)[], name = "tensor"): void {
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as tf.Tensor).shape;
  const ok = shape.length === expected.length && expected.every((e, i) => e === null || e === shape[i]);
  if (!ok) {
    const fmt = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? "*" : String(d))).join(", ")}]`;
    throw new Error(`${name} has shape ${fmt(shape)}, expected ${fmt(expected)}`);
  }
}

/** Mean of a numeric array. */
export function mean(xs: ArrayLike<number>): number {
  if (xs.length === 0) throw new Error("mean of an empty array");
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Relative difference |a − b| / |b| (absolute when b = 0). */
export function relErr(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}

/**
 * A trainable variable made from an initial tensor without leaking it: `tf.variable(t)` keeps `t`
 * alive next to the variable, so the initialiser runs inside `tf.tidy` (which never disposes variables).
 */
export function variable(init: () => tf.Tensor, opts: { trainable?: boolean; name?: string } = {}): tf.Variable {
  return tf.tidy(() => tf.variable(init(), opts.trainable ?? true, opts.name));
}
