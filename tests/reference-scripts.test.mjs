// Every reference computation under scripts/reference/ regenerates its committed output under
// data/reference/ byte for byte. The Python ones need NumPy/SciPy from the project's .venv/ (the set-up
// installs them); where that Python is missing they are skipped — notebooks only read the JSON.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIR = path.join(ROOT, "scripts", "reference");
const PY = path.join(ROOT, ".venv", "bin", "python");
const hasSciPy = fs.existsSync(PY) && spawnSync(PY, ["-c", "import numpy, scipy"]).status === 0;

for (const script of fs.existsSync(DIR) ? fs.readdirSync(DIR).sort() : []) {
  const stem = script.replace(/\.(py|mjs)$/, "");
  const committed = path.join(ROOT, "data", "reference", `${stem}.json`);
  if (script.endsWith(".py")) {
    test(`reference ${script} regenerates data/reference/${stem}.json byte for byte`, { skip: hasSciPy ? false : ".venv with NumPy/SciPy not set up", timeout: 10 * 60_000 }, () => {
      const r = spawnSync(PY, [path.join(DIR, script)], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 << 20 });
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      assert.ok(r.stdout === fs.readFileSync(committed, "utf8"), `${script}'s output differs from data/reference/${stem}.json: regenerate it (see the script's header)`);
    });
  } else if (script.endsWith(".mjs")) {
    test(`reference ${script} regenerates data/reference/${stem}.json byte for byte`, { timeout: 10 * 60_000 }, () => {
      const before = fs.readFileSync(committed);
      const r = spawnSync(process.execPath, [path.join(DIR, script)], { cwd: ROOT, encoding: "utf8" });
      const after = fs.readFileSync(committed);
      if (!before.equals(after)) fs.writeFileSync(committed, before); // leave the committed file as it was
      assert.equal(r.status, 0, r.stderr.slice(-2000));
      assert.ok(before.equals(after), `${script} wrote a different data/reference/${stem}.json`);
    });
  }
}
