// Correctness of the kernels lib adds to / replaces in tfjs-backend-wasm (lib/src/wasm), against
// the pure-JS `cpu` backend on seeded random inputs: every kernel forward and through its gradient,
// over several shapes, strides, paddings, dilations and batch sizes, to float32 tolerance
// (max |wasm − cpu| / max |cpu| < 1e-4). Where cpu itself cannot serve as the reference (it ignores
// dilations in conv backprop, mis-broadcasts two-sided batch dims in matMul, and rejects some einsum
// forms), the reference is built from other ops and says so. Ends with a small CNN and a small
// embedding model trained on both backends to the same loss curve.
//   node --test tests/wasm-kernels.test.mjs
import test from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";

const TOL = 1e-4;

// ---- harness ---------------------------------------------------------------------------------

let seed = 12345;
function rand() {
  // mulberry32: inputs are the same on every run and for both backends
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randArr = (shape) => Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
const spec = (shape, dtype = "float32", data) => ({ shape, dtype, data: data ?? randArr(shape) });

async function use(name) {
  if (tf.getBackend() !== name) await tf.setBackend(name);
}

/** Run fn on `backend` with fresh tensors from specs; returns the outputs as plain arrays + shapes. */
async function runOn(backend, fn, specs) {
  await use(backend);
  const before = tf.memory().numTensors;
  const out = tf.tidy(() => {
    const ts = specs.map((s) => tf.tensor(s.data, s.shape, s.dtype));
    const r = fn(...ts);
    return Array.isArray(r) ? r : [r];
  });
  const res = out.map((t) => ({ shape: t.shape, dtype: t.dtype, data: Float64Array.from(t.dataSync()) }));
  tf.dispose(out);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return res;
}

function relErr(a, b) {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  if (!(num === num)) return Infinity; // NaN
  return den === 0 ? num : num / den;
}

function assertClose(got, want, label, { checkDtype = true } = {}) {
  assert.equal(got.length, want.length, `${label}: number of outputs`);
  got.forEach((g, i) => {
    assert.deepEqual(g.shape, want[i].shape, `${label}: output ${i} shape`);
    if (checkDtype) assert.equal(g.dtype, want[i].dtype, `${label}: output ${i} dtype`);
    const e = relErr(g.data, want[i].data);
    assert.ok(e < TOL, `${label}: output ${i} relative error ${e.toExponential(2)} ≥ ${TOL}`);
  });
}

/** fn on wasm vs fn on cpu. */
async function vsCpu(label, fn, specs, opts) {
  const w = await runOn("wasm", fn, specs);
  const c = await runOn("cpu", fn, specs);
  assertClose(w, c, label, opts);
  return w;
}

/** fn on wasm vs ref on cpu (same inputs). */
async function vsRef(label, fn, ref, specs) {
  const w = await runOn("wasm", fn, specs);
  const c = await runOn("cpu", ref, specs);
  assertClose(w, c, label);
}

/** Value and gradients (w.r.t. every float input) of sum(f(...)·R) for a fixed random R. */
function withGrads(f, nInputs) {
  return (...ts) => {
    const xs = ts.slice(0, nInputs);
    const rest = ts.slice(nInputs);
    const y = f(...xs, ...rest);
    const w = tf.randomUniform(y.shape, -1, 1, "float32", 7);
    const g = tf.grads((...v) => tf.sum(tf.mul(f(...v, ...rest), w)))(xs);
    return [y, ...g];
  };
}

let info;
test.before(async () => {
  await L.initBackend({ name: "cpu" }); // silences cpu's first-use banner
  info = await L.initBackend({ name: "wasm" });
});
test.after(async () => {
  await use("wasm");
});

// ---- registration ------------------------------------------------------------------------------

const EXPECTED = [
  "BatchMatMul", "_FusedMatMul", "Transpose", "UnsortedSegmentSum", "Conv2DBackpropFilter", "Conv2DBackpropInput",
  "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "Einsum",
  "Complex", "Real", "Imag", "ComplexAbs", "FFT", "IFFT", "Add", "Sub", "Multiply", "Cast",
];

test("registration: every kernel is registered for wasm and named in the backend line", () => {
  assert.equal(info.name, "wasm");
  assert.deepEqual([...info.addedKernels].sort(), [...EXPECTED].sort());
  for (const k of EXPECTED) assert.ok(tf.getKernel(k, "wasm"), `${k} not registered`);
  assert.match(info.summary, new RegExp(`lib added ${EXPECTED.length} kernels \\(BatchMatMul, `));
  assert.ok(tf.getGradient("Einsum"), "Einsum gradient registered");
});

test("registration: idempotent — a second call re-registers nothing and warns nothing", async () => {
  const before = Object.fromEntries(EXPECTED.map((k) => [k, tf.getKernel(k, "wasm").kernelFunc]));
  const warns = [];
  const warn = console.warn;
  console.warn = (...a) => warns.push(a.join(" "));
  try {
    const again = await L.initBackend({ name: "wasm" });
    assert.deepEqual(again.addedKernels, info.addedKernels);
  } finally {
    console.warn = warn;
  }
  assert.deepEqual(warns, []);
  for (const k of EXPECTED) assert.equal(tf.getKernel(k, "wasm").kernelFunc, before[k], `${k} was re-registered`);
});

// ---- matmul -------------------------------------------------------------------------------------

test("BatchMatMul: all transpose flags, 2-D / batched / one-side broadcast, values and gradients", async () => {
  const cases = [
    [[5, 7], [7, 3]], [[33, 64], [64, 17]], [[1, 9], [9, 1]], [[128, 96], [96, 80]],
    [[4, 5, 7], [4, 7, 3]], [[3, 20, 30], [3, 30, 25]], [[6, 4, 4], [6, 4, 4]], // tiny: stock loop
    [[4, 5, 7], [7, 3]], [[2, 3, 9, 8], [8, 5]], // batch folded into rows
    [[5, 7], [4, 7, 3]], [[2, 3, 9, 8], [3, 8, 4]], // b batched, a broadcast
  ];
  for (const [sa, sb] of cases) {
    for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const sw = (s, t) => (t ? [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]] : s);
      const specs = [spec(sw(sa, tA)), spec(sw(sb, tB))];
      // tfjs-core's matMul gradient does not sum over broadcast batch dims (on any backend): forward only there.
      const sameBatch = sa.length === sb.length && sa.slice(0, -2).every((d, i) => d === sb[i]);
      const f = (a, b) => tf.matMul(a, b, tA, tB);
      await vsCpu(`matMul ${sa}×${sb} tA=${tA} tB=${tB}`, sameBatch ? withGrads(f, 2) : f, specs);
    }
  }
});

