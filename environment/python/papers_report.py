"""The offline HTML report, one definition for every way of making it:
  * the runner (scripts/runner/execute_notebook.py), for `npm run reports` and the tests;
  * JupyterLab's File > Save and Export Notebook As > Report, an nbconvert exporter that this folder
    registers (papers_report-1.0.dist-info/entry_points.txt; environment/setup.sh puts this folder on the
    .venv's path with a .pth file);
  * File > Save and Export Notebook As > HTML in the server that `npm run lab` starts
    (environment/jupyter_server_config.py points nbconvert's HTML exporter at the same template).

The report is nbconvert's lab template without require.js (scripts/runner/report-template/offline/). CompactBundles
makes it light: gzip-compressed, base64-encoded blobs for the smallest plotly.js bundle that draws its figures,
all its figures' JSON (floats rounded to 6 significant digits), the code cells' highlighted source with the
typeset math (HTML fragments) and JupyterLab's stylesheet, unpacked by the
browser's DecompressionStream when the page opens; its math typeset at export time into SVG by MathJax 3 in
Node (scripts/runner/report-template/typeset.mjs), so it carries no MathJax runtime (the gzip-compressed MathJax 3
runtime, SVG output, comes back only where typesetting at export time is not possible). Nothing in it points
at the network. Reports are 0.8–2.4 MB (the README's bench:reports table), were 7.5–11 MB.
"""
import base64
import gzip
import html as html_lib
import json
import logging
import math
import os
import re
import shutil
import subprocess
import sys

import markupsafe
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TEMPLATE_DIR = os.path.join(ROOT, "scripts", "runner", "report-template")


