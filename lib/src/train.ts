/**
 * A small, synchronous training loop: minimise `loss(batch)` over batches with Adam (or a given
 * optimizer), one `tf.tidy` per step so nothing leaks, a live progress bar and a loss history.
 */
import * as tf from "@tensorflow/tfjs";
import { progress } from "./progress";

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
export function fit<B>(opts: FitOptions<B>): History {
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 1) throw new Error(`fit: epochs must be a positive integer, got ${epochs}`);
  const ownOptimizer = !opts.optimizer;
  const optimizer = opts.optimizer ?? tf.train.adam(opts.lr ?? 1e-3);
  const total = opts.totalSteps ?? opts.maxSteps;
  const bar = !opts.quiet && total ? progress(total, { label: opts.label ?? "training" }) : null;
  const history: History = { loss: [], evals: [], steps: 0, seconds: 0 };
  const t0 = Date.now();
  let step = 0;
  try {
    outer: for (let epoch = 0; epoch < epochs; epoch++) {
      for (const batch of opts.batches(epoch)) {
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
          history.evals.push({ step, ...opts.evaluate(step) });
        }
        bar?.tick(1, { loss: lossValue });
      }
    }
    if (opts.evaluate && (!opts.evalEvery || step % opts.evalEvery !== 0)) {
      history.evals.push({ step, ...opts.evaluate(step) });
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
export function* batchIndices(n: number, batchSize: number, shuffle = true): Generator<number[]> {
  if (batchSize < 1) throw new Error(`batchSize must be >= 1, got ${batchSize}`);
  const idx = Array.from({ length: n }, (_, i) => i);
  if (shuffle) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
  }
  for (let s = 0; s < n; s += batchSize) yield idx.slice(s, s + batchSize);
}
