/**
 * Offline plotly figures for tslab.
 *
 * nbconvert drops `text/javascript` and the plotly MIME type, so every figure is `text/html`: a
 * sized `div` plus a short script calling `Plotly.newPlot`. The plotly.js bundle itself comes from
 * the installed `plotly.js-dist-min` package and is inlined once per notebook (by `setupNotebook`,
 * or by the first figure if setup did not), so exported reports draw with no network.
 */
import * as fs from "fs";
import { display, escapeHtml } from "./display";
import * as V from "./validate";

export interface Figure {
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export interface Series {
  x: readonly (number | string)[];
  y: readonly number[];
  name?: string;
  mode?: "lines" | "markers" | "lines+markers" | "text+markers";
  dash?: "solid" | "dash" | "dot" | "dashdot";
  color?: string;
  /** Symmetric error bars on y. */
  error?: readonly number[];
  /** Plot against the secondary y axis (needs `y2Title`). */
  secondaryY?: boolean;
  /** Hover / marker text. */
  text?: readonly string[];
  /** Extra plotly trace properties. */
  extra?: Record<string, unknown>;
}

export interface AxisOptions {
  /** A title that states the finding. */
  title: string;
  /** x-axis label, with units. */
  xTitle: string;
  /** y-axis label, with units. */
  yTitle: string;
  y2Title?: string;
  xLog?: boolean;
  yLog?: boolean;
  xRange?: [number, number];
  yRange?: [number, number];
  width?: number;
  height?: number;
  /** Extra layout properties merged last (shapes, annotations, ...). */
  layout?: Record<string, unknown>;
}

let bundleEmitted = false;

/** The plotly.js bundle as text (from node_modules/plotly.js-dist-min). */
export function plotlyBundle(): string {
  const file = require.resolve("plotly.js-dist-min");
  return fs.readFileSync(file, "utf8");
}

/** Emit the plotly bundle into the notebook (once). `force` re-emits, e.g. in the setup cell. */
export function loadPlotly(force = false): void {
  V.boolean("loadPlotly", "force", force);
  if (bundleEmitted && !force) return;
  // `</script` inside the bundle would end the inline script early.
  const js = plotlyBundle().replace(/<\/script/gi, "<\\/script");
  display.html(`<script type="text/javascript">${js}</script><!-- plotly.js inlined by @papers/lib -->`);
  bundleEmitted = true;
}

let figureCounter = 0;

const AXIS_OPTIONS = ["title", "xTitle", "yTitle", "y2Title", "xLog", "yLog", "xRange", "yRange", "width", "height", "layout"] as const;
const SERIES_KEYS = ["x", "y", "name", "mode", "dash", "color", "error", "secondaryY", "text", "extra"] as const;
const BAR_KEYS = ["name", "x", "y", "color", "text"] as const;
const HEATMAP_KEYS = ["z", "x", "y", "zTitle", "colorscale", "annotateDigits"] as const;

function checkRange(fn: string, arg: string, r: unknown, log: boolean | undefined): void {
  const a = V.finiteArray(fn, arg, r, { length: 2 });
  if (!(a[0] < a[1])) V.failWith(fn, arg, `${arg} must be [lo, hi] with lo < hi, got [${a[0]}, ${a[1]}]`);
  if (log && !(a[0] > 0)) V.failWith(fn, arg, `${arg} on a log axis must be positive, got [${a[0]}, ${a[1]}]`);
}

function requireTitles(opts: AxisOptions, fn: string, extraKeys: readonly string[] = []): void {
  V.options(fn, "opts", opts, [...AXIS_OPTIONS, ...extraKeys]);
  if (opts === undefined) V.fail(fn, "opts", "an object { title, xTitle, yTitle, ... }", opts);
  for (const key of ["title", "xTitle", "yTitle"] as const) {
    if (typeof opts[key] !== "string" || opts[key].trim() === "") {
      V.failWith(fn, `opts.${key}`, `opts.${key} is required, a non-empty string (figures need a title and labelled axes with units), got ${V.describe(opts[key])}`);
    }
  }
  if (opts.y2Title !== undefined) V.nonEmptyString(fn, "opts.y2Title", opts.y2Title);
  if (opts.xLog !== undefined) V.boolean(fn, "opts.xLog", opts.xLog);
  if (opts.yLog !== undefined) V.boolean(fn, "opts.yLog", opts.yLog);
  if (opts.xRange !== undefined) checkRange(fn, "opts.xRange", opts.xRange, opts.xLog);
  if (opts.yRange !== undefined) checkRange(fn, "opts.yRange", opts.yRange, opts.yLog);
  if (opts.width !== undefined) V.positive(fn, "opts.width", opts.width);
  if (opts.height !== undefined) V.positive(fn, "opts.height", opts.height);
  if (opts.layout !== undefined) V.plainObject(fn, "opts.layout", opts.layout);
}

function checkXs(fn: string, arg: string, x: unknown): void {
  const a = V.arrayLike(fn, arg, x);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v === "string") continue;
    if (typeof v !== "number" || v === Infinity || v === -Infinity) V.failWith(fn, arg, `${arg}[${i}] must be a number (NaN allowed as a gap) or a string, got ${V.describe(v)}`);
  }
}

