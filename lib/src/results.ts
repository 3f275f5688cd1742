/**
 * "Results vs paper": every claim a notebook checks is recorded here — name, the paper's value or
 * claimed ordering, ours, the tolerance, whether it passed, and whether it is an `exact`
 * reproduction or a scaled-down `proxy`. `show()` renders the table and writes
 * `<notebook>.results.json`, which the runner and the tests read (they never scrape printed text).
 */
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { display, escapeHtml } from "./display";
import { showTable, formatNumber, type Row } from "./table";
import { profile } from "./profile";
import { currentSeedValue } from "./random";
import { repoRoot } from "./paths";
import * as V from "./validate";

export type CheckKind = "exact" | "proxy";

export interface CheckRecord {
  name: string;
  kind: CheckKind;
  /** The paper's value, or the claim in words. */
  paper: string | number;
  ours: string | number;
  tolerance: string;
  pass: boolean;
  /** A negative control passes when the deliberately wrong variant fails its check. */
  negativeControl?: boolean;
  note?: string;
  /**
   * Where the reference value comes from, in words a reader of the repository can follow: the
   * paper's section/table/figure/equation, a public config file, a standard, or a reference
   * computation the repository re-runs (script + committed output).
   */
  source?: string;
}

export interface CheckOptions {
  kind?: CheckKind;
  note?: string;
  /** Where the reference value comes from (see `CheckRecord.source`). */
  source?: string;
}

export interface CloseOptions extends CheckOptions {
  /** Relative tolerance |ours − paper| / |paper|. */
  rel?: number;
  /** Absolute tolerance |ours − paper|. */
  abs?: number;
  unit?: string;
}

export interface ResultsFile {
  notebook: string;
  profile: string;
  seed: number | null;
  backend: string;
  checks: CheckRecord[];
  values: Record<string, unknown>;
  timings: Record<string, number>;
  summary: { passed: number; failed: number; total: number };
  numTensors: number;
  /** numTensors at each `show()` in this kernel session (re-running cells must not grow it). */
  numTensorsPerShow: number[];
  writtenAt: string;
  /** Who wrote the file: the runner (`PAPERS_RUN_ID`, set by scripts/runner/run-notebooks.mjs) or `interactive`. */
  run: string;
}

const showHistory = new Map<string, number[]>();

/**
 * Where results JSON files go: `PAPERS_RESULTS_DIR` (the runner sets it to `<out>/results`), else
 * `<repo>/.cache/results` — so a notebook run by hand in JupyterLab never overwrites the results
 * that the main job wrote beside its reports.
 */
export function resultsDir(): string {
  return process.env.PAPERS_RESULTS_DIR ?? path.join(repoRoot(), ".cache", "results");
}

/** Whether `ours` is within tolerance of `paper`. Tolerance can be relative, absolute or both (either passes). */
export function isClose(ours: number, paper: number, tol: { rel?: number; abs?: number }): boolean {
  return isCloseIn("isClose", ours, paper, tol);
}

function isCloseIn(fn: string, ours: number, paper: number, tol: { rel?: number; abs?: number }, known: readonly string[] = ["rel", "abs"]): boolean {
  // `ours` may be NaN/Infinity: the check is then recorded as failing (by design, visible in the table).
  if (typeof ours !== "number") V.fail(fn, "ours", "a number", ours);
  V.finite(fn, "paper", paper);
  V.options(fn, "tol", tol, known);
  if (tol === undefined || (tol.rel === undefined && tol.abs === undefined)) V.failWith(fn, "tol", "needs a tolerance: tol.rel or tol.abs (or both)");
  if (tol.rel !== undefined) V.nonNegative(fn, "tol.rel", tol.rel);
  if (tol.abs !== undefined) V.nonNegative(fn, "tol.abs", tol.abs);
  if (!Number.isFinite(ours) || !Number.isFinite(paper)) return false;
  const d = Math.abs(ours - paper);
  if (tol.abs !== undefined && d <= tol.abs) return true;
  if (tol.rel !== undefined && d <= tol.rel * Math.abs(paper)) return true;
  return false;
}

