// Unit tests for the core @papers/lib modules (backend, random, tensor, plot, table, math,
// progress, train, profile, results, display). Run outside a kernel, so display goes to stdout.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";
import { quietly } from "./helpers.mjs";

test("backend: auto picks a working backend and says so in one line", async () => {
  const info = await L.initBackend();
  assert.ok(["tensorflow", "wasm"].includes(info.name), `unexpected backend ${info.name}`);
  assert.match(info.summary, /backend: (wasm|tensorflow)/);
  assert.equal(tf.getBackend(), info.name);
});

test("backend: explicit cpu works, unknown names fail clearly", async () => {
  const info = await L.initBackend({ name: "cpu" });
  assert.equal(info.name, "cpu");
  await assert.rejects(L.initBackend({ name: "tpu" }), /Unknown backend 'tpu': expected one of auto, node-gpu, node, wasm, cpu/);
  const saved = process.env.PAPERS_BACKEND;
  process.env.PAPERS_BACKEND = "gpu-please";
  await assert.rejects(L.initBackend(), /Unknown backend 'gpu-please'/);
  if (saved === undefined) delete process.env.PAPERS_BACKEND;
  else process.env.PAPERS_BACKEND = saved;
  await L.initBackend();
});

test("random: seed() makes JS sampling, Math.random and tfjs random ops repeatable", () => {
  L.seed(7);
  const a = [L.rng().uniform(), L.rng().normal(), Math.random()];
  const ta = tf.tidy(() => Array.from(tf.randomNormal([5]).dataSync()));
  const wa = tf.tidy(() => Array.from(tf.initializers.glorotUniform({}).apply([3, 3]).dataSync()));
  L.seed(7);
  const b = [L.rng().uniform(), L.rng().normal(), Math.random()];
  const tb = tf.tidy(() => Array.from(tf.randomNormal([5]).dataSync()));
  const wb = tf.tidy(() => Array.from(tf.initializers.glorotUniform({}).apply([3, 3]).dataSync()));
  assert.deepEqual(a, b);
  assert.deepEqual(ta, tb);
  assert.deepEqual(wa, wb);
  L.seed(8);
  assert.notDeepEqual(tf.tidy(() => Array.from(tf.randomNormal([5]).dataSync())), ta);
  assert.throws(() => L.seed(1.5), /integer/);
});

test("random: sampler statistics are sane", () => {
  L.seed(1);
  const r = L.rng();
  const xs = Array.from({ length: 20000 }, () => r.normal());
  const m = L.mean(xs);
  const v = L.mean(xs.map((x) => (x - m) ** 2));
  assert.ok(Math.abs(m) < 0.03 && Math.abs(v - 1) < 0.05, `mean ${m}, var ${v}`);
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[r.int(3)]++;
  assert.ok(counts.every((c) => c > 900 && c < 1100), String(counts));
  assert.deepEqual(r.shuffle([1, 2, 3, 4]).sort(), [1, 2, 3, 4]);
  assert.throws(() => r.int(0), /Rng\.int: n must be an integer >= 1/);
});