function baseLayout(opts: AxisOptions): Record<string, unknown> {
  const layout: Record<string, unknown> = {
    title: { text: opts.title },
    // Axis type is left to plotly unless log is asked for, so string categories stay categorical.
    xaxis: { title: { text: opts.xTitle }, type: opts.xLog ? "log" : undefined, range: opts.xRange, automargin: true },
    yaxis: { title: { text: opts.yTitle }, type: opts.yLog ? "log" : undefined, range: opts.yRange, automargin: true },
    width: opts.width,
    height: opts.height ?? 420,
    margin: { t: 60, r: 30, b: 60, l: 70 },
    legend: { orientation: "v" },
    template: undefined,
  };
  if (opts.y2Title) {
    layout.yaxis2 = { title: { text: opts.y2Title }, overlaying: "y", side: "right", automargin: true };
  }
  if (opts.xRange && opts.xLog) (layout.xaxis as Record<string, unknown>).range = opts.xRange.map(Math.log10);
  if (opts.yRange && opts.yLog) (layout.yaxis as Record<string, unknown>).range = opts.yRange.map(Math.log10);
  return { ...layout, ...(opts.layout ?? {}) };
}

function checkSeries(fn: string, s: Series, i: number, opts: AxisOptions): void {
  const arg = `series[${i}]`;
  V.options(fn, arg, s, SERIES_KEYS);
  if (s === undefined) V.fail(fn, arg, "a series { x, y, ... }", s);
  checkXs(fn, `${arg}.x`, s.x);
  V.numberArrayWithGaps(fn, `${arg}.y`, s.y);
  if (s.x.length !== s.y.length) {
    V.failWith(fn, `${arg}.y`, `${arg} ('${s.name ?? ""}') has ${s.x.length} x values but ${s.y.length} y values (they must match)`);
  }
  if (s.name !== undefined) V.string(fn, `${arg}.name`, s.name);
  if (s.mode !== undefined) V.oneOf(fn, `${arg}.mode`, s.mode, ["lines", "markers", "lines+markers", "text+markers"] as const);
  if (s.dash !== undefined) V.oneOf(fn, `${arg}.dash`, s.dash, ["solid", "dash", "dot", "dashdot"] as const);
  if (s.color !== undefined) V.nonEmptyString(fn, `${arg}.color`, s.color);
  if (s.error !== undefined) V.numberArrayWithGaps(fn, `${arg}.error`, s.error, { length: s.y.length });
  if (s.secondaryY !== undefined) {
    V.boolean(fn, `${arg}.secondaryY`, s.secondaryY);
    if (s.secondaryY && !opts.y2Title) V.failWith(fn, `${arg}.secondaryY`, `${arg}.secondaryY needs opts.y2Title (the secondary axis label)`);
  }
  if (s.text !== undefined) V.stringArray(fn, `${arg}.text`, s.text, { length: s.y.length });
  if (s.extra !== undefined) V.plainObject(fn, `${arg}.extra`, s.extra);
}

