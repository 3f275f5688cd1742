#!/usr/bin/env python3
"""Reference values for notebooks/06-josephson.ipynb, computed independently with NumPy/SciPy.

Regenerate (byte-for-byte, given the same library versions):

    python3 scripts/reference/06-josephson.py > data/reference/06-josephson.json

The notebook never runs this script; it loads the committed JSON and compares its own (TypeScript)
results with these numbers. Every method here differs from the notebook's:

* BCS gap: adaptive quadrature (scipy.integrate.quad) on the xi axis plus Brent's root finder;
  the notebook uses a sinh substitution, a trapezoid rule and bisection.
* Transmon: LAPACK's tridiagonal eigensolver (scipy.linalg.eigh_tridiagonal) on n = -40..40;
  the notebook uses Sturm-sequence bisection on n = -20..20.
* Retrapping current: the homoclinic orbit of the RCSJ equation. The running state exists only
  while the unstable manifold of a washboard saddle reaches the next saddle; Brent's method on the
  bias finds where that stops (DOP853, tight tolerances). The notebook instead sweeps the bias
  down step by step and watches the running state die.
* Josephson diode: bounded Brent minimisation around the best of 20 000 grid points.

Output: JSON with sorted keys, numbers rounded to 12 significant digits, no timestamps.
"""
import json
import math
import platform
import sys

import numpy as np
import scipy
from scipy import integrate, linalg, optimize

SIG = 12


