// The main job's execution cache (as Jupyter Book users expect): a notebook is executed again only when
// one of its inputs changed. Its key hashes the notebook file, the built lib, everything under data/,
// the dependency locks, the runner and report code, the profile and the backend choice. A hit reuses the
// last executed notebook, report and results under the same --out folder. Only successful runs are
// cached; failures always run again.
import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === ".tsbuildinfo" || e.name === "__pycache__") continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}

/** Hash of the inputs every notebook shares (computed once per run). */
export function sharedInputsHash(root) {
  const h = crypto.createHash("sha256");
  const files = [
    ...filesUnder(path.join(root, "lib", "dist")),
    ...filesUnder(path.join(root, "data")),
    ...filesUnder(path.join(root, "scripts", "runner", "report-template")),
    ...filesUnder(path.join(root, "environment", "python")),
    path.join(root, "package-lock.json"),
    path.join(root, "environment", "requirements.txt"),
    path.join(root, "environment", "tslab-kernel.js"),
    path.join(root, "environment", "libtensorflow.txt"),
    path.join(root, "scripts", "runner", "execute_notebook.py"),
    // whether set-up could build the tensorflow backend decides which backend "auto" picks
    path.join(root, "node_modules", "tensorflow-tfjs-node", "lib", "napi-v8", "tfjs_binding.node"),
  ];
  for (const f of files) {
    if (!fs.existsSync(f)) continue;
    h.update(path.relative(root, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  }
  return h.digest("hex");
}

/** The cache key of one notebook run. */
export function runKey(nbPath, shared, opts) {
  return crypto
    .createHash("sha256")
    .update(fs.readFileSync(nbPath))
    .update(`\0${shared}\0${opts.profile}\0${opts.html}\0${process.env.PAPERS_BACKEND ?? "auto"}\0${process.env.PAPERS_WASM_KERNELS ?? ""}`)
    .digest("hex");
}

const cacheFile = (out, name) => path.join(out, "cache", `${name}.json`);

/** The cached row for `name` if its key matches and its files are all still there, else null. */
export function lookup(out, name, key, html) {
  const f = cacheFile(out, name);
  if (!fs.existsSync(f)) return null;
  let entry;
  try {
    entry = JSON.parse(fs.readFileSync(f, "utf8"));
  } catch {
    return null;
  }
  if (entry.key !== key) return null;
  const results = path.join(out, "results", `${name}.results.json`);
  const needed = [results, path.join(out, "executed", `${name}.ipynb`), ...(html ? [path.join(out, `${name}.html`)] : [])];
  if (!needed.every((p) => fs.existsSync(p))) return null;
  return { ...entry.row, results: JSON.parse(fs.readFileSync(results, "utf8")), cached: true };
}

export function store(out, name, key, row) {
  fs.mkdirSync(path.join(out, "cache"), { recursive: true });
  const { results, ...rest } = row;
  fs.writeFileSync(cacheFile(out, name), JSON.stringify({ key, row: rest, storedAt: new Date().toISOString() }, null, 2));
}

export function forget(out, name) {
  fs.rmSync(cacheFile(out, name), { force: true });
}

/** Last measured run time per notebook and profile (for longest-first scheduling and the ETA). */
export function readTimes(out) {
  try {
    return JSON.parse(fs.readFileSync(path.join(out, "cache", "times.json"), "utf8"));
  } catch {
    return {};
  }
}

export function writeTimes(out, times) {
  fs.mkdirSync(path.join(out, "cache"), { recursive: true });
  fs.writeFileSync(path.join(out, "cache", "times.json"), JSON.stringify(times, null, 2));
}