function checkSeriesList(fn: string, series: readonly Series[], opts: AxisOptions): void {
  V.array(fn, "series", series, { minLength: 1 });
  series.forEach((s, i) => checkSeries(fn, s, i, opts));
}

function checkFigure(fn: string, arg: string, fig: unknown): Figure {
  const f = V.plainObject(fn, arg, fig);
  V.array(fn, `${arg}.data`, f.data).forEach((t, i) => V.plainObject(fn, `${arg}.data[${i}]`, t));
  V.plainObject(fn, `${arg}.layout`, f.layout);
  return fig as Figure;
}

function seriesTrace(s: Series, defaultMode: Series["mode"]): Record<string, unknown> {
  const t: Record<string, unknown> = {
    type: "scatter",
    x: Array.from(s.x),
    y: Array.from(s.y),
    name: s.name,
    mode: s.mode ?? defaultMode,
    line: { dash: s.dash, color: s.color },
    marker: { color: s.color },
  };
  if (s.error) t.error_y = { type: "data", array: Array.from(s.error), visible: true };
  if (s.secondaryY) t.yaxis = "y2";
  if (s.text) t.text = Array.from(s.text);
  return { ...t, ...(s.extra ?? {}) };
}

const shownFigures: Figure[] = [];

/** Figures displayed so far in this kernel session (newest last), for tests and inspection. */
export function displayedFigures(): readonly Figure[] {
  return shownFigures;
}

/**
 * Display a figure given as plotly data + layout. Display helpers return nothing, so a plot as the
 * last line of a cell does not also print its JSON; build figures with the `*Figure` functions.
 */
export function showFigure(fig: Figure, height?: number): void {
  checkFigure("showFigure", "fig", fig);
  if (height !== undefined) V.positive("showFigure", "height", height);
  shownFigures.push(fig);
  loadPlotly();
  const id = `papers-fig-${Date.now().toString(36)}-${figureCounter++}`;
  const h = height ?? (typeof fig.layout.height === "number" ? fig.layout.height : 420);
  const json = JSON.stringify(fig).replace(/</g, "\\u003c");
  display.html(
    `<div id="${id}" class="papers-figure" style="width:100%;min-height:${h}px"></div>` +
      `<script type="text/javascript">(function(){var fig=${json};var n=0;` +
      `function draw(){if(window.Plotly){window.Plotly.newPlot("${id}",fig.data,fig.layout,{responsive:true,displaylogo:false});}` +
      `else if(n++<200){setTimeout(draw,50);}else{document.getElementById("${id}").textContent=` +
      `"plotly.js is not loaded: re-run the notebook's setup cell (or trust the notebook)";}}draw();})();</script>`,
  );
}

/** A line-plot figure of one or more series (not displayed). */
export function lineFigure(series: readonly Series[], opts: AxisOptions): Figure {
  return lineLike("lineFigure", series, opts);
}

function lineLike(fn: string, series: readonly Series[], opts: AxisOptions): Figure {
  requireTitles(opts, fn);
  checkSeriesList(fn, series, opts);
  return { data: series.map((s) => seriesTrace(s, "lines")), layout: baseLayout(opts) };
}

/** Display a line plot of one or more series. */
export function line(series: readonly Series[], opts: AxisOptions): void {
  showFigure(lineLike("line", series, opts));
}

/** A scatter-plot figure (markers) of one or more series (not displayed). */
export function scatterFigure(series: readonly Series[], opts: AxisOptions): Figure {
  return scatterLike("scatterFigure", series, opts);
}