test("BatchMatMul: two-sided batch broadcast (reference: explicit broadcastTo; cpu's kernel gets this wrong)", async () => {
  for (const [sa, sb, out] of [[[2, 1, 5, 7], [3, 7, 6], [2, 3]], [[1, 4, 6, 3], [5, 1, 3, 2], [5, 4]]]) {
    const specs = [spec(sa), spec(sb)];
    const ref = (a, b) => {
      const A = tf.broadcastTo(a, [...out, ...sa.slice(-2)]);
      const B = tf.broadcastTo(b, [...out, ...sb.slice(-2)]);
      return tf.matMul(A, B);
    };
    await vsRef(`matMul broadcast ${sa}×${sb}`, (a, b) => tf.matMul(a, b), ref, specs);
  }
});

test("BatchMatMul: one buffer used as weights under two shapes (XNNPACK weight-cache guard)", async () => {
  await use("wasm");
  tf.tidy(() => {
    const b = tf.tensor(randArr([12]), [12]);
    const a1 = tf.tensor(randArr([2, 3]), [2, 3]);
    const a2 = tf.tensor(randArr([5, 1]), [5, 1]);
    for (let rep = 0; rep < 2; rep++) {
      const y1 = tf.matMul(a1, b.reshape([3, 4]));
      const y2 = tf.matMul(a2, b.reshape([1, 12]));
      const r1 = tf.sum(tf.mul(tf.expandDims(a1, 2), tf.expandDims(b.reshape([3, 4]), 0)), 1);
      const r2 = tf.mul(a2, b.reshape([1, 12]));
      assert.ok(relErr(y1.dataSync(), r1.dataSync()) < TOL);
      assert.ok(relErr(y2.dataSync(), r2.dataSync()) < TOL);
    }
  });
});

