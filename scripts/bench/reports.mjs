#!/usr/bin/env node
// The reports budgets benchmark (issue 20, item 5) — a measurement, not a test.
//
//   node scripts/bench/reports.mjs [--profile full|quick|both] [--only 00,06] [--jobs N] [--timeout SEC]
//                                  [--readme] [--json FILE] [--keep]
// For each profile it runs the main job's runner (scripts/runner/run-notebooks.mjs) with --force into a fresh
// folder under test-artifacts/, timing the collection's wall (and CPU) time, then runs it once more with
// nothing changed and counts what that second run re-executed (it should reuse everything from the cache).
// Every HTML report is then opened in headless Chromium with the network blocked: its size, the time from
// navigation start to the first drawn plot and to typeset math, external requests, and whether the results
// table is there. It prints a Markdown block; --readme writes it into README.md between
// <!-- bench:reports:start --> and <!-- bench:reports:end -->, --json writes the raw data.
// The run folder is removed at the end unless --keep.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openOffline, CHROMIUM_ARGS } from "../runner/offline-page.mjs";
import { runNotebooks, listNotebooks } from "../runner/run-notebooks.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const README = path.join(ROOT, "README.md");
const MARK_START = "<!-- bench:reports:start -->";
const MARK_END = "<!-- bench:reports:end -->";
const CHROMIUM = process.env.PAPERS_CHROMIUM ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// The budgets of issue 20.
const BUDGET = { fullMin: 20, quickMin: 6, reportMB: 2.5 };
// How long a report may take to draw before we call it "not drawn" (a broken report should not hang the run).
const PAGE_TIMEOUT_MS = 60_000;

function parseArgs(argv) {
  const opts = { profile: "both", only: null, jobs: os.cpus().length, timeout: 1800, readme: false, json: null, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--profile") opts.profile = val();
    else if (a === "--only") opts.only = val().split(",").map((s) => s.trim()).filter(Boolean);
    else if (a === "--jobs") opts.jobs = Number(val());
    else if (a === "--timeout") opts.timeout = Number(val());
    else if (a === "--readme") opts.readme = true;
    else if (a === "--json") opts.json = path.resolve(val());
    else if (a === "--keep") opts.keep = true;
    else if (a === "--help" || a === "-h") opts.help = true;
    else throw new Error(`unknown option ${a} (see --help)`);
  }
  if (!["full", "quick", "both"].includes(opts.profile)) throw new Error(`--profile must be full, quick or both, got ${opts.profile}`);
  if (!(Number.isInteger(opts.jobs) && opts.jobs >= 1)) throw new Error("--jobs must be a positive integer");
  if (!(opts.timeout > 0)) throw new Error("--timeout must be a positive number of seconds");
  return opts;
}

// ---------------------------------------------------------------------------------------------------
// Machine

/** CPU seconds used by finished child processes (and theirs): the kernels run as grandchildren, and each
 * parent waits for its children, so their time is folded into ours. On a shared machine this is the figure
 * that does not depend on what the neighbours do. Linux only; null elsewhere. */
