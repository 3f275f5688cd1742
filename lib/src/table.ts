/**
 * HTML tables from an array of records or a danfojs DataFrame (danfo has no HTML export).
 */
import { display, escapeHtml } from "./display";
import * as V from "./validate";

export type Cell = string | number | boolean | null | undefined;
export type Row = Record<string, Cell>;

/** The part of a danfojs DataFrame that we read (duck-typed so lib does not load danfo). */
export interface DataFrameLike {
  columns: string[];
  values: unknown[][] | unknown[];
}

export interface TableOptions {
  caption?: string;
  /** Significant digits for non-integers (default 4). */
  digits?: number;
  /** Per-column formatters. */
  format?: Record<string, (v: Cell) => string>;
  /** Columns to show, in order (default: all, in first-seen order). */
  columns?: string[];
  /** Per-row CSS background, e.g. to colour pass/fail. */
  rowStyle?: (row: Row, i: number) => string | undefined;
  /** Maximum rows shown (a note says how many were left out). */
  maxRows?: number;
}

/** Format a number for a table: integers with separators, others to `digits` significant digits. */
export function formatNumber(v: number, digits = 4): string {
  if (typeof v !== "number") V.fail("formatNumber", "v", "a number", v);
  V.integer("formatNumber", "digits", digits, { min: 1, max: 21 });
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString("en-US");
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-3)) return v.toExponential(Math.max(0, digits - 1));
  const s = v.toPrecision(digits);
  return s.includes("e") ? s : String(Number(s));
}

function isDataFrame(x: unknown): x is DataFrameLike {
  return typeof x === "object" && x !== null && !Array.isArray(x) && "columns" in x && "values" in x;
}

const TABLE_OPTIONS = ["caption", "digits", "format", "columns", "rowStyle", "maxRows"] as const;

function checkCell(fn: string, v: unknown, i: number, col: string): void {
  if (v === null || v === undefined || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return;
  V.failWith(fn, "rows", `rows[${i}].${col} must be a string, number, boolean, null or undefined, got ${V.describe(v)}`);
}

function checkRows(fn: string, input: unknown): Row[] {
  if (isDataFrame(input)) return dfRows(fn, input);
  if (!Array.isArray(input)) V.fail(fn, "rows", "an array of records or a DataFrame", input);
  input.forEach((r, i) => {
    if (typeof r !== "object" || r === null || Array.isArray(r)) V.failWith(fn, "rows", `rows[${i}] must be a record (an object), got ${V.describe(r)}`);
    for (const [k, v] of Object.entries(r as Record<string, unknown>)) checkCell(fn, v, i, k);
  });
  return Array.from(input as Row[]);
}

function checkTableOptions(fn: string, opts: TableOptions): void {
  V.options(fn, "opts", opts, TABLE_OPTIONS);
  if (opts.caption !== undefined) V.string(fn, "opts.caption", opts.caption);
  if (opts.digits !== undefined) V.integer(fn, "opts.digits", opts.digits, { min: 1, max: 21 });
  if (opts.maxRows !== undefined) V.nonNegInt(fn, "opts.maxRows", opts.maxRows);
  if (opts.columns !== undefined) V.stringArray(fn, "opts.columns", opts.columns);
  if (opts.rowStyle !== undefined) V.func(fn, "opts.rowStyle", opts.rowStyle);
  if (opts.format !== undefined) {
    for (const [k, f] of Object.entries(V.plainObject(fn, "opts.format", opts.format))) V.func(fn, `opts.format.${k}`, f);
  }
}

/** Convert a DataFrame-like object into records. */
export function dataFrameToRows(df: DataFrameLike): Row[] {
  return dfRows("dataFrameToRows", df);
}

function dfRows(fn: string, df: DataFrameLike): Row[] {
  V.plainObject(fn, "df", df);
  const cols = V.stringArray(fn, "df.columns", df.columns);
  const vals = V.array(fn, "df.values", df.values) as unknown[];
  const matrix: unknown[][] = vals.length > 0 && !Array.isArray(vals[0]) ? [vals] : (vals as unknown[][]);
  matrix.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== cols.length) {
      V.failWith(fn, "df.values", `df.values[${i}] must be a row of ${cols.length} values (one per column), got ${V.describe(r)}`);
    }
    r.forEach((v, j) => checkCell(fn, v, i, cols[j]));
  });
  return matrix.map((r) => Object.fromEntries(cols.map((c, j) => [c, r[j] as Cell])));
}

/** Render records (or a DataFrame) as an HTML table string. */
export function toHtmlTable(input: readonly Row[] | DataFrameLike, opts: TableOptions = {}): string {
  return renderTable("toHtmlTable", input, opts);
}

function renderTable(fn: string, input: readonly Row[] | DataFrameLike, opts: TableOptions = {}): string {
  const rows: Row[] = checkRows(fn, input);
  checkTableOptions(fn, opts);
  const columns = opts.columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const digits = opts.digits ?? 4;
  const fmt = (col: string, v: Cell): string => {
    const f = opts.format?.[col];
    if (f) {
      const out = f(v);
      if (typeof out !== "string") V.failWith(fn, `opts.format.${col}`, `opts.format.${col} must return a string, got ${V.describe(out)}`);
      return out;
    }
    if (v === null || v === undefined) return "";
    if (typeof v === "number") return formatNumber(v, digits);
    return String(v);
  };
  const shown = opts.maxRows !== undefined ? rows.slice(0, opts.maxRows) : rows;
  const head = columns.map((c) => `<th style="text-align:right;padding:2px 8px">${escapeHtml(c)}</th>`).join("");
  const body = shown
    .map((r, i) => {
      const style = opts.rowStyle?.(r, i);
      if (style !== undefined && typeof style !== "string") V.failWith(fn, "opts.rowStyle", `opts.rowStyle must return a string or undefined, got ${V.describe(style)}`);
      const cells = columns
        .map((c) => {
          const v = r[c];
          const align = typeof v === "number" ? "right" : "left";
          return `<td style="text-align:${align};padding:2px 8px">${escapeHtml(fmt(c, v))}</td>`;
        })
        .join("");
      return `<tr${style ? ` style="background:${style}"` : ""}>${cells}</tr>`;
    })
    .join("");
  const more =
    shown.length < rows.length ? `<p><em>${rows.length - shown.length} more rows not shown.</em></p>` : "";
  const caption = opts.caption ? `<caption style="caption-side:top;font-weight:bold;text-align:left">${escapeHtml(opts.caption)}</caption>` : "";
  return `<table class="papers-table" style="border-collapse:collapse;font-size:90%">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more}`;
}

/** Display records (or a DataFrame) as a table in the notebook (`toHtmlTable` gives the HTML). */
export function showTable(input: readonly Row[] | DataFrameLike, opts: TableOptions = {}): void {
  display.html(renderTable("showTable", input, opts));
}
