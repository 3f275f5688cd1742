// Property-based tests of @papers/lib (fast-check, fixed seed so a failure reproduces with the printed
// seed/path): arbitrary bad inputs to every helper give an Error whose message starts with the
// helper's name (never a bare TypeError/RangeError from inside), and arbitrary good inputs satisfy
// each helper's laws. Issue 19.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";
import { quietly } from "./helpers.mjs";

const SEED = 42;
const RUNS = 60;
fc.configureGlobal({ seed: SEED, numRuns: RUNS });

/** fc.assert, with the property's label and the failing assertion's own message in the error. */
function check(label, prop, params) {
  const out = fc.check(prop, params);
  if (out.failed) {
    const cause = out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance);
    throw new Error(`${label}: property failed (seed ${out.seed}, path "${out.counterexamplePath}") on ${fc.stringify(out.counterexample)}: ${cause}`);
  }
}

const restoreEnv = (key, saved) => {
  if (saved === undefined) delete process.env[key];
  else process.env[key] = saved;
};


/** `thunk` must throw an Error (not a TypeError/RangeError) whose message starts with `fn:`. */
function rejects(fn, thunk) {
  let threw = null;
  try {
    quietly(thunk);
  } catch (e) {
    threw = e;
  }
  if (threw === null) throw new Error(`${fn} accepted the bad input`);
  if (!(threw instanceof Error)) throw new Error(`${fn} threw a non-Error: ${String(threw)}`);
  if (threw instanceof TypeError || threw instanceof RangeError) throw new Error(`${fn} threw a bare ${threw.name}: ${threw.message}`);
  if (!threw.message.startsWith(`${fn}:`)) throw new Error(`${fn}: message does not start with the function name: ${threw.message}`);
  return threw;
}

// ---- generators of bad values ---------------------------------------------------------------------
const notFinite = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, undefined, null, "1", "", true, false, 1n),
  fc.string(),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.object({ maxDepth: 1, maxKeys: 3 }),
  fc.func(fc.integer()),
);
const notCount = fc.oneof(notFinite, fc.integer({ max: 0 }), fc.double({ noInteger: true, noDefaultInfinity: true, noNaN: true }));
const notString = fc.oneof(fc.constantFrom(undefined, null, NaN, 0, 1, true), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1, maxKeys: 2 }));
const notArray = fc.oneof(fc.constantFrom(undefined, null, NaN, 0, 1, "abc", true), fc.object({ maxDepth: 1, maxKeys: 2 }));
const unknownKey = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => /^[A-Za-z_]\w*$/.test(k));
const finiteNum = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });

const AX = { title: "t", xTitle: "x (units)", yTitle: "y (units)" };
const goodQam = L.comm.qam(16);
const withOpt = (known) => unknownKey.filter((k) => !known.includes(k));

