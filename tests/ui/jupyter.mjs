// Helpers for the real-client UI test (tests/ui-notebook.test.mjs): start and stop Debian's classic
// Jupyter Notebook server as a child process, and drive one notebook page in headless Chromium
// through the classic notebook's own front end (menus, `Jupyter.notebook`, its event bus).
//
// Everything here only ever signals processes this module started: the server by its own pid, and,
// only if the server had to be killed hard, the kernels it had started (its child processes, found
// by parent pid before the kill).
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs the classic notebook server in this very process (so its pid is the server's pid), plus a
// watchdog thread: when our end of its stdin closes — the test process ended, however abruptly —
// the server sends itself SIGTERM and shuts down cleanly, kernels included. Never left running.
const LAUNCHER = [
  "import os, signal, sys, threading",
  "def _watch():",
  "    sys.stdin.buffer.read()",
  "    os.kill(os.getpid(), signal.SIGTERM)",
  "threading.Thread(target=_watch, daemon=True).start()",
  "from notebook.notebookapp import main",
  "sys.argv[0] = 'jupyter-notebook'",
  "sys.exit(main())",
].join("\n");

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Pids of the direct children of `pid` (Linux /proc; empty elsewhere). */
function childPids(pid) {
  const out = [];
  let entries = [];
  try {
    entries = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const d of entries) {
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      // Fields after the command name (which is in parentheses and may contain spaces).
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[1]) === pid) out.push(Number(d));
    } catch {
      /* the process ended meanwhile */
    }
  }
  return out;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Start the classic Notebook 6 server (`notebook.notebookapp`, as `python -m notebook` does) on 127.0.0.1, a free port and a random token,
 * serving `notebookDir`, with Jupyter's config, data and runtime folders inside `stateDir` so the
 * user's own Jupyter set-up is neither read nor written. Resolves once `/api/status` answers.
 */
export async function startNotebookServer({ python, notebookDir, stateDir, env = {}, startTimeoutMs = 90_000 }) {
  for (const sub of ["config", "data", "runtime"]) fs.mkdirSync(path.join(stateDir, sub), { recursive: true });
  let lastError = null;
  // A port can be taken between probing and binding; port_retries=0 makes the server fail instead
  // of silently moving to another port, and we try again with a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const token = crypto.randomBytes(24).toString("hex");
    const args = [
      "-c", LAUNCHER,
      "--no-browser",
      "--ip=127.0.0.1",
      `--port=${port}`,
      "--NotebookApp.port_retries=0",
      `--NotebookApp.token=${token}`,
      "--NotebookApp.open_browser=False",
      "--allow-root",
      `--notebook-dir=${notebookDir}`,
    ];
    const child = spawn(python, args, {
      cwd: notebookDir,
      env: {
        ...process.env,
        JUPYTER_CONFIG_DIR: path.join(stateDir, "config"),
        JUPYTER_DATA_DIR: path.join(stateDir, "data"),
        JUPYTER_RUNTIME_DIR: path.join(stateDir, "runtime"),
        PYDEVD_DISABLE_FILE_VALIDATION: "1",
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"], // stdin: the watchdog's lifeline (see LAUNCHER)
    });
    child.stdin.on("error", () => {}); // EPIPE once the server has gone
    let log = "";
    const onData = (d) => {
      log += d;
      if (log.length > 400_000) log = log.slice(-200_000);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    let exited = null;
    const exitedP = new Promise((resolve) => child.on("exit", (code, signal) => resolve((exited = { code, signal }))));
    const server = {
      port,
      token,
      pid: child.pid,
      baseUrl: `http://127.0.0.1:${port}`,
      log: () => log,
      get exited() {
        return exited;
      },
      /** Shut down the kernel of the notebook at `notebookPath` (relative to the notebook-dir) through the REST API. */
      async shutdownKernelOf(notebookPath) {
        const r = await fetch(`${server.baseUrl}/api/sessions?token=${token}`, { signal: AbortSignal.timeout(5000) });
        const sessions = r.ok ? await r.json() : [];
        for (const sess of sessions.filter((x) => (x.path ?? x.notebook?.path) === notebookPath)) {
          await fetch(`${server.baseUrl}/api/sessions/${sess.id}?token=${token}`, { method: "DELETE", signal: AbortSignal.timeout(20000) });
        }
      },
      /** Stop the server by its own pid; kernels are shut down first through its REST API. */
      async stop() {
        if (exited) return exited;
        try {
          const r = await fetch(`${server.baseUrl}/api/kernels?token=${token}`, { signal: AbortSignal.timeout(5000) });
          const kernels = r.ok ? await r.json() : [];
          await Promise.all(
            kernels.map((k) =>
              fetch(`${server.baseUrl}/api/kernels/${k.id}?token=${token}`, { method: "DELETE", signal: AbortSignal.timeout(15000) }).catch(() => null),
            ),
          );
        } catch {
          /* the server may already be unable to answer; fall through to signals */
        }
        const kids = childPids(child.pid);
        child.kill("SIGTERM"); // the server shuts its remaining kernels down on SIGTERM
        const done = await Promise.race([exitedP, sleep(15_000).then(() => null)]);
        if (!done) {
          child.kill("SIGKILL");
          await Promise.race([exitedP, sleep(5_000)]);
          // Only now, with the server gone for good, end the kernels it had started.
          for (const pid of kids) if (alive(pid)) process.kill(pid, "SIGKILL");
        }
        return exited;
      },
    };
    const t0 = Date.now();
    while (!exited && Date.now() - t0 < startTimeoutMs) {
      try {
        const r = await fetch(`${server.baseUrl}/api/status?token=${token}`, { signal: AbortSignal.timeout(3000) });
        if (r.ok) return server;
      } catch {
        /* not listening yet */
      }
      await sleep(250);
    }
    if (!exited) {
      await server.stop();
      throw new Error(`jupyter notebook did not answer on port ${port} within ${startTimeoutMs / 1000} s:\n${log.slice(-3000)}`);
    }
    lastError = new Error(`jupyter notebook exited (${JSON.stringify(exited)}) before answering:\n${log.slice(-3000)}`);
    if (!/already in use|Address already|Errno 98/i.test(log)) break;
  }
  throw lastError;
}

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
];

