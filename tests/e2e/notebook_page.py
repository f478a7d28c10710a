"""Runs a notebook in a live Jupyter kernel and writes it out as HTML, for
embed.mjs to open in Chromium while the kernel (and so the profviz server
its %profviz cells started) is still running.

usage: PROFVIZ_BIN=... PROFVIZ_EMBED_ORIGIN=... python3 notebook_page.py NOTEBOOK OUT.html

The kernel imports the magics from the repository's python/ folder. Prints
"READY OUT.html" once the page is written, then keeps the kernel until its
standard input closes, then shuts the kernel down (which stops the server).
Needs nbclient, nbconvert and ipykernel (Debian's python3-nbclient,
jupyter-nbconvert, python3-ipykernel).
"""

import os
import sys

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.environ["PYTHONPATH"] = os.path.join(REPO, "python") + os.pathsep + os.environ.get(
        "PYTHONPATH", "")
    nb = nbformat.read(src, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(out)}})
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
        with open(out, "w", encoding="utf-8") as f:
            f.write(body)
        print(f"READY {out}", flush=True)
        sys.stdin.read()
    return 0


if __name__ == "__main__":
    sys.exit(main())
