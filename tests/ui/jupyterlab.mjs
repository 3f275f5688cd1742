// Helpers for the real-client UI test (tests/ui-notebook.test.mjs): start and stop JupyterLab from the
// project's .venv/ exactly as `npm run lab` does (scripts/tools/lab.mjs builds the command), and drive one
// notebook in headless Chromium through JupyterLab's own menus.
//
// The page is read through `window.jupyterapp` (the server runs with LabApp.expose_app_in_browser, as
// JupyterLab's own Galata tests do): which cell each execute_request came from (JupyterLab puts the
// cell id in the request's metadata), its execute_reply, when its output finished (iopub idle), and
// how many in-place display updates arrived.
//
// Everything here only ever signals processes this module started: the server by its own pid, and,
// only if the server had to be killed hard, the kernels it had started (its child processes).
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { spawn } from "node:child_process";
import { openOffline, CHROMIUM_ARGS } from "../../scripts/runner/offline-page.mjs";
import { ROOT, jupyterEnv, labArgs, freePort } from "../../scripts/tools/lab.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs JupyterLab in this very process (so its pid is the server's pid), plus a watchdog thread: when our
// end of its stdin closes — the test process ended, however abruptly — the server sends itself SIGTERM
// and shuts down cleanly, kernels included. Never left running.
const LAUNCHER = [
  "import os, signal, sys, threading",
  "def _watch():",
  "    while os.read(0, 4096):", // unbuffered: a buffered read would hold a lock at interpreter exit
  "        pass",
  "    os.kill(os.getpid(), signal.SIGTERM)",
  "threading.Thread(target=_watch, daemon=True).start()",
  "from jupyterlab.labapp import main",
  "sys.argv[0] = 'jupyter-lab'",
  "sys.exit(main())",
].join("\n");

/** Pids of the direct children of `pid` (Linux /proc; empty elsewhere). */
export function childPids(pid) {
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
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(rest[1]) === pid) out.push(Number(d));
    } catch {
      /* the process ended meanwhile */
    }
  }
  return out;
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Start JupyterLab on 127.0.0.1 (a free port, a random token) serving the repository, with every
 * Jupyter file under `stateDir`. Resolves once `/api/status` answers.
 */
export async function startLabServer({ python, stateDir, env = {}, startTimeoutMs = 120_000 }) {
  const jenv = jupyterEnv(stateDir);
  for (const k of ["JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR"]) {
    fs.mkdirSync(jenv[k], { recursive: true });
  }
  // No news feed: the machine is offline, and its toast would cover the notebook in screenshots.
  const notif = path.join(jenv.JUPYTERLAB_SETTINGS_DIR, "@jupyterlab", "apputils-extension");
  fs.mkdirSync(notif, { recursive: true });
  fs.writeFileSync(path.join(notif, "notification.jupyterlab-settings"), JSON.stringify({ fetchNews: "false", checkForUpdates: false }));
  let lastError = null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const token = crypto.randomBytes(24).toString("hex");
    const args = ["-c", LAUNCHER, ...labArgs({ port, token, exposeApp: true })];
    const child = spawn(python, args, { cwd: ROOT, env: { ...process.env, ...jenv, ...env }, stdio: ["pipe", "pipe", "pipe"] });
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
    const api = (p, init = {}) => fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { Authorization: `token ${token}`, ...(init.headers ?? {}) } });
    const server = {
      port,
      token,
      pid: child.pid,
      baseUrl: `http://127.0.0.1:${port}`,
      log: () => log,
      get exited() {
        return exited;
      },
      api,
      /** Shut down the kernel of the notebook at `nbPath` (relative to the repository) through the REST API. */
      async shutdownKernelOf(nbPath) {
        const r = await api("/api/sessions", { signal: AbortSignal.timeout(5000) });
        const sessions = r.ok ? await r.json() : [];
        for (const sess of sessions.filter((x) => x.path === nbPath)) {
          await api(`/api/sessions/${sess.id}`, { method: "DELETE", signal: AbortSignal.timeout(20000) });
        }
      },
      /** Pids of the kernels this server runs. */
      kernelPids() {
        return childPids(child.pid);
      },
      /** Stop the server by its own pid; kernels are shut down first through its REST API. */
      async stop() {
        if (exited) return exited;
        try {
          const r = await api("/api/kernels", { signal: AbortSignal.timeout(5000) });
          const kernels = r.ok ? await r.json() : [];
          await Promise.all(kernels.map((k) => api(`/api/kernels/${k.id}`, { method: "DELETE", signal: AbortSignal.timeout(15000) }).catch(() => null)));
        } catch {
          /* the server may already be unable to answer; fall through to signals */
        }
        const kids = childPids(child.pid);
        child.kill("SIGTERM");
        const done = await Promise.race([exitedP, sleep(15_000).then(() => null)]);
        if (!done) {
          child.kill("SIGKILL");
          await Promise.race([exitedP, sleep(5_000)]);
        }
        // With the server gone, end any kernel it left behind.
        for (const pid of kids) if (alive(pid)) process.kill(pid, "SIGKILL");
        return exited;
      },
    };
    const t0 = Date.now();
    while (!exited && Date.now() - t0 < startTimeoutMs) {
      try {
        const r = await api("/api/status", { signal: AbortSignal.timeout(3000) });
        if (r.ok) return server;
      } catch {
        /* not listening yet */
      }
      await sleep(250);
    }
    if (!exited) {
      await server.stop();
      throw new Error(`JupyterLab did not answer on port ${port} within ${startTimeoutMs / 1000} s:\n${log.slice(-3000)}`);
    }
    lastError = new Error(`JupyterLab exited (${JSON.stringify(exited)}) before answering:\n${log.slice(-3000)}`);
    if (!/already in use|Address already|Errno 98/i.test(log)) break;
  }
  throw lastError;
}