function childCpuSeconds() {
  try {
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
    const ticks = Number(fields[13]) + Number(fields[14]);
    let hz = 100;
    try {
      hz = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {}
    return ticks / hz;
  } catch {
    return null;
  }
}

function machine() {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? "unknown CPU",
    cores: cpus.length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
  };
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;

// ---------------------------------------------------------------------------------------------------
// Runs

/** One forced run of the collection, then one with nothing changed (which should be all cache hits). */
async function benchProfile(profile, opts, out) {
  const runOpts = { profile, only: opts.only, jobs: opts.jobs, timeout: opts.timeout, out, html: true };
  console.log(`\n=== ${profile} profile, forced run → ${path.relative(ROOT, out)}/`);
  const cpu0 = childCpuSeconds();
  let t0 = performance.now();
  const rows = await runNotebooks({ ...runOpts, force: true });
  const wallS = (performance.now() - t0) / 1000;
  const cpuS = cpu0 === null ? null : childCpuSeconds() - cpu0;

  console.log(`\n=== ${profile} profile, second run with nothing changed (should re-execute nothing)`);
  t0 = performance.now();
  const again = await runNotebooks({ ...runOpts, force: false });
  const cachedWallS = (performance.now() - t0) / 1000;
  // A row the runner took from the cache carries `cached: true` (scripts/runner/run-cache.mjs lookup).
  const reexecuted = again.filter((r) => !r.cached).map((r) => r.notebook);

  return {
    profile,
    out,
    wallS,
    cpuS,
    notebooks: rows.map((r) => ({ notebook: r.notebook, status: r.status, seconds: r.seconds, checks: r.results?.summary ?? null, backend: r.results?.backend ?? null })),
    cached: { wallS: cachedWallS, total: again.length, reexecuted },
  };
}

/** The line setupNotebook prints first ("tfjs 4.22.0 backend: … · seed … · profile … · node …"), read from
 * an executed notebook; it names the backend more fully than the results JSON's one word. */
function backendLine(out, notebook) {
  const file = path.join(out, "executed", `${notebook}.ipynb`);
  if (!fs.existsSync(file)) return null;
  const nb = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs ?? []) {
      const text = [].concat(o.text ?? o.data?.["text/plain"] ?? []).join("");
      const line = text.split("\n").find((l) => / backend: /.test(l));
      if (line) return line.trim();
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Browser

/** Headless Chromium, or the reason there is none (the browser columns are then left empty). */
async function openBrowser() {
  if (!fs.existsSync(CHROMIUM)) return { reason: `no Chromium at ${CHROMIUM} (install Debian's chromium or set PAPERS_CHROMIUM)` };
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    return { reason: `playwright-core cannot be loaded: ${e.message}` };
  }
  try {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    return { browser, version: browser.version() };
  } catch (e) {
    return { reason: `Chromium at ${CHROMIUM} does not start: ${String(e.message).split("\n")[0]}` };
  }
}

// Installed before the report's own scripts: records performance.now() (ms since navigation start) the
// first time each selector matches. A MutationObserver fires right after the DOM change, so the time does
// not depend on how often Playwright polls.
const FIRST_SEEN_SCRIPT = `(() => {
  const want = { plot: ".js-plotly-plot .main-svg", math: "mjx-container svg" };
  const seen = (window.__benchFirstSeen = {});
  const check = () => {
    for (const [k, sel] of Object.entries(want)) if (!(k in seen) && document.querySelector(sel)) seen[k] = performance.now();
    if (Object.keys(seen).length === Object.keys(want).length) obs.disconnect();
  };
  const obs = new MutationObserver(check);
  obs.observe(document, { childList: true, subtree: true });
})();`;

/** Open one report offline and time it. Times are in-page performance.now(), i.e. from navigation start. */
async function measureReport(browser, file) {
  let opened;
  try {
    opened = await openOffline(browser, file, { initScript: FIRST_SEEN_SCRIPT, timeout: PAGE_TIMEOUT_MS, errorChars: 300 });
  } catch (e) {
    return { error: String(e.message).split("\n")[0], external: e.offline?.external ?? [], errors: e.offline?.errors ?? [] };
  }
  const { page, external, errors } = opened;
  try {
    // A report without figures carries no plotly bundle; waiting for a plot there would only time out.
    const hasPlots = await page.evaluate(() => !!document.getElementById("papers-plotly-gz"));
    if (hasPlots) await page.waitForFunction(() => "plot" in window.__benchFirstSeen, null, { timeout: PAGE_TIMEOUT_MS }).catch(() => {});
    // Math typeset at export time arrives with the packed HTML fragments, shown once they are filled in (the
    // page is visible again). Only a report that fell back to the MathJax runtime typesets in the page: then
    // MathJax's startup promise settles after the first typeset. (Waiting for MathJax on a page without it
    // used to cost the whole timeout per report.)
    await page.waitForFunction(() => document.documentElement.style.visibility !== "hidden", null, { timeout: PAGE_TIMEOUT_MS }).catch(() => {});
    if (await page.evaluate(() => !!document.getElementById("papers-mathjax-gz"))) {
      await page
        .waitForFunction(() => window.MathJax?.startup?.promise, null, { timeout: PAGE_TIMEOUT_MS })
        .then(() => page.evaluate(() => window.MathJax.startup.promise.then(() => true)))
        .catch(() => {});
    }
    const seen = await page.evaluate(() => ({
      ...window.__benchFirstSeen,
      resultsTable: !!document.querySelector(".papers-results-summary"),
      mathElements: document.querySelectorAll("mjx-container").length,
    }));
    return {
      hasPlots,
      firstPlotMs: seen.plot ?? null,
      mathMs: seen.math ?? null,
      mathElements: seen.mathElements,
      resultsTable: seen.resultsTable,
      external,
      errors,
    };
  } catch (e) {
    return { error: String(e.message).split("\n")[0], external, errors };
  } finally {
    await page.close().catch(() => {});
  }
}

/** Size of every report of every profile, and the browser measurements where a browser is available. */
async function measureReports(profiles) {
  const b = await openBrowser();
  if (b.reason) console.log(`\n(browser measurements skipped: ${b.reason})`);
  const reports = [];
  try {
    for (const p of profiles) {
      for (const nb of p.notebooks) {
        const file = path.join(p.out, `${nb.notebook}.html`);
        if (!fs.existsSync(file)) continue;
        const entry = { profile: p.profile, notebook: nb.notebook, mb: fs.statSync(file).size / 1e6 };
        if (b.browser) Object.assign(entry, await measureReport(b.browser, file));
        reports.push(entry);
      }
    }
  } finally {
    await b.browser?.close().catch(() => {});
  }
  return { browser: b.browser ? `Chromium ${b.version}` : null, browserSkipped: b.reason ?? null, reports };
}

// ---------------------------------------------------------------------------------------------------
// Markdown

const fmtS = (s) => (s >= 90 ? `${(s / 60).toFixed(1)} min` : s < 1 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);
const fmtMs = (ms) => (ms === null || ms === undefined ? "—" : `${Math.round(ms)}`);
const mark = (ok) => (ok ? "✅" : "❌");

function notebookTime(profile, name) {
  const nb = profile?.notebooks.find((n) => n.notebook === name);
  if (!nb) return "";
  return nb.status === "ok" ? fmtS(nb.seconds) : `✘ ${nb.status} (${fmtS(nb.seconds)})`;
}

function table(data, full, quick) {
  // The report the reader gets is the full profile's (`npm run reports`); quick only when full was not run.
  const shown = full ? "full" : "quick";
  const names = [...new Set([...(full?.notebooks ?? []), ...(quick?.notebooks ?? [])].map((n) => n.notebook))].sort();
  const browser = !!data.browser;
  const lines = [
    `| notebook | full time | quick time | report MB (${shown}) | first plot ms | math ms | external requests | results table |`,
    "|---|---:|---:|---:|---:|---:|---:|:---:|",
  ];
  for (const name of names) {
    const r = data.reports.find((x) => x.notebook === name && x.profile === shown);
    const cells = [name, notebookTime(full, name), notebookTime(quick, name), r ? r.mb.toFixed(2) : "—"];
    if (!browser || !r) cells.push("", "", "", "");
    else if (r.error) cells.push(`fails: ${r.error}`, "", String(r.external.length), "");
    else cells.push(r.hasPlots ? fmtMs(r.firstPlotMs) : "no plots", r.mathElements ? fmtMs(r.mathMs) : "no math", String(r.external.length), r.resultsTable ? "yes" : "**no**");
    lines.push(`| ${cells.join(" | ")} |`);
  }
  const coll = (p) => (p ? `**${fmtS(p.wallS)}**` + (p.cpuS !== null ? ` (CPU ${fmtS(p.cpuS)})` : "") : "");
  lines.push(`| whole run (wall) | ${coll(full)} | ${coll(quick)} | | | | | |`);
  return lines;
}

function budgetLines(data, full, quick) {
  const lines = [];
  const subset = data.options.only ? `subset ${data.options.only.join(", ")} only, not the whole collection` : null;
  const collection = (p, limitMin) => {
    if (!p) return;
    const label = `${p.profile} profile, collection wall ${fmtS(p.wallS)} with --jobs ${data.options.jobs} (target ≤ ${limitMin} min)`;
    lines.push(subset ? `- ➖ ${label} — not checked: ${subset}` : `- ${mark(p.wallS <= limitMin * 60)} ${label}`);
  };
  collection(full, BUDGET.fullMin);
  collection(quick, BUDGET.quickMin);
  if (data.reports.length) {
    const largest = data.reports.reduce((a, b) => (b.mb > a.mb ? b : a));
    const over = data.reports.filter((r) => r.mb > BUDGET.reportMB).map((r) => `${r.notebook} (${r.profile}) ${r.mb.toFixed(2)} MB`);
    lines.push(
      `- ${mark(!over.length)} each report ≤ ${BUDGET.reportMB} MB: ${data.reports.length} report(s), largest ${largest.mb.toFixed(2)} MB (${largest.notebook}, ${largest.profile})` +
        (over.length ? `; over: ${over.join(", ")}` : ""),
    );
  } else lines.push("- ❌ each report ≤ 2.5 MB: no report was written");
  for (const p of [full, quick].filter(Boolean)) {
    const c = p.cached;
    lines.push(
      `- ${mark(!c.reexecuted.length)} cached re-run (${p.profile}, nothing changed) re-executes nothing: ` +
        `${c.reexecuted.length} of ${c.total} re-executed in ${fmtS(c.wallS)}` +
        (c.reexecuted.length ? ` (${c.reexecuted.join(", ")})` : ""),
    );
  }
  if (data.browser) {
    const measured = data.reports.filter((r) => !r.error);
    const ext = data.reports.reduce((n, r) => n + (r.external?.length ?? 0), 0);
    const broken = data.reports.filter((r) => r.error || (r.hasPlots && r.firstPlotMs === null) || !r.resultsTable).map((r) => `${r.notebook} (${r.profile})`);
    lines.push(`- ${mark(ext === 0)} offline: ${ext} external request(s) from ${data.reports.length} report(s) with the network blocked`);
    lines.push(`- ${mark(!broken.length)} every report draws its plots and shows its results table` + (broken.length ? `; not: ${broken.join(", ")}` : ` (${measured.length} opened)`));
  }
  const failed = [full, quick].filter(Boolean).flatMap((p) => p.notebooks.filter((n) => n.status !== "ok").map((n) => `${n.notebook} (${p.profile}: ${n.status})`));
  if (failed.length) lines.push(`- ❌ notebooks failed, so their times are not comparable: ${failed.join(", ")}`);
  return lines;
}

// The README is committed: where --json wrote its file is this machine's business, not the reader's.
function publicArgv(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--json") { out.push("--json FILE"); i++; } else out.push(argv[i]);
  }
  return out;
}

