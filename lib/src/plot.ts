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
  if (bundleEmitted && !force) return;
  // `</script` inside the bundle would end the inline script early.
  const js = plotlyBundle().replace(/<\/script/gi, "<\\/script");
  display.html(`<script type="text/javascript">${js}</script><!-- plotly.js inlined by @papers/lib -->`);
  bundleEmitted = true;
}

let figureCounter = 0;

function requireTitles(opts: AxisOptions): void {
  for (const key of ["title", "xTitle", "yTitle"] as const) {
    if (typeof opts[key] !== "string" || opts[key].trim() === "") {
      throw new Error(`plot: '${key}' is required (figures need a title and labelled axes with units)`);
    }
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

function checkSeries(s: Series, i: number): void {
  if (s.x.length !== s.y.length) {
    throw new Error(`plot: series ${i} ('${s.name ?? ""}') has ${s.x.length} x values but ${s.y.length} y values`);
  }
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
  requireTitles(opts);
  series.forEach(checkSeries);
  return { data: series.map((s) => seriesTrace(s, "lines")), layout: baseLayout(opts) };
}

/** Display a line plot of one or more series. */
export function line(series: readonly Series[], opts: AxisOptions): void {
  showFigure(lineFigure(series, opts));
}

/** A scatter-plot figure (markers) of one or more series (not displayed). */
export function scatterFigure(series: readonly Series[], opts: AxisOptions): Figure {
  requireTitles(opts);
  series.forEach(checkSeries);
  return { data: series.map((s) => seriesTrace(s, "markers")), layout: baseLayout(opts) };
}

/** Display a scatter plot (markers) of one or more series. */
export function scatter(series: readonly Series[], opts: AxisOptions): void {
  showFigure(scatterFigure(series, opts));
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
  showFigure(barFigure(groups, opts));
}

/** A grouped (or stacked) bar-chart figure (not displayed). */
export function barFigure(groups: readonly BarGroup[], opts: AxisOptions & { barmode?: "group" | "stack" }): Figure {
  requireTitles(opts);
  groups.forEach((g, i) => checkSeries({ x: g.x, y: g.y, name: g.name }, i));
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
  showFigure(heatmapFigure(h, opts));
}

/** A heatmap figure (not displayed); see `heatmap`. */
export function heatmapFigure(h: HeatmapData, opts: AxisOptions): Figure {
  requireTitles(opts);
  if (h.z.length !== h.y.length || h.z.some((row) => row.length !== h.x.length)) {
    throw new Error(`heatmap: z must be [${h.y.length}][${h.x.length}] to match y and x`);
  }
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
  showFigure(subplotsFigure(figs, opts));
}

/**
 * Arrange figures in a grid of subplots sharing one title. Each panel keeps its own axis titles
 * and log settings; each panel's title becomes an annotation above it.
 */
export function subplotsFigure(figs: readonly Figure[], opts: { title: string; cols?: number; height?: number }): Figure {
  if (figs.length === 0) throw new Error("subplots needs at least one figure");
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