// One row per helper argument: [function name, bad-value generator, call with the bad value].
const BAD = [
  ["linspace", notFinite, (v) => L.linspace(v, 1, 5)],
  ["linspace", notFinite, (v) => L.linspace(0, v, 5)],
  ["linspace", notCount, (v) => L.linspace(0, 1, v)],
  ["logspace", notFinite, (v) => L.logspace(0, v, 5)],
  ["arange", notFinite.filter((v) => v !== undefined), (v) => L.arange(0, v, 1)],
  ["arange", fc.oneof(notFinite, fc.constant(0)), (v) => L.arange(0, 3, v)],
  ["mean", fc.oneof(notArray, fc.constant([]), fc.array(notFinite, { minLength: 1, maxLength: 3 })), (v) => L.mean(v)],
  ["relErr", notFinite, (v) => L.relErr(1, v)],
  ["fromNested", fc.oneof(fc.constantFrom(undefined, null, "x", true), fc.constant([[1, 2], [3]]), fc.constant([[1], ["a"]]), fc.constant([1, [2]])), (v) => L.fromNested(v)],
  ["toNested", notArray, (v) => L.toNested(v)],
  ["readScalar", notArray, (v) => L.readScalar(v)],
  ["assertShape", notArray, (v) => L.assertShape([1, 2], v)],
  ["variable", notString, (v) => L.variable(v)],
  ["byProfile", fc.oneof(notArray, fc.record({ quick: fc.integer() }), fc.record({ full: fc.integer() }), fc.record({ quick: fc.constant(NaN), full: fc.integer() })), (v) => L.byProfile(v)],
  ["byProfile", withOpt(["quick", "full"]), (k) => L.byProfile({ quick: 1, full: 2, [k]: 3 })],
  ["toHtmlTable", fc.oneof(notArray, fc.array(fc.oneof(fc.constant(null), fc.integer(), fc.string()), { minLength: 1, maxLength: 3 })), (v) => L.toHtmlTable(v)],
  ["toHtmlTable", fc.oneof(fc.object({ maxDepth: 1, maxKeys: 1 }).filter((o) => Object.keys(o).length > 0), fc.array(fc.integer(), { minLength: 1, maxLength: 2 })), (v) => L.toHtmlTable([{ a: v }])],
  ["toHtmlTable", withOpt(["caption", "digits", "format", "columns", "rowStyle", "maxRows"]), (k) => L.toHtmlTable([{ a: 1 }], { [k]: 1 })],
  ["toHtmlTable", notCount, (v) => L.toHtmlTable([{ a: 1 }], { digits: v })],
  ["showTable", notArray, (v) => L.showTable(v)],
  ["formatNumber", notCount, (v) => L.formatNumber(1.5, v)],
  ["dataFrameToRows", notArray, (v) => L.dataFrameToRows({ columns: ["a"], values: v })],
  ["lineFigure", notString, (v) => L.lineFigure([{ x: [1], y: [1] }], { ...AX, title: v })],
  ["lineFigure", fc.oneof(notArray, fc.constant([])), (v) => L.lineFigure(v, AX)],
  ["lineFigure", fc.array(fc.oneof(fc.constantFrom(undefined, null, "a", Infinity), fc.object({ maxDepth: 0 })), { minLength: 1, maxLength: 3 }), (v) => L.lineFigure([{ x: v.map((_, i) => i), y: v }], AX)],
  ["lineFigure", fc.integer({ min: 0, max: 5 }), (n) => L.lineFigure([{ x: Array(n + 1).fill(1), y: Array(n).fill(1) }], AX)],
  ["lineFigure", withOpt(["title", "xTitle", "yTitle", "y2Title", "xLog", "yLog", "xRange", "yRange", "width", "height", "layout"]), (k) => L.lineFigure([{ x: [1], y: [1] }], { ...AX, [k]: 1 })],
  ["lineFigure", withOpt(["x", "y", "name", "mode", "dash", "color", "error", "secondaryY", "text", "extra"]), (k) => L.lineFigure([{ x: [1], y: [1], [k]: 1 }], AX)],
  ["scatterFigure", fc.oneof(notFinite.filter((v) => !Array.isArray(v)), fc.constant([2, 1])), (v) => L.scatterFigure([{ x: [1], y: [1] }], { ...AX, xRange: v })],
  ["barFigure", notArray, (v) => L.barFigure([{ name: "a", x: ["a"], y: v }], AX)],
  ["barFigure", fc.string().filter((s) => s !== "group" && s !== "stack"), (v) => L.barFigure([{ name: "a", x: ["a"], y: [1] }], { ...AX, barmode: v })],
  ["heatmapFigure", fc.oneof(notArray, fc.constant([[1, 2], [3]]), fc.constant([1, 2]), fc.constant([[1], [undefined]])), (z) => L.heatmapFigure({ z, x: [0, 1], y: [0, 1], zTitle: "z" }, AX)],
  ["heatmapFigure", fc.integer({ min: 0, max: 4 }).filter((n) => n !== 2), (n) => L.heatmapFigure({ z: [[1, 2], [3, 4]], x: Array(n).fill(0), y: [0, 1], zTitle: "z" }, AX)],
  ["heatmapFigure", notString, (v) => L.heatmapFigure({ z: [[1]], x: [0], y: [0], zTitle: v }, AX)],
  ["subplotsFigure", fc.oneof(notArray, fc.constant([]), fc.constant([{}])), (v) => L.subplotsFigure(v, { title: "t" })],
  ["subplotsFigure", notCount, (v) => L.subplotsFigure([L.lineFigure([{ x: [1], y: [1] }], AX)], { title: "t", cols: v })],
  ["showFigure", notArray, (v) => L.showFigure(v)],
  ["texOf", fc.oneof(notString.filter((v) => v !== null && typeof v !== "object"), fc.constantFrom("", "1 +", "(((")), (v) => L.texOf(v)],
  ["showLatex", notString, (v) => L.showLatex(v)],
  ["dataPath", fc.oneof(notString, fc.constantFrom("", "../x", "/etc")), (v) => L.dataPath(v)],
  ["escapeHtml", notString, (v) => L.escapeHtml(v)],
  ["seed", notCount.filter((v) => !(typeof v === "number" && Number.isInteger(v))), (v) => L.seed(v)],
  ["Rng.int", notCount, (v) => L.rng().int(v)],
  ["Rng.normal", notFinite.filter((v) => v !== undefined), (v) => L.rng().normal(v)],
  ["Rng.choice", fc.oneof(notArray, fc.constant([])), (v) => L.rng().choice(v)],
  ["Rng.normals", notCount.filter((v) => v !== 0), (v) => L.rng().normals(v)],
  ["progress", notCount.filter((v) => !(typeof v === "number" && v > 0 && Number.isFinite(v))), (v) => L.progress(v)],
  ["progress", withOpt(["label", "refreshSec", "plainEverySec"]), (k) => L.progress(3, { [k]: 1 })],
  ["progress.tick", fc.oneof(notFinite.filter((v) => v !== undefined), fc.integer({ max: -1 })), (v) => L.progress(3).tick(v)],
  ["track", notArray, (v) => L.track(v)],
  ["fit", fc.oneof(notArray, fc.constant({ batches: () => [] })), (v) => L.fit(v)],
  ["fit", withOpt(["loss", "batches", "epochs", "maxSteps", "params", "optimizer", "lr", "clipNorm", "totalSteps", "label", "evalEvery", "evaluate", "onStep", "quiet"]), (k) => L.fit({ loss: () => tf.scalar(0), batches: () => [], [k]: 1 })],
  ["fit", notCount, (v) => L.fit({ loss: () => tf.scalar(0), batches: () => [], epochs: v })],
  ["batchIndices", notCount, (v) => L.batchIndices(10, v)],
  ["isClose", notFinite, (v) => L.isClose(1, v, { rel: 0.1 })],
  ["Results", fc.oneof(notString, fc.constantFrom("", "a b", "x/y")), (v) => new L.Results(v)],
  ["Results.close", notFinite, (v) => new L.Results("p").close("c", 1, v, { rel: 0.1 })],
  ["Results.close", fc.oneof(fc.constant({}), fc.record({ rel: notFinite.filter((v) => v !== undefined) })), (o) => new L.Results("p").close("c", 1, 1, o)],
  ["Results.close", withOpt(["kind", "note", "source", "rel", "abs", "unit"]), (k) => new L.Results("p").close("c", 1, 1, { rel: 0.1, [k]: 1 })],
  ["Results.close", fc.oneof(notString, fc.constant("")), (v) => new L.Results("p").close(v, 1, 1, { rel: 0.1 })],
  // ±Infinity is a one-sided bound, so only NaN, non-numbers and hi < lo are bad
  ["Results.within", fc.oneof(fc.constantFrom(NaN, undefined, null, "1", true, -Infinity), fc.double({ max: -1e-9, noNaN: true })), (v) => new L.Results("p").within("w", 1, 0, v)],
  ["Results.order", fc.oneof(notArray, fc.constant([["a", 1]]), fc.constant([["a", 1], ["b"]])), (v) => new L.Results("p").order("o", v, "increasing")],
  ["Results.order", fc.string().filter((s) => s !== "increasing" && s !== "decreasing"), (v) => new L.Results("p").order("o", [["a", 1], ["b", 2]], v)],
  ["Results.check", fc.oneof(fc.constantFrom(undefined, null, 0, 1, "yes"), fc.object({ maxDepth: 0 })), (v) => new L.Results("p").check("k", v, { paper: 1, ours: 1 })],
  ["Results.check", fc.constantFrom({ ours: 1 }, { paper: 1 }, { paper: undefined, ours: 1 }, { paper: {}, ours: 1 }), (o) => new L.Results("p").check("k", true, o)],
  ["Results.record", fc.oneof(fc.constantFrom(undefined, NaN, Infinity, () => 1, new Float32Array(2), new Map()), fc.constant({ a: [1, undefined] }), fc.constant({ b: { c: NaN } })), (v) => new L.Results("p").record("r", v)],
  ["Results.timing", fc.oneof(notFinite, fc.double({ max: -1e-9, noNaN: true, noDefaultInfinity: true })), (v) => new L.Results("p").timing("t", v)],
  ["validateResultsFile", fc.oneof(notArray, fc.constant("{"), fc.constant({})), (v) => L.validateResultsFile(v)],
  ["besselJ", notFinite, (v) => L.special.besselJ(0, v)],
  ["besselJ", notCount.filter((v) => !(typeof v === "number" && Number.isInteger(v))), (v) => L.special.besselJ(v, 1)],
  ["besselY", fc.oneof(notFinite, fc.double({ max: 0, noNaN: true, noDefaultInfinity: true })), (v) => L.special.besselY(0, v)],
  ["besselKeArray", notCount.filter((v) => v !== 0), (v) => L.special.besselKeArray(v, 1)],
  ["qam", fc.oneof(notFinite, fc.constantFrom(2, 8, 32, 3)), (v) => L.comm.qam(v)],
  ["modulate", fc.oneof(notArray, fc.constant([16]), fc.constant([-1]), fc.constant([0.5])), (v) => L.comm.modulate(goodQam, v)],
  ["modulate", notArray, (v) => L.comm.modulate(v, [0])],
  ["symbolsToBits", notCount, (v) => L.comm.symbolsToBits([0, 1], v)],
  ["bitsToSymbols", fc.oneof(fc.constant([0, 1, 1]), fc.constant([2, 0]), notArray), (v) => L.comm.bitsToSymbols(v, 2)],
  ["dbToLin", notFinite, (v) => L.comm.dbToLin(v)],
  ["linToDb", fc.oneof(notFinite, fc.double({ max: 0, noNaN: true, noDefaultInfinity: true })), (v) => L.comm.linToDb(v)],
  ["awgn", notArray, (v) => L.comm.awgn({ re: v, im: [0] }, 10, L.rng())],
  ["awgn", notArray, (v) => L.comm.awgn({ re: [0], im: [0] }, 10, v)],
  ["llrs", fc.oneof(notFinite, fc.double({ max: 0, noNaN: true, noDefaultInfinity: true })), (v) => L.comm.llrs(goodQam, { re: [0], im: [0] }, v)],
  ["gmiFromLlrs", fc.oneof(notArray, fc.constant([]), fc.constant([NaN, 0])), (v) => L.comm.gmiFromLlrs(v, [0, 1], 2)],
  ["fitChannel", fc.oneof(notArray, fc.constant({ re: [1, 2], im: [0, 0] })), (v) => L.comm.fitChannel({ re: [1], im: [0] }, v)],
  ["awgnGmi", withOpt(["method", "points", "span"]), (k) => L.comm.awgnGmi(4, 5, { [k]: 1 })],
  ["snrForGmi", fc.oneof(notFinite, fc.constantFrom(0, 4, 5, -1)), (v) => L.comm.snrForGmi(16, v)],
  ["bitErrorRate", fc.oneof(notArray, fc.constant([0]), fc.constant([0, 1, 2])), (v) => L.comm.bitErrorRate([0, 1], v, 2)],
  ["grayToBinary", fc.oneof(notFinite, fc.integer({ max: -1 }), fc.double({ min: 0.1, max: 1e6, noInteger: true, noNaN: true })), (v) => L.comm.grayToBinary(v)],
  ["mul", fc.oneof(notArray, fc.constant({ re: 1, im: 2 })), (v) => L.complex.mul(v, v)],
  ["fft", fc.oneof(notArray, fc.constant({ re: null, im: null })), (v) => L.complex.fft(v)],
  ["of", fc.oneof(fc.constantFrom(undefined, NaN, "x"), fc.constant([NaN])), (v) => L.complex.of(v)],
  ["transposeLast2", notArray, (v) => L.nn.transposeLast2(v)],
  ["linear", notArray, (v) => L.nn.linear(v, v)],
  ["ropeTables", notCount, (v) => L.nn.ropeTables(v, 4, 10000)],
  ["causalMask", notCount, (v) => L.nn.causalMask(v)],
  ["qwenConfig", withOpt(["vocabSize", "dModel", "nLayers", "nHeads", "nKvHeads", "headDim", "ffnHidden", "contextLength", "positional", "ropeTheta", "normEps", "qkNorm"]), (k) => L.nn.qwenConfig({ [k]: 1 })],
  ["splitEvery", notCount, (v) => L.text.splitEvery(["a", "b", "c"], v)],
  ["windows", notCount, (v) => L.text.windows(new Int32Array(10), v, 1, "strided")],
];