test("_FusedMatMul: bias and activations, transposes, batched, gradients", async () => {
  const acts = ["linear", "relu", "relu6", "sigmoid", "elu", "leakyrelu"];
  const cases = [
    [[6, 8], [8, 5], false, false], [[8, 6], [5, 8], true, true], [[3, 6, 8], [8, 5], false, false],
    [[3, 8, 6], [5, 8], true, true], [[3, 6, 8], [3, 8, 5], false, false], [[2, 6, 8], [2, 5, 8], false, true],
  ];
  for (const [sa, sb, tA, tB] of cases) {
    for (const activation of acts) {
      const specs = [spec(sa), spec(sb), spec([5])];
      const f = (a, b, bias) => tf.fused.matMul({ a, b, transposeA: tA, transposeB: tB, bias, activation, leakyreluAlpha: 0.1 });
      const sameBatch = sa.length === sb.length; // (see the BatchMatMul test on broadcast gradients)
      const grads = sameBatch && ["linear", "relu", "sigmoid", "elu"].includes(activation);
      await vsCpu(`fused ${sa}×${sb} ${activation}`, grads ? withGrads(f, 3) : f, specs);
    }
  }
  // prelu (forward)
  await vsCpu("fused prelu batched", (a, b, bias, alpha) => tf.fused.matMul({ a, b, bias, activation: "prelu", preluActivationWeights: alpha }),
    [spec([3, 6, 8]), spec([3, 8, 5]), spec([5]), spec([5])]);
});

test("dense layers: tf.layers.dense on a 3-D input, forward and gradients", async () => {
  const specs = [spec([4, 6, 10]), spec([10, 7]), spec([7])];
  // what tf.layers.dense does for rank > 2: fold the batch into rows, fused matmul with bias
  const dense = (x, k, b) => tf.reshape(tf.fused.matMul({ a: tf.reshape(x, [-1, 10]), b: k, bias: b, activation: "relu" }), [4, 6, 7]);
  await vsCpu("dense 3-D", withGrads(dense, 3), specs);
  await vsCpu("tf.layers.dense 3-D", (x, k, b) => {
    const layer = tf.layers.dense({ units: 7, activation: "tanh", weights: [k, b] });
    const y = layer.apply(x);
    layer.dispose(); // its weight variables
    return y;
  }, specs);
});

test("Transpose: ranks 1–6, size-1 and mergeable axes, all dtypes incl. complex64, and its gradient", async () => {
  const cases = [
    [[16, 8, 3, 4, 8], [2, 0, 3, 1, 4]], [[3, 6, 4, 8, 5], [1, 3, 0, 2, 4]], [[6, 4, 8, 5], [0, 2, 1, 3]],
    [[64, 48], [1, 0]], [[9, 10, 11], [2, 1, 0]], [[2, 1, 3, 1, 4], [4, 3, 2, 1, 0]], [[5], [0]],
    [[2, 3, 4, 5, 3, 2], [5, 3, 1, 0, 2, 4]], [[1, 1, 1], [2, 0, 1]], [[3, 4, 5, 6, 2], [0, 1, 2, 3, 4]], [[0, 3], [1, 0]],
  ];
  for (const [shape, perm] of cases) {
    const n = shape.reduce((a, b) => a * b, 1);
    await vsCpu(`transpose ${shape} ${perm} float32`, withGrads((x) => tf.transpose(x, perm), 1), [spec(shape)]);
    await vsCpu(`transpose ${shape} ${perm} int32`, (x) => tf.transpose(x, perm), [spec(shape, "int32", Int32Array.from({ length: n }, (_, i) => i))]);
    await vsCpu(`transpose ${shape} ${perm} bool`, (x) => tf.transpose(x, perm), [spec(shape, "bool", Uint8Array.from({ length: n }, (_, i) => i % 3 === 0))]);
    await vsCpu(`transpose ${shape} ${perm} complex64`, (r, i) => tf.real(tf.transpose(tf.complex(r, i), perm)), [spec(shape), spec(shape)]);
    await vsCpu(`transpose ${shape} ${perm} complex64 (imag)`, (r, i) => tf.imag(tf.transpose(tf.complex(r, i), perm)), [spec(shape), spec(shape)]);
  }
});

// ---- segment sums / gather ------------------------------------------------------------------

