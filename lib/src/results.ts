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
  /** Who wrote the file: the runner (`PAPERS_RUN_ID`, set by scripts/run-notebooks.mjs) or `interactive`. */
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
  if (tol.rel === undefined && tol.abs === undefined) throw new Error("isClose needs a rel or abs tolerance");
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

export class Results {
  readonly notebook: string;
  private checks = new Map<string, CheckRecord>();
  private values: Record<string, unknown> = {};
  private timings: Record<string, number> = {};

  constructor(notebook: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(notebook)) {
      throw new Error(`Results: notebook name '${notebook}' must use letters, digits, '.', '_' or '-'`);
    }
    this.notebook = notebook;
  }

  private add(rec: CheckRecord): boolean {
    if (!rec.name) throw new Error("a check needs a name");
    // Re-running a cell replaces its checks instead of duplicating them.
    this.checks.set(rec.name, rec);
    return rec.pass;
  }

  /** A numeric check: |ours − paper| within `rel` (relative) or `abs` (absolute). */
  close(name: string, ours: number, paper: number, opts: CloseOptions): boolean {
    const pass = isClose(ours, paper, opts);
    return this.add({
      name,
      kind: opts.kind ?? "exact",
      paper,
      ours,
      tolerance: tolText(opts),
      pass,
      note: opts.note,
      source: opts.source,
    });
  }

  /** A numeric check that `ours` lies in [lo, hi]. */
  within(name: string, ours: number, lo: number, hi: number, opts: CheckOptions & { paper?: string | number } = {}): boolean {
    const pass = Number.isFinite(ours) && ours >= lo && ours <= hi;
    return this.add({
      name,
      kind: opts.kind ?? "proxy",
      paper: opts.paper ?? `[${formatNumber(lo)}, ${formatNumber(hi)}]`,
      ours,
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
    if (items.length < 2) throw new Error(`order('${name}') needs at least two items`);
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
    return this.add({
      name,
      kind: opts.kind ?? "exact",
      paper: opts.paper,
      ours: opts.ours,
      tolerance: opts.tolerance ?? "—",
      pass: Boolean(pass),
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
    return this.add({
      name,
      kind: opts.kind ?? "exact",
      paper: opts.paper,
      ours: opts.ours,
      tolerance: opts.tolerance ?? "must fail",
      pass: !wrongVariantPasses,
      negativeControl: true,
      note: opts.note ?? "negative control: the wrong variant must fail its check",
      source: opts.source,
    });
  }

  /** Store a deterministic value in the results file (compared across re-runs by the tests). */
  record(key: string, value: unknown): void {
    this.values[key] = value;
  }

  /** Store a wall-clock timing in seconds (excluded from reproducibility comparisons). */
  timing(key: string, seconds: number): void {
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