function scatterLike(fn: string, series: readonly Series[], opts: AxisOptions): Figure {
  requireTitles(opts, fn);
  checkSeriesList(fn, series, opts);
  return { data: series.map((s) => seriesTrace(s, "markers")), layout: baseLayout(opts) };
}

/** Display a scatter plot (markers) of one or more series. */
export function scatter(series: readonly Series[], opts: AxisOptions): void {
  showFigure(scatterLike("scatter", series, opts));
}

export interface BarGroup {
  name: string;
  x: readonly (string | number)[];
  y: readonly number[];
  color?: string;
  text?: readonly string[];
}

/** Display a grouped (or stacked) bar chart. */
export function bar(groups: readonly BarGroup[], opts: AxisOptions & { barmode?: "group" | "stack" }): void {
  showFigure(barLike("bar", groups, opts));
}

/** A grouped (or stacked) bar-chart figure (not displayed). */
export function barFigure(groups: readonly BarGroup[], opts: AxisOptions & { barmode?: "group" | "stack" }): Figure {
  return barLike("barFigure", groups, opts);
}

function barLike(fn: string, groups: readonly BarGroup[], opts: AxisOptions & { barmode?: "group" | "stack" }): Figure {
  requireTitles(opts, fn, ["barmode"]);
  if (opts.barmode !== undefined) V.oneOf(fn, "opts.barmode", opts.barmode, ["group", "stack"] as const);
  V.array(fn, "groups", groups, { minLength: 1 });
  groups.forEach((g, i) => {
    const arg = `groups[${i}]`;
    V.options(fn, arg, g, BAR_KEYS);
    if (g === undefined) V.fail(fn, arg, "a bar group { name, x, y }", g);
    V.string(fn, `${arg}.name`, g.name);
    checkXs(fn, `${arg}.x`, g.x);
    V.numberArrayWithGaps(fn, `${arg}.y`, g.y, { length: g.x.length });
    if (g.color !== undefined) V.nonEmptyString(fn, `${arg}.color`, g.color);
    if (g.text !== undefined) V.stringArray(fn, `${arg}.text`, g.text, { length: g.x.length });
  });
  const data = groups.map((g) => ({
    type: "bar",
    name: g.name,
    x: Array.from(g.x),
    y: Array.from(g.y),
    marker: { color: g.color },
    text: g.text ? Array.from(g.text) : undefined,
  }));
  return { data, layout: { ...baseLayout(opts), barmode: opts.barmode ?? "group" } };
}

export interface HeatmapData {
  z: readonly (readonly number[])[];
  x: readonly (number | string)[];
  y: readonly (number | string)[];
  /** Colour-bar label, with units. */
  zTitle: string;
  colorscale?: string;
  /** Print the value in each cell with this many decimals. */
  annotateDigits?: number;
}

/** Display a heatmap with a labelled colour bar. `z[i][j]` is the cell at (x[j], y[i]). */
export function heatmap(h: HeatmapData, opts: AxisOptions): void {
  showFigure(heatmapLike("heatmap", h, opts));
}

/** A heatmap figure (not displayed); see `heatmap`. */
export function heatmapFigure(h: HeatmapData, opts: AxisOptions): Figure {
  return heatmapLike("heatmapFigure", h, opts);
}