// initBackend and setupNotebook are async: their checks reject the returned promise.
const ASYNC_BAD = [
  ["initBackend", withOpt(["name"]), (k) => L.initBackend({ [k]: 1 })],
  ["initBackend", fc.oneof(fc.constantFrom(1, null, true), fc.object({ maxDepth: 0 })), (v) => L.initBackend({ name: v })],
  ["setupNotebook", fc.oneof(notString, fc.constantFrom("", "a b")), (v) => L.setupNotebook({ name: v })],
  ["setupNotebook", withOpt(["name", "seed", "backend", "plots"]), (k) => L.setupNotebook({ name: "x", [k]: 1 })],
];

test(`bad inputs: every helper throws an Error naming itself (${BAD.length} argument properties × ${RUNS} runs, seed ${SEED})`, () => {
  BAD.forEach(([fn, gen, call], i) => {
    check(`BAD[${i}] ${fn}`, fc.property(gen, (v) => {
      rejects(fn, () => call(v));
    }));
  });
});

test("bad inputs to the async helpers reject with an Error naming the helper", async () => {
  await L.initBackend({ name: "cpu" });
  for (const [fn, gen, call] of ASYNC_BAD) {
    await fc.assert(
      fc.asyncProperty(gen, async (v) => {
        let err = null;
        try {
          await call(v);
        } catch (e) {
          err = e;
        }
        assert.ok(err instanceof Error && !(err instanceof TypeError) && err.message.startsWith(`${fn}:`), `${fn}: ${err?.message ?? "accepted"}`);
      }),
      { numRuns: 20 },
    );
  }
});

