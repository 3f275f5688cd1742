// Notebook tests: hygiene of the committed files, every notebook executed in the quick profile with
// all its recorded checks passing, reproducible results, no tensor leak when the cells run twice in
// one kernel, and the exported HTML report drawing plots and math in a browser with no network.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { listNotebooks, runNotebooks, runOne } from "../scripts/runner/run-notebooks.mjs";
import { formatNotebook } from "../scripts/tools/nb.mjs";
import { validateResultsFile } from "@papers/lib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT = path.join(ROOT, "test-artifacts", "reports");
const TWICE_OUT = path.join(ROOT, "test-artifacts", "reports-twice");
const JOBS = Number(process.env.PAPERS_TEST_JOBS ?? 2);
const ONLY = process.env.PAPERS_TEST_ONLY ? process.env.PAPERS_TEST_ONLY.split(",") : null;

const committed = execFileSync("git", ["ls-files", "notebooks/*.ipynb"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);

test("committed notebooks: nbformat 4.5, cell ids, tslab kernelspec, no outputs", () => {
  assert.ok(committed.length >= 1, "no notebooks committed");
  for (const file of committed) {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
    assert.equal(nb.nbformat, 4, `${file}: nbformat`);
    assert.ok(nb.nbformat_minor >= 5, `${file}: nbformat_minor ${nb.nbformat_minor} < 5 (cell ids need 4.5)`);
    assert.equal(nb.metadata?.kernelspec?.name, "tslab", `${file}: kernelspec`);
    assert.match(path.basename(file), /^\d\d-[a-z0-9-]+\.ipynb$/, `${file}: name must be NN-short-name.ipynb`);
    const ids = new Set();
    nb.cells.forEach((c, i) => {
      assert.ok(typeof c.id === "string" && /^[a-zA-Z0-9-_]{1,64}$/.test(c.id), `${file}: cell ${i} has no valid id`);
      assert.ok(!ids.has(c.id), `${file}: duplicate cell id ${c.id}`);
      ids.add(c.id);
      if (c.cell_type === "code") {
        assert.deepEqual(c.outputs, [], `${file}: cell ${i} has committed outputs`);
        assert.equal(c.execution_count, null, `${file}: cell ${i} has an execution count`);
      }
    });
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => c.source.join(""));
    assert.match(code[0] ?? "", /setupNotebook\(\{\s*name:\s*"([^"]+)"/, `${file}: first code cell must call L.setupNotebook`);
    assert.equal(code[0].match(/name:\s*"([^"]+)"/)[1], path.basename(file, ".ipynb"), `${file}: setupNotebook name must match the file name`);
    assert.match(code.at(-1), /results\.show\(\)/, `${file}: last code cell must call results.show()`);
  }
});

test("committed notebooks: code cells are prettier-formatted (node scripts/tools/nb.mjs format)", async () => {
  const stale = [];
  for (const file of committed) {
    const nb = JSON.parse(fs.readFileSync(path.join(ROOT, file), "utf8"));
    const changed = await formatNotebook(nb);
    if (changed.length) stale.push(`${file}: cells ${changed.join(", ")}`);
  }
  assert.deepEqual(stale, [], "run `node scripts/tools/nb.mjs format notebooks/*.ipynb`");
});

let firstRun = null;

test("every notebook executes in the quick profile and all its checks pass", { timeout: 40 * 60 * 1000 }, async () => {
  fs.rmSync(OUT, { recursive: true, force: true });
  const rows = await runNotebooks({ profile: "quick", only: ONLY, timeout: 900, jobs: JOBS, out: OUT, html: true });
  firstRun = rows;
  const bad = rows.filter((r) => r.status !== "ok");
  assert.deepEqual(
    bad.map((r) => `${r.notebook}: ${r.status} (cell ${r.failedCell}) ${String(r.error).slice(0, 1500)}`),
    [],
    "notebooks failed",
  );
  for (const r of rows) {
    validateResultsFile(r.results); // the schema in lib/README.md; throws naming the first bad field
    assert.ok(r.results.summary.total >= 2, `${r.notebook} records too few checks`);
  }
  // Every reference value names where it comes from (the paper, a public config, a standard, a reference
  // script of the repo, or "ours: <reason>").
  const unsourced = rows.flatMap((r) => r.results.checks.filter((c) => !(typeof c.source === "string" && c.source.trim())).map((c) => `${r.notebook}: ${c.name}`));
  assert.deepEqual(unsourced, [], "checks without a source: option");
});

function twiceCopy(nbPath) {
  // All code cells, then all of them again in the same kernel: the second pass must give the same
  // results as a fresh kernel (the notebook re-seeds in its setup cell) and must not leak tensors.
  const nb = JSON.parse(fs.readFileSync(nbPath, "utf8"));
  const code = nb.cells.filter((c) => c.cell_type === "code");
  nb.cells = [...code, ...code.map((c) => ({ ...c, id: `${c.id}-again`.slice(0, 64) }))];
  const copy = path.join(path.dirname(nbPath), `.twice-${path.basename(nbPath)}`);
  fs.writeFileSync(copy, JSON.stringify(nb));
  return copy;
}

const stable = (res) => JSON.stringify({ checks: res.checks, values: res.values, seed: res.seed, profile: res.profile });

test("re-running a notebook's cells in the same kernel reproduces its results and leaks no tensors", { timeout: 40 * 60 * 1000 }, async (t) => {
  if (!firstRun) return t.skip("the notebook run did not finish");
  const notebooks = listNotebooks(ONLY);
  const problems = [];
  let next = 0;
  const worker = async () => {
    while (next < notebooks.length) {
      const nbPath = notebooks[next++];
      const copy = twiceCopy(nbPath);
      try {
        const name = path.basename(nbPath, ".ipynb");
        const r = await runOne(copy, { profile: "quick", timeout: 900, out: TWICE_OUT, html: false, resultsName: name });
        const first = firstRun.find((x) => x.notebook === name);
        if (r.status !== "ok" && r.status !== "no-results") {
          problems.push(`${name}: second pass ${r.status}: ${String(r.error).slice(0, 800)}`);
          continue;
        }
        const res = JSON.parse(fs.readFileSync(path.join(TWICE_OUT, "results", `${name}.results.json`), "utf8"));
        if (first?.results && stable(first.results) !== stable(res)) {
          const diff = res.checks.filter((c, i) => JSON.stringify(c) !== JSON.stringify(first.results.checks[i])).map((c) => c.name);
          problems.push(`${name}: results differ between a fresh run and a re-run (checks: ${diff.join("; ") || "values"})`);
        }
        const [a, b] = res.numTensorsPerShow;
        if (!(res.numTensorsPerShow.length === 2 && b <= a)) {
          problems.push(`${name}: tf.memory().numTensors grew from ${a} to ${b} when the cells ran a second time`);
        }
      } finally {
        fs.rmSync(copy, { force: true });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(JOBS, notebooks.length) }, worker));
  assert.deepEqual(problems, []);
});

test("the exported tour report draws its plot and typesets math with the network blocked", { timeout: 180000 }, async (t) => {
  const report = path.join(OUT, "00-tour.html");
  if (!fs.existsSync(report)) return t.skip("tour report missing (the notebook run failed)");
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
  try {
    const page = await browser.newPage();
    const external = [];
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file://") || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
      external.push(url);
      return route.abort();
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto("file://" + report);
    await page.waitForSelector(".js-plotly-plot .main-svg", { timeout: 60000 });
    await page.waitForSelector("mjx-container svg", { timeout: 60000 });
    const traces = await page.locator(".js-plotly-plot .scatterlayer .trace").count();
    const math = await page.locator("mjx-container").count();
    fs.mkdirSync(path.join(ROOT, "test-artifacts"), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, "test-artifacts", "tour-report.png"), fullPage: true });
    assert.ok(traces >= 4, `expected plotly data traces, found ${traces}`);
    assert.ok(math >= 5, `expected typeset math, found ${math} mjx-container elements`);
    assert.deepEqual(external, [], "the report tried to reach the network");
    assert.deepEqual(errors, [], "page errors");
  } finally {
    await browser.close();
  }
});
