/**
 * Input validation shared by every exported helper. Each validator takes the name of the calling
 * function (`fn`) and of the argument (`arg`), returns the value with a narrower type when it is
 * acceptable, and otherwise throws a `LibInputError` whose message reads
 *
 *   `<fn>: <arg> must be <what was expected>, got <what was given>`
 *
 * so a notebook author sees which call and which argument to fix, never a TypeError from deep inside
 * a helper or a NaN that travels on silently.
 */

/** The error every lib helper throws for a bad argument (a plain `Error` subclass). */
export class LibInputError extends Error {
  readonly fn: string;
  readonly arg: string;
  constructor(fn: string, arg: string, message: string) {
    super(message);
    this.name = "LibInputError";
    this.fn = fn;
    this.arg = arg;
  }
}

/** A short, readable description of any value, for error messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "undefined";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isNaN(v) ? "NaN" : String(v);
  if (typeof v === "string") return v.length > 40 ? `a string '${v.slice(0, 37)}...'` : `'${v}'`;
  if (typeof v === "boolean" || typeof v === "bigint") return `${typeof v} ${String(v)}`;
  if (typeof v === "function") return "a function";
  if (typeof v === "symbol") return "a symbol";
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<unknown>).length}`;
  const obj = v as Record<string, unknown>;
  if (isTensorLike(obj)) return `a tensor of shape [${(obj.shape as number[]).join(", ")}]`;
  const keys = Object.keys(obj);
  const name = Object.getPrototypeOf(obj)?.constructor?.name;
  const kind = name && name !== "Object" ? `a ${name}` : "an object";
  return keys.length ? `${kind} with keys {${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", ..." : ""}}` : `${kind} with no keys`;
}

/** Throw the standard message. */
export function fail(fn: string, arg: string, expected: string, got: unknown): never {
  throw new LibInputError(fn, arg, `${fn}: ${arg} must be ${expected}, got ${describe(got)}`);
}

/** Throw a free-form message that still starts with the function name. */
export function failWith(fn: string, arg: string, message: string): never {
  throw new LibInputError(fn, arg, `${fn}: ${message}`);
}

// ---- numbers -------------------------------------------------------------------------------------

export interface NumberBounds {
  /** Inclusive lower bound. */
  min?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Exclusive upper bound. */
  below?: number;
}