test("UnsortedSegmentSum: direct (float32 and int32, inner dims, dropped ids) and as the gradient of gather", async () => {
  const ids = (n, k) => spec([n], "int32", Int32Array.from({ length: n }, () => Math.floor(rand() * (k + 2)) - 1));
  for (const [xs, k] of [[[9], 4], [[11, 3], 5], [[7, 4, 3], 6], [[64, 32], 100]]) {
    await vsCpu(`unsortedSegmentSum ${xs} → ${k}`, (x, s) => tf.unsortedSegmentSum(x, s, k), [spec(xs), ids(xs[0], k)]);
  }
  // int32 stays int32 on wasm (as in TensorFlow); cpu returns float32, so compare values only.
  const ints = spec([10, 3], "int32", Int32Array.from({ length: 30 }, () => Math.floor(rand() * 200 - 100)));
  const w = await vsCpu("unsortedSegmentSum int32", (x, s) => tf.unsortedSegmentSum(x, s, 4), [ints, spec([10], "int32", Int32Array.from([0, 1, 2, 3, 0, 1, 2, 3, 3, 3]))], { checkDtype: false });
  assert.equal(w[0].dtype, "int32");
  const idx = (shape, k) => spec(shape, "int32", Int32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rand() * k)));
  for (const [ts, is, axis] of [[[20, 8], [15], 0], [[20, 8], [3, 5], 0], [[4, 10, 6], [7], 1], [[5, 6, 9], [2, 4], 2], [[1000, 16], [64, 8], 0]]) {
    await vsCpu(`gather grad ${ts} ${is} axis=${axis}`, withGrads((t, i) => tf.gather(t, i, axis), 1), [spec(ts), idx(is, ts[axis])]);
  }
});

// ---- convolutions ----------------------------------------------------------------------------

const convCases = [
  // [x, filter, strides, pad]
  [[1, 7, 7, 2], [3, 3, 2, 3], 1, "same"],
  [[2, 9, 9, 3], [3, 3, 3, 4], 1, "valid"],
  [[3, 10, 11, 3], [3, 2, 3, 5], 2, "same"],
  [[2, 10, 11, 3], [3, 2, 3, 5], [2, 1], "valid"],
  [[2, 8, 8, 4], [1, 1, 4, 6], 1, "same"],
  [[2, 7, 7, 3], [5, 5, 3, 2], 1, [[0, 0], [1, 2], [2, 0], [0, 0]]],
  [[4, 12, 12, 8], [3, 3, 8, 8], 2, "same"],
];

test("Conv2DBackpropFilter: gradient of conv2d (and its dx) for shapes, strides, paddings, batch sizes", async () => {
  for (const [xs, fs, s, p] of convCases) {
    await vsCpu(`conv2d grads x=${xs} f=${fs} s=${s} p=${JSON.stringify(p)}`, withGrads((x, w) => tf.conv2d(x, w, s, p), 2), [spec(xs), spec(fs)]);
  }
  // conv2dTranspose's filter gradient is a Conv2DBackpropFilter with x and dy swapped
  await vsCpu("conv2dTranspose grads", withGrads((x, w) => tf.conv2dTranspose(x, w, [2, 8, 8, 3], 2, "same"), 2), [spec([2, 4, 4, 5]), spec([3, 3, 3, 5])]);
  // NCHW, called as a kernel (cpu's kernel supports it too)
  await vsCpu("Conv2DBackpropFilter NCHW", (x, dy) => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: [1, 1], pad: "same", dataFormat: "NCHW", filterShape: [3, 3, 3, 4] }),
    [spec([2, 3, 6, 7]), spec([2, 4, 6, 7])]);
  await vsCpu("Conv2DBackpropInput NCHW", (dy, w) => tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, { strides: [2, 1], pad: "same", dataFormat: "NCHW", inputShape: [2, 3, 7, 6] }),
    [spec([2, 4, 4, 6]), spec([3, 3, 3, 4])]);
  // larger than one im2col chunk would be at 64 MB? No — exercise chunking with many images instead
  await vsCpu("conv2d grads, batch 12", withGrads((x, w) => tf.conv2d(x, w, 1, "same"), 2), [spec([12, 6, 6, 2]), spec([3, 3, 2, 2])]);
});

/** Filter with (d−1) zeros inserted between taps: a dilated conv equals an undilated one with it. */
function dilateFilter(w, d) {
  const [fh, fw] = w.shape;
  const eh = (fh - 1) * d + 1;
  const ew = (fw - 1) * d + 1;
  const rows = [];
  for (let i = 0; i < eh; i++) {
    const cols = [];
    for (let j = 0; j < ew; j++) {
      cols.push(i % d === 0 && j % d === 0 ? tf.slice(w, [i / d, j / d, 0, 0], [1, 1, -1, -1]) : tf.zerosLike(tf.slice(w, [0, 0, 0, 0], [1, 1, -1, -1])));
    }
    rows.push(tf.concat(cols, 1));
  }
  return tf.concat(rows, 0);
}
/** Take every d-th tap of a dilated-filter gradient. */
function undilate(g, d, fh, fw) {
  const rows = [];
  for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) rows.push(tf.slice(g, [i * d, j * d, 0, 0], [1, 1, -1, -1]));
  return tf.reshape(tf.stack(rows), [fh, fw, g.shape[2], g.shape[3]]);
}