function markdown(data) {
  const full = data.profiles.find((p) => p.profile === "full");
  const quick = data.profiles.find((p) => p.profile === "quick");
  const m = data.machine;
  const lines = [
    `Machine: ${m.cpuModel}, ${m.cores} cores (shared with other work; 1-min load average ${data.load.start} at start, ${data.load.end} at end), ${m.memGiB} GiB, ${m.os}.  `,
    `Run: ${data.date.slice(0, 10)}, Node ${m.node}, \`node scripts/bench/reports.mjs ${publicArgv(data.argv).join(" ")}\`` +
      (data.options.only ? ` (notebooks ${data.options.only.join(", ")} only)` : " (the whole collection)") +
      `, --force, ${data.options.jobs} job(s); total ${fmtS(data.totalS)}.  `,
    `Backend line: ${data.backendLine ? `\`${data.backendLine}\`` : "not found"}  `,
    data.browser
      ? `Browser: headless ${data.browser}, network blocked; plot/math times are \`performance.now()\` in the page (ms from navigation start) when \`.js-plotly-plot .main-svg\` / \`mjx-container svg\` first appear.`
      : `Browser: not measured — ${data.browserSkipped}.`,
    "",
    ...table(data, full, quick),
    "",
    "Times are the runner's per-notebook wall times (kernel start to export); CPU is the collection's total over all processes.",
    "Wall times on a shared machine depend on its load; compare the CPU time and the load average beside them.",
    "",
    "Budgets (issue 20):",
    ...budgetLines(data, full, quick),
  ];
  return lines.join("\n");
}