function boundsText(b: NumberBounds): string {
  const parts: string[] = [];
  if (b.min !== undefined) parts.push(`>= ${b.min}`);
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.max !== undefined) parts.push(`<= ${b.max}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  return parts.length ? " " + parts.join(" and ") : "";
}

function inBounds(v: number, b: NumberBounds): boolean {
  return (
    (b.min === undefined || v >= b.min) &&
    (b.max === undefined || v <= b.max) &&
    (b.above === undefined || v > b.above) &&
    (b.below === undefined || v < b.below)
  );
}

/** A finite number (not NaN, not ±Infinity), optionally within bounds. */
export function finite(fn: string, arg: string, v: unknown, bounds: NumberBounds = {}): number {
  if (typeof v !== "number" || !Number.isFinite(v) || !inBounds(v, bounds)) {
    fail(fn, arg, `a finite number${boundsText(bounds)}`, v);
  }
  return v;
}

/** A finite number > 0. */
export function positive(fn: string, arg: string, v: unknown): number {
  return finite(fn, arg, v, { above: 0 });
}

/** A finite number >= 0. */
export function nonNegative(fn: string, arg: string, v: unknown): number {
  return finite(fn, arg, v, { min: 0 });
}

/** An integer (a safe one), optionally within bounds. */
export function integer(fn: string, arg: string, v: unknown, bounds: NumberBounds = {}): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || !inBounds(v, bounds)) {
    fail(fn, arg, `an integer${boundsText(bounds)}`, v);
  }
  return v;
}

/** An integer >= 1 (a count). */
export function count(fn: string, arg: string, v: unknown): number {
  return integer(fn, arg, v, { min: 1 });
}

/** An integer >= 0. */
export function nonNegInt(fn: string, arg: string, v: unknown): number {
  return integer(fn, arg, v, { min: 0 });
}

/** A number that may be NaN (a gap) but not undefined, a string or ±Infinity. */
export function numberOrNaN(fn: string, arg: string, v: unknown): number {
  if (typeof v !== "number" || v === Infinity || v === -Infinity) fail(fn, arg, "a number (NaN allowed as a gap)", v);
  return v;
}

// ---- other scalars -------------------------------------------------------------------------------

export function boolean(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== "boolean") fail(fn, arg, "true or false", v);
  return v;
}

export function string(fn: string, arg: string, v: unknown): string {
  if (typeof v !== "string") fail(fn, arg, "a string", v);
  return v;
}

/** A string with at least one non-space character. */
export function nonEmptyString(fn: string, arg: string, v: unknown): string {
  if (typeof v !== "string" || v.trim() === "") fail(fn, arg, "a non-empty string", v);
  return v;
}

/** One of a fixed list of values. */
export function oneOf<T extends string | number | boolean>(fn: string, arg: string, v: unknown, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(v)) fail(fn, arg, `one of ${choices.map((c) => `'${String(c)}'`).join(", ")}`, v);
  return v as T;
}

export function func(fn: string, arg: string, v: unknown): (...args: never[]) => unknown {
  if (typeof v !== "function") fail(fn, arg, "a function", v);
  return v as (...args: never[]) => unknown;
}

// ---- objects -------------------------------------------------------------------------------------

/** A plain object (not null, not an array, not a tensor). */
export function plainObject(fn: string, arg: string, v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) fail(fn, arg, "an object", v);
  return v as Record<string, unknown>;
}

/**
 * An options object: `undefined` (no options) or a plain object whose keys are all in `known`.
 * Unknown keys are rejected (a misspelt option would otherwise be ignored silently).
 */
export function options<T extends object>(fn: string, arg: string, v: T | undefined, known: readonly string[]): T {
  if (v === undefined) return {} as T;
  const o = plainObject(fn, arg, v);
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length) {
    failWith(fn, arg, `unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `'${k}'`).join(", ")} in ${arg} (known: ${known.join(", ")})`);
  }
  return v;
}

/** A key that must be present (not undefined) in an object. */
export function required(fn: string, obj: Record<string, unknown>, key: string, objName = "opts"): unknown {
  if (obj[key] === undefined) failWith(fn, `${objName}.${key}`, `${objName}.${key} is required`);
  return obj[key];
}

// ---- arrays --------------------------------------------------------------------------------------

export interface LengthOptions {
  /** Exact length. */
  length?: number;
  /** Minimum length (use 1 for non-empty). */
  minLength?: number;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function checkLength(fn: string, arg: string, v: ArrayLike<unknown>, o: LengthOptions): void {
  if (o.length !== undefined && v.length !== o.length) failWith(fn, arg, `${arg} must have length ${o.length}, got length ${v.length}`);
  if (o.minLength !== undefined && v.length < o.minLength) {
    failWith(fn, arg, `${arg} must have at least ${o.minLength} element${o.minLength === 1 ? "" : "s"}, got ${v.length}`);
  }
}

/** An array (not a typed array). */
export function array(fn: string, arg: string, v: unknown, o: LengthOptions = {}): readonly unknown[] {
  if (!Array.isArray(v)) fail(fn, arg, "an array", v);
  checkLength(fn, arg, v, o);
  return v;
}

/** An array or typed array. */
export function arrayLike(fn: string, arg: string, v: unknown, o: LengthOptions = {}): ArrayLike<unknown> {
  if (!isArrayLike(v)) fail(fn, arg, "an array or typed array", v);
  checkLength(fn, arg, v, o);
  return v;
}

/** An array (or typed array) of finite numbers. */
export function finiteArray(fn: string, arg: string, v: unknown, o: LengthOptions = {}): ArrayLike<number> {
  const a = arrayLike(fn, arg, v, o);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isFinite(x)) failWith(fn, arg, `${arg}[${i}] must be a finite number, got ${describe(x)}`);
  }
  return a as ArrayLike<number>;
}

/** An array (or typed array) of numbers where NaN marks a gap (no ±Infinity, no non-numbers). */
export function numberArrayWithGaps(fn: string, arg: string, v: unknown, o: LengthOptions = {}): ArrayLike<number> {
  const a = arrayLike(fn, arg, v, o);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || x === Infinity || x === -Infinity) {
      failWith(fn, arg, `${arg}[${i}] must be a number (NaN allowed as a gap), got ${describe(x)}`);
    }
  }
  return a as ArrayLike<number>;
}

/** An array (or typed array) of integers within bounds. */
export function intArray(fn: string, arg: string, v: unknown, bounds: NumberBounds = {}, o: LengthOptions = {}): ArrayLike<number> {
  const a = arrayLike(fn, arg, v, o);
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== "number" || !Number.isInteger(x) || !inBounds(x, bounds)) {
      failWith(fn, arg, `${arg}[${i}] must be an integer${boundsText(bounds)}, got ${describe(x)}`);
    }
  }
  return a as ArrayLike<number>;
}

/** An array of strings. */
export function stringArray(fn: string, arg: string, v: unknown, o: LengthOptions = {}): readonly string[] {
  const a = array(fn, arg, v, o);
  a.forEach((x, i) => {
    if (typeof x !== "string") failWith(fn, arg, `${arg}[${i}] must be a string, got ${describe(x)}`);
  });
  return a as readonly string[];
}

/** Two lengths that must agree. */
export function sameLength(fn: string, argA: string, a: ArrayLike<unknown>, argB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) failWith(fn, argB, `${argA} has length ${a.length} but ${argB} has length ${b.length} (they must match)`);
}

/**
 * A rectangular 2-D array: every row an array of the same length (`cols` if given), `rows` rows if
 * given. Returns [rows, cols]. Cells are checked by `cell` (default: numbers, NaN allowed).
 */
export function matrix(
  fn: string,
  arg: string,
  v: unknown,
  o: { rows?: number; cols?: number; cell?: (fn: string, arg: string, x: unknown) => unknown } = {},
): [number, number] {
  const rows = array(fn, arg, v);
  if (o.rows !== undefined && rows.length !== o.rows) failWith(fn, arg, `${arg} must have ${o.rows} rows, got ${rows.length}`);
  const cols = o.cols ?? (Array.isArray(rows[0]) || ArrayBuffer.isView(rows[0]) ? (rows[0] as ArrayLike<unknown>).length : undefined);
  const cell = o.cell ?? numberOrNaN;
  rows.forEach((r, i) => {
    if (!isArrayLike(r)) failWith(fn, arg, `${arg}[${i}] must be an array (a row), got ${describe(r)}`);
    if (r.length !== cols) failWith(fn, arg, `${arg} must be rectangular: row ${i} has ${r.length} values, expected ${cols}`);
    for (let j = 0; j < r.length; j++) cell(fn, `${arg}[${i}][${j}]`, r[j]);
  });
  return [rows.length, cols ?? 0];
}

// ---- tensors -------------------------------------------------------------------------------------

/** Structural test for a tfjs tensor (lib must not depend on which tfjs instance made it). */
export function isTensorLike(v: unknown): boolean {
  return (
    typeof v === "object" &&
    v !== null &&
    Array.isArray((v as { shape?: unknown }).shape) &&
    typeof (v as { dtype?: unknown }).dtype === "string" &&
    typeof (v as { dataSync?: unknown }).dataSync === "function"
  );
}

interface TensorShapeLike {
  shape: number[];
  rank: number;
  dtype: string;
  isDisposed: boolean;
}

const fmtShape = (s: readonly (number | null)[]): string => `[${s.map((d) => (d === null ? "*" : String(d))).join(", ")}]`;

/**
 * A live (not disposed) tensor, optionally of a given rank or shape (`null` in `shape` matches any
 * size) and dtype.
 */
export function tensor<T>(
  fn: string,
  arg: string,
  v: T,
  o: { rank?: number; minRank?: number; shape?: readonly (number | null)[]; dtype?: readonly string[] } = {},
): T {
  if (!isTensorLike(v)) fail(fn, arg, "a tensor", v);
  const t = v as unknown as TensorShapeLike;
  if (t.isDisposed) failWith(fn, arg, `${arg} is a disposed tensor`);
  if (o.rank !== undefined && t.shape.length !== o.rank) failWith(fn, arg, `${arg} must have rank ${o.rank}, got shape ${fmtShape(t.shape)}`);
  if (o.minRank !== undefined && t.shape.length < o.minRank) {
    failWith(fn, arg, `${arg} must have rank >= ${o.minRank}, got shape ${fmtShape(t.shape)}`);
  }
  if (o.shape && !(t.shape.length === o.shape.length && o.shape.every((d, i) => d === null || d === t.shape[i]))) {
    failWith(fn, arg, `${arg} has shape ${fmtShape(t.shape)}, expected ${fmtShape(o.shape)}`);
  }
  if (o.dtype && !o.dtype.includes(t.dtype)) failWith(fn, arg, `${arg} must have dtype ${o.dtype.join(" or ")}, got ${t.dtype}`);
  return v;
}

/** Format a shape like `[2, 3]` (`null` as `*`). */
export function shapeText(s: readonly (number | null)[]): string {
  return fmtShape(s);
}

// ---- JSON ----------------------------------------------------------------------------------------

/**
 * A value that survives `JSON.stringify` unchanged: null, booleans, finite numbers, strings, arrays
 * and plain objects of these. NaN/Infinity (which JSON turns into null), undefined (as the value
 * itself or an array element, which JSON turns into null), functions, typed arrays, Maps and class
 * instances are rejected with the path of the offending part. An object property whose value is
 * `undefined` is accepted and left out, as JSON.stringify does: it is an absent optional field.
 */
export function jsonValue(fn: string, arg: string, v: unknown, path = arg, depth = 0): unknown {
  if (depth > 64) failWith(fn, arg, `${path} is nested more than 64 levels deep (a cycle?)`);
  if (v === null || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) failWith(fn, arg, `${path} must be a finite number (JSON would store ${describe(v)} as null), got ${describe(v)}`);
    return v;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) jsonValue(fn, arg, v[i], `${path}[${i}]`, depth + 1);
    return v;
  }
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      failWith(fn, arg, `${path} must be JSON data (null, boolean, finite number, string, array or plain object), got ${describe(v)}${ArrayBuffer.isView(v) ? " (use Array.from)" : ""}`);
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) jsonValue(fn, arg, x, `${path}.${k}`, depth + 1);
    return v;
  }
  return failWith(fn, arg, `${path} must be JSON data (null, boolean, finite number, string, array or plain object), got ${describe(v)}`);
}
