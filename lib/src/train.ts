/**
 * A small, synchronous training loop: minimise `loss(batch)` over batches with Adam (or a given
 * optimizer), one `tf.tidy` per step so nothing leaks, a live progress bar and a loss history.
 */
import * as tf from "@tensorflow/tfjs";
import { progress } from "./progress";
import * as V from "./validate";

export interface FitOptions<B> {
  /** Loss of one batch, built from tf ops (called inside `optimizer.minimize`, i.e. inside tidy). */
  loss: (batch: B, step: number) => tf.Scalar;
  /** The batches of one epoch (called once per epoch). */
  batches: (epoch: number) => Iterable<B>;
  /** Number of epochs (default 1). */
  epochs?: number;
  /** Stop after this many steps in total (optional). */
  maxSteps?: number;
  /** Variables to train (default: every trainable variable). */
  params?: tf.Variable[];
  /** Optimizer (default Adam with `lr`). The caller owns it and disposes it. */
  optimizer?: tf.Optimizer;
  /** Learning rate for the default Adam (default 1e-3). */
  lr?: number;
  /** Clip the global gradient norm (optional). Uses `tf.grads` instead of `minimize`. */
  clipNorm?: number;
  /** Steps expected in total (for the progress bar); inferred from `maxSteps` if absent. */
  totalSteps?: number;
  /** Label of the progress bar. */
  label?: string;
  /** Evaluate every N steps (and at the end) with `evaluate`. */
  evalEvery?: number;
  evaluate?: (step: number) => Record<string, number>;
  /** Called after each step with the loss. */
  onStep?: (step: number, loss: number) => void;
  /** Hide the progress bar. */
  quiet?: boolean;
}

export interface History {
  /** Loss after each step. */
  loss: number[];
  /** Evaluations: the step and whatever `evaluate` returned. */
  evals: ({ step: number } & Record<string, number>)[];
  steps: number;
  seconds: number;
}

/** Train; returns the loss history. Throws on a non-finite loss (with the step number). */
const FIT_OPTIONS = [
  "loss", "batches", "epochs", "maxSteps", "params", "optimizer", "lr", "clipNorm", "totalSteps", "label", "evalEvery", "evaluate", "onStep", "quiet",
] as const;

function checkFitOptions<B>(opts: FitOptions<B>): void {
  const fn = "fit";
  V.options(fn, "opts", opts, FIT_OPTIONS);
  if (opts === undefined) V.fail(fn, "opts", "an object { loss, batches, ... }", opts);
  V.func(fn, "opts.loss", opts.loss);
  V.func(fn, "opts.batches", opts.batches);
  if (opts.epochs !== undefined) V.count(fn, "opts.epochs", opts.epochs);
  if (opts.maxSteps !== undefined) V.nonNegInt(fn, "opts.maxSteps", opts.maxSteps);
  if (opts.params !== undefined) {
    V.array(fn, "opts.params", opts.params, { minLength: 1 }).forEach((p, i) => V.tensor(fn, `opts.params[${i}]`, p));
  }
  if (opts.optimizer !== undefined) {
    const o = opts.optimizer as unknown as Record<string, unknown>;
    if (typeof o !== "object" || o === null || typeof o.minimize !== "function" || typeof o.applyGradients !== "function") {
      V.fail(fn, "opts.optimizer", "a tf.Optimizer", opts.optimizer);
    }
  }
  if (opts.lr !== undefined) V.positive(fn, "opts.lr", opts.lr);
  if (opts.clipNorm !== undefined) V.positive(fn, "opts.clipNorm", opts.clipNorm);
  if (opts.totalSteps !== undefined) V.count(fn, "opts.totalSteps", opts.totalSteps);
  if (opts.label !== undefined) V.string(fn, "opts.label", opts.label);
  if (opts.evalEvery !== undefined) V.count(fn, "opts.evalEvery", opts.evalEvery);
  if (opts.evaluate !== undefined) V.func(fn, "opts.evaluate", opts.evaluate);
  if (opts.onStep !== undefined) V.func(fn, "opts.onStep", opts.onStep);
  if (opts.quiet !== undefined) V.boolean(fn, "opts.quiet", opts.quiet);
}