function heatmapLike(fn: string, h: HeatmapData, opts: AxisOptions): Figure {
  V.options(fn, "h", h, HEATMAP_KEYS);
  if (h === undefined) V.fail(fn, "h", "heatmap data { z, x, y, zTitle }", h);
  requireTitles(opts, fn);
  V.required(fn, h as unknown as Record<string, unknown>, "z", "h");
  const [rows, cols] = V.matrix(fn, "h.z", h.z, { cell: V.numberOrNaN });
  checkXs(fn, "h.x", h.x);
  checkXs(fn, "h.y", h.y);
  if (rows !== h.y.length || cols !== h.x.length) {
    V.failWith(fn, "h.z", `h.z must be [${h.y.length}][${h.x.length}] (y rows × x columns) to match h.y and h.x, got [${rows}][${cols}]`);
  }
  V.nonEmptyString(fn, "h.zTitle", h.zTitle);
  if (h.colorscale !== undefined) V.nonEmptyString(fn, "h.colorscale", h.colorscale);
  if (h.annotateDigits !== undefined) V.integer(fn, "h.annotateDigits", h.annotateDigits, { min: 0, max: 20 });
  const trace: Record<string, unknown> = {
    type: "heatmap",
    z: h.z.map((r) => Array.from(r)),
    x: Array.from(h.x),
    y: Array.from(h.y),
    colorscale: h.colorscale ?? "Viridis",
    colorbar: { title: { text: h.zTitle } },
  };
  if (h.annotateDigits !== undefined) {
    trace.text = h.z.map((r) => r.map((v) => v.toFixed(h.annotateDigits)));
    trace.texttemplate = "%{text}";
  }
  return { data: [trace], layout: baseLayout(opts) };
}

/** Display figures (built with the `*Figure` functions) as a grid of subplots; see `subplotsFigure`. */
export function subplots(figs: readonly Figure[], opts: { title: string; cols?: number; height?: number }): void {
  showFigure(subplotsLike("subplots", figs, opts));
}

/**
 * Arrange figures in a grid of subplots sharing one title. Each panel keeps its own axis titles
 * and log settings; each panel's title becomes an annotation above it.
 */
export function subplotsFigure(figs: readonly Figure[], opts: { title: string; cols?: number; height?: number }): Figure {
  return subplotsLike("subplotsFigure", figs, opts);
}

function subplotsLike(fn: string, figs: readonly Figure[], opts: { title: string; cols?: number; height?: number }): Figure {
  V.array(fn, "figs", figs, { minLength: 1 });
  figs.forEach((f, i) => checkFigure(fn, `figs[${i}]`, f));
  V.options(fn, "opts", opts, ["title", "cols", "height"]);
  if (opts === undefined) V.fail(fn, "opts", "an object { title, cols?, height? }", opts);
  V.nonEmptyString(fn, "opts.title", opts.title);
  if (opts.cols !== undefined) V.count(fn, "opts.cols", opts.cols);
  if (opts.height !== undefined) V.positive(fn, "opts.height", opts.height);
  const cols = opts.cols ?? Math.min(figs.length, 2);
  const rows = Math.ceil(figs.length / cols);
  const layout: Record<string, unknown> = {
    title: { text: opts.title },
    // Vertical gap and top margin leave room for the panel titles (annotations above each panel).
    grid: { rows, columns: cols, pattern: "independent", ygap: 0.35 },
    height: opts.height ?? 380 * rows + 60,
    margin: { t: 100, r: 30, b: 60, l: 70 },
  };
  const data: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  figs.forEach((f, k) => {
    const suffix = k === 0 ? "" : String(k + 1);
    const xa = f.layout.xaxis as Record<string, unknown> | undefined;
    const ya = f.layout.yaxis as Record<string, unknown> | undefined;
    layout[`xaxis${suffix}`] = { ...(xa ?? {}) };
    layout[`yaxis${suffix}`] = { ...(ya ?? {}) };
    const sub = (f.layout.title as { text?: string } | undefined)?.text;
    if (sub) {
      annotations.push({
        text: `<b>${escapeHtml(sub)}</b>`,
        showarrow: false,
        xref: `x${suffix} domain`,
        yref: `y${suffix} domain`,
        x: 0.5,
        y: 1.08,
        xanchor: "center",
        yanchor: "bottom",
      });
    }
    for (const t of f.data) data.push({ ...t, xaxis: `x${suffix}`, yaxis: `y${suffix}` });
  });
  layout.annotations = annotations;
  return { data, layout };
}
