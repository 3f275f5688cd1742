// Both backends, side by side: the `tensorflow` backend (libtensorflow through @tensorflow/tfjs-node,
// which set-up builds from the TensorFlow wheel where its own download is unreachable) against the
// pure-JS `cpu` reference on the kernel families the notebooks use, with their gradients; the
// automatic choice and PAPERS_BACKEND; and one notebook run on the backend that is *not* the
// default, so that both paths stay green (the notebooks test runs every notebook on the default).
//   node --test tests/backends.test.mjs
import test from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";
import { runNotebooks } from "../scripts/runner/run-notebooks.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TOL = 1e-4;

/** Whether the tensorflow backend loads here, tried in a child so a failure cannot poison this process. */
function tensorflowLoads() {
  const r = spawnSync(process.execPath, ["-e", 'require("@papers/lib").initBackend({ name: "node" }).then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); })'], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PAPERS_BACKEND: "" } });
  return { ok: r.status === 0, why: (r.stderr || "").trim().split("\n").pop() };
}
const TF = tensorflowLoads();
const skipTf = TF.ok ? false : `tensorflow backend not available here (${TF.why}); set-up says why`;

let seed = 987;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return (seed / 2147483648) * 2 - 1;
};
const spec = (shape) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rand) });

/** Value and gradients of sum(f(...)·R) for a fixed R, as plain arrays, on one backend. */
async function valueAndGrads(backend, f, specs) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(() => {
    const xs = specs.map((s) => tf.tensor(s.data, s.shape));
    const y = f(...xs);
    const R = tf.tensor(Float32Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)), y.shape);
    return [y, ...tf.grads((...v) => tf.sum(tf.mul(f(...v), R)))(xs)];
  });
  const res = outs.map((t) => Array.from(t.dataSync()));
  tf.dispose(outs);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked`);
  return res;
}

const CASES = [
  ["matMul NN", (a, b) => tf.matMul(a, b), [[33, 17], [17, 9]]],
  ["matMul TN", (a, b) => tf.matMul(a, b, true, false), [[17, 33], [17, 9]]],
  ["matMul NT", (a, b) => tf.matMul(a, b, false, true), [[33, 17], [9, 17]]],
  ["batched matMul TT", (a, b) => tf.matMul(a, b, true, true), [[3, 17, 33], [3, 9, 17]]],
  ["conv2d same, stride 2", (x, w) => tf.conv2d(x, w, 2, "same"), [[2, 9, 9, 3], [3, 3, 3, 5]]],
  ["conv2d valid, stride 1", (x, w) => tf.conv2d(x, w, 1, "valid"), [[1, 11, 11, 2], [3, 3, 2, 4]]],
  ["depthwiseConv2d", (x, w) => tf.depthwiseConv2d(x, w, 1, "same"), [[2, 8, 8, 3], [3, 3, 3, 2]]],
  ["conv2dTranspose", (x, w) => tf.conv2dTranspose(x, w, [2, 8, 8, 3], 2, "same"), [[2, 4, 4, 5], [3, 3, 3, 5]]],
  ["gather (embedding)", (t) => tf.gather(t, tf.tensor1d([3, 0, 3, 7, 1], "int32")), [[8, 6]]],
  ["einsum bij,bjk->bik", (a, b) => tf.einsum("bij,bjk->bik", a, b), [[2, 4, 5], [2, 5, 3]]],
  ["softmax · layer stats", (x) => tf.softmax(tf.sub(x, tf.mean(x, -1, true)), -1), [[4, 7]]],
];

for (const [label, f, shapes] of CASES) {
  test(`tensorflow vs cpu: ${label}, value and gradients`, { skip: skipTf }, async () => {
    const specs = shapes.map(spec);
    const [t, c] = [await valueAndGrads("tensorflow", f, specs), await valueAndGrads("cpu", f, specs)];
    assert.equal(t.length, c.length);
    t.forEach((out, i) => {
      const den = Math.max(...c[i].map(Math.abs), 1e-30);
      const err = Math.max(...out.map((v, j) => Math.abs(v - c[i][j]))) / den;
      assert.ok(err < TOL, `${label}: output ${i} relative error ${err.toExponential(2)} ≥ ${TOL}`);
    });
  });
}

test.before(async () => {
  if (TF.ok) await L.initBackend({ name: "node" }); // registers the backend in this process
  await L.initBackend({ name: "cpu" });
});

test("automatic choice: tensorflow where it loads, else wasm; PAPERS_BACKEND and a notebook's preference", async () => {
  const saved = process.env.PAPERS_BACKEND;
  try {
    delete process.env.PAPERS_BACKEND;
    const auto = await L.initBackend();
    assert.equal(auto.name, TF.ok ? "tensorflow" : "wasm", auto.summary);
    assert.match(auto.summary, /chosen automatically/);
    const pref = await L.initBackend({ prefer: "wasm" });
    assert.equal(pref.name, "wasm");
    assert.match(pref.summary, /preferred by this notebook/);
    process.env.PAPERS_BACKEND = "cpu";
    const env = await L.initBackend({ prefer: "wasm" });
    assert.equal(env.name, "cpu", "PAPERS_BACKEND wins over a notebook's preference");
    assert.match(env.summary, /PAPERS_BACKEND/);
  } finally {
    if (saved === undefined) delete process.env.PAPERS_BACKEND;
    else process.env.PAPERS_BACKEND = saved;
    await L.initBackend({ name: "cpu" });
  }
});

test("a negative control: the comparison above catches a wrong kernel", async () => {
  const specs = [[5, 4], [4, 3]].map(spec);
  const good = await valueAndGrads("cpu", (a, b) => tf.matMul(a, b), specs);
  const bad = await valueAndGrads("cpu", (a, b) => tf.matMul(a, tf.mul(b, 1.001)), specs);
  const den = Math.max(...good[0].map(Math.abs));
  const err = Math.max(...bad[0].map((v, j) => Math.abs(v - good[0][j]))) / den;
  assert.ok(err > TOL, `a 0.1% error must exceed the tolerance, got ${err}`);
});

test("the tour notebook passes on the backend that is not the default", { skip: skipTf, timeout: 10 * 60 * 1000 }, async () => {
  const saved = process.env.PAPERS_BACKEND;
  process.env.PAPERS_BACKEND = "wasm"; // the default here is tensorflow; the notebooks test covers it
  try {
    const rows = await runNotebooks({ profile: "quick", only: ["00"], timeout: 600, jobs: 1, out: path.join(ROOT, "test-artifacts", "reports-wasm"), html: false, force: true });
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, "ok", JSON.stringify(rows[0]));
  } finally {
    if (saved === undefined) delete process.env.PAPERS_BACKEND;
    else process.env.PAPERS_BACKEND = saved;
  }
});
