"""The offline HTML report, one definition for every way of making it:
  * the runner (scripts/execute_notebook.py), for `npm run reports` and the tests;
  * JupyterLab's File > Save and Export Notebook As > Report, an nbconvert exporter that this folder
    registers (papers_report-1.0.dist-info/entry_points.txt; environment/setup.sh puts this folder on the
    .venv's path with a .pth file);
  * File > Save and Export Notebook As > HTML in the server that `npm run lab` starts
    (environment/jupyter_server_config.py points nbconvert's HTML exporter at the same template).

The report is nbconvert's lab template without require.js, with MathJax 3 (SVG output, so no font files)
inlined from the npm `mathjax` package; plotly.js is already inside the outputs (the notebook's setup cell
inlines it). Nothing in it points at the network.
"""
import os

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import Preprocessor
from traitlets import default

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TEMPLATE_DIR = os.path.join(ROOT, "scripts", "report-template")
MATHJAX_JS = os.path.join(ROOT, "node_modules", "mathjax", "es5", "tex-svg-full.js")


class InlineMathJax(Preprocessor):
    """Hands the MathJax bundle to the template (as resources.papers_mathjax_js)."""

    def preprocess(self, nb, resources):
        if not os.path.exists(MATHJAX_JS):
            raise FileNotFoundError(f"{MATHJAX_JS} is missing: run `bash environment/setup.sh` (npm dependencies)")
        with open(MATHJAX_JS, encoding="utf-8") as f:
            resources["papers_mathjax_js"] = f.read().replace("</script", "<\\/script")
        return nb, resources


def configure(c, exporter="HTMLExporter"):
    """Point an nbconvert/Jupyter config object `c` at the offline report."""
    c[exporter].template_name = "offline"
    c[exporter].extra_template_basedirs = [TEMPLATE_DIR]
    c[exporter].preprocessors = ["papers_report.InlineMathJax"]
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
        return [InlineMathJax]

    def from_notebook_node(self, nb, resources=None, **kw):
        self.sanitize_html = False
        return super().from_notebook_node(nb, resources, **kw)


def html_exporter():
    return OfflineReportExporter()