test("the four inputs of issue 19 give clear errors", () => {
  const saved = process.env.PAPERS_PROFILE;
  for (const p of ["quick", "full"]) {
    process.env.PAPERS_PROFILE = p;
    assert.throws(() => L.byProfile({ quick: 1 }), { message: "byProfile: choices.full is missing: give both { quick, full } (got keys {quick})" });
  }
  restoreEnv("PAPERS_PROFILE", saved);
  assert.throws(() => L.linspace(0, NaN, 5), { message: "linspace: stop must be a finite number, got NaN" });
  assert.throws(() => L.toHtmlTable(null), { message: "toHtmlTable: rows must be an array of records or a DataFrame, got null" });
  assert.throws(
    () => L.heatmapFigure({ z: [[1, 2], [3]] }, AX),
    { message: "heatmapFigure: h.z must be rectangular: row 1 has 1 values, expected 2" },
  );
  const r = new L.Results("issue19");
  assert.throws(() => r.record("x", undefined), /Results\.record: value of 'x' must be JSON data .* got undefined/);
  assert.throws(() => r.record("x", NaN), /Results\.record: value of 'x' must be a finite number/);
  assert.throws(() => r.timing("t", -1), /Results\.timing: seconds must be a finite number >= 0, got -1/);
  assert.throws(() => r.timing("t", NaN), /Results\.timing: seconds must be a finite number >= 0, got NaN/);
  // An object property set to undefined is an absent optional field (JSON leaves it out): accepted.
  r.record("rows", [{ a: 1, opt: undefined }]);
  const err = rejects("byProfile", () => L.byProfile({ quick: 1, full: 2, fulll: 3 }));
  assert.match(err.message, /unknown option 'fulll' in choices \(known: quick, full\)/);
  assert.ok(err instanceof L.LibInputError && err.fn === "byProfile");
});