function tolText(o: { rel?: number; abs?: number; unit?: string }): string {
  const parts: string[] = [];
  if (o.rel !== undefined) parts.push(`rel ≤ ${formatNumber(o.rel, 2)}`);
  if (o.abs !== undefined) parts.push(`abs ≤ ${formatNumber(o.abs, 2)}${o.unit ? " " + o.unit : ""}`);
  return parts.join(" or ");
}

const CHECK_OPTIONS = ["kind", "note", "source"] as const;

function checkName(fn: string, name: unknown): void {
  V.nonEmptyString(fn, "name", name);
}

function checkCommon(fn: string, opts: CheckOptions): void {
  if (opts.kind !== undefined) V.oneOf(fn, "opts.kind", opts.kind, ["exact", "proxy"] as const);
  if (opts.note !== undefined) V.string(fn, "opts.note", opts.note);
  if (opts.source !== undefined) V.nonEmptyString(fn, "opts.source", opts.source);
}

/** A value shown in the paper/ours columns: a string, or a number (NaN/Infinity become text, as JSON has no NaN). */
function checkShown(fn: string, arg: string, v: unknown): void {
  if (typeof v === "string") return;
  if (typeof v !== "number") V.fail(fn, arg, "a string or a number", v);
}

function jsonSafe(v: string | number): string | number {
  return typeof v === "number" && !Number.isFinite(v) ? String(v) : v;
}

function checkFree(
  fn: string,
  name: string,
  pass: unknown,
  opts: CheckOptions & { paper: string | number; ours: string | number; tolerance?: string },
  passArg = "pass",
): void {
  checkName(fn, name);
  V.boolean(fn, passArg, pass);
  V.options(fn, "opts", opts, [...CHECK_OPTIONS, "paper", "ours", "tolerance"]);
  if (opts === undefined) V.fail(fn, "opts", "an object { paper, ours, ... }", opts);
  checkCommon(fn, opts);
  V.required(fn, opts as unknown as Record<string, unknown>, "paper");
  V.required(fn, opts as unknown as Record<string, unknown>, "ours");
  checkShown(fn, "opts.paper", opts.paper);
  if (typeof opts.paper === "number") V.finite(fn, "opts.paper", opts.paper);
  checkShown(fn, "opts.ours", opts.ours);
  if (opts.tolerance !== undefined) V.string(fn, "opts.tolerance", opts.tolerance);
}

export class Results {
  readonly notebook: string;
  private checks = new Map<string, CheckRecord>();
  private values: Record<string, unknown> = {};
  private timings: Record<string, number> = {};

  constructor(notebook: string) {
    if (typeof notebook !== "string" || !/^[A-Za-z0-9._-]+$/.test(notebook)) {
      V.fail("Results", "notebook", "a name of letters, digits, '.', '_' or '-'", notebook);
    }
    this.notebook = notebook;
  }

  private add(rec: CheckRecord): boolean {
    // Re-running a cell replaces its checks instead of duplicating them.
    this.checks.set(rec.name, rec);
    return rec.pass;
  }

  /** A numeric check: |ours − paper| within `rel` (relative) or `abs` (absolute). */
  close(name: string, ours: number, paper: number, opts: CloseOptions): boolean {
    const fn = "Results.close";
    checkName(fn, name);
    V.options(fn, "opts", opts, [...CHECK_OPTIONS, "rel", "abs", "unit"]);
    if (opts === undefined) V.failWith(fn, "opts", "opts must give a tolerance: { rel } or { abs }");
    checkCommon(fn, opts);
    if (opts.unit !== undefined) V.string(fn, "opts.unit", opts.unit);
    const pass = isCloseIn(fn, ours, paper, opts, [...CHECK_OPTIONS, "rel", "abs", "unit"]);
    return this.add({
      name,
      kind: opts.kind ?? "exact",
      paper,
      ours: jsonSafe(ours),
      tolerance: tolText(opts),
      pass,
      note: opts.note,
      source: opts.source,
    });
  }