function writeReadme(block) {
  const text = fs.readFileSync(README, "utf8");
  const a = text.indexOf(MARK_START);
  const b = text.indexOf(MARK_END);
  fs.writeFileSync(README, text.slice(0, a + MARK_START.length) + "\n" + block + "\n" + text.slice(b));
}

/** --readme must not discover missing markers after a 20-minute run. */
function checkReadmeMarkers() {
  const text = fs.readFileSync(README, "utf8");
  const a = text.indexOf(MARK_START);
  const b = text.indexOf(MARK_END);
  if (a < 0 || b < 0 || b < a) throw new Error(`--readme: README.md needs the lines ${MARK_START} and ${MARK_END} (in that order) where the block goes`);
}

// ---------------------------------------------------------------------------------------------------

async function main(argv) {
  const opts = parseArgs(argv);
  if (opts.help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 14).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
    return 0;
  }
  if (opts.readme) checkReadmeMarkers();
  listNotebooks(opts.only); // an unknown --only name fails here, before anything runs
  const start = { date: new Date().toISOString(), load: load1(), t: performance.now() };
  fs.mkdirSync(path.join(ROOT, "test-artifacts"), { recursive: true });
  const dir = fs.mkdtempSync(path.join(ROOT, "test-artifacts", "bench-reports-"));
  const profiles = [];
  try {
    for (const profile of opts.profile === "both" ? ["full", "quick"] : [opts.profile]) {
      profiles.push(await benchProfile(profile, opts, path.join(dir, profile)));
    }
    const browser = await measureReports(profiles);
    const first = profiles[0];
    const data = {
      date: start.date,
      argv,
      options: { profile: opts.profile, only: opts.only, jobs: opts.jobs, timeout: opts.timeout },
      machine: machine(),
      load: { start: start.load, end: load1() },
      totalS: (performance.now() - start.t) / 1000,
      backendLine: first.notebooks.map((n) => backendLine(first.out, n.notebook)).find(Boolean) ?? first.notebooks.find((n) => n.backend)?.backend ?? null,
      profiles,
      ...browser,
    };
    const block = markdown(data);
    console.log(`\n<!-- bench-reports output -->\n${block}\n`);
    if (opts.json) {
      fs.writeFileSync(opts.json, JSON.stringify(data, null, 2));
      console.log(`raw data → ${opts.json}`);
    }
    if (opts.readme) {
      writeReadme(block);
      console.log(`README.md updated between ${MARK_START} and ${MARK_END}`);
    }
    const failed = profiles.some((p) => p.notebooks.some((n) => n.status !== "ok"));
    return failed ? 1 : 0;
  } finally {
    if (opts.keep) console.log(`reports kept in ${path.relative(ROOT, dir)}/`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`bench-reports: ${e.message}`);
    process.exit(2);
  },
);
