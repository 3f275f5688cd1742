"""The offline HTML report, one definition for every way of making it:
  * the runner (scripts/execute_notebook.py), for `npm run reports` and the tests;
  * JupyterLab's File > Save and Export Notebook As > Report, an nbconvert exporter that this folder
    registers (papers_report-1.0.dist-info/entry_points.txt; environment/setup.sh puts this folder on the
    .venv's path with a .pth file);
  * File > Save and Export Notebook As > HTML in the server that `npm run lab` starts
    (environment/jupyter_server_config.py points nbconvert's HTML exporter at the same template).

The report is nbconvert's lab template without require.js. It carries, gzip-compressed, MathJax 3 (SVG output,
so no font files) from the npm `mathjax` package and the smallest plotly.js bundle that draws its figures
(see CompactBundles). Nothing in it points at the network.
"""
import base64
import gzip
import json
import os
import re

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TEMPLATE_DIR = os.path.join(ROOT, "scripts", "report-template")


PLOTLY_MARKER = "<!-- plotly.js inlined by @papers/lib -->"
# The partial bundles plotly publishes, with the trace types each one contains (their READMEs).
BUNDLES = [
    ("cartesian", "plotly.js-cartesian-dist-min/plotly-cartesian.min.js",
     {"bar", "box", "contour", "heatmap", "histogram", "histogram2d", "histogram2dcontour", "image", "pie", "scatter", "scatterternary", "violin"}),
    ("gl3d", "plotly.js-gl3d-dist-min/plotly-gl3d.min.js",
     {"cone", "isosurface", "mesh3d", "scatter", "scatter3d", "streamtube", "surface", "volume"}),
    ("full", "plotly.js-dist-min/plotly.min.js", None),
]
_FIGURE = re.compile(r"var fig=(\{.*?\});var n=0;", re.S)
_packed = {}


def packed(rel):
    """A file from node_modules, gzip-compressed and base64-encoded (cached per process)."""
    path = os.path.join(ROOT, "node_modules", rel)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} is missing: run `bash environment/setup.sh` (npm dependencies)")
    key = (path, os.path.getmtime(path))
    if key not in _packed:
        with open(path, "rb") as f:
            _packed[key] = base64.b64encode(gzip.compress(f.read(), 9, mtime=0)).decode("ascii")
    return _packed[key]


def trace_types(nb):
    """The plotly trace types the notebook's figures use (from the figure JSON lib's plot module writes)."""
    types = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            html = "".join(html) if isinstance(html, list) else html
            for m in _FIGURE.finditer(html):
                try:
                    fig = json.loads(m.group(1))
                except ValueError:
                    return None  # unreadable: play safe with the full bundle
                for trace in fig.get("data", []):
                    types.add(trace.get("type") or "scatter")
    return types


def pick_bundle(types):
    for name, rel, covers in BUNDLES:
        if covers is None or (types is not None and types <= covers):
            return name, rel
    raise AssertionError("unreachable")


class CompactBundles(Preprocessor):
    """Makes the report light: the notebook carries the whole plotly.js bundle in its setup cell's output
    (4.8 MB, so the live notebook can draw anything); the report instead carries the smallest published
    bundle that covers the trace types its figures use, and MathJax, both gzip-compressed and unpacked in
    the browser (DecompressionStream) when the page opens."""

    def preprocess(self, nb, resources):
        had_plotly = False
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                html = out.get("data", {}).get("text/html")
                text = "".join(html) if isinstance(html, list) else (html or "")
                if PLOTLY_MARKER in text:
                    out["data"]["text/html"] = "<!-- plotly.js: loaded by the report's header -->"
                    had_plotly = True
        if had_plotly:
            types = trace_types(nb)
            name, rel = pick_bundle(types)
            resources["papers_plotly_bundle"] = name
            resources["papers_plotly_gz"] = packed(rel)
            resources["papers_trace_types"] = sorted(types or [])
        resources["papers_mathjax_gz"] = packed("mathjax/es5/tex-svg-full.js")
        return nb, resources


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