/**
 * In-page instrumentation of the classic notebook, installed once per page: per code cell, the
 * status of its execute_reply and whether its iopub traffic finished; per display id, how many
 * in-place updates arrived; the kernel's busy/idle state, restarts and death.
 */
function installProbe() {
  const nb = window.Jupyter.notebook;
  const ui = (window.__papersUi = { replies: {}, finished: {}, updates: {}, kstate: "idle", dead: false, restarts: 0 });
  nb.get_cells().forEach((cell) => {
    if (cell.cell_type !== "code") return;
    const orig = cell._handle_execute_reply;
    cell._handle_execute_reply = function (msg) {
      ui.replies[nb.find_cell_index(this)] = { status: msg.content.status, count: msg.content.execution_count ?? null };
      return orig.call(this, msg);
    };
  });
  const ev = nb.events;
  ev.on("finished_execute.CodeCell", (e, d) => (ui.finished[nb.find_cell_index(d.cell)] = true));
  ev.on("output_updated.OutputArea", (e, d) => {
    const id = d && d.output && d.output.transient && d.output.transient.display_id;
    if (id) ui.updates[id] = (ui.updates[id] || 0) + 1;
  });
  ev.on("kernel_busy.Kernel", () => (ui.kstate = "busy"));
  ev.on("kernel_idle.Kernel", () => (ui.kstate = "idle"));
  ev.on("kernel_restarting.Kernel", () => ui.restarts++);
  ev.on("kernel_dead.Kernel", () => (ui.dead = true));
}

