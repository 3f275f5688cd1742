/** Small tensor helpers the notebooks keep needing. */
import * as tf from "@tensorflow/tfjs";
import * as V from "./validate";

/** `n` evenly spaced numbers from `start` to `stop` inclusive. */
export function linspace(start: number, stop: number, n: number): number[] {
  V.finite("linspace", "start", start);
  V.finite("linspace", "stop", stop);
  V.count("linspace", "n", n);
  if (!Number.isFinite(stop - start)) V.failWith("linspace", "stop", `stop − start overflows (start ${start}, stop ${stop})`);
  if (n === 1) return [start];
  const step = (stop - start) / (n - 1);
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? stop : start + i * step));
}

/** `n` log-spaced numbers from 10^a to 10^b inclusive. */
export function logspace(a: number, b: number, n: number): number[] {
  V.finite("logspace", "a", a, { min: -300, max: 300 });
  V.finite("logspace", "b", b, { min: -300, max: 300 });
  V.count("logspace", "n", n);
  return linspace(a, b, n).map((e) => Math.pow(10, e));
}

/** Integers (or steps) from start (inclusive) to stop (exclusive). */
export function arange(start: number, stop?: number, step = 1): number[] {
  V.finite("arange", "start", start);
  if (stop !== undefined) V.finite("arange", "stop", stop);
  V.finite("arange", "step", step);
  if (step === 0) V.fail("arange", "step", "non-zero", step);
  if (stop === undefined) [start, stop] = [0, start];
  const len = Math.ceil((stop - start) / step);
  if (len > 1e8) V.failWith("arange", "step", `arange(${start}, ${stop}, ${step}) would have ${len} elements (more than 1e8)`);
  const out: number[] = [];
  for (let v = start; step > 0 ? v < stop : v > stop; v += step) out.push(v);
  return out;
}

export type Nested = number | Nested[];

/** Tensor → nested JS arrays (synchronous; small tensors only). */
export function toNested(t: tf.Tensor): Nested {
  V.tensor("toNested", "t", t);
  return t.arraySync() as Nested;
}

/** Nested JS arrays → tensor, with a clear error for ragged input. */
export function fromNested(values: Nested, dtype: "float32" | "int32" = "float32"): tf.Tensor {
  V.oneOf("fromNested", "dtype", dtype, ["float32", "int32"] as const);
  if (typeof values !== "number" && !Array.isArray(values)) V.fail("fromNested", "values", "a number or a nested array of numbers", values);
  const shape: number[] = [];
  let probe: Nested = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const check = (v: Nested, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof v !== "number") V.failWith("fromNested", "values", `values${path} must be a number, got ${V.describe(v)}`);
      if (dtype === "int32" && !Number.isInteger(v)) V.failWith("fromNested", "values", `values${path} must be an integer for dtype int32, got ${V.describe(v)}`);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      V.failWith(
        "fromNested",
        "values",
        `values must not be ragged: at ${path || "the root"} expected an array of length ${shape[depth]}, got ${
          Array.isArray(v) ? `length ${v.length}` : V.describe(v)
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
    if (!V.isTensorLike(out)) V.failWith("readScalar", "t", `the function given as t must return a tensor, got ${V.describe(out)}`);
    try {
      return readScalar(out);
    } finally {
      out.dispose();
    }
  }
  V.tensor("readScalar", "t", t);
  if (t.size !== 1) V.failWith("readScalar", "t", `t must have exactly one element, got shape [${t.shape.join(", ")}]`);
  return t.dataSync()[0];
}

/**
 * Assert a tensor's shape. `null` in `expected` matches any size. The error names both shapes.
 */
export function assertShape(t: tf.Tensor | readonly number[], expected: readonly (number | null)[], name = "tensor"): void {
  V.string("assertShape", "name", name);
  if (Array.isArray(t)) V.intArray("assertShape", "t", t, { min: 0 });
  else V.tensor("assertShape", "t", t);
  V.array("assertShape", "expected", expected).forEach((e, i) => {
    if (e !== null && !(Number.isInteger(e) && (e as number) >= 0)) V.failWith("assertShape", "expected", `expected[${i}] must be a size >= 0 or null, got ${V.describe(e)}`);
  });
  const shape = Array.isArray(t) ? (t as readonly number[]) : (t as tf.Tensor).shape;
  const ok = shape.length === expected.length && expected.every((e, i) => e === null || e === shape[i]);
  if (!ok) {
    const fmt = (s: readonly (number | null)[]) => `[${s.map((d) => (d === null ? "*" : String(d))).join(", ")}]`;
    throw new Error(`${name} has shape ${fmt(shape)}, expected ${fmt(expected)}`);
  }
}

/** Mean of a numeric array. */
export function mean(xs: ArrayLike<number>): number {
  V.finiteArray("mean", "xs", xs, { minLength: 1 });
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

/** Relative difference |a − b| / |b| (absolute when b = 0). */
export function relErr(a: number, b: number): number {
  V.finite("relErr", "a", a);
  V.finite("relErr", "b", b);
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}

/**
 * A trainable variable made from an initial tensor without leaking it: `tf.variable(t)` keeps `t`
 * alive next to the variable, so the initialiser runs inside `tf.tidy` (which never disposes variables).
 */
export function variable(init: () => tf.Tensor, opts: { trainable?: boolean; name?: string } = {}): tf.Variable {
  V.func("variable", "init", init);
  V.options("variable", "opts", opts, ["trainable", "name"]);
  if (opts.trainable !== undefined) V.boolean("variable", "opts.trainable", opts.trainable);
  if (opts.name !== undefined) V.nonEmptyString("variable", "opts.name", opts.name);
  return tf.tidy(() => {
    const t = init();
    if (!V.isTensorLike(t)) V.failWith("variable", "init", `init must return a tensor, got ${V.describe(t)}`);
    return tf.variable(t, opts.trainable ?? true, opts.name);
  });
}