  /** A numeric check that `ours` lies in [lo, hi]. */
  within(name: string, ours: number, lo: number, hi: number, opts: CheckOptions & { paper?: string | number } = {}): boolean {
    const fn = "Results.within";
    checkName(fn, name);
    if (typeof ours !== "number") V.fail(fn, "ours", "a number", ours);
    // one-sided bounds are ±Infinity; only NaN and an empty interval are mistakes
    if (typeof lo !== "number" || Number.isNaN(lo)) V.fail(fn, "lo", "a number (−Infinity for no lower bound)", lo);
    if (typeof hi !== "number" || Number.isNaN(hi) || hi < lo) V.fail(fn, "hi", `a number >= lo = ${lo} (Infinity for no upper bound)`, hi);
    V.options(fn, "opts", opts, [...CHECK_OPTIONS, "paper"]);
    checkCommon(fn, opts);
    if (opts.paper !== undefined) checkShown(fn, "opts.paper", opts.paper);
    const pass = Number.isFinite(ours) && ours >= lo && ours <= hi;
    return this.add({
      name,
      kind: opts.kind ?? "proxy",
      paper: opts.paper ?? `[${formatNumber(lo)}, ${formatNumber(hi)}]`,
      ours: jsonSafe(ours),
      tolerance: `in [${formatNumber(lo)}, ${formatNumber(hi)}]`,
      pass,
      note: opts.note,
      source: opts.source,
    });
  }

  /**
   * A claimed ordering: `items` listed in the order the paper claims, `direction` says whether the
   * values should increase or decrease along the list (strictly).
   */
  order(
    name: string,
    items: readonly (readonly [string, number])[],
    direction: "increasing" | "decreasing",
    opts: CheckOptions & { claim?: string } = {},
  ): boolean {
    const fn = "Results.order";
    checkName(fn, name);
    V.array(fn, "items", items, { minLength: 2 }).forEach((it, i) => {
      if (!Array.isArray(it) || it.length !== 2 || typeof it[0] !== "string" || typeof it[1] !== "number") {
        V.failWith(fn, "items", `items[${i}] must be a [label, value] pair (string, number), got ${V.describe(it)}`);
      }
    });
    V.oneOf(fn, "direction", direction, ["increasing", "decreasing"] as const);
    V.options(fn, "opts", opts, [...CHECK_OPTIONS, "claim"]);
    checkCommon(fn, opts);
    if (opts.claim !== undefined) V.nonEmptyString(fn, "opts.claim", opts.claim);
    const sym = direction === "increasing" ? " < " : " > ";
    let pass = true;
    for (let i = 1; i < items.length; i++) {
      const [a, b] = [items[i - 1][1], items[i][1]];
      if (!(Number.isFinite(a) && Number.isFinite(b)) || (direction === "increasing" ? !(a < b) : !(a > b))) pass = false;
    }
    return this.add({
      name,
      kind: opts.kind ?? "proxy",
      paper: opts.claim ?? items.map(([k]) => k).join(sym),
      ours: items.map(([k, v]) => `${k}=${formatNumber(v)}`).join(sym),
      tolerance: "ordering",
      pass,
      note: opts.note,
      source: opts.source,
    });
  }

  /** Any other check: the caller computes `pass` and says what was compared. */
  check(
    name: string,
    pass: boolean,
    opts: CheckOptions & { paper: string | number; ours: string | number; tolerance?: string },
  ): boolean {
    checkFree("Results.check", name, pass, opts);
    return this.add({
      name,
      kind: opts.kind ?? "exact",
      paper: opts.paper,
      ours: jsonSafe(opts.ours),
      tolerance: opts.tolerance ?? "—",
      pass,
      note: opts.note,
      source: opts.source,
    });
  }

  /**
   * A negative control: a deliberately wrong variant run through the same check. It is recorded as
   * passing only if that check *fails* (`wrongVariantPasses === false`), showing the check has teeth.
   */
  negativeControl(
    name: string,
    wrongVariantPasses: boolean,
    opts: CheckOptions & { paper: string | number; ours: string | number; tolerance?: string },
  ): boolean {
    checkFree("Results.negativeControl", name, wrongVariantPasses, opts, "wrongVariantPasses");
    return this.add({
      name,
      kind: opts.kind ?? "exact",
      paper: opts.paper,
      ours: jsonSafe(opts.ours),
      tolerance: opts.tolerance ?? "must fail",
      pass: !wrongVariantPasses,
      negativeControl: true,
      note: opts.note ?? "negative control: the wrong variant must fail its check",
      source: opts.source,
    });
  }