// ---- laws for good inputs -------------------------------------------------------------------------

test("linspace: length n, exact endpoints, constant spacing", (t) => {
  check(t.name, fc.property(finiteNum, finiteNum, fc.integer({ min: 1, max: 300 }), (a, b, n) => {
      const xs = L.linspace(a, b, n);
      assert.equal(xs.length, n);
      assert.equal(xs[0], a);
      if (n > 1) assert.equal(xs[n - 1], b);
      const step = (b - a) / Math.max(1, n - 1);
      const tol = 1e-9 * (Math.abs(a) + Math.abs(b) + 1);
      for (let i = 1; i < n; i++) assert.ok(Math.abs(xs[i] - xs[i - 1] - step) <= tol, `spacing at ${i}`);
      assert.ok(xs.every(Number.isFinite));
    }),
  );
});

test("arange: ceil((stop − start)/step) values, all on the grid and before stop", (t) => {
  check(t.name, fc.property(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: 1, max: 7 }), fc.boolean(), (a, b, s, down) => {
      const step = down ? -s : s;
      const xs = L.arange(a, b, step);
      assert.equal(xs.length, Math.max(0, Math.ceil((b - a) / step)));
      xs.forEach((x, i) => {
        assert.equal(x, a + i * step);
        assert.ok(step > 0 ? x < b : x > b);
      });
    }),
  );
});