test("Conv2DBackpropFilter / Conv2DBackpropInput with dilations (reference: zero-inserted filter on cpu, which ignores dilations)", async () => {
  for (const [xs, fs, d, p] of [[[2, 9, 9, 2], [3, 3, 2, 3], 2, "same"], [[1, 11, 10, 3], [2, 3, 3, 2], 3, "valid"]]) {
    const [fh, fw] = fs;
    const ef = [(fh - 1) * d + 1, (fw - 1) * d + 1, fs[2], fs[3]];
    const oy = p === "same" ? xs[1] : xs[1] - ef[0] + 1;
    const ox = p === "same" ? xs[2] : xs[2] - ef[1] + 1;
    const specs = [spec(xs), spec([xs[0], oy, ox, fs[3]])];
    await vsRef(`Conv2DBackpropFilter dilation ${d} ${p}`,
      (x, dy) => tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: p, dataFormat: "NHWC", dilations: d, filterShape: fs }),
      (x, dy) => undilate(tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides: 1, pad: p, dataFormat: "NHWC", filterShape: ef }), d, fh, fw),
      specs);
    await vsRef(`Conv2DBackpropInput dilation ${d} ${p}`,
      (dy, w) => tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, { strides: 1, pad: p, dataFormat: "NHWC", dilations: d, inputShape: xs }),
      (dy, w) => tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: dilateFilter(w, d) }, { strides: 1, pad: p, dataFormat: "NHWC", inputShape: xs }),
      [specs[1], spec(fs)]);
  }
});

test("DepthwiseConv2dNativeBackpropFilter / Input: gradients of depthwiseConv2d, channel multipliers 1 and 2", async () => {
  const cases = [
    [[2, 9, 9, 3], [3, 3, 3, 1], 1, "same"], [[2, 10, 11, 3], [3, 2, 3, 2], 2, "valid"],
    [[1, 8, 8, 4], [3, 3, 4, 1], [2, 2], "same"], [[3, 7, 7, 2], [5, 5, 2, 2], 1, [[0, 0], [2, 1], [0, 2], [0, 0]]],
    [[4, 16, 16, 8], [3, 3, 8, 1], 1, "same"],
  ];
  for (const [xs, fs, s, p] of cases) {
    await vsCpu(`depthwise grads x=${xs} f=${fs} s=${s} p=${JSON.stringify(p)}`, withGrads((x, w) => tf.depthwiseConv2d(x, w, s, p), 2), [spec(xs), spec(fs)]);
  }
  // MobileNet-style separable conv
  await vsCpu("separableConv2d grads", withGrads((x, dw, pw) => tf.separableConv2d(x, dw, pw, 1, "same"), 3), [spec([2, 8, 8, 4]), spec([3, 3, 4, 2]), spec([1, 1, 8, 5])]);
});

test("Depthwise backprop with dilations (reference: zero-inserted filter on cpu)", async () => {
  for (const [xs, fs, d, p] of [[[2, 9, 9, 3], [3, 3, 3, 1], 2, "same"], [[1, 12, 10, 2], [3, 2, 2, 2], 3, "valid"]]) {
    const [fh, fw] = fs;
    const ef = [(fh - 1) * d + 1, (fw - 1) * d + 1, fs[2], fs[3]];
    const oy = p === "same" ? xs[1] : xs[1] - ef[0] + 1;
    const ox = p === "same" ? xs[2] : xs[2] - ef[1] + 1;
    const dyShape = [xs[0], oy, ox, fs[2] * fs[3]];
    await vsRef(`DepthwiseConv2dNativeBackpropFilter dilation ${d}`,
      (x, dy) => tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, { strides: 1, dilations: d, pad: p, filterShape: fs }),
      (x, dy) => undilate(tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, { strides: 1, dilations: 1, pad: p, filterShape: ef }), d, fh, fw),
      [spec(xs), spec(dyShape)]);
    await vsRef(`DepthwiseConv2dNativeBackpropInput dilation ${d}`,
      (dy, w) => tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: w }, { strides: 1, dilations: d, pad: p, inputShape: xs }),
      (dy, w) => tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: dilateFilter(w, d) }, { strides: 1, dilations: 1, pad: p, inputShape: xs }),
      [spec(dyShape), spec(fs)]);
    // and the forward pass agrees with the zero-inserted filter too (wasm's own kernel)
    await vsRef(`depthwiseConv2d forward dilation ${d}`, (x, w) => tf.depthwiseConv2d(x, w, 1, p, "NHWC", d), (x, w) => tf.depthwiseConv2d(x, dilateFilter(w, d), 1, p), [spec(xs), spec(fs)]);
  }
});

