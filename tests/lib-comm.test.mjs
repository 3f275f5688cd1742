// Unit tests for lib/src/comm.ts (Gray QAM, AWGN, LLRs, GMI, SNR for a target GMI).
// AWGN GMI reference values: Gauss–Hermite quadrature by scripts/reference/04-oam-fiber.py (committed output in data/reference/04-oam-fiber.json).
import test from "node:test";
import assert from "node:assert/strict";
import * as L from "@papers/lib";

const C = L.comm;

test("Gray square QAM: unit energy, neighbours differ in one bit, bad sizes rejected", () => {
  for (const M of [4, 16, 64, 256]) {
    const c = C.qam(M);
    assert.equal(c.m, Math.log2(M));
    let e = 0;
    for (let s = 0; s < M; s++) e += c.re[s] ** 2 + c.im[s] ** 2;
    assert.ok(Math.abs(e / M - 1) < 1e-12, `mean energy ${e / M}`);
    const dmin = 2 * Math.abs(c.levels[0] - c.levels[1]) > 0 ? Math.min(...[...c.levels].slice(1).map((v, i) => Math.abs(v - c.levels[i]))) : 0;
    for (let a = 0; a < M; a++) {
      for (let b = a + 1; b < M; b++) {
        const d = Math.hypot(c.re[a] - c.re[b], c.im[a] - c.im[b]);
        if (Math.abs(d - dmin) < 1e-9) {
          let x = a ^ b;
          let ones = 0;
          while (x) {
            ones += x & 1;
            x >>= 1;
          }
          assert.equal(ones, 1, `neighbours ${a},${b} differ in ${ones} bits`);
        }
      }
    }
  }
  assert.throws(() => C.qam(8));
  assert.throws(() => C.qam(32));
  const s = Uint32Array.from([0, 5, 15, 9]);
  assert.deepEqual(C.bitsToSymbols(C.symbolsToBits(s, 4), 4), s);
  for (let g = 0; g < 64; g++) assert.equal(C.binaryToGray(C.grayToBinary(g)), g);
});

test("AWGN adds the requested noise power", () => {
  L.seed(3);
  const n = 1 << 15;
  const z = C.awgn({ re: new Float64Array(n), im: new Float64Array(n) }, 10, L.rng());
  let p = 0;
  for (let k = 0; k < n; k++) p += z.re[k] ** 2 + z.im[k] ** 2;
  assert.ok(Math.abs(p / n - 0.1) < 0.004, `noise power ${p / n}`);
});

// Brute-force LLR over all M points with any labelling: the reference for the separable fast path.
function bruteLlrs(c, labelOf, z, h, sigma2) {
  const out = new Float64Array(z.re.length * c.m);
  for (let k = 0; k < z.re.length; k++) {
    for (let i = 0; i < c.m; i++) {
      const t = [[], []];
      for (let s = 0; s < c.M; s++) {
        const xr = h.re * c.re[s] - h.im * c.im[s];
        const xi = h.re * c.im[s] + h.im * c.re[s];
        const d = -((z.re[k] - xr) ** 2 + (z.im[k] - xi) ** 2) / sigma2;
        t[(labelOf(s) >> (c.m - 1 - i)) & 1].push(d);
      }
      const lse = (a) => {
        const mx = Math.max(...a);
        return mx + Math.log(a.reduce((acc, v) => acc + Math.exp(v - mx), 0));
      };
      out[k * c.m + i] = lse(t[1]) - lse(t[0]);
    }
  }
  return out;
}

test("separable exact LLRs equal the brute-force LLRs, with a complex gain", () => {
  L.seed(5);
  const r = L.rng();
  for (const M of [16, 64]) {
    const c = C.qam(M);
    const s = C.randomSymbols(M, 200, r);
    const h = { re: 0.6, im: -0.5 };
    const x = C.modulate(c, s);
    const hx = { re: x.re.map((v, k) => h.re * v - h.im * x.im[k]), im: x.im.map((v, k) => h.re * v + h.im * x.re[k]) };
    const z = C.awgn(hx, 12, r);
    const fast = C.llrs(c, z, 0.05, { h });
    const slow = bruteLlrs(c, (s) => s, z, h, 0.05);
    for (let j = 0; j < fast.length; j++) assert.ok(Math.abs(fast[j] - slow[j]) < 1e-9 * (1 + Math.abs(slow[j])), `LLR ${j}: ${fast[j]} vs ${slow[j]}`);
    // max-log never has a larger magnitude than it should by more than ln(M/2), and agrees in sign mostly
    const ml = C.llrs(c, z, 0.05, { h, method: "maxlog" });
    for (let j = 0; j < ml.length; j++) assert.ok(Math.abs(ml[j] - fast[j]) <= Math.log(M / 2) + 1e-9);
  }
});