def rnd(x):
    """Round to SIG significant digits so tiny platform differences do not change the file."""
    if isinstance(x, dict):
        return {k: rnd(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [rnd(v) for v in x]
    x = float(x)
    return float(f"{x:.{SIG}g}") if x != 0 else 0.0


# --- SI 2019 exact defining constants -------------------------------------------------------
E = 1.602176634e-19  # C
H = 6.62607015e-34  # J s
KB = 1.380649e-23  # J/K
HBAR = H / (2 * math.pi)
GAMMA_E = 0.5772156649015329
BCS_RATIO = math.pi * math.exp(-GAMMA_E)  # Delta0 / (k_B T_c), weak-coupling BCS


def constants():
    return {
        "K_J_GHz_per_V": 2 * E / H / 1e9,
        "Phi0_Wb": H / (2 * E),
        "EJ_GHz_per_nA": HBAR * 1e-9 / (2 * E) / H / 1e9,
        "EC_GHz_at_1fF": E * E / (2 * 1e-15) / H / 1e9,
    }


# --- BCS gap and Ambegaokar-Baratoff ---------------------------------------------------------
def gap_rhs(delta, kt):
    """2 * integral_0^inf f(E)/E dxi, E = sqrt(xi^2 + delta^2), f the Fermi function (units of Delta0)."""

    def f(xi):
        e = math.hypot(xi, delta)
        x = e / kt
        return 0.0 if x > 700 else 1.0 / (e * (math.exp(x) + 1.0))

    xmax = 60 * kt + delta
    val, _ = integrate.quad(f, 0.0, xmax, epsabs=1e-14, epsrel=1e-13, limit=400)
    return 2 * val


def bcs_gap(t):
    kt = t / BCS_RATIO
    return optimize.brentq(lambda d: math.log(1 / d) - gap_rhs(d, kt), 1e-9, 1.0, xtol=1e-15, rtol=1e-14)


def bcs():
    out = {}
    for t in (0.5, 0.7, 0.9):
        d = bcs_gap(t)
        out[f"gap_{t}"] = d
        out[f"ab_{t}"] = d * math.tanh(d * BCS_RATIO / (2 * t))
    return out


# --- Transmon --------------------------------------------------------------------------------
def transmon_levels(ej, ec, ng, n_cut=40, k=3):
    n = np.arange(-n_cut, n_cut + 1)
    d = 4 * ec * (n - ng) ** 2
    e = np.full(2 * n_cut, -ej / 2)
    w = linalg.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(0, k - 1))
    return np.sort(w)


def transmon_summary(r):
    lv = transmon_levels(r, 1.0, 0.25)
    l0 = transmon_levels(r, 1.0, 0.0, k=2)
    lh = transmon_levels(r, 1.0, 0.5, k=2)
    return {
        "E01": lv[1] - lv[0],
        "alpha": lv[2] - 2 * lv[1] + lv[0],
        "eps0": lh[0] - l0[0],
        "eps1": lh[1] - l0[1],
    }


def koch_eps(m, r):
    return ((-1) ** m * 2 ** (4 * m + 5) / math.factorial(m)) * math.sqrt(2 / math.pi) * (r / 2) ** (
        m / 2 + 0.75
    ) * math.exp(-math.sqrt(8 * r))


def transmon():
    out = {}
    for r in (20, 50, 100):
        s = transmon_summary(r)
        s["koch_eps0_over_exact"] = koch_eps(0, r) / s["eps0"]
        out[f"r{r}"] = s
    cpb = transmon_levels(0.1, 1.0, 0.5, k=2)
    out["cpb_r0.1_gap"] = cpb[1] - cpb[0]
    return out


def al_chain():
    tc, rn, csum = 1.2, 10e3, 80e-15
    delta0 = BCS_RATIO * KB * tc  # J
    icrn = math.pi * delta0 / (2 * E)  # V
    ic = icrn / rn
    ej = HBAR * ic / (2 * E) / H / 1e9  # GHz
    ec = E * E / (2 * csum) / H / 1e9  # GHz
    lv = transmon_levels(ej, ec, 0.25)
    return {
        "Delta0_ueV": delta0 / E * 1e6,
        "IcRn_uV": icrn * 1e6,
        "Ic_nA": ic * 1e9,
        "EJ_GHz": ej,
        "EC_MHz": ec * 1e3,
        "EJ_over_EC": ej / ec,
        "f01_GHz": lv[1] - lv[0],
        "alpha_MHz": (lv[2] - 2 * lv[1] + lv[0]) * 1e3,
        "f01_perturbative_GHz": math.sqrt(8 * ej * ec) - ec,
        "beta_c_R_Rn_C_80fF": 2 * math.pi * ic * rn * rn * csum / (H / (2 * E)),
    }


# --- RCSJ retrapping current (homoclinic bifurcation) ---------------------------------------
def passes_next_saddle(beta, i):
    """True if the unstable manifold of the saddle at pi - asin(i) reaches the next saddle (running)."""
    ps = math.pi - math.asin(i)
    c = math.cos(ps)  # = -sqrt(1 - i^2)
    lam = (-1 + math.sqrt(1 - 4 * beta * c)) / (2 * beta)  # unstable eigenvalue
    eps = 1e-9
    y0 = [ps + eps, eps * lam]

    def rhs(_t, y):
        return [y[1], (i - y[1] - math.sin(y[0])) / beta]

    def stopped(_t, y):  # velocity back to zero: trapped
        return y[1]

    stopped.terminal = True
    stopped.direction = -1

    def over(_t, y):  # reached the next saddle: running
        return y[0] - (ps + 2 * math.pi)

    over.terminal = True
    over.direction = 1
    sol = integrate.solve_ivp(
        rhs, (0, 1e5), y0, method="DOP853", rtol=1e-12, atol=1e-13, events=(stopped, over)
    )
    return len(sol.t_events[1]) > 0


def retrapping(beta):
    g = lambda i: 1.0 if passes_next_saddle(beta, i) else -1.0
    lo, hi = 1e-4, 1 - 1e-6
    if g(hi) < 0:
        return 1.0  # no bistability: the running state dies at i = 1
    for _ in range(34):  # bisection on a sign: 2^-34 ~ 6e-11
        mid = 0.5 * (lo + hi)
        if g(mid) > 0:
            hi = mid
        else:
            lo = mid
    return 0.5 * (lo + hi)


# --- Josephson diode -------------------------------------------------------------------------
def extrema(fun):
    x = np.linspace(0, 2 * math.pi, 20001)
    y = fun(x)
    h = x[1] - x[0]
    out = []
    for sign in (1, -1):
        k = int(np.argmax(sign * y))
        res = optimize.minimize_scalar(
            lambda p: -sign * fun(p), bounds=(x[k] - h, x[k] + h), method="bounded", options={"xatol": 1e-13}
        )
        out.append(fun(res.x))
    return out  # [max, min]


def diode():
    out = {}
    for r, delta, key in ((0.3, math.pi / 2, "r0.3_pi/2"), (0.3, math.pi / 4, "r0.3_pi/4")):
        mx, mn = extrema(lambda p: np.sin(p) + r * np.sin(2 * p + delta))
        out[key] = {"Ic_plus": float(mx), "Ic_minus_abs": float(abs(mn)), "eta": float((mx - abs(mn)) / (mx + abs(mn)))}
    return out


def main():
    data = {
        "about": "Reference values for notebooks/06-josephson.ipynb (independent NumPy/SciPy methods)",
        "regenerate": "python3 scripts/reference/06-josephson.py > data/reference/06-josephson.json",
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
        },
        "constants": rnd(constants()),
        "bcs": rnd(bcs()),
        "al_chain": rnd(al_chain()),
        "transmon": rnd(transmon()),
        "retrapping": rnd({str(b): retrapping(b) for b in (1, 2, 4, 10, 25, 100)}),
        "diode": rnd(diode()),
    }
    json.dump(data, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