test("tensor: linspace, arange, nested arrays, shapes, scalar reads", () => {
  assert.deepEqual(L.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(L.arange(3), [0, 1, 2]);
  assert.throws(() => L.linspace(0, 1, 0), /linspace: n must be an integer >= 1, got 0/);
  const t = L.fromNested([[1, 2], [3, 4]]);
  assert.deepEqual(t.shape, [2, 2]);
  assert.deepEqual(L.toNested(t), [[1, 2], [3, 4]]);
  assert.throws(() => L.fromNested([[1, 2], [3]]), /fromNested: values must not be ragged: at \[1\] expected an array of length 2, got length 1/);
  assert.throws(() => L.assertShape(t, [2, 3], "weights"), /weights has shape \[2, 2\], expected \[2, 3\]/);
  L.assertShape(t, [2, null]);
  const before = tf.memory().numTensors;
  assert.equal(L.readScalar(() => tf.sum(t)), 10);
  assert.equal(tf.memory().numTensors, before, "readScalar(fn) must not leak");
  assert.throws(() => L.readScalar(t), /one element/);
  t.dispose();
});

test("plot: figures need titles and consistent series, and are plain JSON", () => {
  const fig = L.lineFigure([{ x: [1, 2, 3], y: [1, 4, 9], name: "squares" }], { title: "t", xTitle: "n", yTitle: "n² (units)", yLog: true });
  assert.equal(fig.data[0].type, "scatter");
  assert.equal(fig.layout.yaxis.type, "log");
  assert.equal(fig.layout.xaxis.type, undefined, "linear axes are left to plotly (categorical strings must stay categorical)");
  assert.deepEqual(JSON.parse(JSON.stringify(fig)).data[0].y, [1, 4, 9]);
  assert.throws(() => L.lineFigure([{ x: [1], y: [1] }], { title: "t", xTitle: "", yTitle: "y" }), /lineFigure: opts\.xTitle is required/);
  assert.throws(() => L.lineFigure([{ x: [1, 2], y: [1] }], { title: "t", xTitle: "x", yTitle: "y" }), /2 x values but 1 y values/);
  assert.throws(() => L.heatmapFigure({ z: [[1, 2]], x: [1], y: [1], zTitle: "z" }, { title: "t", xTitle: "x", yTitle: "y" }), /z must be \[1\]\[1\]/);
  const sub = L.subplotsFigure([fig, L.barFigure([{ name: "a", x: ["p", "q"], y: [1, 2] }], { title: "b", xTitle: "k", yTitle: "v" })], { title: "both" });
  assert.equal(sub.data[1].xaxis, "x2");
  assert.ok(sub.layout.yaxis2);
  assert.ok(L.plotlyBundle().length > 1e6, "plotly bundle comes from node_modules");
  const n = L.displayedFigures().length;
  quietly(() => L.line([{ x: [1], y: [2] }], { title: "t", xTitle: "x", yTitle: "y" }));
  assert.equal(L.displayedFigures().length, n + 1);
});

test("table: records and DataFrame-like input, number formatting, escaping", () => {
  const html = L.toHtmlTable([{ name: "<b>", value: 1234567, small: 0.000123, x: 3.14159265 }], { caption: "c" });
  assert.match(html, /&lt;b&gt;/);
  assert.match(html, /1,234,567/);
  assert.match(html, /1\.230e-4/);
  assert.match(html, />3\.142</);
  const dfHtml = L.toHtmlTable({ columns: ["a", "b"], values: [[1, 2], [3, 4]] });
  assert.match(dfHtml, /<th[^>]*>a<\/th><th[^>]*>b<\/th>/);
  assert.equal(L.dataFrameToRows({ columns: ["a"], values: [[5]] })[0].a, 5);
});

test("math: LaTeX from mathjs expressions", () => {
  assert.match(L.texOf("x^2"), /^\{\s*x\}\^\{2\}$/);
  assert.match(L.texOf("sqrt(a/b)"), /\\sqrt/);
  assert.throws(() => L.showLatex(""), /non-empty/);
});

test("profile: quick/full from PAPERS_PROFILE, unknown names fail", () => {
  const saved = process.env.PAPERS_PROFILE;
  process.env.PAPERS_PROFILE = "quick";
  assert.equal(L.profile(), "quick");
  assert.equal(L.byProfile({ quick: 1, full: 2 }), 1);
  process.env.PAPERS_PROFILE = "full";
  assert.equal(L.byProfile({ quick: 1, full: 2 }), 2);
  process.env.PAPERS_PROFILE = "medium";
  assert.throws(() => L.profile(), /Unknown profile 'medium' in PAPERS_PROFILE: expected one of quick, full/);
  // Assigning undefined would store the string "undefined" (process.env holds strings only).
  if (saved === undefined) delete process.env.PAPERS_PROFILE;
  else process.env.PAPERS_PROFILE = saved;
});

test("progress: validates input and prints sparse plain lines outside a kernel", () => {
  assert.throws(() => L.progress(0), /progress: total must be a finite number > 0, got 0/);
  const lines = [];
  const write = process.stdout.write;
  process.stdout.write = (s) => (lines.push(String(s)), true);
  try {
    const bar = L.progress(1000, { label: "loop" });
    for (let i = 0; i < 1000; i++) bar.tick(1, { loss: 0.5 });
    bar.done();
  } finally {
    process.stdout.write = write;
  }
  assert.ok(lines.length <= 3, `too many lines: ${lines.length}`);
  assert.match(lines.at(-1), /loop: 1000\/1000 \(100%\).*loss=0\.5000/);
});

test("train: fit() lowers the loss of a linear model without leaking tensors", () => {
  L.seed(3);
  const X = tf.randomNormal([128, 3]);
  const wTrue = tf.tensor2d([[1], [-2], [0.5]]);
  const Y = X.matMul(wTrue);
  const w = tf.variable(tf.zeros([3, 1]));
  const before = tf.memory().numTensors;
  const hist = quietly(() =>
    L.fit({ params: [w], loss: () => tf.losses.meanSquaredError(Y, X.matMul(w)), batches: () => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], epochs: 20, lr: 0.1, totalSteps: 200 }),
  );
  assert.equal(hist.steps, 200);
  assert.ok(hist.loss.at(-1) < 0.01 * hist.loss[0], `loss ${hist.loss[0]} -> ${hist.loss.at(-1)}`);
  assert.equal(tf.memory().numTensors, before, "fit must not leak tensors");
  assert.throws(() => L.fit({ loss: () => w.sum().mul(NaN), batches: () => [0], params: [w] }), /loss became NaN at step 0/);
  assert.throws(() => L.fit({ loss: () => tf.scalar(1), batches: () => [0], epochs: 0 }), /fit: opts\.epochs must be an integer >= 1, got 0/);
  tf.dispose([X, wTrue, Y, w]);
});