function evalAt(evaluate: (step: number) => Record<string, number>, step: number): Record<string, number> {
  const out = evaluate(step);
  for (const [k, v] of Object.entries(V.plainObject("fit", "opts.evaluate", out))) {
    // NaN is allowed: a metric that does not apply to this model (e.g. no reading head) is NaN, not absent
    if (typeof v !== "number" || v === Infinity || v === -Infinity) V.failWith("fit", "opts.evaluate", `opts.evaluate(${step}).${k} must be a number (NaN for "not measured"), got ${V.describe(v)}`);
  }
  return out;
}

export function fit<B>(opts: FitOptions<B>): History {
  checkFitOptions(opts);
  const epochs = opts.epochs ?? 1;
  const ownOptimizer = !opts.optimizer;
  const optimizer = opts.optimizer ?? tf.train.adam(opts.lr ?? 1e-3);
  const total = opts.totalSteps ?? opts.maxSteps;
  const bar = !opts.quiet && total ? progress(total, { label: opts.label ?? "training" }) : null;
  const history: History = { loss: [], evals: [], steps: 0, seconds: 0 };
  const t0 = Date.now();
  let step = 0;
  try {
    outer: for (let epoch = 0; epoch < epochs; epoch++) {
      const epochBatches = opts.batches(epoch);
      if (epochBatches == null || typeof (epochBatches as Iterable<B>)[Symbol.iterator] !== "function") {
        V.failWith("fit", "opts.batches", `opts.batches(${epoch}) must return an iterable of batches, got ${V.describe(epochBatches)}`);
      }
      for (const batch of epochBatches) {
        if (opts.maxSteps !== undefined && step >= opts.maxSteps) break outer;
        let lossValue: number;
        if (opts.clipNorm !== undefined) {
          lossValue = tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => opts.loss(batch, step), opts.params);
            const names = Object.keys(grads);
            const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
            const scale = tf.minimum(1, tf.div(opts.clipNorm!, tf.add(norm, 1e-12)));
            const clipped: tf.NamedTensorMap = {};
            for (const n of names) clipped[n] = tf.mul(grads[n], scale);
            optimizer.applyGradients(clipped);
            return value.dataSync()[0];
          });
        } else {
          const cost = optimizer.minimize(() => opts.loss(batch, step), true, opts.params);
          lossValue = cost!.dataSync()[0];
          cost!.dispose();
        }
        if (!Number.isFinite(lossValue)) throw new Error(`fit: loss became ${lossValue} at step ${step}`);
        history.loss.push(lossValue);
        step++;
        opts.onStep?.(step, lossValue);
        if (opts.evaluate && opts.evalEvery && step % opts.evalEvery === 0) {
          history.evals.push({ step, ...evalAt(opts.evaluate, step) });
        }
        bar?.tick(1, { loss: lossValue });
      }
    }
    if (opts.evaluate && (!opts.evalEvery || step % opts.evalEvery !== 0)) {
      history.evals.push({ step, ...evalAt(opts.evaluate, step) });
    }
  } finally {
    if (ownOptimizer) optimizer.dispose();
  }
  history.steps = step;
  history.seconds = (Date.now() - t0) / 1000;
  bar?.done({ loss: history.loss[history.loss.length - 1] ?? NaN });
  return history;
}

/** Yield minibatches of indices 0..n-1 (shuffled with the seeded `Math.random` when `shuffle`). */
export function batchIndices(n: number, batchSize: number, shuffle = true): Generator<number[]> {
  // Checked eagerly (a generator body would only run at the first next()).
  V.nonNegInt("batchIndices", "n", n);
  V.count("batchIndices", "batchSize", batchSize);
  V.boolean("batchIndices", "shuffle", shuffle);
  return batchGen(n, batchSize, shuffle);
}

function* batchGen(n: number, batchSize: number, shuffle: boolean): Generator<number[]> {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (shuffle) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
  }
  for (let s = 0; s < n; s += batchSize) yield idx.slice(s, s + batchSize);
}