const REF = [
  [4, 5, 1.717, 0.02],
  [16, 10, 3.165, 0.02],
  [16, 12, 3.58, 0.02],
  [16, 15, 3.928, 0.02],
  [64, 18, 5.46, 0.02],
  [256, 20, 6.239, 0.04],
];

test("AWGN GMI: Monte Carlo (2^16 symbols) and quadrature match the reference values and bounds", () => {
  L.seed(7);
  for (const [M, snr, ref, tol] of REF) {
    const mc = C.awgnGmiMonteCarlo(M, snr, 1 << 16, L.rng());
    const quad = C.awgnGmi(M, snr);
    assert.ok(Math.abs(mc - ref) < tol, `MC ${M}-QAM @${snr} dB: ${mc} vs ${ref}`);
    assert.ok(Math.abs(quad - ref) < tol, `quadrature ${M}-QAM @${snr} dB: ${quad} vs ${ref}`);
    assert.ok(quad <= Math.min(Math.log2(M), C.shannon(snr)), "GMI above a bound");
    assert.ok(C.awgnGmi(M, snr, { method: "maxlog" }) <= quad + 1e-9, "max-log above exact");
  }
  assert.ok(Math.abs(C.awgnGmi(16, 40) - 4) < 1e-9, "saturates at m");
});

test("estimateGmi fits gain and noise, and is invariant to a known rotation", () => {
  L.seed(11);
  const r = L.rng();
  const c = C.qam(16);
  const s = C.randomSymbols(16, 1 << 14, r);
  const x = C.modulate(c, s);
  const h = { re: Math.cos(0.7) * 0.8, im: Math.sin(0.7) * 0.8 };
  const hx = { re: x.re.map((v, k) => h.re * v - h.im * x.im[k]), im: x.im.map((v, k) => h.re * v + h.im * x.re[k]) };
  const z = C.awgn(hx, 12 - 20 * Math.log10(0.8), r); // SNR 12 dB after the 0.8 gain
  const est = C.estimateGmi(c, s, z);
  assert.ok(Math.abs(est.h.re - h.re) < 0.01 && Math.abs(est.h.im - h.im) < 0.01);
  assert.ok(Math.abs(est.snrDb - 12) < 0.1, `fitted SNR ${est.snrDb}`);
  assert.ok(Math.abs(est.gmi - 3.58) < 0.03, `GMI ${est.gmi}`);
});

test("SNR for a target GMI and Shannon inverse", () => {
  const snr = C.snrForGmi(16, 3.63835);
  assert.ok(Math.abs(snr - 12.33) < 0.15, `16-QAM SNR for 3.638 bit: ${snr}`);
  assert.ok(Math.abs(C.shannonSnrDb(3.63835) - 10.589) < 0.01);
  assert.ok(Math.abs(C.shannon(C.shannonSnrDb(5)) - 5) < 1e-12);
  assert.throws(() => C.snrForGmi(16, 4.5));
});

test("negative control: natural-binary labelling loses GMI against Gray", () => {
  L.seed(13);
  const r = L.rng();
  const c = C.qam(16);
  const s = C.randomSymbols(16, 4000, r);
  const z = C.awgn(C.modulate(c, s), 8, r);
  const bitsOf = (lab) => C.symbolsToBits(Uint32Array.from(s, lab), 4);
  const gray = C.gmiFromLlrs(bruteLlrs(c, (v) => v, z, { re: 1, im: 0 }, C.noiseVariance(8)), bitsOf((v) => v), 4);
  // natural binary: the label of point s has the Gray halves converted back to binary
  const nat = (v) => (C.grayToBinary(v >> 2) << 2) | C.grayToBinary(v & 3);
  const binary = C.gmiFromLlrs(bruteLlrs(c, nat, z, { re: 1, im: 0 }, C.noiseVariance(8)), bitsOf(nat), 4);
  assert.ok(gray - binary > 0.05, `Gray ${gray} vs binary ${binary}`);
});

test("hard decisions: QPSK bit error ratio follows Q(√SNR)", () => {
  L.seed(17);
  const r = L.rng();
  const c = C.qam(4);
  const s = C.randomSymbols(4, 1 << 16, r);
  const z = C.awgn(C.modulate(c, s), 7, r);
  const ber = C.bitErrorRate(s, C.hardDecision(c, z), 2);
  assert.ok(Math.abs(ber / 0.01259 - 1) < 0.1, `BER ${ber}`);
});
