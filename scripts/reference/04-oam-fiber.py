#!/usr/bin/env python3
"""Reference values for notebooks/04-oam-fiber.ipynb, computed independently with NumPy/SciPy.

Regenerate (byte-for-byte, given the same library versions):

    python3 scripts/reference/04-oam-fiber.py > data/reference/04-oam-fiber.json

The notebook never runs this script; it loads the committed JSON and compares its own (TypeScript)
results with these numbers. What differs from the notebook:

* Bessel functions: SciPy's (AMOS / Cephes) instead of lib/special's own routines.
* Ring-core modes of the example design R1 (ours: a = 5 um, b = 8 um, n_cl = 1.444, dn = 0.012):
  the same scalar dispersion determinant, but built from scipy.special jv/yv/iv/kv and their
  derivative routines, with Brent's root finder; cut-offs from the w -> 0 limit of the same
  determinant, also by Brent.
* First-order vector corrections: the radial field rebuilt from SciPy's functions and its norm by
  adaptive quadrature (the notebook: Simpson on a fixed grid).
* AWGN GMI of Gray square QAM: Gauss-Hermite quadrature (the notebook: Simpson's rule and a
  Monte Carlo estimate), and the SNR at a target GMI by Brent's method (the notebook: bisection).

Output: JSON with sorted keys, numbers rounded to 12 significant digits, no timestamps.
"""
import json
import math
import platform
import sys

import numpy as np
import scipy
from scipy import integrate, optimize, special

SIG = 12


