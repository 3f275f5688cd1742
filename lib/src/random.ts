/**
 * Reproducibility. tfjs draws every random op and initialiser without an explicit seed from
 * `Math.random()` (it seeds its own alea generator from it), so replacing `Math.random` with a
 * seeded generator makes tfjs, tf.layers initialisers and JS-side sampling repeatable at once.
 */
import * as V from "./validate";

/** A small, fast, seedable PRNG (sfc32 seeded through splitmix32). */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    this.reseed(seed);
  }

  reseed(seed: number): void {
    V.finite("Rng.reseed", "seed", seed);
    let s = Math.floor(seed) >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    this.spareNormal = null;
    for (let i = 0; i < 12; i++) this.uniform();
  }

  /** Uniform on [0, 1). */
  uniform(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(mean = 0, std = 1): number {
    if (!(Number.isFinite(mean) && std >= 0 && std < Infinity)) {
      V.finite("Rng.normal", "mean", mean);
      V.finite("Rng.normal", "std", std, { min: 0 });
    }
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return mean + std * v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) V.integer("Rng.int", "n", n, { min: 1, max: 4294967296 });
    return Math.floor(this.uniform() * n);
  }

  /** Fisher–Yates shuffle in place; returns the array. */
  shuffle<T>(xs: T[]): T[] {
    V.array("Rng.shuffle", "xs", xs);
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  }

  /** One element chosen uniformly. */
  choice<T>(xs: readonly T[]): T {
    V.arrayLike("Rng.choice", "xs", xs, { minLength: 1 });
    return xs[this.int(xs.length)];
  }

  /** A Float64Array of n standard normals. */
  normals(n: number, mean = 0, std = 1): Float64Array {
    V.nonNegInt("Rng.normals", "n", n);
    V.finite("Rng.normals", "mean", mean);
    V.finite("Rng.normals", "std", std, { min: 0 });
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(mean, std);
    return out;
  }
}

const globalRng = new Rng(0);
let currentSeed: number | null = null;
const nativeRandom = Math.random;

/**
 * Seed everything: `Math.random` (and through it every unseeded tfjs random op and initialiser)
 * and the shared `rng()`. Call once at the top of a notebook; calling again restarts the stream.
 */
export function seed(n: number): void {
  V.integer("seed", "n", n);
  globalRng.reseed(n);
  currentSeed = n;
  Math.random = () => globalRng.uniform();
}

/** The shared seeded generator (seed it with `seed(n)`). */
export function rng(): Rng {
  return globalRng;
}

/** The seed last passed to `seed()`, or null. */
export function currentSeedValue(): number | null {
  return currentSeed;
}

/** Restore the platform's unseeded `Math.random` (rarely needed). */
export function unseed(): void {
  Math.random = nativeRandom;
  currentSeed = null;
}