export { CHROMIUM_ARGS };

/**
 * In-page instrumentation of the open notebook, installed once: per cell id, the status of its
 * execute_reply and whether its iopub traffic finished; per display id, how many in-place updates
 * arrived; the kernel's status, restarts and death. Re-attached when the kernel connection changes.
 */
function installProbe() {
  const panel = window.jupyterapp.shell.currentWidget;
  window.__papersPanel = panel;
  const ui = (window.__papersUi = { replies: {}, finished: {}, updates: {}, pending: {}, kstate: "idle", dead: false, restarts: 0 });
  const attach = (kernel) => {
    if (!kernel || kernel.__papersProbe) return;
    kernel.__papersProbe = true;
    kernel.anyMessage.connect((_, { msg, direction }) => {
      const type = msg.header.msg_type;
      const parent = msg.parent_header && msg.parent_header.msg_id;
      if (direction === "send" && type === "execute_request") ui.pending[msg.header.msg_id] = (msg.metadata && msg.metadata.cellId) || null;
      else if (direction === "recv" && type === "execute_reply" && parent in ui.pending) ui.replies[ui.pending[parent]] = { status: msg.content.status, count: msg.content.execution_count ?? null };
      else if (direction === "recv" && type === "status" && msg.content.execution_state === "idle" && parent in ui.pending) ui.finished[ui.pending[parent]] = true;
      else if (direction === "recv" && type === "update_display_data") {
        const id = msg.content.transient && msg.content.transient.display_id;
        if (id) ui.updates[id] = (ui.updates[id] || 0) + 1;
      }
    });
    kernel.statusChanged.connect((_, status) => {
      ui.kstate = status;
      if (status === "restarting" || status === "autorestarting") ui.restarts++;
      if (status === "dead") ui.dead = true;
    });
  };
  attach(panel.sessionContext.session && panel.sessionContext.session.kernel);
  panel.sessionContext.kernelChanged.connect((_, change) => attach(change.newValue));
}

