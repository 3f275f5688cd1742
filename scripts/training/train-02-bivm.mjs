#!/usr/bin/env node
// Rebuilds data/02-bivm/weights.json for notebook 02 (BiVM).
//
// The training code lives in the notebook itself: this script executes notebooks/02-bivm.ipynb once
// with BIVM_TRAIN=1, which makes its training cells train all eight variants (teacher, BNN, XNOR-style,
// ReActNet-style, BiVM-lite, BiVM-lite without mimicking, and the encoder-only / decoder-only binarized
// ablation) with the configuration written in the notebook (TRAIN_CFG) and write the weights, BN
// statistics and loss curves. Each run reseeds from the notebook seed and its key, so adding a variant
// leaves the others' weights unchanged. Usage:
//   node scripts/training/train-02-bivm.mjs [--out DIR]     (report of the training run goes to DIR)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const i = process.argv.indexOf("--out");
const out = i > 0 ? process.argv[i + 1] : path.join(os.tmpdir(), "train-02-bivm");
const file = path.join(ROOT, "data", "02-bivm", "weights.json");
const before = fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
const runner = "scripts/runner/run-notebooks.mjs";
const t0 = Date.now();
const r = spawnSync(
  process.execPath,
  [runner, "--profile", "quick", "--only", "02", "--jobs", "1", "--timeout", "3600", "--out", out],
  { cwd: ROOT, env: { ...process.env, BIVM_TRAIN: "1" }, stdio: "inherit" },
);
if (!fs.existsSync(file) || fs.statSync(file).mtimeMs <= before) {
  console.error(`training run did not write ${path.relative(ROOT, file)} (runner exit ${r.status})`);
  process.exit(1);
}
const saved = JSON.parse(fs.readFileSync(file, "utf8"));
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`wrote ${path.relative(ROOT, file)} (${(fs.statSync(file).size / 1e6).toFixed(2)} MB) in ${((Date.now() - t0) / 60000).toFixed(1)} min`);
console.log("config:", JSON.stringify(saved.config));
for (const [k, m] of Object.entries(saved.models)) {
  console.log(`${k}: ${m.losses.length} steps, loss first 5 ${mean(m.losses.slice(0, 5)).toFixed(4)} → last 5 ${mean(m.losses.slice(-5)).toFixed(4)}, ${m.msPerStep.toFixed(0)} ms/step`);
}