// ---- einsum -----------------------------------------------------------------------------------

test("Einsum: the contractions notebooks use, values and gradients vs cpu", async () => {
  const cases = [
    ["ij,jk->ik", [[5, 6], [6, 4]]], ["ij,kj->ik", [[5, 6], [4, 6]]], ["ji,jk->ik", [[6, 5], [6, 4]]],
    ["bij,bjk->bik", [[3, 4, 5], [3, 5, 2]]], ["bhqd,bhkd->bhqk", [[2, 3, 5, 4], [2, 3, 6, 4]]],
    ["bhqk,bhkd->bhqd", [[2, 3, 5, 6], [2, 3, 6, 4]]], ["bqd,dh->bqh", [[2, 5, 6], [6, 3]]],
    ["bqhd,bkhd->bhqk", [[2, 5, 3, 4], [2, 6, 3, 4]]], ["ij->ji", [[3, 4]]], ["ij->", [[3, 4]]],
    ["ij->j", [[3, 4]]], ["i,i->", [[7], [7]]], ["i,j->ij", [[3], [4]]], ["ij,ij->ij", [[3, 4], [3, 4]]],
    ["ij,ij->i", [[3, 4], [3, 4]]], ["ijk,k->ij", [[2, 3, 4], [4]]], ["abc,cd->abd", [[2, 3, 4], [4, 5]]],
    ["bd,nd->bn", [[8, 16], [50, 16]]], // KG scores against all entities
  ];
  for (const [eq, shapes] of cases) {
    await vsCpu(`einsum ${eq}`, withGrads((...ts) => tf.einsum(eq, ...ts), shapes.length), shapes.map((s) => spec(s)));
  }
});

test("Einsum beyond cpu's kernel: 3 operands, ellipsis, implicit output (reference: matMul forms)", async () => {
  const c3 = [spec([3, 4]), spec([4, 5]), spec([5, 2])];
  await vsRef("einsum ij,jk,kl->il", withGrads((a, b, c) => tf.einsum("ij,jk,kl->il", a, b, c), 3), withGrads((a, b, c) => tf.matMul(tf.matMul(a, b), c), 3), c3);
  const e = [spec([2, 3, 4, 5]), spec([2, 3, 5, 6])];
  await vsRef("einsum ...ij,...jk->...ik", withGrads((a, b) => tf.einsum("...ij,...jk->...ik", a, b), 2), withGrads((a, b) => tf.matMul(a, b), 2), e);
  const im = [spec([4, 5]), spec([5, 3])];
  await vsRef("einsum ij,jk (implicit)", withGrads((a, b) => tf.einsum("ij,jk", a, b), 2), withGrads((a, b) => tf.matMul(a, b), 2), im);
  await use("wasm");
  assert.throws(() => tf.einsum("ii->i", tf.ones([3, 3])), /repeated within one operand/);
  assert.throws(() => tf.einsum("ij,jk->ik", tf.ones([3, 4]), tf.ones([5, 2])), /index 'j' has size 4 in one operand and 5/);
});

// ---- complex -------------------------------------------------------------------------------------

test("complex64 on wasm: complex/real/imag/abs, add/sub/mul/cast, fft/ifft/rfft/irfft vs cpu", async () => {
  for (const n of [8, 6, 37, 100, 128]) {
    const s = [3, n];
    const cx = (r, i) => tf.complex(r, i);
    const two = [spec(s), spec(s)];
    const ops = {
      fft: (r, i) => tf.spectral.fft(cx(r, i)),
      ifft: (r, i) => tf.spectral.ifft(cx(r, i)),
      rfft: (r) => tf.spectral.rfft(r),
      irfft: (r, i) => tf.spectral.irfft(cx(r, i)),
      abs: (r, i) => tf.abs(cx(r, i)),
      parts: (r, i) => [tf.real(cx(r, i)), tf.imag(cx(r, i))],
      add: (r, i) => tf.add(cx(r, i), cx(i.slice([0, 0], [1, -1]), r.slice([0, 0], [1, -1]))),
      sub: (r, i) => tf.sub(cx(r, i), cx(i, r)),
      mul: (r, i) => tf.mul(cx(r, i), cx(i, r)),
      mulReal: (r, i) => tf.mul(cx(r, i), r),
      cast: (r, i) => [tf.cast(r, "complex64"), tf.cast(cx(r, i), "float32")],
      reshapeClone: (r, i) => tf.clone(cx(r, i).reshape([-1])),
    };
    for (const [name, f] of Object.entries(ops)) await vsCpu(`complex ${name} n=${n}`, f, two);
  }
  await use("wasm");
  assert.equal(tf.complex([1, 2], [3, 4]).toString(), "Tensor\n    [1 + 3j, 2 + 4j]");
});