  /** Store a deterministic value in the results file (compared across re-runs by the tests). */
  record(key: string, value: unknown): void {
    V.nonEmptyString("Results.record", "key", key);
    V.jsonValue("Results.record", "value", value, `value of '${key}'`);
    this.values[key] = value;
  }

  /** Store a wall-clock timing in seconds (excluded from reproducibility comparisons). */
  timing(key: string, seconds: number): void {
    V.nonEmptyString("Results.timing", "key", key);
    V.nonNegative("Results.timing", "seconds", seconds);
    this.timings[key] = seconds;
  }

  get all(): CheckRecord[] {
    return [...this.checks.values()];
  }

  get failed(): CheckRecord[] {
    return this.all.filter((c) => !c.pass);
  }

  /** Write the JSON file; returns its path. */
  save(): string {
    const dir = resultsDir();
    fs.mkdirSync(dir, { recursive: true });
    const numTensors = tf.memory().numTensors;
    const hist = showHistory.get(this.notebook) ?? [];
    hist.push(numTensors);
    showHistory.set(this.notebook, hist);
    const checks = this.all;
    const out: ResultsFile = {
      notebook: this.notebook,
      profile: profile(),
      seed: currentSeedValue(),
      backend: tf.getBackend() ?? "none",
      checks,
      values: this.values,
      timings: this.timings,
      summary: {
        passed: checks.filter((c) => c.pass).length,
        failed: checks.filter((c) => !c.pass).length,
        total: checks.length,
      },
      numTensors,
      numTensorsPerShow: [...hist],
      writtenAt: new Date().toISOString(),
      run: process.env.PAPERS_RUN_ID ?? "interactive",
    };
    const file = path.join(dir, `${this.notebook}.results.json`);
    fs.writeFileSync(file, JSON.stringify(out, null, 2));
    return file;
  }

  /** Counts of passed / failed checks so far. */
  get summary(): ResultsFile["summary"] {
    const failed = this.failed.length;
    return { passed: this.all.length - failed, failed, total: this.all.length };
  }

  /** Render the "Results vs paper" table and write the JSON file (see `summary` for the counts). */
  show(opts: { caption?: string } = {}): void {
    V.options("Results.show", "opts", opts, ["caption"]);
    if (opts.caption !== undefined) V.string("Results.show", "opts.caption", opts.caption);
    const rows: Row[] = this.all.map((c) => ({
      check: c.name + (c.negativeControl ? " (negative control)" : ""),
      kind: c.kind,
      reference: c.paper,
      source: c.source ?? "",
      ours: c.ours,
      tolerance: c.tolerance,
      result: c.pass ? "✔ pass" : "✘ FAIL",
      note: c.note ?? "",
    }));
    showTable(rows, {
      caption: opts.caption ?? `Results vs paper — ${this.notebook} (${profile()} profile)`,
      rowStyle: (r) => (String(r.result).includes("pass") ? "#eaf7ea" : "#fbe3e3"),
      digits: 5,
    });
    const file = this.save();
    const failed = this.failed.length;
    const total = this.all.length;
    display.html(
      `<p class="papers-results-summary"><b>${total - failed}/${total} checks passed</b>` +
        (failed ? ` — <span style="color:#b00">${failed} failed: ${escapeHtml(this.failed.map((c) => c.name).join("; "))}</span>` : "") +
        ` <small>(written to ${escapeHtml(path.relative(repoRoot(), file))})</small></p>`,
    );
  }
}

const RESULTS_KEYS = [
  "notebook", "profile", "seed", "backend", "checks", "values", "timings", "summary", "numTensors", "numTensorsPerShow", "writtenAt", "run",
] as const;
const CHECK_KEYS = ["name", "kind", "paper", "ours", "tolerance", "pass", "negativeControl", "note", "source"] as const;

