#!/usr/bin/env node
// `npm test` (and .ci/run): strict type-check, then node's test runner over tests/*.test.mjs.
// Notebook tests run in the quick profile. Pass file names to run a subset:
//   node scripts/tools/test.mjs tests/lib-core.test.mjs
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
process.chdir(ROOT);
const run = (cmd, args, env = {}) => {
  console.log(`$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, ...env } });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

run("node_modules/.bin/tsc", ["-p", "tsconfig.json"]);
const files = process.argv.slice(2).length
  ? process.argv.slice(2)
  : fs.readdirSync("tests").filter((f) => f.endsWith(".test.mjs")).sort().map((f) => path.join("tests", f));
run(process.execPath, ["--test", "--test-concurrency=1", "--test-reporter=spec", ...files], { PAPERS_PROFILE: "quick" });
