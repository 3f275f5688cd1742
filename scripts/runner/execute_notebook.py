"""Execute one notebook on the tslab kernel with nbclient and export an offline HTML report.

Usage: execute_notebook.py IN.ipynb OUT.ipynb OUT.html TIMEOUT_SECONDS [--no-html]
Prints one JSON line: {"status": "ok"|"error"|"timeout"|"dead-kernel", "seconds": ..,
"failed_cell": index or null, "error": text}. The executed notebook is written even on failure,
so the report shows how far it got. tslab sends errors only as stderr text, so the failing cell's
stderr is what we report.
"""
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "environment", "python"))  # papers_report


def cell_stderr(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append("%s: %s" % (out.get("ename", ""), out.get("evalue", "")))
    return "".join(parts)


def export_html(nb, out_html):
    from papers_report import html_exporter

    body, _ = html_exporter().from_notebook_node(nb)
    with open(out_html, "w", encoding="utf-8") as f:
        f.write(body)


def main():
    src, out_nb, out_html, timeout = sys.argv[1:5]
    no_html = "--no-html" in sys.argv[5:]
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="tslab",
        timeout=int(timeout),
        startup_timeout=180,
        record_timing=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(src))}},
    )
    status, error, failed = "ok", None, None
    t0 = time.time()
    try:
        client.execute()
    except CellTimeoutError as e:
        status, error = "timeout", str(e)[:2000]
    except DeadKernelError as e:
        status, error = "dead-kernel", str(e)[:2000]
    except CellExecutionError as e:
        status, error = "error", str(e)[:2000]
    except Exception as e:  # kernel failed to start, etc.
        status, error = "error", "%s: %s" % (type(e).__name__, e)
    seconds = time.time() - t0
    if status != "ok":
        executed = [i for i, c in enumerate(nb.cells) if c.get("metadata", {}).get("execution")]
        if executed:
            failed = executed[-1]
            err = cell_stderr(nb.cells[failed])
            if err.strip():
                error = err[-4000:]
    nb.metadata.setdefault("papers", {})["run"] = {"status": status, "seconds": round(seconds, 1)}
    nbformat.write(nb, out_nb)
    if not no_html:
        try:
            export_html(nb, out_html)
        except Exception as e:  # report the export failure without hiding the run status
            if status == "ok":
                status, error = "export-error", "%s: %s" % (type(e).__name__, e)
    print(json.dumps({"status": status, "seconds": seconds, "failed_cell": failed, "error": error}))


if __name__ == "__main__":
    main()
