# Configuration of the Jupyter server that `npm run lab` starts (scripts/tools/lab.mjs passes it with --config).
# File > Save and Export Notebook As > Report (the exporter in environment/python/papers_report.py) writes
# the same self-contained offline report as the runner; the stock HTML item uses the same template too,
# but sanitizes when its dialog's "Sanitize HTML output" stays checked, which strips the plots.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import papers_report  # noqa: E402

papers_report.configure(c)  # noqa: F821 (`c` is the config object traitlets provides)
