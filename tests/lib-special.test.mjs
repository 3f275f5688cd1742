// Unit tests for lib/src/special.ts (integer-order Bessel J, Y, I, K).
// Reference values are SciPy 1.17 (scipy.special.jv/yv/iv/kv), i.e. tabulated facts; the
// identities are exact relations that any correct implementation must satisfy.
import test from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { special as S } from "@papers/lib";

const rel = (a, b) => Math.abs(a - b) / Math.abs(b);

// [n, x, J, Y, I, K]
const REF = [
  [0, 1, 0.7651976865579666, 0.088256964215677, 1.2660658777520084, 0.42102443824070834],
  [1, 1, 0.44005058574493355, -0.7812128213002889, 0.565159103992485, 0.6019072301972346],
  [0, 2.5, -0.04838377646819792, 0.49807035961523194, 3.2898391440501262, 0.062347553200366196],
  [3, 0.5, 0.002563729994587244, -42.05949430472389, 0.002645111968990286, 62.05790952993025],
  [5, 10, -0.2340615281867936, 0.13540304768936218, 777.1882864032599, 5.754184998531228e-5],
  [8, 30, 0.06289085331645852, -0.1343793722934125, 265912658948.35513, 6.056581782413185e-14],
  [2, 100, -0.02152875734450536, 0.07683686712502798, 1.0523843193243101e42, 4.750225303888641e-45],
  [12, 0.001, 5.096864400974646e-49, -5.204341700031226e46, 5.096864597007857e-49, 8.174960454205443e46],
];

test("matches tabulated values to 1e-12 relative", () => {
  for (const [n, x, j, y, i, k] of REF) {
    assert.ok(rel(S.besselJ(n, x), j) < 1e-12, `J_${n}(${x}) = ${S.besselJ(n, x)} vs ${j}`);
    assert.ok(rel(S.besselY(n, x), y) < 1e-12, `Y_${n}(${x}) = ${S.besselY(n, x)} vs ${y}`);
    assert.ok(rel(S.besselI(n, x), i) < 1e-12, `I_${n}(${x}) = ${S.besselI(n, x)} vs ${i}`);
    assert.ok(rel(S.besselK(n, x), k) < 1e-12, `K_${n}(${x}) = ${S.besselK(n, x)} vs ${k}`);
  }
  // large arguments, where the npm `bessel` package is off by ~50 %
  assert.ok(rel(S.besselI(3, 200), 1.9941947221737347e85) < 1e-12);
  assert.ok(rel(S.besselIe(3, 1000), 0.01256056218254712) < 1e-12);
  assert.ok(rel(S.besselKe(2, 1000), 0.03970761786238014) < 1e-12);
});

test("Wronskians J_{l+1}Y_l − J_lY_{l+1} = 2/(πx) and x(I_lK_{l+1} + I_{l+1}K_l) = 1", () => {
  let worstJY = 0;
  let worstIK = 0;
  for (let l = 0; l <= 8; l++) {
    for (let x = 0.3; x <= 30; x += 0.0997) {
      const w = S.besselJ(l + 1, x) * S.besselY(l, x) - S.besselJ(l, x) * S.besselY(l + 1, x);
      worstJY = Math.max(worstJY, (Math.abs(w - 2 / (Math.PI * x)) * Math.PI * x) / 2);
    }
    for (let x = 0.01; x <= 20; x += 0.0731) {
      const w = x * (S.besselI(l, x) * S.besselK(l + 1, x) + S.besselI(l + 1, x) * S.besselK(l, x));
      worstIK = Math.max(worstIK, Math.abs(w - 1));
    }
  }
  // Wronskian identities hold exactly; 1e-11 leaves room only for float64 rounding
  assert.ok(worstJY < 1e-11, `JY Wronskian error ${worstJY}`);
  assert.ok(worstIK < 1e-11, `IK Wronskian error ${worstIK}`);
});

test("recurrences, symmetries and special points", () => {
  for (const x of [0.7, 3.3, 17.2, 41.5]) {
    for (let n = 1; n <= 6; n++) {
      const jr = S.besselJ(n - 1, x) + S.besselJ(n + 1, x) - ((2 * n) / x) * S.besselJ(n, x);
      assert.ok(Math.abs(jr) < 1e-13, `J recurrence ${jr}`);
      const kr = S.besselK(n + 1, x) - S.besselK(n - 1, x) - ((2 * n) / x) * S.besselK(n, x);
      assert.ok(Math.abs(kr) <= 1e-12 * S.besselK(n + 1, x), `K recurrence ${kr}`);
    }
    assert.equal(S.besselJ(-3, x), -S.besselJ(3, x));
    assert.equal(S.besselY(-2, x), S.besselY(2, x));
    assert.equal(S.besselI(-3, x), S.besselI(3, x));
    assert.equal(S.besselK(-3, x), S.besselK(3, x));
    assert.ok(Math.abs(S.besselJ(3, -x) + S.besselJ(3, x)) < 1e-15);
  }
  assert.equal(S.besselJ(0, 0), 1);
  assert.equal(S.besselJ(2, 0), 0);
  assert.equal(S.besselI(0, 0), 1);
  assert.ok(Math.abs(S.besselJ(0, 2.404825557695773)) < 1e-15, "first zero of J_0");
  // the JY array shares one recurrence and must agree with the single-order calls
  const { j, y } = S.besselJYArray(5, 7.3);
  for (let n = 0; n <= 5; n++) {
    assert.ok(Math.abs(j[n] - S.besselJ(n, 7.3)) < 1e-15);
    assert.ok(Math.abs(y[n] - S.besselY(n, 7.3)) < 1e-15);
  }
  assert.throws(() => S.besselJ(1.5, 1), /integer/);
  assert.throws(() => S.besselY(0, 0), /> 0/);
  assert.throws(() => S.besselK(1, -1), /> 0/);
});

test("negative control: the npm `bessel` package fails the large-argument I check", () => {
  const require = createRequire(import.meta.url);
  let B;
  try {
    B = require("bessel");
  } catch {
    return; // package not installed: nothing to compare against
  }
  assert.ok(rel(B.besseli(200, 3), 1.9941947221737347e85) > 1e-3);
});