const dimsArb = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 });
function nestedOf(dims, vals) {
  let k = 0;
  const build = (d) => (d === dims.length ? vals[k++ % vals.length] : Array.from({ length: dims[d] }, () => build(d + 1)));
  return build(0);
}

test("fromNested/toNested: shape of a rectangular nested array, values round-trip", (t) => {
  check(t.name, fc.property(dimsArb, fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 8 }), (dims, vals) => {
      const nested = nestedOf(dims, vals);
      const t = L.fromNested(nested);
      try {
        assert.deepEqual(t.shape, dims);
        assert.deepEqual(L.toNested(t), nested);
      } finally {
        t.dispose();
      }
    }),
  );
});

const cellArb = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -1e9, max: 1e9 }), fc.boolean(), fc.constant(null));
const keyArb = fc.constantFrom("a", "b", "name", "value", "x<y", "&amp");
const rowsArb = fc.array(fc.dictionary(keyArb, cellArb, { maxKeys: 4 }), { minLength: 0, maxLength: 8 });
const unescape = (s) => s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");

test("toHtmlTable: rows round-trip through the HTML (one <tr> per row, each cell's text)", (t) => {
  check(t.name, fc.property(rowsArb, (rows) => {
      const html = L.toHtmlTable(rows);
      const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
      const head = [...html.matchAll(/<th style="[^"]*">(.*?)<\/th>/g)].map((m) => unescape(m[1]));
      assert.deepEqual(head, cols);
      const body = html.split("<tbody>")[1].split("</tbody>")[0];
      const trs = [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/g)].map((m) => [...m[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => unescape(c[1])));
      assert.equal(trs.length, rows.length);
      rows.forEach((r, i) =>
        cols.forEach((c, j) => {
          const v = r[c];
          const want = v === null || v === undefined ? "" : typeof v === "number" ? L.formatNumber(v) : String(v);
          assert.equal(trs[i][j], want);
        }),
      );
      // A DataFrame-like input gives the same table.
      const df = { columns: cols, values: rows.map((r) => cols.map((c) => r[c])) };
      if (rows.length && cols.length) assert.deepEqual(L.dataFrameToRows(df), rows.map((r) => Object.fromEntries(cols.map((c) => [c, r[c]]))));
    }),
  );
});

test("byProfile returns the active profile's value for any two values", (t) => {
  const saved = process.env.PAPERS_PROFILE;
  check(t.name, fc.property(fc.anything().filter((v) => v !== undefined && !Number.isNaN(v)), fc.anything().filter((v) => v !== undefined && !Number.isNaN(v)), fc.constantFrom("quick", "full"), (q, f, p) => {
      process.env.PAPERS_PROFILE = p;
      assert.equal(L.byProfile({ quick: q, full: f }), p === "quick" ? q : f);
    }),
  );
  restoreEnv("PAPERS_PROFILE", saved);
});

test("heatmapFigure accepts any rectangular z (NaN gaps allowed) and keeps its shape", (t) => {
  check(t.name, fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.oneof(finiteNum, fc.constant(NaN)), { minLength: 1, maxLength: 5 }), (r, c, vals) => {
      const z = Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => vals[(i * c + j) % vals.length]));
      const fig = L.heatmapFigure({ z, x: L.arange(c), y: L.arange(r), zTitle: "z (units)" }, AX);
      assert.equal(fig.data[0].z.length, r);
      assert.ok(fig.data[0].z.every((row) => row.length === c));
      JSON.stringify(fig);
    }),
  );
});

test("comm: Gray code and bit/symbol conversions are inverse; modulated QAM has unit energy", (t) => {
  check(t.name, fc.property(fc.integer({ min: 0, max: 2 ** 30 }), (g) => {
      assert.equal(L.comm.binaryToGray(L.comm.grayToBinary(g)), g);
    }),
  );
  check(t.name, fc.property(fc.constantFrom(4, 16, 64, 256), fc.array(fc.nat(), { minLength: 1, maxLength: 50 }), (M, raw) => {
      const c = L.comm.qam(M);
      const s = raw.map((v) => v % M);
      assert.deepEqual(Array.from(L.comm.bitsToSymbols(L.comm.symbolsToBits(s, c.m), c.m)), s);
      assert.equal(L.comm.bitErrorRate(s, s, c.m), 0);
      let e = 0;
      for (let k = 0; k < M; k++) e += c.re[k] ** 2 + c.im[k] ** 2;
      assert.ok(Math.abs(e / M - 1) < 1e-12);
    }),
  );
});

