#!/usr/bin/env node
// Reference lattice sums for notebook 08: plain Lennard-Jones (ε = σ = 1) on fcc, hcp-free, by a direct sum over
// conventional cubic cells (independent of the notebook's neighbour-list code, which uses the primitive cell).
// Usage: node scripts/reference/08-lattice-sums.mjs  → writes data/reference/08-lattice-sums.json
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const u = (r) => 4 * (r ** -12 - r ** -6);
const basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];

// Energy per atom of the fcc lattice with nearest-neighbour distance rnn, all pairs with r < rc.
function fccSum(rnn, rc) {
  const a = rnn * Math.SQRT2;
  const n = Math.ceil(rc / a) + 1;
  let e = 0;
  for (let i = -n; i <= n; i++)
    for (let j = -n; j <= n; j++)
      for (let k = -n; k <= n; k++)
        for (const b of basis) {
          const x = (i + b[0]) * a, y = (j + b[1]) * a, z = (k + b[2]) * a;
          const r = Math.hypot(x, y, z);
          if (r > 1e-12 && r < rc) e += 0.5 * u(r);
        }
  return e;
}
const rnn = 1.09017;
const rho = 4 / (rnn * Math.SQRT2) ** 3;
const tail = (rc) => 8 * Math.PI * rho * (rc ** -9 / 9 - rc ** -3 / 3);
const out = {
  description: "Plain LJ (eps=sigma=1) fcc lattice energy per atom at r_nn = 1.09017 sigma, direct sum over cubic cells",
  script: "scripts/reference/08-lattice-sums.mjs",
  rnn,
  truncated: Object.fromEntries([2.5, 6, 10].map((rc) => [String(rc), fccSum(rnn, rc)])),
  tailCorrected: Object.fromEntries([2.5, 6, 10].map((rc) => [String(rc), fccSum(rnn, rc) + tail(rc)])),
};
fs.writeFileSync(path.join(root, "data", "reference", "08-lattice-sums.json"), JSON.stringify(out, null, 2) + "\n");
console.log(JSON.stringify(out, null, 2));