test("results: checks pass and fail as they should; JSON file is written", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papers-results-"));
  process.env.PAPERS_RESULTS_DIR = dir;
  const r = new L.Results("unit-test");
  assert.equal(r.close("a", 1.0004, 1, { rel: 1e-3 }), true);
  assert.equal(r.close("b", 1.1, 1, { rel: 1e-3 }), false);
  assert.equal(r.close("c", 0.5, 0, { abs: 0.1 }), false);
  assert.equal(r.close("d", NaN, 1, { rel: 1 }), false);
  assert.equal(r.order("e", [["GPTQ", 1], ["RTN", 2]], "increasing"), true);
  assert.equal(r.order("f", [["GPTQ", 3], ["RTN", 2]], "increasing"), false);
  assert.equal(r.negativeControl("g", false, { paper: "x", ours: "y" }), true);
  assert.equal(r.negativeControl("h", true, { paper: "x", ours: "y" }), false);
  assert.equal(r.within("i", 5, 0, 10), true);
  r.close("a", 1, 1, { abs: 0 }); // re-running replaces, not duplicates
  r.record("k", [1, 2]);
  r.timing("t", 1.5);
  assert.deepEqual(r.summary, { passed: 4, failed: 5, total: 9 });
  quietly(() => r.show());
  const json = JSON.parse(fs.readFileSync(path.join(dir, "unit-test.results.json"), "utf8"));
  assert.equal(json.summary.failed, 5);
  assert.deepEqual(json.values.k, [1, 2]);
  assert.equal(json.timings.t, 1.5);
  assert.equal(json.checks.find((c) => c.name === "g").negativeControl, true);
  assert.equal(json.numTensorsPerShow.length, 1);
  // The documented schema (lib/README.md): the file passes, a corrupted copy names its bad field.
  assert.equal(L.validateResultsFile(json), json);
  assert.equal(L.validateResultsFile(JSON.stringify(json)).notebook, "unit-test");
  assert.throws(() => L.validateResultsFile({ ...json, seed: 1.5 }), /validateResultsFile: seed must be an integer, got 1\.5/);
  assert.throws(() => L.validateResultsFile({ ...json, checks: [{ ...json.checks[0], kind: "approx" }] }), /checks\[0\]\.kind must be one of 'exact', 'proxy'/);
  const { run: _run, ...noRun } = json;
  assert.throws(() => L.validateResultsFile(noRun), /validateResultsFile: missing field run/);
  assert.throws(() => new L.Results("bad name/with slash"), /Results: notebook must be a name of letters/);
  assert.throws(() => r.close("z", 1, 1, {}), /Results\.close: needs a tolerance: tol\.rel or tol\.abs/);
  delete process.env.PAPERS_RESULTS_DIR;
});
