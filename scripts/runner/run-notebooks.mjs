#!/usr/bin/env node
// The main job: execute every notebook headlessly on the tslab kernel (Jupyter's nbclient), write
// the executed .ipynb, an offline HTML report and the results JSON per notebook, then index.html.
//
//   node scripts/runner/run-notebooks.mjs [--profile quick|full] [--only 01,06] [--timeout SEC]
//                                  [--jobs N] [--out DIR] [--no-html] [--dir FOLDER] [--force]
// Notebooks whose inputs did not change since their last successful run under the same --out are reused
// from the cache (scripts/runner/run-cache.mjs); --force runs them all. The rest run longest first (last recorded
// times), --jobs at a time (default: the number of cores). --dir runs every .ipynb in another folder.
//
// A notebook fails when a cell fails, when it records no results, or when any recorded check fails.
// The process exits non-zero if any notebook failed.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sharedInputsHash, runKey, lookup, store, forget, readTimes, writeTimes } from "./run-cache.mjs";
import { writeIndex, writeClaims } from "./report-index.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
// Written into every results file, so a results file always says which run made it.
const RUN_ID = `runner ${new Date().toISOString()} pid ${process.pid}`;

export function parseArgs(argv) {
  const opts = { profile: "full", only: null, dir: null, timeout: 1800, jobs: os.cpus().length, out: path.join(ROOT, "reports"), html: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--profile") opts.profile = val();
    else if (a === "--only") opts.only = val().split(",").map((s) => s.trim()).filter(Boolean);
    else if (a === "--timeout") opts.timeout = Number(val());
    else if (a === "--dir") opts.dir = val();
    else if (a === "--jobs") opts.jobs = Number(val());
    else if (a === "--out") opts.out = path.resolve(val());
    else if (a === "--no-html") opts.html = false;
    else if (a === "--force") opts.force = true;
    else if (a === "--help" || a === "-h") opts.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (!["quick", "full"].includes(opts.profile)) throw new Error(`--profile must be quick or full, got ${opts.profile}`);
  if (!(opts.timeout > 0)) throw new Error("--timeout must be a positive number of seconds");
  if (!(Number.isInteger(opts.jobs) && opts.jobs >= 1)) throw new Error("--jobs must be a positive integer");
  return opts;
}

/** The notebooks to run: `notebooks/NN-name.ipynb`, or every `*.ipynb` in another folder (`--dir`). */
export function listNotebooks(only, dir = null) {
  const pattern = dir ? /^[^.].*\.ipynb$/ : /^\d\d-.*\.ipynb$/;
  dir = dir ? path.resolve(dir) : path.join(ROOT, "notebooks");
  if (!fs.existsSync(dir)) throw new Error(`no such folder: ${dir}`);
  const all = fs.readdirSync(dir).filter((f) => pattern.test(f)).sort();
  const picked = only ? all.filter((f) => only.some((o) => f.startsWith(o))) : all;
  const unknown = (only ?? []).filter((o) => !all.some((f) => f.startsWith(o)));
  if (unknown.length) throw new Error(`no notebook matches ${unknown.join(", ")} (have: ${all.join(", ")})`);
  return picked.map((f) => path.join(dir, f));
}

function pythonPath() {
  const f = path.join(ROOT, ".jupyter", "python");
  if (!fs.existsSync(f)) throw new Error("Jupyter is not set up: run `bash environment/setup.sh` first");
  return fs.readFileSync(f, "utf8").trim();
}

/** Execute one notebook (any path inside the repo) and collect its status and results. */
export function runOne(nbPath, opts) {
  const nbFile = path.basename(nbPath);
  // `resultsName` lets a test run a renamed copy that records under the original name.
  const name = opts.resultsName ?? nbFile.replace(/\.ipynb$/, "");
  const resultsDir = path.join(opts.out, "results");
  const resultsFile = path.join(resultsDir, `${name}.results.json`);
  fs.rmSync(resultsFile, { force: true });
  fs.mkdirSync(path.join(opts.out, "executed"), { recursive: true });
  fs.mkdirSync(resultsDir, { recursive: true });
  const env = {
    ...process.env,
    JUPYTER_PATH: path.join(ROOT, ".jupyter", "share", "jupyter"),
    PAPERS_PROFILE: opts.profile,
    PAPERS_RESULTS_DIR: resultsDir,
    PAPERS_RUN_ID: opts.runId ?? RUN_ID,
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  const args = [
    path.join(ROOT, "scripts", "runner", "execute_notebook.py"),
    nbPath,
    path.join(opts.out, "executed", nbFile),
    path.join(opts.out, `${name}.html`),
    String(opts.timeout),
  ];
  if (!opts.html) args.push("--no-html");
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(pythonPath(), args, { env, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // nbclient enforces the per-cell timeout; this guards the whole run (kernel start, export).
    const guard = setTimeout(() => child.kill("SIGKILL"), (opts.timeout + 300) * 1000);
    child.on("close", (code) => {
      clearTimeout(guard);
      const seconds = (Date.now() - t0) / 1000;
      let run;
      try {
        run = JSON.parse(stdout.trim().split("\n").pop());
      } catch {
        run = { status: "error", error: `runner failed (exit ${code}): ${stderr.slice(-2000)}` };
      }
      let results = null;
      if (fs.existsSync(resultsFile)) results = JSON.parse(fs.readFileSync(resultsFile, "utf8"));
      let status = run.status;
      let error = run.error;
      if (status === "ok" && !results) {
        status = "no-results";
        error = `the notebook recorded no results: it must call results.show(), with setupNotebook({ name: "${name}" }) matching its file name`;
      } else if (status === "ok" && results.profile !== opts.profile) {
        status = "error";
        error = `results were written in profile ${results.profile}, expected ${opts.profile}`;
      } else if (status === "ok" && results.summary.failed > 0) {
        status = "checks-failed";
        error = results.checks.filter((c) => !c.pass).map((c) => `${c.name}: ours ${c.ours} vs ${c.paper} (${c.tolerance})`).join("\n");
      }
      resolve({ notebook: name, status, seconds, failedCell: run.failed_cell ?? null, error, results });
    });
  });
}

const fmtTime = (sec) => (sec >= 90 ? `${(sec / 60).toFixed(1)} min` : `${Math.round(sec)} s`);

/** Longest first by the last recorded run time; notebooks never timed keep file order, ahead of the rest. */
export function scheduleOrder(notebooks, times) {
  const t = (nb) => times[path.basename(nb, ".ipynb")];
  const known = notebooks.filter((nb) => typeof t(nb) === "number").sort((a, b) => t(b) - t(a));
  return [...notebooks.filter((nb) => typeof t(nb) !== "number"), ...known];
}

export async function runNotebooks(opts) {
  const all = listNotebooks(opts.only, opts.dir);
  fs.mkdirSync(path.join(opts.out, "executed"), { recursive: true });
  fs.mkdirSync(path.join(opts.out, "results"), { recursive: true });
  const allTimes = readTimes(opts.out);
  const times = allTimes[opts.profile] ?? {};
  const shared = sharedInputsHash(ROOT);
  const rows = [];
  // Cache hits first: they cost nothing and leave the workers to what must run.
  const pending = [];
  for (const nb of all) {
    const name = path.basename(nb, ".ipynb");
    const key = runKey(nb, shared, opts);
    const hit = opts.force ? null : lookup(opts.out, name, key, opts.html);
    if (hit) rows.push(hit);
    else pending.push({ nb, name, key });
  }
  const order = scheduleOrder(pending.map((p) => p.nb), times).map((nb) => pending.find((p) => p.nb === nb));
  console.log(
    `Running ${order.length} notebook(s), profile ${opts.profile}, ${opts.jobs} at a time → ${path.relative(ROOT, opts.out) || "."}/` +
      (rows.length ? `; ${rows.length} unchanged since their last run, reused from the cache (${rows.map((r) => r.notebook).join(", ")}; --force runs them too)` : ""),
  );
  const known = Object.values(times).filter((x) => typeof x === "number");
  const guess = (name) => times[name] ?? (known.length ? known.reduce((a, b) => a + b, 0) / known.length : 60);
  const running = new Map();
  let done = 0;
  const t0 = Date.now();
  const status = () => {
    const now = Date.now();
    const left = order.filter((p) => !running.has(p.name) && !rows.some((r) => r.notebook === p.name && !r.cached)).map((p) => guess(p.name));
    const runLeft = [...running.entries()].map(([n, start]) => Math.max(5, guess(n) - (now - start) / 1000));
    const eta = (left.reduce((a, b) => a + b, 0) + runLeft.reduce((a, b) => a + b, 0)) / Math.max(1, opts.jobs);
    const names = [...running.entries()].map(([n, start]) => `${n} ${fmtTime((now - start) / 1000)}`).join(", ");
    return `  [${done}/${order.length} done · running ${running.size}${names ? ` (${names})` : ""} · ${left.length} waiting · ETA ≈ ${fmtTime(eta)}]`;
  };
  const ticker = setInterval(() => console.log(status()), 60_000);
  ticker.unref();
  let next = 0;
  const worker = async () => {
    while (next < order.length) {
      const { nb, name, key } = order[next++];
      running.set(name, Date.now());
      console.log(`  ▶ ${path.basename(nb)} (last run ${times[name] ? fmtTime(times[name]) : "not timed yet"})`);
      const r = await runOne(nb, opts);
      running.delete(name);
      done++;
      rows.push(r);
      if (r.status === "ok") {
        store(opts.out, name, key, r);
        times[name] = Math.round(r.seconds * 10) / 10;
      } else forget(opts.out, name);
      const s = r.results?.summary;
      console.log(`  ${r.status === "ok" ? "✔" : "✘"} ${r.notebook}: ${r.status} in ${r.seconds.toFixed(1)} s` + (s ? `, checks ${s.passed}/${s.total}` : ""));
      if (r.status !== "ok") {
        console.log(`    failing cell: ${r.failedCell ?? "?"}`);
        for (const line of String(r.error ?? "").split("\n").slice(0, 40)) console.log(`    | ${line}`);
      }
      if (next < order.length || running.size) console.log(status());
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(opts.jobs, order.length) }, worker));
  } finally {
    clearInterval(ticker);
  }
  allTimes[opts.profile] = times;
  writeTimes(opts.out, allTimes);
  rows.sort((a, b) => a.notebook.localeCompare(b.notebook));
  writeIndex(opts.out, rows, opts);
  writeClaims(opts.out, rows, opts);
  console.log(`\n  ${"notebook".padEnd(24)} ${"status".padEnd(14)} ${"time".padStart(9)}  checks`);
  for (const r of rows) {
    const s = r.results?.summary;
    console.log(`  ${r.notebook.padEnd(24)} ${r.status.padEnd(14)} ${(r.cached ? "cached" : fmtTime(r.seconds)).padStart(9)}  ${s ? `${s.passed}/${s.total}` : "—"}`);
  }
  const failed = rows.filter((r) => r.status !== "ok");
  console.log(
    `${rows.length - failed.length}/${rows.length} notebooks ok` +
      (failed.length ? `; failed: ${failed.map((r) => r.notebook).join(", ")}` : "") +
      ` in ${fmtTime((Date.now() - t0) / 1000)} wall — ${path.join(path.relative(ROOT, opts.out) || ".", "index.html")}`,
  );
  return rows;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`run-notebooks: ${e.message}`);
    process.exit(2);
  }
  if (opts.help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 13).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
    process.exit(0);
  }
  runNotebooks(opts).then(
    (rows) => process.exit(rows.every((r) => r.status === "ok") ? 0 : 1),
    (e) => {
      console.error(`run-notebooks: ${e.message}`);
      process.exit(2);
    },
  );
}