/** What the page shows after a run: per cell its reply, outputs and progress bars; figures; math. */
function collectState() {
  const panel = window.__papersPanel;
  const ui = window.__papersUi;
  const nb = panel.content;
  const stripCode = (s) => s.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  const hasMath = (s) => /\$\$[\s\S]+?\$\$|\$[^$\n]+\$|\\\(|\\\[/.test(stripCode(s));
  const MJ_ERR = "mjx-merror, .MathJax_Error, .merror";
  const cells = nb.widgets.map((cell, index) => {
    const m = cell.model;
    const src = m.sharedModel.getSource();
    if (m.type === "markdown") {
      return {
        index,
        type: "markdown",
        rendered: !!cell.rendered,
        hasMath: hasMath(src),
        mathJax: cell.node.querySelectorAll(".jp-RenderedMarkdown mjx-container").length,
        mathErrors: cell.node.querySelectorAll(MJ_ERR).length,
      };
    }
    if (m.type !== "code") return { index, type: m.type };
    const outputs = m.outputs.toJSON();
    const progressOutputs = outputs.filter((o) => /papers-progress/.test(String((o.data || {})["text/html"] ?? "")));
    return {
      index,
      type: "code",
      id: m.id,
      source: src,
      tags: (m.getMetadata ? m.getMetadata("tags") : m.metadata && m.metadata.tags) || [],
      reply: ui.replies[m.id] || null,
      finished: !!ui.finished[m.id],
      outputs: outputs.map((o) => ({
        type: o.output_type,
        name: o.name || null,
        text: o.output_type === "stream" ? String(o.text).slice(0, 2000) : o.output_type === "error" ? `${o.ename}: ${o.evalue}` : null,
        mimes: Object.keys(o.data || {}),
      })),
      progressOutputs: progressOutputs.length,
      progressEls: [...cell.node.querySelectorAll(".papers-progress")].map((p) => p.textContent.trim()),
      latexOutputs: [...cell.node.querySelectorAll(".jp-RenderedLatex")].map((p) => ({
        mathJax: p.querySelectorAll("mjx-container").length,
        errors: p.querySelectorAll(MJ_ERR).length,
      })),
    };
  });
  const figures = [...panel.node.querySelectorAll(".papers-figure")].map((el) => {
    const cellNode = el.closest(".jp-Cell");
    return {
      cell: nb.widgets.findIndex((w) => w.node === cellNode),
      plotted: el.classList.contains("js-plotly-plot"),
      mainSvg: el.querySelectorAll(".main-svg").length,
      dataTraces: Array.isArray(el.data) ? el.data.length : 0,
      drawnTraces: el.querySelectorAll(".main-svg .trace, .main-svg .hm, .main-svg .imagelayer image, .main-svg .barlayer .point").length,
      text: el.classList.contains("js-plotly-plot") ? "" : el.textContent.slice(0, 200),
    };
  });
  const session = panel.sessionContext.session;
  return {
    kernel: session && session.kernel ? session.kernel.name : null,
    kernelspec: ((panel.model.getMetadata ? panel.model.getMetadata("kernelspec") : panel.model.metadata.kernelspec) || {}).name || null,
    mathTypeset: panel.node.querySelectorAll("mjx-container").length,
    displayUpdates: Object.values(ui.updates).reduce((a, b) => a + b, 0),
    plotlyLoaded: !!window.Plotly,
    cells,
    figures,
  };
}

/** One notebook opened in JupyterLab. */
export class LabPage {
  constructor(page) {
    this.page = page;
    this.pageErrors = [];
    page.on("pageerror", (e) => this.pageErrors.push(String(e && e.stack ? e.stack : e).slice(0, 1000)));
    page.on("dialog", (d) => d.dismiss().catch(() => {})); // e.g. "leave page with unsaved changes?"
  }

  /** Open `/lab/tree/<nbPath>` and wait until its tslab kernel is connected and idle. */
  async open(baseUrl, token, nbPath, timeoutMs) {
    await this.page.goto(`${baseUrl}/lab/tree/${nbPath}?reset&token=${token}`, { waitUntil: "domcontentloaded", timeout: timeoutMs });
    await this.page.waitForFunction(
      (p) => {
        const app = window.jupyterapp;
        const w = app && app.shell && app.shell.currentWidget;
        if (!w || !w.sessionContext || !w.context || !w.context.isReady || w.context.path !== p) return false;
        const k = w.sessionContext.session && w.sessionContext.session.kernel;
        return !!(k && k.connectionStatus === "connected" && k.status === "idle");
      },
      nbPath,
      { timeout: timeoutMs, polling: 250 },
    );
    await this.page.evaluate(installProbe);
  }

  /** Indices of the code cells that run (empty cells send nothing to the kernel). */
  codeCellIndices() {
    return this.page.evaluate(() =>
      window.__papersPanel.content.widgets.map((c, i) => (c.model.type === "code" && c.model.sharedModel.getSource().trim() ? i : -1)).filter((i) => i >= 0),
    );
  }

  cellIds(indices) {
    return this.page.evaluate((idx) => idx.map((i) => window.__papersPanel.content.widgets[i].model.id), indices);
  }

  async resetProbe() {
    await this.page.evaluate(() => {
      const ui = window.__papersUi;
      ui.replies = {};
      ui.finished = {};
      ui.updates = {};
    });
  }

  /** Click a top-level menu, then the items of `path` in turn (submenus open on the way). */
  async menu(top, ...items) {
    await this.page.locator("#jp-MainMenu .lm-MenuBar-itemLabel", { hasText: new RegExp(`^${top}$`) }).click();
    for (const item of items) {
      const label = typeof item === "string" ? new RegExp(`^${item.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : item;
      await this.page.locator(".lm-Menu:visible .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel", { hasText: label }).last().click();
    }
  }

  /** Run → Run All Cells. */
  async runAll() {
    await this.resetProbe();
    await this.menu("Run", "Run All Cells");
  }

  /** Select cell `index`, then Run → Run Selected Cell and All Below. */
  async runFrom(index) {
    await this.resetProbe();
    await this.page.evaluate((i) => {
      const nb = window.__papersPanel.content;
      nb.activeCellIndex = i;
      nb.mode = "command";
    }, index);
    await this.menu("Run", "Run Selected Cell and All Below");
  }

  /** Kernel → Restart Kernel and Run All Cells…, confirming the dialog. */
  async restartAndRunAll() {
    const restartsBefore = await this.restarts();
    await this.resetProbe();
    await this.menu("Kernel", /^Restart Kernel and Run All Cells/);
    await this.page.locator(".jp-Dialog .jp-mod-accept").click();
    return restartsBefore;
  }

  restarts() {
    return this.page.evaluate(() => window.__papersUi.restarts);
  }

  /**
   * File → Save and Export Notebook As → `item` ("Report", the project's offline report), as a reader
   * would: JupyterLab saves the notebook and opens the server's nbconvert URL in a new tab. The response
   * is captured on its way to the browser and written to `file`.
   */
  async exportReport(file, { item = "Report", timeoutMs = 120_000 } = {}) {
    const context = this.page.context();
    let resolveBody;
    const body = new Promise((r) => (resolveBody = r));
    const handler = async (route) => {
      const resp = await route.fetch();
      const buf = await resp.body();
      resolveBody({ status: resp.status(), headers: resp.headers(), buf, url: route.request().url() });
      await route.fulfill({ response: resp, body: buf });
    };
    await context.route("**/nbconvert/**", handler);
    try {
      await this.menu("File", "Save and Export Notebook As", item);
      const got = await Promise.race([body, sleep(timeoutMs).then(() => null)]);
      if (!got) throw new Error(`File → Save and Export Notebook As → ${item} sent no request to /nbconvert within ${timeoutMs / 1000} s`);
      if (got.status !== 200) throw new Error(`the export answered HTTP ${got.status}: ${got.buf.toString("utf8").slice(0, 2000)}`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, got.buf);
      return got;
    } finally {
      await context.unroute("**/nbconvert/**", handler).catch(() => {});
      for (const p of context.pages()) if (p !== this.page) await p.close().catch(() => {});
    }
  }

  /**
   * Wait until every cell in `indices` has its execute_reply, every cell that succeeded has had all its
   * output, no cell is queued or running and the kernel is idle; then until every figure has drawn.
   */
  async waitForRun(indices, timeoutMs) {
    const t0 = Date.now();
    const ids = await this.cellIds(indices);
    const handle = await this.page.waitForFunction(
      (want) => {
        const ui = window.__papersUi;
        if (ui.dead) return "dead";
        if (!want.every((id) => ui.replies[id])) {
          // Run All stops at a failing cell: the rest never get a reply.
          const failed = want.some((id) => ui.replies[id] && ui.replies[id].status !== "ok");
          return failed && ui.kstate === "idle" ? "stopped" : false;
        }
        if (want.some((id) => ui.replies[id].status === "ok" && !ui.finished[id])) return false;
        const running = window.__papersPanel.content.widgets.some((w) => w.model.type === "code" && w.model.executionState === "running");
        return !running && ui.kstate === "idle" ? "done" : false;
      },
      ids,
      { timeout: timeoutMs, polling: 250 },
    ).catch(async (e) => {
      // Say what was still missing: the cells without a reply or without their output.
      const missing = await this.page
        .evaluate((want) => {
          const ui = window.__papersUi;
          const ws = window.__papersPanel.content.widgets;
          const where = (id) => ws.findIndex((w) => w.model.id === id);
          return {
            noReply: want.filter((id) => !ui.replies[id]).map(where),
            unfinished: want.filter((id) => ui.replies[id] && !ui.finished[id]).map(where),
            running: ws.map((w, i) => (w.model.type === "code" && w.model.executionState === "running" ? i : -1)).filter((i) => i >= 0),
            kernel: ui.kstate,
          };
        }, ids)
        .catch(() => null);
      throw new Error(`${e.message}; still waiting for: ${JSON.stringify(missing)}`);
    });
    if ((await handle.jsonValue()) === "dead") throw new Error("the kernel died during the run");
    const left = Math.max(5_000, timeoutMs - (Date.now() - t0));
    await this.page
      .waitForFunction(
        () =>
          [...window.__papersPanel.node.querySelectorAll(".papers-figure")].every(
            (el) => (el.classList.contains("js-plotly-plot") && el.querySelector(".main-svg")) || /not loaded/.test(el.textContent),
          ),
        null,
        { timeout: Math.min(left, 30_000), polling: 250 },
      )
      .catch(() => {}); // what did not draw is reported by the checks
    await sleep(500); // MathJax typesets asynchronously after the outputs arrive
    return (Date.now() - t0) / 1000;
  }

  state() {
    return this.page.evaluate(collectState);
  }

  /** Screenshot of the notebook area, grown to its full height first (JupyterLab scrolls inside it). */
  async screenshot(file) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const height = await this.page.evaluate(() => {
      const panel = window.__papersPanel;
      const inner = panel && panel.content.node;
      return inner ? Math.min(inner.scrollHeight + 200, 30_000) : 1000;
    });
    const vp = this.page.viewportSize();
    await this.page.setViewportSize({ width: vp.width, height: Math.max(vp.height, height) });
    await sleep(500);
    await this.page.screenshot({ path: file, fullPage: false });
    await this.page.setViewportSize(vp);
  }
}

/**
 * Open an exported report from disk with every request outside file:/data:/blob: blocked, and say what
 * it shows: drawn plotly figures and their data traces, typeset math, page errors, blocked requests.
 */
export async function inspectOfflineReport(browser, file, screenshot) {
  const { page, external, errors } = await openOffline(browser, file, { waitUntil: "domcontentloaded" });
  try {
    await page.waitForSelector(".js-plotly-plot .main-svg", { timeout: 60_000 }).catch(() => {});
    await page.waitForSelector("mjx-container svg", { timeout: 60_000 }).catch(() => {});
    // The code cells' source arrives packed: wait until the page has filled every editor.
    await page.waitForFunction(() => document.documentElement.style.visibility !== "hidden", null, { timeout: 60_000 }).catch(() => {});
    const shown = await page.evaluate(() => ({
      codeCells: document.querySelectorAll(".jp-CodeCell .jp-InputArea-editor").length,
      codeEmpty: [...document.querySelectorAll(".jp-CodeCell .jp-InputArea-editor .cm-editor")].filter((el) => !el.textContent.trim()).length,
      figures: document.querySelectorAll(".papers-figure").length,
      drawn: document.querySelectorAll(".papers-figure.js-plotly-plot .main-svg").length ? [...document.querySelectorAll(".papers-figure.js-plotly-plot")].length : 0,
      traces: document.querySelectorAll(".js-plotly-plot .main-svg .trace, .js-plotly-plot .main-svg .hm").length,
      math: document.querySelectorAll("mjx-container").length,
      mathErrors: document.querySelectorAll("mjx-merror, g[data-mml-node=\"merror\"]").length,
      resultsTable: !!document.querySelector(".papers-results-summary"),
    }));
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: false });
    return { ...shown, external, errors };
  } finally {
    await page.close().catch(() => {});
  }
}