const checkOp = fc.oneof(
  fc.record({ op: fc.constant("close"), ours: fc.oneof(finiteNum, fc.constant(NaN)), paper: finiteNum, rel: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ op: fc.constant("check"), pass: fc.boolean(), paper: fc.oneof(fc.string(), finiteNum), ours: fc.oneof(fc.string(), finiteNum, fc.constant(NaN)) }),
  fc.record({ op: fc.constant("order"), a: finiteNum, b: finiteNum }),
  fc.record({ op: fc.constant("record"), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({ op: fc.constant("timing"), seconds: fc.double({ min: 0, max: 1e4, noNaN: true }) }),
);

test("results: any sequence of good calls writes a file that validateResultsFile accepts", (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papers-props-"));
  const saved = process.env.PAPERS_RESULTS_DIR;
  process.env.PAPERS_RESULTS_DIR = dir;
  try {
    check(t.name, fc.property(fc.array(checkOp, { maxLength: 12 }), (ops) => {
        const r = new L.Results("props");
        ops.forEach((o, i) => {
          const name = `c${i}`;
          if (o.op === "close") r.close(name, o.ours, o.paper, { rel: o.rel, source: "test" });
          else if (o.op === "check") r.check(name, o.pass, { paper: o.paper, ours: o.ours });
          else if (o.op === "order") r.order(name, [["a", o.a], ["b", o.b]], "increasing");
          else if (o.op === "record") r.record(name, o.value);
          else r.timing(name, o.seconds);
        });
        const file = r.save();
        const text = fs.readFileSync(file, "utf8");
        const json = L.validateResultsFile(text);
        assert.deepEqual(json.summary, r.summary);
        assert.equal(json.checks.length, ops.filter((o) => ["close", "check", "order"].includes(o.op)).length);
        // what was recorded comes back unchanged
        ops.forEach((o, i) => o.op === "record" && assert.deepEqual(json.values[`c${i}`], JSON.parse(JSON.stringify(o.value))));
      }),
      { numRuns: 40 },
    );
  } finally {
    if (saved === undefined) delete process.env.PAPERS_RESULTS_DIR;
    else process.env.PAPERS_RESULTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("validateResultsFile names the first bad field of a corrupted results file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "papers-props-"));
  const saved = process.env.PAPERS_RESULTS_DIR;
  process.env.PAPERS_RESULTS_DIR = dir;
  let good;
  try {
    const r = new L.Results("schema");
    r.close("a", 1, 1, { rel: 0.1, source: "test" });
    r.check("b", false, { paper: "x", ours: "y", source: "test" });
    good = JSON.parse(fs.readFileSync(r.save(), "utf8"));
  } finally {
    if (saved === undefined) delete process.env.PAPERS_RESULTS_DIR;
    else process.env.PAPERS_RESULTS_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  }
  L.validateResultsFile(good);
  const corrupt = [
    [(j) => delete j.checks, /missing field checks/],
    [(j) => (j.checks[0].pass = "yes"), /checks\[0\]\.pass must be true or false/],
    [(j) => (j.checks[1].ours = null), /checks\[1\]\.ours must be a string or a finite number, got null/],
    [(j) => (j.summary.failed = 0), /summary\.failed is 0 but the checks give 1/],
    [(j) => (j.profile = "medium"), /profile must be one of 'quick', 'full'/],
    [(j) => (j.timings.x = -1), /timings\.x must be a finite number >= 0/],
    [(j) => (j.extra = 1), /unknown option 'extra'/],
    [(j) => (j.writtenAt = "yesterday"), /writtenAt must be an ISO 8601/],
    [(j) => (j.checks[1].name = "a"), /checks\[1\]\.name 'a' is not unique/],
  ];
  for (const [mutate, re] of corrupt) {
    const j = structuredClone(good);
    mutate(j);
    const e = rejects("validateResultsFile", () => L.validateResultsFile(j));
    assert.match(e.message, re);
  }
});
