#!/usr/bin/env node
// Benchmark for notebook 09 (Qwen3 quantization): training throughput of the nano-Qwen proxy and
// quantization wall time per method.
//
//   node scripts/bench/quant.mjs [--profile quick|full] [--train-steps N] [--json FILE]
//
// 1. Training: runs scripts/training/train-09-qwen-proxy.mjs for a few steps into a temp dir and reads the
//    tokens/s it records (same code path as the committed run).
// 2. Quantization: the quantizers live in the notebook's cells, so the notebook's code cells are
//    transpiled (TypeScript → ESM) and run under node with the chosen profile; every method's mean
//    seconds per quantized model are read back from the results file the notebook writes.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};
const profile = opt("--profile", "quick");
const trainSteps = Number(opt("--train-steps", "30"));
const jsonOut = opt("--json", path.join(root, "reports", "bench", "09-qwen3-quant.bench.json"));
const work = path.join(root, ".cache", "bench-quant");
fs.mkdirSync(work, { recursive: true });

// 1. training throughput
const trainDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-qwen-"));
const t0 = Date.now();
execFileSync(process.execPath, [path.join(root, "scripts/training/train-09-qwen-proxy.mjs"), "--steps", String(trainSteps), "--early-step", String(trainSteps), "--eval-every", String(10 * trainSteps), "--eval-windows", "16", "--quiet", "--out", trainDir], { cwd: root, stdio: "inherit" });
const trainCfg = JSON.parse(fs.readFileSync(path.join(trainDir, "config.json"), "utf8"));
fs.rmSync(trainDir, { recursive: true, force: true });
const training = { steps: trainSteps, batch: trainCfg.training.batch, tokensPerSecond: trainCfg.training.tokensPerSecond, secondsPerStep: trainCfg.training.seconds / trainSteps, wallSeconds: (Date.now() - t0) / 1000 };
console.log(`training: ${training.tokensPerSecond.toFixed(0)} tokens/s (${training.secondsPerStep.toFixed(3)} s/step, batch ${training.batch}×64, ${trainCfg.training.backend})`);

// 2. quantization: run the notebook's code cells as a script
const nb = JSON.parse(fs.readFileSync(path.join(root, "notebooks/09-qwen3-quant.ipynb"), "utf8"));
const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source)).join("\n\n");
const lines = code.split("\n");
const imports = lines.filter((l) => /^import\s/.test(l));
const body = lines.filter((l) => !/^import\s/.test(l));
const tsSource = [...imports, "export {};", ...body].join("\n");
const js = ts.transpileModule(tsSource, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022, esModuleInterop: true } }).outputText;
const script = path.join(work, "nb09.mjs");
fs.writeFileSync(script, js);
const resultsDir = path.join(work, "results");
const t1 = Date.now();
execFileSync(process.execPath, [script], { cwd: root, env: { ...process.env, PAPERS_PROFILE: profile, PAPERS_RESULTS_DIR: resultsDir }, stdio: ["ignore", fs.openSync(path.join(work, "nb09.log"), "w"), "inherit"] });
const res = JSON.parse(fs.readFileSync(path.join(resultsDir, "09-qwen3-quant.results.json"), "utf8"));
const quant = Object.entries(res.timings)
  .filter(([k]) => k.startsWith("quant."))
  .map(([k, v]) => ({ method: k.slice(6).replace(/\.meanSeconds$/, ""), meanSecondsPerModel: v }));
console.log(`quantization (profile ${profile}, mean wall seconds per quantized model, 28 linears):`);
for (const q of quant) console.log(`  ${q.method.padEnd(20)} ${q.meanSecondsPerModel.toFixed(3)}`);
console.log(`notebook run: ${((Date.now() - t1) / 1000).toFixed(1)} s; checks ${res.summary.passed}/${res.summary.total} passed`);
fs.mkdirSync(path.dirname(jsonOut), { recursive: true });
fs.writeFileSync(jsonOut, JSON.stringify({ notebook: "09-qwen3-quant", profile, training, quantization: quant, notebookSeconds: (Date.now() - t1) / 1000, checks: res.summary, node: process.version, writtenAt: new Date().toISOString() }, null, 1) + "\n");
console.log(`→ ${path.relative(root, jsonOut)}`);
