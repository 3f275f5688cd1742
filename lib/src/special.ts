/**
 * Special functions shared by the physics notebooks (Josephson junctions, OAM fibre modes).
 * Integer-order Bessel functions come from the `bessel` npm package (SheetJS, pure JS); the
 * notebooks check them against identities and tabulated values before relying on them.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
const B = require("bessel") as {
  besselj(x: number, n: number): number;
  bessely(x: number, n: number): number;
  besseli(x: number, n: number): number;
  besselk(x: number, n: number): number;
};

function checkOrder(n: number, fn: string): void {
  if (!Number.isInteger(n)) throw new Error(`${fn}: order must be an integer, got ${n}`);
}

/** Bessel function of the first kind J_n(x), integer n (negative n via J_{-n} = (−1)^n J_n). */
export function besselJ(n: number, x: number): number {
  checkOrder(n, "besselJ");
  if (n < 0) return (n % 2 === 0 ? 1 : -1) * besselJ(-n, x);
  if (x < 0) return (n % 2 === 0 ? 1 : -1) * B.besselj(-x, n);
  return B.besselj(x, n);
}

/** Bessel function of the second kind Y_n(x), x > 0. */
export function besselY(n: number, x: number): number {
  checkOrder(n, "besselY");
  if (!(x > 0)) throw new Error(`besselY: x must be > 0, got ${x}`);
  if (n < 0) return (n % 2 === 0 ? 1 : -1) * besselY(-n, x);
  return B.bessely(x, n);
}

/** Modified Bessel function of the first kind I_n(x). */
export function besselI(n: number, x: number): number {
  checkOrder(n, "besselI");
  return B.besseli(Math.abs(x), Math.abs(n)) * (x < 0 && n % 2 !== 0 ? -1 : 1);
}

/** Modified Bessel function of the second kind K_n(x), x > 0. */
export function besselK(n: number, x: number): number {
  checkOrder(n, "besselK");
  if (!(x > 0)) throw new Error(`besselK: x must be > 0, got ${x}`);
  return B.besselk(x, Math.abs(n));
}
