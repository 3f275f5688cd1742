/**
 * Progress bars for long loops: a single line updated in place inside a kernel; outside a kernel,
 * a plain line at most every `plainEverySec` seconds (and at the end) so logs stay short.
 */
import { inKernel, newDisplay, escapeHtml } from "./display";
import * as V from "./validate";

export interface ProgressOptions {
  label?: string;
  /** Minimum seconds between in-kernel refreshes (default 0.25). */
  refreshSec?: number;
  /** Minimum seconds between plain-text lines outside a kernel (default 10). */
  plainEverySec?: number;
}

export type ProgressInfo = Record<string, number | string>;

export interface Progress {
  /** Advance by `n` steps (default 1) and optionally show extra values such as the loss. */
  tick(n?: number, info?: ProgressInfo): void;
  /** Mark as finished (also shows the final state). */
  done(info?: ProgressInfo): void;
  readonly step: number;
}

function fmtInfo(info?: ProgressInfo): string {
  if (!info) return "";
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === "number" ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4)) : v}`)
    .join(" ");
}

function fmtTime(sec: number): string {
  if (!Number.isFinite(sec)) return "?";
  if (sec < 60) return `${sec.toFixed(1)}s`;
  return `${Math.floor(sec / 60)}m${String(Math.round(sec % 60)).padStart(2, "0")}s`;
}

/** Start a progress bar for `total` steps. */
const PROGRESS_OPTIONS = ["label", "refreshSec", "plainEverySec"] as const;

function checkProgressOptions(fn: string, opts: ProgressOptions): void {
  V.options(fn, "opts", opts, PROGRESS_OPTIONS);
  if (opts.label !== undefined) V.string(fn, "opts.label", opts.label);
  if (opts.refreshSec !== undefined) V.nonNegative(fn, "opts.refreshSec", opts.refreshSec);
  if (opts.plainEverySec !== undefined) V.nonNegative(fn, "opts.plainEverySec", opts.plainEverySec);
}

function checkInfo(fn: string, info: unknown): void {
  if (info === undefined) return;
  for (const [k, v] of Object.entries(V.plainObject(fn, "info", info))) {
    if (typeof v !== "string" && typeof v !== "number") V.failWith(fn, "info", `info.${k} must be a number or a string, got ${V.describe(v)}`);
  }
}

export function progress(total: number, opts: ProgressOptions = {}): Progress {
  V.positive("progress", "total", total);
  checkProgressOptions("progress", opts);
  const label = opts.label ?? "progress";
  const kernel = inKernel();
  const slot = kernel ? newDisplay() : null;
  const start = Date.now();
  let step = 0;
  let lastDraw = 0;
  let lastInfo: ProgressInfo | undefined;
  let finished = false;

  const render = (final: boolean): void => {
    const elapsed = (Date.now() - start) / 1000;
    const rate = step / Math.max(elapsed, 1e-9);
    const eta = (total - step) / Math.max(rate, 1e-9);
    const frac = Math.min(1, step / total);
    const text = `${label}: ${step}/${total} (${(frac * 100).toFixed(0)}%) ${rate.toFixed(rate < 10 ? 2 : 0)} it/s, ${
      final ? `took ${fmtTime(elapsed)}` : `eta ${fmtTime(eta)}`
    } ${fmtInfo(lastInfo)}`.trim();
    if (slot) {
      const width = 240;
      slot.html(
        `<div class="papers-progress" style="font-family:monospace;font-size:90%">` +
          `<span style="display:inline-block;width:${width}px;height:10px;border:1px solid #888;vertical-align:middle;margin-right:8px">` +
          `<span style="display:block;height:100%;width:${(frac * 100).toFixed(1)}%;background:${final ? "#2a2" : "#47c"}"></span></span>` +
          `${escapeHtml(text)}</div>`,
      );
    } else {
      process.stdout.write(text + "\n");
    }
  };

  return {
    get step() {
      return step;
    },
    tick(n = 1, info?: ProgressInfo) {
      V.nonNegative("progress.tick", "n", n);
      checkInfo("progress.tick", info);
      if (finished) return;
      step = Math.min(total, step + n);
      if (info) lastInfo = info;
      const now = Date.now();
      const every = (kernel ? opts.refreshSec ?? 0.25 : opts.plainEverySec ?? 10) * 1000;
      if (now - lastDraw >= every || step === total) {
        lastDraw = now;
        if (step < total) render(false);
      }
    },
    done(info?: ProgressInfo) {
      checkInfo("progress.done", info);
      if (finished) return;
      finished = true;
      if (info) lastInfo = info;
      render(true);
    },
  };
}

/** Iterate over an array with a progress bar. */
export function track<T>(items: readonly T[], opts: ProgressOptions = {}): Generator<T> {
  // Checked eagerly (a generator body would only run at the first next()).
  V.arrayLike("track", "items", items);
  checkProgressOptions("track", opts);
  return trackGen(items, opts);
}

function* trackGen<T>(items: readonly T[], opts: ProgressOptions): Generator<T> {
  const bar = progress(Math.max(1, items.length), opts);
  for (const it of items) {
    yield it;
    bar.tick();
  }
  bar.done();
}
