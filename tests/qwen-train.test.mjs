// Re-runs a short version of scripts/training/train-09-qwen-proxy.mjs into a temp dir and checks what it writes;
// also checks that the committed data/qwen-proxy/ is complete and loads.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import * as L from "@papers/lib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { nn } = L;

test("train-qwen-proxy --quick writes weights, config, loss curve and README", { timeout: 300_000 }, async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "qwen-proxy-"));
  execFileSync(process.execPath, [path.join(root, "scripts/training/train-09-qwen-proxy.mjs"), "--quick", "--quiet", "--out", out], { cwd: root, stdio: "pipe" });
  for (const f of ["weights.bin", "weights.json", "early.bin", "early.json", "config.json", "loss-curve.json", "README.md"]) {
    assert.ok(fs.existsSync(path.join(out, f)), `missing ${f}`);
  }
  const cfg = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"));
  assert.equal(cfg.training.seed, 0);
  assert.equal(cfg.training.steps, 12);
  assert.equal(cfg.paramCounts.linear, 212992);
  assert.ok(cfg.model.vocabSize > 60 && cfg.model.vocabSize < 100);
  assert.equal(cfg.tokenizer.chars.length + 1, cfg.model.vocabSize);
  const curve = JSON.parse(fs.readFileSync(path.join(out, "loss-curve.json"), "utf8"));
  assert.equal(curve.loss.length, 12);
  assert.ok(curve.loss[11] < curve.loss[0] - 0.3, `loss ${curve.loss[0]} → ${curve.loss[11]}`);
  // the saved weights reproduce the recorded validation PPL
  await L.initBackend({});
  const w = nn.loadWeights(path.join(out, "weights"), cfg.model);
  const sp = L.text.sotuWordnetSplit({ every: 10, offset: 5 });
  const tok = L.text.CharTokenizer.fromJSON(cfg.tokenizer);
  const win = L.text.windows(L.text.encodeDocs(tok, sp.sotu.test), 64, 16, "strided").data;
  const ev = nn.evaluate(cfg.model, w, win, 64);
  assert.ok(Math.abs(ev.ppl - cfg.validation.final.c4Ppl) < 1e-3 * cfg.validation.final.c4Ppl, `${ev.ppl} vs ${cfg.validation.final.c4Ppl}`);
  nn.disposeWeights(w);
  fs.rmSync(out, { recursive: true });
});

test("committed data/qwen-proxy is complete and loads", async () => {
  const dir = path.join(root, "data/qwen-proxy");
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  assert.equal(cfg.training.quick, false);
  assert.ok(cfg.training.steps >= 1000);
  const size = fs.statSync(path.join(dir, "weights.bin")).size + fs.statSync(path.join(dir, "early.bin")).size;
  assert.ok(size < 4e6, `${size} bytes`);
  await L.initBackend({});
  const w = nn.loadWeights(path.join(dir, "weights"), cfg.model);
  assert.equal(nn.namedWeights(w).reduce((s, [, t]) => s + t.size, 0), cfg.paramCounts.total);
  nn.disposeWeights(w);
  assert.ok(cfg.validation.final.c4Ppl < cfg.validation.early.c4Ppl);
});