PLOTLY_MARKER = "<!-- plotly.js inlined by @papers/lib -->"
# The partial bundles plotly publishes, with the trace types each one contains (their READMEs).
BUNDLES = [
    ("cartesian", "plotly.js-cartesian-dist-min/plotly-cartesian.min.js",
     {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie", "scatter", "scatterternary", "violin"}),
    ("gl3d", "plotly.js-gl3d-dist-min/plotly-gl3d.min.js",
     {"cone", "isosurface", "mesh3d", "scatter", "scatter3d", "streamtube", "surface", "volume"}),
    ("full", "plotly.js-dist-min/plotly.min.js", None),
]
_FIGURE_START = "var fig="
# What follows the figure JSON in the script lib/src/plot.ts (showFigure) writes.
_FIGURE_TAIL = re.compile(
    r';var n=0;function draw\(\)\{if\(window\.Plotly\)\{window\.Plotly\.newPlot\("([^"\\]+)",fig\.data,fig\.layout,'
    r'(\{[^{}]*\})\);\}else if\(n\+\+<\d+\)\{setTimeout\(draw,\d+\);\}else\{document\.getElementById\("\1"\)'
    r'\.textContent=("(?:[^"\\]|\\.)*");\}\}draw\(\);\}\)\(\);'
)
_JSON = json.JSONDecoder()
_packed = {}


def packed(rel):
    """A file from node_modules, gzip-compressed and base64-encoded (cached per process)."""
    path = os.path.join(ROOT, "node_modules", rel)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `bash environment/setup.sh` (npm dependencies)")
    key = (path, os.path.getmtime(path))
    if key not in _packed:
        with open(path, "rb") as f:
            _packed[key] = pack(f.read())
    return _packed[key]


def pack(data):
    """bytes or str, gzip-compressed and base64-encoded, for a <script type="application/gzip;base64">."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.b64encode(gzip.compress(data, 9, mtime=0)).decode("ascii")


def output_html(out):
    html = out.get("data", {}).get("text/html")
    return "".join(html) if isinstance(html, list) else (html or "")


def figures_in(html):
    """The plotly figures in one text/html output, as (start, end, figure, tail match) with [start, end) the
    span from `var fig=` to the end of the drawing script; figure is None where the JSON does not parse (or the
    script is not the one lib writes): that figure stays as it is."""
    found = []
    pos = html.find(_FIGURE_START)
    while pos >= 0:
        at = pos + len(_FIGURE_START)
        try:
            fig, end = _JSON.raw_decode(html, at)
        except ValueError:
            found.append((pos, at, None, None))
            pos = html.find(_FIGURE_START, at)
            continue
        tail = _FIGURE_TAIL.match(html, end)
        if not isinstance(fig, dict) or tail is None:
            found.append((pos, end, None, None))
        else:
            found.append((pos, tail.end(), fig, tail))
            end = tail.end()
        pos = html.find(_FIGURE_START, end)
    return found


def round_floats(x, digits=6):
    """x with every float rounded to `digits` significant digits (ints, bools, strings untouched)."""
    if isinstance(x, float):
        return float(f"{x:.{digits}g}") if math.isfinite(x) else x
    if isinstance(x, dict):
        return {k: round_floats(v, digits) for k, v in x.items()}
    if isinstance(x, list):
        return [round_floats(v, digits) for v in x]
    return x


def trace_types(nb):
    """The plotly trace types the notebook's figures use (from the figure JSON lib's plot module writes)."""
    types = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            for _, _, fig, _ in figures_in(output_html(out)):
                if fig is None:
                    return None  # unreadable: play safe with the full bundle
                for trace in fig.get("data", []):
                    types.add(trace.get("type") or "scatter")
    return types


def pick_bundle(types):
    for name, rel, covers in BUNDLES:
        if covers is None or (types is not None and types <= covers):
            return name, rel
    raise AssertionError("unreachable")


TYPESET = os.path.join(TEMPLATE_DIR, "typeset.mjs")
TYPESET_TIMEOUT_S = 300
# Text MathJax would treat as math: its delimiters, and \begin{…} environments (processEnvironments).
MATH_HINT = re.compile(r"\$|\\\(|\\\[|\\begin\{")
# A figure string plotly would typeset with MathJax ($…$).
FIGURE_MATH = re.compile(r"\$[^$\"]+\$")
FIGURE_WAIT_TRIES = 600  # x 50 ms: how long a figure's script waits for plotly.js and the figure data


def lookup_script(key, div_id, config, message):
    """The drawing script for a figure whose JSON lives in the report's packed figures (window.papersFigures,
    unpacked by the template's header script): same retries and message as lib's inline script, longer wait."""
    return (
        "var n=0;function draw(){var F=window.papersFigures;"
        f"if(window.Plotly&&F){{var fig=F[{key}];window.Plotly.newPlot(\"{div_id}\",fig.data,fig.layout,{config});}}"
        f"else if(n++<{FIGURE_WAIT_TRIES}){{setTimeout(draw,50);}}"
        f"else{{document.getElementById(\"{div_id}\").textContent=window.Plotly?"
        "\"the report's figure data did not unpack\":" + message + ";}}draw();})();"
    )


def report_log(log):
    """A logger whose warnings are seen: the exporter's when it has handlers (JupyterLab's server, nbconvert's
    command line), else one that writes to stderr (the runner, scripts/runner/execute_notebook.py)."""
    node = log
    while node is not None:  # a handler other than a NullHandler (traitlets' own logger has only that)
        if any(not isinstance(h, logging.NullHandler) for h in node.handlers):
            return log
        node = node.parent if node.propagate else None
    log = logging.getLogger("papers_report")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.propagate = False
    return log


class CompactBundles(Preprocessor):
    """Makes the report light.

    * plotly.js: the notebook carries the whole bundle in its setup cell's output (4.8 MB, so the live notebook
      can draw anything); the report instead carries the smallest published bundle that covers the trace types
      its figures use, gzip-compressed.
    * Figures: each figure's JSON (inline in its output's script, as lib/src/plot.ts writes it) is parsed, its
      floats rounded to 6 significant digits, and all figures of the report go into one gzip-compressed blob
      (a JSON array); each figure's script then looks its figure up there once plotly.js and the blob are
      unpacked. A figure whose JSON does not parse stays inline, as it was.
    * Code and math: the highlighted source of every code cell (pack_code) and the math typeset at export time
      (typeset_math, pack_typeset) in one gzip blob of HTML fragments (a JSON array), filled into their
      places when the page opens.
    * CSS: JupyterLab's stylesheet (static/index.css and the theme, 256 KB) in one gzip blob (pack_css).
    * Math: typeset at export time (typeset_math); only where that is not possible, the MathJax 3 runtime
      (SVG output), gzip-compressed, as before.
    Everything packed is base64 text in a <script type="application/gzip;base64">, unpacked in the browser
    (DecompressionStream) when the page opens (scripts/runner/report-template/offline/index.html.j2).
    The notebook given to the exporter is a copy: the live notebook is never changed.
    """

    def preprocess(self, nb, resources):
        had_plotly = False
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                if PLOTLY_MARKER in output_html(out):
                    out["data"]["text/html"] = "<!-- plotly.js: loaded by the report's header -->"
                    had_plotly = True
        if had_plotly:
            types = trace_types(nb)
            name, rel = pick_bundle(types)
            resources["papers_plotly_bundle"] = name
            resources["papers_plotly_gz"] = packed(rel)
            resources["papers_trace_types"] = sorted(types or [])
        if not resources.get("should_sanitize_html"):  # sanitizing drops the figure scripts anyway
            figures = self.pack_figures(nb)
            if figures:
                resources["papers_figures_gz"] = pack(json.dumps(figures, separators=(",", ":"), ensure_ascii=False))
                resources["papers_figure_count"] = len(figures)
        self.pack_css(resources)
        blocks = []  # HTML moved into the report's packed-HTML blob, by index
        self.pack_code(nb, resources, blocks)
        if self.typeset_math(nb, resources):
            self.pack_typeset(nb, resources, blocks)
        else:
            resources["papers_mathjax_gz"] = packed("mathjax/es5/tex-svg-full.js")
        if blocks:
            resources["papers_html_gz"] = pack(json.dumps(blocks, separators=(",", ":"), ensure_ascii=False))
            resources["papers_html_count"] = len(blocks)
        return nb, resources

    def typeset_math(self, nb, resources):
        """Typesets the report's math at export time (scripts/runner/report-template/typeset.mjs, one Node process
        for the whole report), so the report carries SVG and no MathJax runtime. The math is wherever the
        MathJax runtime would look: Markdown cells, text/markdown and text/latex outputs, and text/html
        outputs (text in <pre>, code cells and streams, is skipped by MathJax either way). Each typeset
        fragment goes into the cell's or output's metadata ("papers_typeset_html"; pack_typeset then moves it
        into the packed fragments), shown in place of the template's own rendering. Returns False, with one
        line in the log, where anything stands in the way (sanitizing, no node, a failure, math in a figure or in an HTML output with scripts): the report
        then keeps the MathJax runtime and typesets in the browser as before."""
        log = report_log(getattr(self, "log", None))
        if resources.get("should_sanitize_html"):
            return False  # the typeset HTML would skip the sanitizer: keep the runtime
        render = getattr(self.parent, "markdown2html", None)
        if render is None:
            log.warning("papers_report: math typeset in the browser (no markdown renderer on the exporter)")
            return False
        priority = getattr(self.parent, "display_data_priority", None) or ["text/html", "text/latex", "text/markdown"]
        slots, fragments = [], []  # (holder of the metadata, ...) and the HTML to typeset, in report order
        for cell in nb.cells:
            context = {"cell": cell, "resources": resources}
            if cell.cell_type == "markdown":
                if MATH_HINT.search(cell.source):
                    slots.append(cell)
                    fragments.append(render(context, cell.source))
                continue
            for out in cell.get("outputs", []):
                data = out.get("data", {})
                # The mime type the template shows (the exporter's display priority).
                mime = next((m for m in priority if m in data), None)
                if mime not in ("text/html", "text/markdown", "text/latex"):
                    continue
                text = data[mime]
                text = "".join(text) if isinstance(text, list) else text
                if mime == "text/html":
                    scripts = "<script" in text.lower()
                    for _, _, fig, _ in figures_in(text):
                        if fig is not None and FIGURE_MATH.search(json.dumps(fig, ensure_ascii=False)):
                            log.warning("papers_report: math typeset in the browser (a figure has $…$ text for plotly's MathJax)")
                            return False
                    bare = re.sub(r"<script.*?</script>", "", text, flags=re.S | re.I)
                    if not MATH_HINT.search(bare):
                        continue
                    if scripts:
                        log.warning("papers_report: math typeset in the browser (math in an HTML output with scripts)")
                        return False
                    html_text = text
                elif mime == "text/markdown":
                    if not MATH_HINT.search(text):
                        continue
                    html_text = render(context, text)
                else:
                    html_text = html_lib.escape(text, quote=False)
                slots.append(out)
                fragments.append(html_text)
        if not fragments:
            resources["papers_math"] = {"styles": "", "cache": "", "count": 0}
            return True
        node = shutil.which("node")
        if node is None:
            log.warning("papers_report: math typeset in the browser (node not found on PATH)")
            return False
        try:
            proc = subprocess.run([node, TYPESET], input=json.dumps({"fragments": fragments}), capture_output=True,
                                  text=True, encoding="utf-8", timeout=TYPESET_TIMEOUT_S, cwd=ROOT)
            if proc.returncode != 0:
                lines = [l.strip() for l in proc.stderr.splitlines() if l.strip()]
                raise RuntimeError(next((l for l in lines if "Error" in l), lines[0] if lines else f"exit {proc.returncode}"))
            result = json.loads(proc.stdout)
            typeset = result["fragments"]
            if len(typeset) != len(fragments) or not all(isinstance(t, str) for t in typeset):
                raise RuntimeError("fragment count mismatch")
        except Exception as e:  # noqa: BLE001 — any failure: the runtime path still works
            log.warning("papers_report: math typeset in the browser (typeset.mjs failed: %s)", str(e)[:300])
            return False
        errors = result.get("errors", [])
        if errors:
            shown = "; ".join(f"{e.get('message')} in {e.get('tex', '?')!r}" for e in errors[:5])
            log.error("papers_report: ERROR: %d TeX error(s) in the report's math (shown in red as in the browser): %s",
                      len(errors), shown)
        for holder, html_text in zip(slots, typeset):
            holder.setdefault("metadata", {})["papers_typeset_html"] = html_text
        resources["papers_math"] = {"styles": result.get("styles", ""), "cache": result.get("cache", ""),
                                    "count": sum(result.get("math", [])), "errors": len(errors)}
        return True

    @staticmethod
    def pack_css(resources):
        """Packs JupyterLab's stylesheet (the lab template's static/index.css, 240 KB, and the light or dark
        theme) into one gzip blob: the template's include_css then writes an empty <style id="papers-css-slot">
        in its place, which the header script fills once unpacked, so the cascade order stays the same."""
        include_css = resources.get("include_css")
        if include_css is None or resources.get("papers_css_gz"):
            return
        theme = {"light": "static/theme-light.css", "dark": "static/theme-dark.css"}.get(resources.get("theme"))
        names = ["static/index.css"] + ([theme] if theme else [])
        try:
            css = "".join(re.sub(r"^\s*<style[^>]*>|</style>\s*$", "", str(include_css(n))) for n in names)
        except Exception:  # noqa: BLE001 — a template without these files: leave the styles inline
            return
        resources["papers_css_gz"] = pack(css)

        def include_packed(name):
            if name == names[0]:
                return markupsafe.Markup('<style type="text/css" id="papers-css-slot"></style>')
            if name in names:
                return markupsafe.Markup("")
            return include_css(name)

        resources["include_css"] = include_packed

    def pack_code(self, nb, resources, blocks):
        """Moves the highlighted HTML of every code cell's input into `blocks` (pygments' markup is 5-10x the
        source and compresses about 10x): the cell's metadata keeps its index ("papers_code_key"), where the
        template writes an empty editor that the header script fills. Left inline where the exporter has no
        highlighter (another exporter) or when sanitizing."""
        if resources.get("should_sanitize_html"):
            return
        env = getattr(self.parent, "environment", None)
        filters = getattr(env, "filters", {}) if env is not None else {}
        highlight, clean = filters.get("highlight_code"), filters.get("clean_html")
        if highlight is None:
            return
        for cell in nb.cells:
            if cell.cell_type != "code" or not cell.source:
                continue
            html = highlight(cell.source, metadata=cell.metadata)
            cell.setdefault("metadata", {})["papers_code_key"] = len(blocks)
            blocks.append(str(clean(html)) if clean else str(html))

    @staticmethod
    def pack_typeset(nb, resources, blocks):
        """Moves the typeset fragments (their SVG paths are most of a math-heavy report's text) into `blocks`:
        the holder's metadata keeps the index ("papers_typeset_key") in place of the HTML."""
        for cell in nb.cells:
            for holder in [cell, *cell.get("outputs", [])]:
                meta = holder.get("metadata", {})
                if "papers_typeset_html" in meta:
                    meta["papers_typeset_key"] = len(blocks)
                    blocks.append(meta.pop("papers_typeset_html"))

    @staticmethod
    def pack_figures(nb):
        """Moves every readable figure's JSON out of its output into the returned list (rounded floats)."""
        figures = []
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                html = output_html(out)
                found = [f for f in figures_in(html) if f[2] is not None]
                if not found:
                    continue
                parts, last = [], 0
                for start, end, fig, tail in found:
                    div_id, config, message = tail.group(1), tail.group(2), tail.group(3)
                    parts.append(html[last:start])
                    parts.append(lookup_script(len(figures), div_id, config, message))
                    figures.append(round_floats(fig))
                    last = end
                parts.append(html[last:])
                out["data"]["text/html"] = "".join(parts)
        return figures


def configure(c, exporter="HTMLExporter"):
    """Point an nbconvert/Jupyter config object `c` at the offline report."""
    c[exporter].template_name = "offline"
    c[exporter].extra_template_basedirs = [TEMPLATE_DIR]
    c[exporter].preprocessors = ["papers_report.CompactBundles"]
    return c


class OfflineReportExporter(HTMLExporter):
    """The offline report as its own export format ("Report" in JupyterLab's export menu).

    It never sanitizes: sanitizing strips the <script> that draws each plotly figure, and the notebooks
    this project serves are its own. (JupyterLab's HTML export asks whether to sanitize and defaults to yes.)
    """

    export_from_notebook = "Offline report"

    @default("template_name")
    def _template_name_default(self):
        return "offline"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [TEMPLATE_DIR]

    @default("preprocessors")
    def _preprocessors_default(self):
        return [CompactBundles]

    def from_notebook_node(self, nb, resources=None, **kw):
        self.sanitize_html = False
        return super().from_notebook_node(nb, resources, **kw)


def html_exporter():
    return OfflineReportExporter()