def rnd(x):
    if isinstance(x, dict):
        return {k: rnd(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rnd(v) for v in x]
    if isinstance(x, (bool, int)) and not isinstance(x, float):
        return x
    x = float(x)
    return float(f"{x:.{SIG}g}") if x != 0 else 0.0


# --- Design R1 (ours) ------------------------------------------------------------------------
A, B, NCL, DN = 5.0, 8.0, 1.444, 0.012  # um, um, -, -
NR = NCL + DN


def uw(lam, neff):
    k0 = 2 * math.pi / lam
    return k0 * math.sqrt(NR * NR - neff * neff), k0 * math.sqrt(neff * neff - NCL * NCL)


def disp(lam, neff, l):
    """Scalar LP determinant of the three-layer ring (same equation as the notebook, SciPy functions)."""
    u, w = uw(lam, neff)
    p = w * special.ivp(l, w * A) / special.iv(l, w * A)
    q = w * special.kvp(l, w * B) / special.kv(l, w * B)
    m11 = u * special.jvp(l, u * A) - p * special.jv(l, u * A)
    m12 = u * special.yvp(l, u * A) - p * special.yv(l, u * A)
    m21 = u * special.jvp(l, u * B) - q * special.jv(l, u * B)
    m22 = u * special.yvp(l, u * B) - q * special.yv(l, u * B)
    return m11 * m22 - m12 * m21


def modes(lam, lmax=6, npts=4000):
    grid = np.linspace(NCL + 1e-7, NR - 1e-7, npts)
    out = []
    for l in range(lmax + 1):
        vals = np.array([disp(lam, n, l) for n in grid])
        roots = []
        for i in range(npts - 1):
            if np.sign(vals[i]) != np.sign(vals[i + 1]):
                roots.append(optimize.brentq(lambda n: disp(lam, n, l), grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15))
        out.append(sorted(roots, reverse=True))
    return out


def cutoff_det(lam, l):
    k0 = 2 * math.pi / lam
    u = k0 * math.sqrt(NR * NR - NCL * NCL)
    p, q = l / A, -l / B
    m11 = u * special.jvp(l, u * A) - p * special.jv(l, u * A)
    m12 = u * special.yvp(l, u * A) - p * special.yv(l, u * A)
    m21 = u * special.jvp(l, u * B) - q * special.jv(l, u * B)
    m22 = u * special.yvp(l, u * B) - q * special.yv(l, u * B)
    return m11 * m22 - m12 * m21


def cutoff(l, lo=0.9, hi=3.0, n=3000):
    """Longest-wavelength root of the cut-off equation in [lo, hi] um."""
    lams = np.linspace(lo, hi, n + 1)
    vals = [cutoff_det(x, l) for x in lams]
    for i in range(n - 1, -1, -1):
        if np.sign(vals[i]) != np.sign(vals[i + 1]):
            return optimize.brentq(lambda x: cutoff_det(x, l), lams[i], lams[i + 1], xtol=1e-13)
    return float("nan")


def vector_corrections(lam, neff, l):
    """First-order delta n of the aligned (HE) and anti-aligned (EH) states, and for l = 1 the TM shift."""
    u, w = uw(lam, neff)
    k0 = 2 * math.pi / lam
    p = w * special.ivp(l, w * A) / special.iv(l, w * A)
    ca = u * special.yvp(l, u * A) - p * special.yv(l, u * A)
    cb = -(u * special.jvp(l, u * A) - p * special.jv(l, u * A))
    ring = lambda r: ca * special.jv(l, u * r) + cb * special.yv(l, u * r)
    dring = lambda r: u * (ca * special.jvp(l, u * r) + cb * special.yvp(l, u * r))
    fa, fb, dfa, dfb = ring(A), ring(B), dring(A), dring(B)
    inner = lambda r: fa * special.iv(l, w * r) / special.iv(l, w * A)
    outer = lambda r: fb * special.kv(l, w * r) / special.kv(l, w * B)
    opts = dict(epsabs=0, epsrel=1e-12, limit=200)
    n_in = integrate.quad(lambda r: inner(r) ** 2 * r, 0, A, **opts)[0]
    n_ring = integrate.quad(lambda r: ring(r) ** 2 * r, A, B, **opts)[0]
    n_out = integrate.quad(lambda r: outer(r) ** 2 * r, B, np.inf, **opts)[0]
    norm = n_in + n_ring + n_out
    lln = math.log(NR * NR / (NCL * NCL))
    beta = k0 * neff
    common = -lln * (fa * dfa * A - fb * dfb * B) / (4 * beta * norm)
    half = lln * l * (fa * fa - fb * fb) / (4 * beta * norm)
    he, eh = (common + half) / k0, (common - half) / k0
    out = {"dn_HE": he, "dn_EH": eh, "split_HE_EH": abs(he - eh)}
    if l == 1:  # TE01 stays, TM01 moves by 2 * dn_EH
        vals = [he, 0.0, 2 * eh]
        out["spread_HE_TE_TM"] = max(vals) - min(vals)
    else:
        out["spread_HE_TE_TM"] = abs(he - eh)
    return out


def fiber():
    lam = 1.55
    r = modes(lam)
    neff = [x[0] for x in r[:4]]
    counts = {}
    for lm in (1.53, 1.55, 1.565, 1.6, 1.625):
        rr = modes(lm)
        counts[str(lm)] = int(sum(len(x) * (2 if l == 0 else 4) for l, x in enumerate(rr)))
    vec = {str(l): vector_corrections(lam, neff[l], l) for l in (1, 2, 3)}
    return {
        "design_R1": {"a_um": A, "b_um": B, "n_cl": NCL, "dn": DN},
        "neff_1550": neff,
        "roots_per_l_1550": [len(x) for x in r],
        "cutoff_um": {f"LP{l}": cutoff(l) for l in (3, 4)},
        "oam_states_per_ring": counts,
        "gaps_1550": [neff[0] - neff[1], neff[1] - neff[2], neff[2] - neff[3]],
        "vector_1550": vec,
    }


# --- AWGN GMI of Gray square QAM -------------------------------------------------------------
GH_X, GH_W = np.polynomial.hermite.hermgauss(200)  # integral e^{-x^2} f(x) dx


def pam_loss(L, sigma2):
    """E over levels and noise of sum_i log2(1 + e^{+-Lambda_i}) for one Gray L-PAM dimension."""
    M = L * L
    scale = math.sqrt(2 * (M - 1) / 3)
    levels = (2 * np.arange(L) - (L - 1)) / scale  # ascending
    labels = np.arange(L) ^ (np.arange(L) >> 1)  # binary-reflected Gray label of each level
    nb = int(round(math.log2(L)))
    sd = math.sqrt(sigma2 / 2)  # real noise std per dimension
    loss = 0.0
    for k in range(L):
        y = levels[k] + sd * math.sqrt(2) * GH_X  # [nodes]
        metric = -((y[:, None] - levels[None, :]) ** 2) / sigma2  # [nodes, L]
        tot = np.zeros_like(y)
        for i in range(nb):
            bit = (labels >> (nb - 1 - i)) & 1
            l1 = special.logsumexp(metric[:, bit == 1], axis=1)
            l0 = special.logsumexp(metric[:, bit == 0], axis=1)
            lam = l1 - l0
            mine = (labels[k] >> (nb - 1 - i)) & 1
            tot += np.logaddexp(0, -lam if mine else lam) / math.log(2)
        loss += float(np.dot(GH_W, tot)) / math.sqrt(math.pi) / L
    return loss


def awgn_gmi(M, snr_db):
    L = int(round(math.sqrt(M)))
    return math.log2(M) - 2 * pam_loss(L, 10 ** (-snr_db / 10))


def gmi():
    points = [(4, 5), (16, 10), (16, 12), (16, 15), (64, 18), (256, 20)]
    table = {f"{M}@{s}": awgn_gmi(M, s) for M, s in points}
    se = 1935.6
    targets = {"16QAM_for_3.63835": (16, se / 532), "256QAM_for_7.27669": (256, se / 266)}
    snr = {
        k: optimize.brentq(lambda s: awgn_gmi(M, s) - t, 0, 40, xtol=1e-10) for k, (M, t) in targets.items()
    }
    return {"awgn_gmi": table, "snr_db_for_target": snr}


def main():
    data = {
        "about": "Reference values for notebooks/04-oam-fiber.ipynb (independent NumPy/SciPy methods)",
        "regenerate": "python3 scripts/reference/04-oam-fiber.py > data/reference/04-oam-fiber.json",
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__},
        "bessel": {"I3_at_200": float(special.iv(3, 200.0)), "J0_first_zero": float(special.jn_zeros(0, 1)[0])},
        "fiber": rnd(fiber()),
        "gmi": rnd(gmi()),
    }
    json.dump(data, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
