// Unit tests of the Qwen-style decoder in @papers/lib `nn` (node's built-in runner).
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";

const { nn } = L;
await L.initBackend({});

const f32 = (a) => Float32Array.from(a);
const maxAbsDiff = (a, b) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
const tokens = (B, T, V, rng) => tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(V)), [B, T], "int32");

test("matmul/linear: values and gradients match tfjs' own matMul", () => {
  const rng = new L.Rng(1);
  const a = tf.tensor(f32(rng.normals(2 * 3 * 5)), [2, 3, 5]);
  const b = tf.tensor(f32(rng.normals(2 * 4 * 5)), [2, 4, 5]);
  const f1 = (x, y) => tf.sum(tf.square(nn.matmul(x, y, false, true)));
  const f2 = (x, y) => tf.sum(tf.square(tf.matMul(x, y, false, true)));
  assert.ok(maxAbsDiff(nn.matmul(a, b, false, true), tf.matMul(a, b, false, true)) < 1e-5);
  const [ga1, gb1] = tf.grads(f1)([a, b]);
  const [ga2, gb2] = tf.grads(f2)([a, b]);
  assert.ok(maxAbsDiff(ga1, ga2) < 1e-4 && maxAbsDiff(gb1, gb2) < 1e-4);
  const x = tf.tensor(f32(rng.normals(6 * 5)), [6, 5]);
  const w = tf.tensor(f32(rng.normals(3 * 5)), [3, 5]); // [out, in]
  assert.deepEqual(nn.linear(x, w).shape, [6, 3]);
  const [gx1, gw1] = tf.grads((p, q) => tf.sum(tf.sin(nn.linear(p, q))))([x, w]);
  const [gx2, gw2] = tf.grads((p, q) => tf.sum(tf.sin(tf.matMul(p, q, false, true))))([x, w]);
  assert.ok(maxAbsDiff(gx1, gx2) < 1e-5 && maxAbsDiff(gw1, gw2) < 1e-5);
  assert.throws(() => nn.linear(x, tf.zeros([3, 4])), /features/);
});

test("RMSNorm and RoPE: unit RMS, norm-preserving rotation, relative positions", () => {
  const rng = new L.Rng(2);
  const x = tf.tensor(f32(rng.normals(4 * 8, 3, 2)), [4, 8]);
  const y = nn.rmsNorm(x, tf.ones([8]), 1e-8);
  const rms = tf.sqrt(tf.mean(tf.square(y), -1)).dataSync();
  for (const r of rms) assert.ok(Math.abs(r - 1) < 1e-4);
  const { cos, sin } = nn.ropeTables(6, 8, 10000);
  const q = tf.tensor(f32(rng.normals(8)), [1, 1, 1, 8]);
  const k = tf.tensor(f32(rng.normals(8)), [1, 1, 1, 8]);
  const at = (v, p) => nn.applyRope(tf.tile(v, [1, 1, 6, 1]), cos, sin).slice([0, 0, p, 0], [1, 1, 1, 8]);
  // rotation keeps the norm
  assert.ok(Math.abs(tf.norm(at(q, 3)).dataSync()[0] - tf.norm(q).dataSync()[0]) < 1e-5);
  // <R_m q, R_n k> depends only on m − n
  const dot = (m, n) => tf.sum(tf.mul(at(q, m), at(k, n))).dataSync()[0];
  assert.ok(Math.abs(dot(4, 2) - dot(3, 1)) < 1e-5);
  assert.ok(Math.abs(dot(5, 0) - dot(2, 0)) > 1e-4, "different offsets should differ");
});

test("decoder: shapes, parameter count, causality", () => {
  const cfg = nn.qwenConfig({ vocabSize: 11, dModel: 16, nLayers: 2, nHeads: 4, nKvHeads: 2, headDim: 4, ffnHidden: 24, contextLength: 8 });
  const w = nn.initWeights(cfg, new L.Rng(3));
  const counted = nn.namedWeights(w).reduce((s, [, t]) => s + t.size, 0);
  assert.equal(counted, nn.paramCounts(cfg).total);
  // 2 blocks × (q 16·16 + k 8·16 + v 8·16 + o 16·16 + 3·24·16)
  assert.equal(nn.paramCounts(cfg).linear, 2 * (256 + 128 + 128 + 256 + 3 * 384));
  const rng = new L.Rng(4);
  const x = tokens(2, 8, 11, rng);
  const logits = nn.forward(cfg, w, x);
  assert.deepEqual(logits.shape, [2, 8, 11]);
  // change the last token: earlier positions must not move
  const xs = x.arraySync();
  xs[0][7] = (xs[0][7] + 1) % 11;
  const logits2 = nn.forward(cfg, w, tf.tensor2d(xs, [2, 8], "int32"));
  assert.ok(maxAbsDiff(logits.slice([0, 0, 0], [2, 7, 11]), logits2.slice([0, 0, 0], [2, 7, 11])) < 1e-6);
  assert.ok(maxAbsDiff(logits.slice([0, 7, 0], [1, 1, 11]), logits2.slice([0, 7, 0], [1, 1, 11])) > 1e-6);
  assert.throws(() => nn.forward(cfg, w, tokens(1, 9, 11, rng)), /contextLength/);
});

