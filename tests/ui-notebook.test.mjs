// Real-client test: the notebooks opened and re-executed in JupyterLab 4 in a real browser, as a reader
// meets them.
//
// Starts JupyterLab from the project's .venv/ exactly as `npm run lab` does (scripts/tools/lab.mjs builds the
// command, environment/jupyter_server_config.py configures it) on 127.0.0.1, a free port and a random
// token, with the project-local tslab kernel; opens the tour and one paper notebook in headless Chromium
// (playwright-core, /usr/bin/chromium) and, through JupyterLab's own menus, runs:
//   1. Run → Run All Cells on a fresh kernel, then checks every code cell: it ran (execute_reply "ok"),
//      produced output, and wrote nothing to stderr and no error; plotly figures drew (main-svg with
//      data traces); LaTeX in Markdown and in `text/latex` outputs was typeset by MathJax; each
//      progress bar is one element, updated in place, showing its final state;
//   2. Run → Run All Cells again in the same kernel: same checks, and the results JSON's
//      `numTensorsPerShow` must not grow (no tensors leaked by re-running);
//   3. Run → Run Selected Cell and All Below from a code cell in the middle: same checks, no growth;
//   4. Kernel → Restart Kernel and Run All Cells…: same checks, and the results JSON must reproduce the
//      one from step 1 (everything but `timings`, `writtenAt` and `numTensorsPerShow`);
//   5. File → Save and Export Notebook As → Report: the downloaded HTML, opened in Chromium with every
//      request outside file:/data:/blob: blocked, draws its plotly figures and shows typeset math.
// Screenshots go to test-artifacts/ui/<notebook>.png and <notebook>-report.png.
//
// The notebooks run from a scratch copy under test-artifacts/ui/ (git-ignored), so the server can
// never write outputs into the committed, output-free notebooks (the test checks they still are).
// The server is stopped by its own pid in `after`, and no kernel process may outlive it.
//
// A code cell that is meant to print nothing can carry the tag "no-output" (`// %% tags=["no-output"]`).
// Environment: PAPERS_UI_PAPER=NN-name picks the paper notebook; PAPERS_UI_ALL=1 checks every notebook
// (a release check); PAPERS_UI_RUN_TIMEOUT_S (default 300) bounds each run of a notebook;
// PAPERS_SKIP_UI=1 skips this file.
//
//   node --test tests/ui-notebook.test.mjs
import test, { describe, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { startLabServer, LabPage, CHROMIUM_ARGS, alive, inspectOfflineReport } from "./ui/jupyterlab.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ARTIFACTS = path.join(ROOT, "test-artifacts", "ui");
const CHROMIUM = process.env.PAPERS_CHROMIUM ?? "/usr/bin/chromium";
const RUN_TIMEOUT_MS = Number(process.env.PAPERS_UI_RUN_TIMEOUT_S ?? 300) * 1000;
const PAPER_CANDIDATES = ["01-step3", "06-josephson"];


function isTracked(rel) {
  try {
    execFileSync("git", ["ls-files", "--error-unmatch", rel], { cwd: ROOT, stdio: "ignore" });
    return true;
  } catch (e) {
    // Not a git checkout (or no git): any notebook present counts.
    try {
      execFileSync("git", ["rev-parse", "--is-inside-work-tree"], { cwd: ROOT, stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  }
}

/** The paper notebook to check: PAPERS_UI_PAPER, else the first committed candidate. */
function pickPaperNotebook() {
  const forced = process.env.PAPERS_UI_PAPER;
  if (forced) {
    // A name (NN-name) in notebooks/, or a path to any .ipynb (used to check this test's own checks).
    const src = forced.includes("/") ? path.resolve(forced) : path.join(ROOT, "notebooks", `${forced.replace(/\.ipynb$/, "")}.ipynb`);
    if (!fs.existsSync(src)) throw new Error(`PAPERS_UI_PAPER: ${src} does not exist`);
    return { file: path.basename(src), src };
  }
  for (const name of PAPER_CANDIDATES) {
    const rel = `notebooks/${name}.ipynb`;
    if (fs.existsSync(path.join(ROOT, rel)) && isTracked(rel)) return { file: `${name}.ipynb`, src: path.join(ROOT, rel) };
  }
  return { skip: `no paper notebook committed yet (looked for ${PAPER_CANDIDATES.map((n) => `notebooks/${n}.ipynb`).join(", ")}); only the tour is checked` };
}

function preflight() {
  if (process.env.PAPERS_SKIP_UI === "1") return { skip: "PAPERS_SKIP_UI=1" };
  const missing = [];
  const pyFile = path.join(ROOT, ".jupyter", "python");
  if (!fs.existsSync(pyFile)) missing.push(".jupyter/python (Jupyter not set up)");
  if (!fs.existsSync(path.join(ROOT, ".jupyter", "share", "jupyter", "kernels", "tslab", "kernel.json"))) missing.push("the tslab kernel in .jupyter/");
  if (!fs.existsSync(path.join(ROOT, "lib", "dist", "index.js"))) missing.push("lib/dist (lib not built)");
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (Chromium)`);
  if (missing.length) throw new Error(`UI test prerequisites missing: ${missing.join("; ")}. Run \`bash environment/setup.sh --browser\` first.`);
  const python = fs.readFileSync(pyFile, "utf8").trim();
  try {
    execFileSync(python, ["-c", "import jupyterlab"], { stdio: "ignore" });
  } catch {
    throw new Error(`JupyterLab is not installed for ${python}: run \`bash environment/setup.sh\` (it builds .venv/) and read its messages`);
  }
  return { python };
}

const pre = preflight();
const paper = pre.skip ? { skip: pre.skip } : pickPaperNotebook();

let server = null;
const kernelPidsSeen = [];
let browser = null;
let workDir = null;
let tmpDir = null;
let resultsDir = null;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

before(async () => {
  if (pre.skip) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Scratch folders left by a run that was killed before `after` (older than 3 h, so never a live run's).
  for (const [dir, prefix] of [[ARTIFACTS, "work-"], [os.tmpdir(), "papers-ui-"]]) {
    for (const d of fs.readdirSync(dir)) {
      const p = path.join(dir, d);
      try {
        if (d.startsWith(prefix) && Date.now() - fs.statSync(p).mtimeMs > 3 * 3600_000) fs.rmSync(p, { recursive: true, force: true });
      } catch {
        /* someone else's, or gone meanwhile */
      }
    }
  }
  // The scratch notebook-dir lies inside the repository (git-ignored), so `@papers/lib`, tslab and the
  // other packages resolve from the repo's node_modules exactly as for the committed notebooks.
  workDir = fs.mkdtempSync(path.join(ARTIFACTS, "work-"));
  fs.mkdirSync(path.join(workDir, "notebooks"));
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "papers-ui-"));
  resultsDir = path.join(tmpDir, "results");
  fs.mkdirSync(resultsDir);
  server = await startLabServer({
    python: pre.python,
    stateDir: path.join(tmpDir, "jupyter"),
    env: { PAPERS_PROFILE: "quick", PAPERS_RESULTS_DIR: resultsDir },
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});

after(async () => {
  const errors = [];
  if (browser) await browser.close().catch((e) => errors.push(e));
  if (server) {
    const s0 = Date.now();
    const exit = await server.stop().catch((e) => errors.push(e));
    try {
      fs.writeFileSync(path.join(ARTIFACTS, "server.log"), server.log());
    } catch {
      /* best effort */
    }
    console.error(`JupyterLab (pid ${server.pid}) stopped in ${((Date.now() - s0) / 1000).toFixed(1)} s`);
    if (!server.exited) errors.push(new Error(`JupyterLab (pid ${server.pid}) did not exit: ${JSON.stringify(exit)}`));
    const left = kernelPidsSeen.filter(alive);
    if (left.length) errors.push(new Error(`kernel process(es) ${left.join(", ")} outlived the server`));
  }
  for (const dir of [workDir, tmpDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (errors.length) throw errors[0];
});

function readResults(stem) {
  const file = path.join(resultsDir, `${stem}.results.json`);
  assert.ok(fs.existsSync(file), `the notebook wrote no ${stem}.results.json (its last cell must call results.show(), with the notebook's file name as its name)`);
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Everything in a results file that must reproduce (timings, writtenAt and numTensorsPerShow may differ). */
function reproducible(r) {
  const { timings, writtenAt, numTensorsPerShow, ...rest } = r;
  return rest;
}

/** The paths at which two JSON values differ (checks are keyed by name), at most `max` of them. */
function jsonDiff(a, b, at = "", out = [], max = 12) {
  if (out.length >= max) return out;
  const keyed = (v) => (Array.isArray(v) && v.every((x) => x && typeof x === "object" && typeof x.name === "string") ? Object.fromEntries(v.map((x) => [x.name, x])) : v);
  a = keyed(a);
  b = keyed(b);
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) jsonDiff(a[k], b[k], `${at}[${JSON.stringify(k)}]`, out, max);
  } else if (!Object.is(a, b)) {
    out.push(`${at || "(root)"}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
  }
  return out;
}

/**
 * What is wrong with the page after a run, as a list of messages (empty when all is well).
 * `ran` are the code cells executed in this run; `full` adds the notebook-wide expectations.
 */
function problemsAfterRun(state, ran, { full, requireProgress, requireLatexOutput, everyCellOutputs }) {
  const problems = [];
  const silent = [];
  const say = (cell, msg) => problems.push(`cell ${cell.index} (${JSON.stringify(cell.source.split("\n")[0].slice(0, 60))}): ${msg}`);
  if (state.kernel !== "tslab") problems.push(`kernel is ${state.kernel}, expected tslab`);
  const code = state.cells.filter((c) => c.type === "code" && ran.includes(c.index));
  for (const c of code) {
    if (!c.reply) say(c, "no execute_reply (did not run)");
    else if (c.reply.status !== "ok") say(c, `execute_reply status ${c.reply.status}`);
    const bad = c.outputs.filter((o) => o.type === "error" || (o.type === "stream" && o.name === "stderr"));
    for (const o of bad) say(c, `${o.type === "error" ? "error output" : "stderr"}: ${String(o.text).slice(0, 1500)}`);
    if (c.reply?.status === "ok" && c.outputs.length === 0 && !c.tags.includes("no-output")) {
      if (everyCellOutputs) say(c, "produced no output");
      else silent.push(c.index);
    }
    // Progress bars: one element per bar output (updated in place, not appended), in the final state.
    if (c.progressEls.length !== c.progressOutputs) say(c, `${c.progressEls.length} .papers-progress elements for ${c.progressOutputs} progress output(s)`);
    for (const text of c.progressEls) if (!/\btook\b/.test(text)) say(c, `progress bar not in its final state: ${JSON.stringify(text)}`);
    for (const l of c.latexOutputs) {
      if (l.mathJax === 0) say(c, "text/latex output was not typeset by MathJax");
      if (l.errors > 0) say(c, "MathJax reported an error in a text/latex output");
    }
  }
  const ranFigures = state.figures.filter((f) => ran.includes(f.cell));
  for (const f of ranFigures) {
    if (!f.plotted || f.mainSvg === 0) problems.push(`figure in cell ${f.cell} did not draw${f.text ? `: ${JSON.stringify(f.text)}` : ""}`);
    else if (f.dataTraces === 0 || f.drawnTraces === 0) problems.push(`figure in cell ${f.cell} drew no data traces (data ${f.dataTraces}, drawn ${f.drawnTraces})`);
  }
  if (full) {
    if (!state.plotlyLoaded) problems.push("window.Plotly is not defined on the page");
    if (state.figures.length === 0) problems.push("no plotly figure (.papers-figure) on the page");
    if (state.mathTypeset === 0) problems.push("no typeset math (mjx-container) on the page");
    const mathCells = state.cells.filter((c) => c.type === "markdown" && c.hasMath);
    if (mathCells.length === 0) problems.push("no Markdown cell with LaTeX ($...$ or $$...$$)");
    for (const m of mathCells) {
      if (!m.rendered) problems.push(`markdown cell ${m.index} is not rendered`);
      else if (m.mathJax === 0) problems.push(`markdown cell ${m.index}: its LaTeX was not typeset by MathJax`);
      if (m.mathErrors > 0) problems.push(`markdown cell ${m.index}: MathJax reported ${m.mathErrors} error(s)`);
    }
    const bars = code.reduce((n, c) => n + c.progressOutputs, 0);
    if (requireProgress && bars === 0) problems.push("no progress bar (L.progress) was shown");
    if (bars > 0 && !(state.displayUpdates > 0)) problems.push("no progress bar was ever updated in place (no update_display_data arrived)");
    if (requireLatexOutput && !code.some((c) => c.latexOutputs.length > 0)) problems.push("no text/latex output (L.showLatex) on the page");
  }
  return { problems, silent };
}

/** Open one notebook and put it through the four runs described at the top of this file. */
async function exerciseNotebook(t, original, opts) {
  const file = path.basename(original);
  const stem = file.replace(/\.ipynb$/, "");
  fs.copyFileSync(original, path.join(workDir, "notebooks", file));
  const resultsFile = path.join(resultsDir, `${stem}.results.json`);
  const shot = path.join(ARTIFACTS, `${stem}.png`);
  const failedShot = path.join(ARTIFACTS, `${stem}-failed.png`);
  for (const f of [shot, failedShot]) fs.rmSync(f, { force: true });
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const nbPage = new LabPage(await context.newPage());
  const rel = path.relative(ROOT, path.join(workDir, "notebooks", file));
  const timings = {};
  const phase = async (name, fn) => {
    const s = Date.now();
    const out = await fn();
    timings[name] = (Date.now() - s) / 1000;
    t.diagnostic(`${stem}: ${name} ${timings[name].toFixed(1)} s (test clock ${elapsed()})`);
    return out;
  };
  const expectClean = async (label, ran, full) => {
    const state = await nbPage.state();
    const { problems, silent } = problemsAfterRun(state, ran, { ...opts, full });
    if (silent.length && label === "run-all #1") t.diagnostic(`${stem}: code cells without output (allowed here): ${silent.join(", ")}`);
    if (nbPage.pageErrors.length) problems.push(...nbPage.pageErrors.map((e) => `uncaught page error: ${e}`));
    nbPage.pageErrors.length = 0;
    assert.ok(problems.length === 0, `${stem}, ${label}: ${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
    return state;
  };
  const run = async (label, start, ran, full) => {
    fs.rmSync(resultsFile, { force: true });
    await phase(label, async () => {
      await start();
      await nbPage.waitForRun(ran, RUN_TIMEOUT_MS);
    });
    await expectClean(label, ran, full);
    return readResults(stem);
  };

  try {
    await phase("open + kernel start", () => nbPage.open(server.baseUrl, server.token, rel, 180_000));
    kernelPidsSeen.push(...server.kernelPids());
    const first = await nbPage.state();
    assert.equal(first.kernelspec, "tslab", `${file}: the notebook's kernelspec is ${first.kernelspec}, expected tslab`);
    assert.equal(first.kernel, "tslab", `${file}: the UI started kernel ${first.kernel}, expected tslab`);
    const code = await nbPage.codeCellIndices();
    assert.ok(code.length >= 2, `${file}: only ${code.length} code cell(s)`);

    // 1. Run All on a fresh kernel.
    const r1 = await run("run-all #1", () => nbPage.runAll(), code, true);
    assert.equal(r1.profile, "quick", `${stem}: results written in profile ${r1.profile}`);
    assert.deepEqual(r1.numTensorsPerShow.length, 1, `${stem}: fresh kernel, yet numTensorsPerShow = ${JSON.stringify(r1.numTensorsPerShow)}`);

    // 2. Run All again in the same kernel: names are redeclared, no tensors may leak.
    const r2 = await run("run-all #2", () => nbPage.runAll(), code, true);
    const [a, b] = r2.numTensorsPerShow;
    assert.equal(r2.numTensorsPerShow.length, 2, `${stem}: numTensorsPerShow after two runs = ${JSON.stringify(r2.numTensorsPerShow)}`);
    assert.ok(b <= a, `${stem}: a second Run All leaked tensors: tf.memory().numTensors at results.show() went ${a} → ${b}`);

    // 3. Re-run from a cell in the middle to the end.
    const mid = code[Math.floor(code.length / 2)];
    const below = code.filter((i) => i >= mid);
    const r3 = await run(`re-run from cell ${mid}`, () => nbPage.runFrom(mid), below, false);
    const hist3 = r3.numTensorsPerShow;
    assert.equal(hist3.length, 3, `${stem}: numTensorsPerShow after the partial re-run = ${JSON.stringify(hist3)}`);
    assert.ok(hist3[2] <= hist3[0], `${stem}: re-running from cell ${mid} leaked tensors: numTensorsPerShow ${JSON.stringify(hist3)}`);

    // 4. Restart the kernel and run everything: the recorded results must reproduce.
    const restartsBefore = await nbPage.restarts();
    const r4 = await run("restart + run-all", () => nbPage.restartAndRunAll(), code, true);
    assert.ok((await nbPage.restarts()) > restartsBefore, `${stem}: the kernel did not restart`);
    assert.equal(r4.numTensorsPerShow.length, 1, `${stem}: after a restart numTensorsPerShow = ${JSON.stringify(r4.numTensorsPerShow)} (kernel state survived the restart?)`);
    const diff = jsonDiff(reproducible(r1), reproducible(r4));
    assert.ok(
      diff.length === 0,
      `${stem}: Kernel → Restart & Run All did not reproduce the results JSON of the first Run All ` +
        `(first run → after restart; measured times belong in results.timing):\n  ${diff.join("\n  ")}`,
    );

    await phase("screenshot", () => nbPage.screenshot(shot));

    // 5. Export through JupyterLab's own menu, then open the downloaded file offline.
    const exported = path.join(ARTIFACTS, `${stem}-report.html`);
    await phase("export (File → Save and Export Notebook As → Report)", () => nbPage.exportReport(exported));
    const seen = await phase("exported report offline in Chromium", () => inspectOfflineReport(browser, exported, path.join(ARTIFACTS, `${stem}-report.png`)));
    t.diagnostic(`${stem}: exported report ${(fs.statSync(exported).size / 1e6).toFixed(1)} MB, ${seen.drawn} figures drawn, ${seen.traces} traces, ${seen.math} math elements`);
    assert.deepEqual(seen.external, [], `${stem}: the exported report tried to reach the network`);
    assert.deepEqual(seen.errors, [], `${stem}: page errors in the exported report`);
    assert.ok(seen.figures > 0 && seen.drawn === seen.figures, `${stem}: exported report drew ${seen.drawn} of ${seen.figures} figures`);
    assert.ok(seen.traces > 0, `${stem}: exported report drew no plotly traces`);
    assert.ok(seen.math > 0 && seen.mathErrors === 0, `${stem}: exported report typeset ${seen.math} math elements (${seen.mathErrors} errors)`);
    assert.ok(seen.resultsTable, `${stem}: exported report has no results summary`);
    assert.ok(seen.codeCells > 0 && seen.codeEmpty === 0, `${stem}: exported report shows ${seen.codeCells - seen.codeEmpty} of ${seen.codeCells} code cells' source`);
    t.diagnostic(`${stem}: checks ${r4.summary.passed}/${r4.summary.total} passed; numTensorsPerShow run-all ${a} → ${b}, re-run ${hist3[2]}; screenshot test-artifacts/ui/${stem}.png`);
  } catch (e) {
    await nbPage.screenshot(failedShot).catch(() => {});
    throw e;
  } finally {
    await context.close().catch(() => {});
    await server.shutdownKernelOf(rel).catch(() => {}); // free its memory now; `after` stops the rest
  }
  // The server only ever saw the scratch copy; the committed notebook must still be output-free.
  const committed = JSON.parse(fs.readFileSync(original, "utf8"));
  const withOutputs = committed.cells.filter((c) => c.cell_type === "code" && ((c.outputs ?? []).length > 0 || c.execution_count != null)).length;
  assert.equal(withOutputs, 0, `${path.relative(ROOT, original)}: ${withOutputs} code cell(s) carry outputs or execution counts`);
  return timings;
}

// The notebooks run side by side (two pages, two kernels on one server): the waits are polls, so sharing
// the CPUs only makes each take longer, and the file finishes sooner than one after the other.
const tourOpts = { requireProgress: true, requireLatexOutput: true, everyCellOutputs: true };
// Paper notebooks have silent computation cells (definitions, checks recorded through `results`): those
// are listed, not failed; every other check is as strict as for the tour.
const paperOpts = { requireProgress: false, requireLatexOutput: false, everyCellOutputs: false };

describe("notebooks in JupyterLab", { concurrency: 2 }, () => {
  test("tour notebook (00-tour) runs in JupyterLab in Chromium and exports an offline report", { skip: pre.skip ?? false, timeout: 15 * 60_000 }, async (t) => {
    await exerciseNotebook(t, path.join(ROOT, "notebooks", "00-tour.ipynb"), tourOpts);
  });

  if (process.env.PAPERS_UI_ALL === "1" && !pre.skip) {
    const all = fs.readdirSync(path.join(ROOT, "notebooks")).filter((f) => /^\d\d-.*\.ipynb$/.test(f) && !f.startsWith("00-"));
    for (const f of all.sort()) {
      test(`paper notebook (${f}) runs in JupyterLab in Chromium and exports an offline report`, { timeout: 20 * 60_000 }, async (t) => {
        await exerciseNotebook(t, path.join(ROOT, "notebooks", f), paperOpts);
      });
    }
  } else {
    test(`paper notebook (${paper.file ?? "none"}) runs in JupyterLab in Chromium and exports an offline report`, { skip: paper.skip ?? false, timeout: 15 * 60_000 }, async (t) => {
      await exerciseNotebook(t, paper.src, paperOpts);
    });
  }
});
