// The repository stands on its own: a reader who clones it has the notebooks, lib, data/ and the README,
// nothing else. So no committed notebook, README or lib source may cite "the brief" (the authors' private
// research notes) or point at a path outside the repository.
import test from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tracked = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter(Boolean);
const reader = tracked.filter(
  (f) => /^notebooks\/.*\.ipynb$/.test(f) || /^lib\/src\/.*\.ts$/.test(f) || /(^|\/)README\.md$/.test(f) || /^scripts\/reference\//.test(f),
);

// What a reader cannot follow: the briefs, the folder beside the checkout, and machine-specific paths.
const OUTSIDE = [
  [/\bbriefs?\b/i, 'mentions "brief"'],
  [/\.\.\/shared\b|\.\.\/\.\.\/shared\b/, "points at ../shared (outside the repository)"],
  [/(^|[\s"'`(=])\/(work|root|home|tmp)\/[\w.-]/, "names a machine-specific absolute path"],
];

test("notebooks, READMEs and lib cite nothing outside the repository", () => {
  assert.ok(reader.length > 5, "found too few files to check");
  const problems = [];
  for (const f of reader) {
    const text = fs.readFileSync(path.join(ROOT, f), "utf8");
    text.split("\n").forEach((line, i) => {
      for (const [re, what] of OUTSIDE) if (re.test(line)) problems.push(`${f}:${i + 1}: ${what}: ${line.trim().slice(0, 160)}`);
    });
  }
  assert.deepEqual(problems, []);
});

test("the outside-reference check has teeth", () => {
  const hits = (s) => OUTSIDE.filter(([re]) => re.test(s)).length;
  assert.equal(hits("tolerance from the brief"), 1);
  assert.equal(hits("see ../shared/papers/04.md"), 1);
  assert.equal(hits('load("/work/main/data/x.json")'), 1);
  assert.equal(hits("fonts in /usr/share/fonts/truetype/dejavu"), 0);
  assert.equal(hits("Table 3 of the paper"), 0);
});
