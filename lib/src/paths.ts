/** Locating the repository and its data folder from wherever a notebook or script runs. */
import * as fs from "fs";
import * as path from "path";
import * as V from "./validate";

/** The repository root (the folder whose package.json declares workspaces), or cwd. */
export function repoRoot(start = process.cwd()): string {
  V.nonEmptyString("repoRoot", "start", start);
  let dir = path.resolve(start);
  for (;;) {
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        if (JSON.parse(fs.readFileSync(pj, "utf8")).workspaces) return dir;
      } catch {
        /* not our package.json */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/**
 * A path under the repository's `data/` folder. Notebooks use this instead of relative paths,
 * since the kernel's working directory is the notebook's folder (and tests run copies elsewhere).
 */
export function dataPath(...parts: string[]): string {
  parts.forEach((p, i) => {
    V.nonEmptyString("dataPath", `parts[${i}]`, p);
    if (path.isAbsolute(p) || p.split(/[\\/]/).includes("..")) {
      V.failWith("dataPath", `parts[${i}]`, `parts[${i}] must be a relative path inside data/ (no leading '/', no '..'), got '${p}'`);
    }
  });
  return path.join(repoRoot(), "data", ...parts);
}