test("GQA equals multi-head attention with duplicated key/value heads", () => {
  const base = { vocabSize: 9, dModel: 12, nLayers: 1, nHeads: 4, headDim: 4, ffnHidden: 10, contextLength: 6 };
  const gqa = nn.qwenConfig({ ...base, nKvHeads: 2 });
  const mha = nn.qwenConfig({ ...base, nKvHeads: 4 });
  const w = nn.initWeights(gqa, new L.Rng(5), 0.3);
  // KV head j serves query heads 2j and 2j+1: repeat its rows
  const dup = (t) => {
    const a = t.arraySync(); // [KV·hd, d]
    const rows = [];
    for (let j = 0; j < 2; j++) for (let r = 0; r < 2; r++) for (let i = 0; i < 4; i++) rows.push(a[j * 4 + i]);
    return tf.tensor2d(rows);
  };
  const wm = { ...w, blocks: [{ ...w.blocks[0], k: dup(w.blocks[0].k), v: dup(w.blocks[0].v) }] };
  const x = tokens(2, 6, 9, new L.Rng(6));
  assert.ok(maxAbsDiff(nn.forward(gqa, w, x), nn.forward(mha, wm, x)) < 1e-5);
});

test("training lowers the loss; learned positions; hooks see and replace linear inputs", () => {
  L.seed(7);
  const cfg = nn.qwenConfig({ vocabSize: 5, dModel: 16, nLayers: 1, nHeads: 2, nKvHeads: 1, headDim: 8, ffnHidden: 16, contextLength: 9, positional: "learned", qkNorm: false });
  const w = nn.initWeights(cfg, new L.Rng(8), 0.1);
  const seq = Int32Array.from({ length: 4 * 9 }, (_, i) => i % 5); // periodic: easy to learn
  const x = tf.tensor2d(seq, [4, 9], "int32");
  const opt = tf.train.adam(0.02);
  const vars = nn.namedWeights(w).map(([, v]) => v);
  const first = nn.lmLoss(cfg, w, x).dataSync()[0];
  for (let i = 0; i < 40; i++) tf.dispose(opt.minimize(() => nn.lmLoss(cfg, w, x), false, vars));
  const last = nn.lmLoss(cfg, w, x).dataSync()[0];
  assert.ok(last < 0.5 * first, `loss ${first} → ${last}`);
  const seen = [];
  const zeroDown = nn.forward(cfg, w, tf.slice(x, [0, 0], [4, 8]), {
    linearInput: (l, name, inp) => {
      seen.push(`${l}.${name}:${inp.shape}`);
      if (name === "down") return tf.zerosLike(inp);
    },
  });
  assert.deepEqual(seen, ["0.q:32,16", "0.k:32,16", "0.v:32,16", "0.o:32,16", "0.gate:32,16", "0.up:32,16", "0.down:32,16"]);
  assert.ok(maxAbsDiff(zeroDown, nn.forward(cfg, w, tf.slice(x, [0, 0], [4, 8]))) > 1e-4);
  const ev = nn.evaluate(cfg, w, seq, 9, { batch: 3 });
  assert.ok(ev.accuracy > 0.9 && ev.ppl < 2 && ev.tokens === 32, JSON.stringify(ev));
});

test("weights round-trip through save/load (float32 exact, float16 close)", () => {
  const cfg = nn.qwenConfig({ vocabSize: 7, dModel: 8, nLayers: 2, nHeads: 2, nKvHeads: 2, headDim: 4, ffnHidden: 12, contextLength: 4 });
  const w = nn.initWeights(cfg, new L.Rng(9));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nn-io-"));
  nn.saveWeights(path.join(dir, "a"), w);
  nn.saveWeights(path.join(dir, "b"), w, "float16");
  const a = nn.loadWeights(path.join(dir, "a"), cfg);
  const b = nn.loadWeights(path.join(dir, "b"), cfg);
  const x = tokens(1, 4, 7, new L.Rng(10));
  assert.equal(maxAbsDiff(nn.forward(cfg, w, x), nn.forward(cfg, a, x)), 0);
  assert.ok(maxAbsDiff(nn.forward(cfg, w, x), nn.forward(cfg, b, x)) < 1e-2);
  assert.ok(maxAbsDiff(w.blocks[1].down, b.blocks[1].down) < 1e-4);
  fs.rmSync(dir, { recursive: true });
});