test("lib complex (re/im pairs): fft/ifft/fft2 match native complex64, and gradients agree across backends", async () => {
  const C = L.complex;
  for (const b of ["wasm", "cpu"]) {
    // the DFT matrices are cached (kept) on first use: create them outside the leak checks
    await use(b);
    C.clearCache();
  }
  for (const n of [12, 8]) tf.tidy(() => C.fft(C.of(tf.zeros([1, n]))));
  const s = [4, 12];
  await vsRef("pair fft vs native", (r, i) => { const z = C.fft(C.of(r, i)); return [z.re, z.im]; },
    (r, i) => { const z = tf.spectral.fft(tf.complex(r, i)); return [tf.real(z), tf.imag(z)]; }, [spec(s), spec(s)]);
  await vsRef("pair ifft vs native", (r, i) => { const z = C.ifft(C.of(r, i)); return [z.re, z.im]; },
    (r, i) => { const z = tf.spectral.ifft(tf.complex(r, i)); return [tf.real(z), tf.imag(z)]; }, [spec(s), spec(s)]);
  const sq = [2, 8, 8];
  await vsRef("pair fft2 vs native", (r, i) => { const z = C.fft2(C.of(r, i)); return [z.re, z.im]; },
    (r, i) => {
      const a = tf.spectral.fft(tf.complex(r, i));
      const b = tf.spectral.fft(tf.transpose(a, [0, 2, 1]));
      return [tf.transpose(tf.real(b), [0, 2, 1]), tf.transpose(tf.imag(b), [0, 2, 1])];
    }, [spec(sq), spec(sq)]);
  // a differentiable optics-style loss: |F(e^{iφ}·A)|² through fft2, and a complex matMul / div chain
  await vsCpu("pair gradient through fft2", withGrads((phi, amp) => C.abs2(C.fft2(C.mul(C.expi(phi), C.of(amp)))), 2), [spec([8, 8]), spec([8, 8])]);
  await vsCpu("pair gradient through matMul/div/abs", withGrads((a, b, c) => C.abs(C.div(C.matMul(C.of(a, b), C.of(c, a)), C.of(tf.add(c, 3), b)), 1e-6), 3),
    [spec([5, 5]), spec([5, 5]), spec([5, 5])]);
});

// ---- training: same loss curve on both backends ---------------------------------------------------

async function lossCurve(backend, build, steps) {
  await use(backend);
  seed = 99; // same initial weights and data on both backends
  const { vars, loss, data } = build();
  const opt = tf.train.sgd(0.05);
  const curve = [];
  for (let s = 0; s < steps; s++) {
    const l = opt.minimize(() => loss(...data), true, vars);
    curve.push(l.dataSync()[0]);
    l.dispose();
  }
  tf.dispose([...vars, ...data]);
  opt.dispose();
  return curve;
}

function assertSameCurve(w, c, label) {
  assert.ok(c[c.length - 1] < c[0], `${label}: loss should fall on cpu (${c[0]} → ${c[c.length - 1]})`);
  w.forEach((v, i) => {
    const e = Math.abs(v - c[i]) / Math.abs(c[i]);
    assert.ok(e < 1e-3, `${label}: step ${i} loss ${v} (wasm) vs ${c[i]} (cpu), rel ${e.toExponential(2)}`);
  });
}

test("training: a small CNN (conv2d, depthwise, dense) follows the same loss curve on wasm and cpu", async () => {
  const build = () => {
    const v = (shape, scale) => tf.variable(tf.tensor(randArr(shape), shape).mul(scale));
    const w1 = v([3, 3, 3, 8], 0.3);
    const dw = v([3, 3, 8, 1], 0.3);
    const w2 = v([1, 1, 8, 8], 0.3);
    const wd = v([4 * 4 * 8, 5], 0.1);
    const bd = v([5], 0.1);
    const x = tf.tensor(randArr([6, 8, 8, 3]), [6, 8, 8, 3]);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 6 }, (_, i) => i % 5), "int32"), 5);
    const loss = (x, y) => {
      let h = tf.relu(tf.conv2d(x, w1, 1, "same"));
      h = tf.relu(tf.depthwiseConv2d(h, dw, 2, "same"));
      h = tf.relu(tf.conv2d(h, w2, 1, "valid"));
      const logits = tf.add(tf.matMul(tf.reshape(h, [6, -1]), wd), bd);
      return tf.losses.softmaxCrossEntropy(y, logits);
    };
    return { vars: [w1, dw, w2, wd, bd], loss, data: [x, y] };
  };
  const w = await lossCurve("wasm", build, 12);
  const c = await lossCurve("cpu", build, 12);
  assertSameCurve(w, c, "CNN");
});