/** Collect what the page shows after a run: per code cell, its reply, outputs and progress bars; figures; math. */
function collectState() {
  const nb = window.Jupyter.notebook;
  const ui = window.__papersUi;
  const stripCode = (s) => s.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const hasMath = (s) => /\$\$[\s\S]+?\$\$|\$[^$\n]+\$|\\\(|\\\[/.test(stripCode(s));
  const MJ = ".MathJax, .MathJax_Display, .MathJax_CHTML, .MathJax_SVG, .MathJax_Preview + script[type^='math/tex']";
  const MJ_ERR = ".MathJax_Error, .merror, .noError";
  const cells = nb.get_cells().map((cell, index) => {
    if (cell.cell_type === "markdown") {
      const src = cell.get_text();
      const el = cell.element[0];
      return {
        index,
        type: "markdown",
        rendered: !!cell.rendered,
        hasMath: hasMath(src),
        mathJax: el.querySelectorAll(".text_cell_render .MathJax, .text_cell_render .MathJax_Display, .text_cell_render .MathJax_CHTML, .text_cell_render .MathJax_SVG").length,
        mathErrors: el.querySelectorAll(MJ_ERR).length,
      };
    }
    if (cell.cell_type !== "code") return { index, type: cell.cell_type };
    const oa = cell.output_area;
    const el = cell.element[0];
    const bars = Object.entries(oa._display_id_targets || {})
      .filter(([, targets]) => targets.some((t) => /papers-progress/.test(String((oa.outputs[t.index] || {}).data?.["text/html"] ?? ""))))
      .map(([id, targets]) => ({ id, targets: targets.length, updates: ui.updates[id] || 0 }));
    return {
      index,
      type: "code",
      source: cell.get_text(),
      tags: (cell.metadata && cell.metadata.tags) || [],
      reply: ui.replies[index] || null,
      finished: !!ui.finished[index],
      prompt: cell.input_prompt_number ?? null,
      outputs: oa.outputs.map((o) => ({
        type: o.output_type,
        name: o.name || null,
        text: o.output_type === "stream" ? String(o.text).slice(0, 2000) : o.output_type === "error" ? `${o.ename}: ${o.evalue}` : null,
        mimes: Object.keys(o.data || {}),
      })),
      bars,
      progressEls: [...el.querySelectorAll(".papers-progress")].map((p) => p.textContent.trim()),
      latexOutputs: [...el.querySelectorAll(".output_latex")].map((p) => ({
        mathJax: p.querySelectorAll(MJ).length,
        errors: p.querySelectorAll(MJ_ERR).length,
      })),
    };
  });
  const figures = [...document.querySelectorAll(".papers-figure")].map((el) => ({
    cell: nb.find_cell_index(window.jQuery(el).closest(".cell").data("cell")),
    plotted: el.classList.contains("js-plotly-plot"),
    mainSvg: el.querySelectorAll(".main-svg").length,
    dataTraces: Array.isArray(el.data) ? el.data.length : 0,
    drawnTraces: el.querySelectorAll(".main-svg .trace, .main-svg .hm, .main-svg .imagelayer image").length,
    text: el.classList.contains("js-plotly-plot") ? "" : el.textContent.slice(0, 200),
  }));
  return {
    kernel: nb.kernel ? nb.kernel.name : null,
    kernelspec: (nb.metadata.kernelspec || {}).name || null,
    mathJaxLoaded: !!window.MathJax,
    plotlyLoaded: !!window.Plotly,
    cells,
    figures,
  };
}

/** One notebook opened in the classic UI. */
export class NotebookPage {
  constructor(page, { log = () => {} } = {}) {
    this.page = page;
    this.log = log;
    this.pageErrors = [];
    page.on("pageerror", (e) => this.pageErrors.push(String(e && e.stack ? e.stack : e).slice(0, 1000)));
    page.on("dialog", (d) => d.dismiss().catch(() => {})); // e.g. "leave page with unsaved changes?"
  }

  async open(url, timeoutMs) {
    await this.page.goto(url, { waitUntil: "domcontentloaded", timeout: timeoutMs });
    await this.page.waitForFunction(
      () => {
        const nb = window.Jupyter && window.Jupyter.notebook;
        return !!(nb && nb._fully_loaded && nb.kernel && nb.kernel.is_connected() && nb.kernel.info_reply && nb.kernel.info_reply.protocol_version);
      },
      null,
      { timeout: timeoutMs, polling: 250 },
    );
    await this.page.evaluate(installProbe);
    // A scratch copy: autosave would only write that copy, but nothing needs saving at all.
    await this.page.evaluate(() => window.Jupyter.notebook.set_autosave_interval(0));
  }

  /** Indices of the code cells that run (empty cells send nothing to the kernel). */
  codeCellIndices() {
    return this.page.evaluate(() =>
      window.Jupyter.notebook
        .get_cells()
        .map((c, i) => (c.cell_type === "code" && c.get_text().trim() ? i : -1))
        .filter((i) => i >= 0),
    );
  }

  async resetProbe() {
    await this.page.evaluate(() => {
      const ui = window.__papersUi;
      ui.replies = {};
      ui.finished = {};
      ui.updates = {};
    });
  }

  async clickMenu(menuId, itemId) {
    await this.page.click(`#${menuId}`);
    await this.page.click(`#${itemId} > a`);
  }

  /** Cell → Run All. */
  async runAll() {
    await this.resetProbe();
    await this.clickMenu("celllink", "run_all_cells");
  }

  /** Select cell `index`, then Cell → Run All Below (that cell and every cell after it). */
  async runFrom(index) {
    await this.resetProbe();
    await this.page.evaluate((i) => {
      window.Jupyter.notebook.select(i);
      window.Jupyter.notebook.command_mode();
    }, index);
    await this.clickMenu("celllink", "run_all_cells_below");
  }

  /** Kernel → Restart & Run All, confirming the dialog. */
  async restartAndRunAll() {
    const restartsBefore = await this.page.evaluate(() => window.__papersUi.restarts);
    await this.resetProbe();
    await this.clickMenu("kernellink", "restart_run_all");
    await this.page.click(".modal-dialog .modal-footer button.btn-danger");
    return restartsBefore;
  }

  restarts() {
    return this.page.evaluate(() => window.__papersUi.restarts);
  }

  /**
   * Wait until every cell in `indices` has its execute_reply, every cell that succeeded has had all
   * its output (iopub idle for its request), no cell shows as running and the kernel is idle; then
   * until MathJax has typeset everything queued and every figure has drawn (or given up).
   */
  async waitForRun(indices, timeoutMs) {
    const t0 = Date.now();
    const handle = await this.page.waitForFunction(
      (idx) => {
        const ui = window.__papersUi;
        if (ui.dead) return "dead";
        if (!idx.every((i) => ui.replies[i])) return false;
        if (idx.some((i) => ui.replies[i].status === "ok" && !ui.finished[i])) return false;
        if (document.querySelector(".cell.running")) return false;
        return ui.kstate === "idle" ? "done" : false;
      },
      indices,
      { timeout: timeoutMs, polling: 250 },
    );
    if ((await handle.jsonValue()) === "dead") throw new Error("the kernel died during the run");
    const left = Math.max(5_000, timeoutMs - (Date.now() - t0));
    await this.page.evaluate(
      () => new Promise((resolve) => (window.MathJax && window.MathJax.Hub ? window.MathJax.Hub.Queue(resolve) : resolve())),
    );
    // Figures draw asynchronously (the lib's script polls for window.Plotly for up to 10 s).
    await this.page
      .waitForFunction(
        () =>
          [...document.querySelectorAll(".papers-figure")].every(
            (el) => (el.classList.contains("js-plotly-plot") && el.querySelector(".main-svg")) || /not loaded/.test(el.textContent),
          ),
        null,
        { timeout: Math.min(left, 30_000), polling: 250 },
      )
      .catch(() => {}); // what did not draw is reported by the checks
    return (Date.now() - t0) / 1000;
  }

  state() {
    return this.page.evaluate(collectState);
  }

  /** Screenshot of the whole notebook (the classic UI scrolls inside #site, so let it grow first). */
  async screenshot(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    await this.page.evaluate(() => {
      for (const el of [document.documentElement, document.body]) el.style.overflow = "visible";
      const site = document.getElementById("site");
      if (site) {
        site.style.height = "auto";
        site.style.overflow = "visible";
      }
    });
    await this.page.screenshot({ path: file, fullPage: true });
  }
}