/**
 * Check that `json` (a parsed `<notebook>.results.json`, or its text) follows the results schema
 * documented in lib/README.md; returns it typed, or throws an Error naming the first field that does
 * not (`validateResultsFile: checks[3].pass must be true or false, got 'yes'`).
 */
export function validateResultsFile(json: unknown): ResultsFile {
  const fn = "validateResultsFile";
  let data = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch (e) {
      V.failWith(fn, "json", `json is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const r = V.plainObject(fn, "json", data);
  const missing = RESULTS_KEYS.filter((k) => !(k in r));
  if (missing.length) V.failWith(fn, "json", `missing field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  V.options(fn, "json", r, RESULTS_KEYS);
  const name = V.nonEmptyString(fn, "notebook", r.notebook);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) V.fail(fn, "notebook", "a name of letters, digits, '.', '_' or '-'", name);
  V.oneOf(fn, "profile", r.profile, ["quick", "full"] as const);
  if (r.seed !== null) V.integer(fn, "seed", r.seed);
  V.nonEmptyString(fn, "backend", r.backend);
  const checks = V.array(fn, "checks", r.checks);
  const names = new Set<string>();
  checks.forEach((c, i) => {
    const a = `checks[${i}]`;
    const rec = V.plainObject(fn, a, c);
    V.options(fn, a, rec, CHECK_KEYS);
    V.nonEmptyString(fn, `${a}.name`, rec.name);
    if (names.has(rec.name as string)) V.failWith(fn, `${a}.name`, `${a}.name '${String(rec.name)}' is not unique`);
    names.add(rec.name as string);
    V.oneOf(fn, `${a}.kind`, rec.kind, ["exact", "proxy"] as const);
    for (const k of ["paper", "ours"] as const) {
      const v = rec[k];
      if (typeof v !== "string" && !(typeof v === "number" && Number.isFinite(v))) V.fail(fn, `${a}.${k}`, "a string or a finite number", v);
    }
    V.string(fn, `${a}.tolerance`, rec.tolerance);
    V.boolean(fn, `${a}.pass`, rec.pass);
    if (rec.negativeControl !== undefined) V.boolean(fn, `${a}.negativeControl`, rec.negativeControl);
    if (rec.note !== undefined) V.string(fn, `${a}.note`, rec.note);
    if (rec.source !== undefined) V.string(fn, `${a}.source`, rec.source);
  });
  V.jsonValue(fn, "values", V.plainObject(fn, "values", r.values));
  for (const [k, v] of Object.entries(V.plainObject(fn, "timings", r.timings))) V.nonNegative(fn, `timings.${k}`, v);
  const s = V.plainObject(fn, "summary", r.summary);
  V.options(fn, "summary", s, ["passed", "failed", "total"]);
  const passed = checks.filter((c) => (c as CheckRecord).pass).length;
  const expected = { passed, failed: checks.length - passed, total: checks.length };
  for (const k of ["passed", "failed", "total"] as const) {
    V.nonNegInt(fn, `summary.${k}`, s[k]);
    if (s[k] !== expected[k]) V.failWith(fn, `summary.${k}`, `summary.${k} is ${String(s[k])} but the checks give ${expected[k]}`);
  }
  V.nonNegInt(fn, "numTensors", r.numTensors);
  const hist = V.intArray(fn, "numTensorsPerShow", r.numTensorsPerShow, { min: 0 }, { minLength: 1 });
  if (hist[hist.length - 1] !== r.numTensors) {
    V.failWith(fn, "numTensorsPerShow", `the last numTensorsPerShow entry (${hist[hist.length - 1]}) must equal numTensors (${String(r.numTensors)})`);
  }
  const at = V.nonEmptyString(fn, "writtenAt", r.writtenAt);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(at) || Number.isNaN(Date.parse(at))) V.fail(fn, "writtenAt", "an ISO 8601 UTC time (Date.toISOString)", at);
  V.nonEmptyString(fn, "run", r.run);
  return data as ResultsFile;
}