test("training: a small embedding model (gather + mean + dense, and tf.layers.embedding fit) matches cpu", async () => {
  const build = () => {
    const V = 40;
    const emb = tf.variable(tf.tensor(randArr([V, 12]), [V, 12]).mul(0.5));
    const wo = tf.variable(tf.tensor(randArr([12, V]), [12, V]).mul(0.3));
    const ids = tf.tensor2d(Int32Array.from({ length: 16 * 5 }, () => Math.floor(rand() * V)), [16, 5], "int32");
    const next = tf.oneHot(tf.tensor1d(Int32Array.from({ length: 16 }, () => Math.floor(rand() * V)), "int32"), V);
    const loss = (ids, next) => tf.losses.softmaxCrossEntropy(next, tf.matMul(tf.mean(tf.gather(emb, ids), 1), wo));
    return { vars: [emb, wo], loss, data: [ids, next] };
  };
  const w = await lossCurve("wasm", build, 12);
  const c = await lossCurve("cpu", build, 12);
  assertSameCurve(w, c, "embedding");

  // The same through tf.layers (embedding + flatten + dense, Adam, fit), weights copied across.
  const fit = async (backend, weights) => {
    await use(backend);
    const m = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 30, outputDim: 8, inputLength: 6 }), tf.layers.flatten(), tf.layers.dense({ units: 4, activation: "softmax" })] });
    m.compile({ optimizer: tf.train.adam(0.01), loss: "sparseCategoricalCrossentropy" });
    if (weights) m.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
    seed = 5;
    const x = tf.tensor2d(Float32Array.from({ length: 32 * 6 }, () => Math.floor(rand() * 30)), [32, 6]);
    const y = tf.tensor1d(Float32Array.from({ length: 32 }, () => Math.floor(rand() * 4)));
    const h = await m.fit(x, y, { epochs: 6, batchSize: 32, verbose: 0, shuffle: false });
    const ws = m.getWeights().map((t) => ({ data: t.dataSync().slice(), shape: t.shape }));
    tf.dispose([x, y]);
    m.dispose();
    return { loss: h.history.loss, ws };
  };
  await use("cpu");
  const init = tf.sequential({ layers: [tf.layers.embedding({ inputDim: 30, outputDim: 8, inputLength: 6 }), tf.layers.flatten(), tf.layers.dense({ units: 4, activation: "softmax" })] });
  const w0 = init.getWeights().map((t) => ({ data: t.dataSync().slice(), shape: t.shape }));
  init.dispose();
  const fw = await fit("wasm", w0);
  const fc = await fit("cpu", w0);
  assertSameCurve(fw.loss, fc.loss, "tf.layers embedding fit");
});

test("no leaks: the wasm backend holds no extra buffers after running every kernel family", async () => {
  await use("wasm");
  const backend = tf.backend();
  const before = backend.numDataIds();
  tf.tidy(() => {
    const a = tf.randomNormal([3, 6, 8]);
    const b = tf.randomNormal([3, 8, 5]);
    tf.matMul(a, b, false, false).dataSync();
    tf.matMul(a, tf.randomNormal([5, 8]), false, true).dataSync();
    tf.grads((x, w) => tf.sum(tf.conv2d(x, w, 2, "same")))([tf.randomNormal([2, 6, 6, 3]), tf.randomNormal([3, 3, 3, 4])]);
    tf.grads((x, w) => tf.sum(tf.depthwiseConv2d(x, w, 1, "same")))([tf.randomNormal([2, 6, 6, 3]), tf.randomNormal([3, 3, 3, 2])]);
    tf.grad((t) => tf.sum(tf.gather(t, tf.tensor1d([1, 2, 1], "int32"))))(tf.randomNormal([4, 3]));
    tf.grads((x, y, z) => tf.sum(tf.einsum("ij,jk,kl->il", x, y, z)))([tf.randomNormal([2, 3]), tf.randomNormal([3, 4]), tf.randomNormal([4, 2])]);
    tf.spectral.irfft(tf.spectral.rfft(tf.randomNormal([2, 16]))).dataSync();
  });
  assert.equal(backend.numDataIds(), before);
});
