#!/usr/bin/env node
// `npm run lab`: JupyterLab from the project's .venv/ on 127.0.0.1 with the TypeScript (tslab) kernel,
// opening notebooks/. Jupyter's config, data, runtime files and JupyterLab's settings all live under
// .jupyter/ in the repository: nothing is read from or written to your home directory.
// The server loads environment/jupyter_server_config.py, so File > Save and Export Notebook As > HTML
// writes the same self-contained offline report as `npm run reports`.
//
//   npm run lab                     port 8888, or a free one if 8888 is taken (it says so)
//   npm run lab -- --port 9000      that port, or an error naming it when it is taken
//   npm run trust -- FILE.ipynb...  mark executed notebooks trusted (see the README)
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const STATE = path.join(ROOT, ".jupyter");

/** The Python of the project's Jupyter (written by environment/setup.sh). */
export function jupyterPython() {
  const f = path.join(STATE, "python");
  if (!fs.existsSync(f)) throw new Error("Jupyter is not set up: run `bash environment/setup.sh` first");
  return fs.readFileSync(f, "utf8").trim();
}

/** Environment that keeps every Jupyter file inside `stateDir` (default: the repo's .jupyter/). */
export function jupyterEnv(stateDir = STATE) {
  const data = path.join(STATE, "share", "jupyter"); // the registered tslab kernel lives here
  return {
    JUPYTER_PATH: data,
    // Read-only settings that ship with the repo: the debugger extension is off (tslab has no debugger,
    // and the extension throws on its messages).
    JUPYTER_CONFIG_PATH: path.join(ROOT, "environment", "jupyter-config"),
    JUPYTER_DATA_DIR: stateDir === STATE ? data : path.join(stateDir, "data"),
    JUPYTER_CONFIG_DIR: path.join(stateDir, "config"),
    JUPYTER_RUNTIME_DIR: path.join(stateDir, "runtime"),
    JUPYTERLAB_SETTINGS_DIR: path.join(stateDir, "lab", "user-settings"),
    JUPYTERLAB_WORKSPACES_DIR: path.join(stateDir, "lab", "workspaces"),
    IPYTHONDIR: path.join(stateDir, "ipython"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
}

/** Arguments for `python -m jupyterlab` serving the repository and opening `openPath`. */
export function labArgs({ port, token = null, openPath = "notebooks", exposeApp = false, browser = false }) {
  const args = [
    "--ip=127.0.0.1",
    `--port=${port}`,
    "--ServerApp.port_retries=0",
    `--ServerApp.root_dir=${ROOT}`,
    `--config=${path.join(ROOT, "environment", "jupyter_server_config.py")}`,
    `--LabApp.default_url=/lab/tree/${openPath}`,
  ];
  if (token !== null) args.push(`--IdentityProvider.token=${token}`);
  if (exposeApp) args.push("--LabApp.expose_app_in_browser=True"); // window.jupyterapp, for the UI test
  if (!browser) args.push("--no-browser");
  if (process.getuid?.() === 0) args.push("--allow-root");
  return args;
}

/** Whether 127.0.0.1:port can be bound right now. */
export function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once("error", () => resolve(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
  });
}

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

function parse(argv) {
  const o = { port: null, browser: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--port") {
      o.port = Number(argv[++i]);
      if (!(Number.isInteger(o.port) && o.port > 0 && o.port < 65536)) throw new Error(`--port needs a port number 1–65535, got ${argv[i]}`);
    } else if (a === "--browser") o.browser = true;
    else if (a === "--help" || a === "-h") o.help = true;
    else o.rest.push(a);
  }
  return o;
}

async function lab(argv) {
  const o = parse(argv);
  if (o.help) {
    console.log(fs.readFileSync(fileURLToPath(import.meta.url), "utf8").split("\n").slice(1, 11).map((l) => l.replace(/^\/\/ ?/, "")).join("\n"));
    return 0;
  }
  const python = jupyterPython();
  if (spawnSync(python, ["-c", "import jupyterlab"], { stdio: "ignore" }).status !== 0) {
    throw new Error(`JupyterLab is not installed in ${python} (the set-up fell back to Debian's packages?): run \`bash environment/setup.sh\` and read its messages`);
  }
  let port = o.port ?? 8888;
  if (!(await portIsFree(port))) {
    if (o.port !== null) throw new Error(`port ${port} on 127.0.0.1 is already in use: stop what uses it or pick another with --port`);
    const free = await freePort();
    console.log(`[lab] port ${port} is taken; using free port ${free}`);
    port = free;
  }
  const env = { ...process.env, ...jupyterEnv() };
  const child = spawn(python, ["-m", "jupyterlab", ...labArgs({ port, browser: o.browser }), ...o.rest], { cwd: ROOT, env, stdio: "inherit" });
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

function trust(files) {
  if (!files.length) throw new Error("name the executed notebooks to trust, e.g. npm run trust -- reports/executed/*.ipynb");
  const missing = files.filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`no such notebook: ${missing.join(", ")}`);
  const r = spawnSync(jupyterPython(), ["-m", "nbformat.sign", ...files], { cwd: process.cwd(), env: { ...process.env, ...jupyterEnv() }, stdio: "inherit" });
  return r.status ?? 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [cmd, ...rest] = process.argv.slice(2);
  const job = cmd === "trust" ? Promise.resolve().then(() => trust(rest)) : lab(cmd === undefined ? [] : [cmd, ...rest]);
  job.then(
    (code) => process.exit(code),
    (e) => {
      console.error(`lab: ${e.message}`);
      process.exit(2);
    },
  );
}
