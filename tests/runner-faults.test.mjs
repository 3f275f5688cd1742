// The runner's fault handling, on small fixture notebooks (tests/fixtures/runner/): a cell that throws, a
// cell that hangs past --timeout, a kernel that exits, a notebook that records no results, a failed check,
// and a healthy notebook after them. Each must be reported with its status and failing cell, the rest must
// still run, the command must exit non-zero, no kernel process may be left behind, and the index must show
// every failure.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = path.join(ROOT, "tests", "fixtures", "runner");

/** Pids of live processes whose environment carries `marker` (Linux /proc). */
function processesWith(marker) {
  const out = [];
  for (const d of fs.readdirSync("/proc").filter((x) => /^\d+$/.test(x))) {
    try {
      if (fs.readFileSync(`/proc/${d}/environ`, "latin1").includes(marker)) out.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

test("runner: each kind of failure is reported, the rest still run, exit code 1, no kernel left", { timeout: 15 * 60_000 }, () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "papers-faults-"));
  const marker = `PAPERS_FAULT_TEST=${crypto.randomBytes(8).toString("hex")}`;
  const [key, value] = marker.split("=");
  try {
    const r = spawnSync(process.execPath, [path.join(ROOT, "scripts", "runner", "run-notebooks.mjs"), "--dir", FIXTURES, "--profile", "quick", "--timeout", "60", "--jobs", "2", "--out", out, "--no-html"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, [key]: value },
      timeout: 12 * 60_000,
    });
    const log = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 1, `the runner must exit 1 when notebooks fail; exit ${r.status}\n${log.slice(-3000)}`);
    const index = JSON.parse(fs.readFileSync(path.join(out, "index.json"), "utf8"));
    const by = Object.fromEntries(index.notebooks.map((n) => [n.notebook, n]));
    const expect = {
      "f1-throws": ["error", 2],
      "f2-hangs": ["timeout", 2],
      "f3-kernel-exits": ["dead-kernel", 2],
      "f4-no-results": ["no-results", null],
      "f5-check-fails": ["checks-failed", null],
      "f6-ok": ["ok", null],
    };
    for (const [name, [status, cell]] of Object.entries(expect)) {
      assert.ok(by[name], `${name} is missing from the index:\n${log.slice(-3000)}`);
      assert.equal(by[name].status, status, `${name}: status ${by[name].status}, expected ${status}; error: ${by[name].error}`);
      if (cell !== null) assert.equal(by[name].failedCell, cell, `${name}: failing cell ${by[name].failedCell}, expected ${cell}`);
    }
    assert.match(String(by["f1-throws"].error), /deliberate failure in a fixture cell/, "the throwing cell's message is reported");
    assert.match(String(by["f5-check-fails"].error), /two plus two/, "the failed check is named");
    assert.doesNotMatch(String(by["f5-check-fails"].error), /one plus one/, "only the failed check is named");
    for (const name of Object.keys(expect)) assert.match(r.stdout, new RegExp(`${name}: ${by[name].status}`), `${name}'s status is printed`);
    assert.match(r.stdout, /1\/6 notebooks ok; failed: f1-throws, f2-hangs, f3-kernel-exits, f4-no-results, f5-check-fails/);
    const html = fs.readFileSync(path.join(out, "index.html"), "utf8");
    for (const [name, [status]] of Object.entries(expect)) assert.ok(html.includes(name) && html.includes(status), `index.html shows ${name} as ${status}`);
    // Give the kernels' own shutdown a moment, then nothing started by this run may still be alive.
    const deadline = Date.now() + 10_000;
    let left = processesWith(marker);
    while (left.length && Date.now() < deadline) {
      spawnSync("sleep", ["0.5"]);
      left = processesWith(marker);
    }
    assert.deepEqual(left, [], `processes from the run still alive: ${left.join(", ")}`);
  } finally {
    for (const pid of processesWith(marker)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(out, { recursive: true, force: true });
  }
});
