#!/usr/bin/env python3
"""Integration tests of the IPython/Jupyter magics (python/): the real binary.

usage: python3 tests/integration/run_magic.py /path/to/profviz

1. Makes a venv (with the system's site packages, for Debian's IPython) and
   installs the package there with `pip install --no-index ./python`: the
   package must install offline.
2. Runs magic_checks.py under that venv's Python: the magics in a real
   IPython shell (see that file).
3. Checks the server the magics started is stopped, and its temporary folder
   gone, once that Python has exited, also when it was killed with SIGKILL.
4. Runs the committed notebook tests/integration/notebook/profviz.ipynb
   headless with nbclient (a real Jupyter kernel) and checks that its output
   cells hold the IFrame of a profviz page, and that the kernel's server
   stopped with the kernel.

Needs a Python with IPython, nbclient and ipykernel (Debian's
python3-ipython, python3-nbclient, python3-ipykernel: scripts/setup.sh
--test installs them); their absence is a failure, not a skip. Prints
"N passed, M failed" and exits non-zero on any failure.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NOTEBOOK = os.path.join(HERE, "notebook", "profviz.ipynb")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (check and the pass/fail count, shared with the other runners)
from harness import check  # noqa: E402


def python_with(*modules):
    """The first of this Python and Debian's /usr/bin/python3 that imports
    all of modules, or None."""
    for py in (sys.executable, "/usr/bin/python3"):
        if not os.path.exists(py):
            continue
        code = "import " + ", ".join(modules)
        if subprocess.run([py, "-c", code], capture_output=True).returncode == 0:
            return py
    return None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive: look at its state
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def make_venv(base, tmp):
    venv = os.path.join(tmp, "venv")
    r = subprocess.run([base, "-m", "venv", "--system-site-packages", venv], capture_output=True)
    if not check("python3 -m venv (python3-venv)", r.returncode == 0, r.stderr.decode()):
        return None
    py = os.path.join(venv, "bin", "python")
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    src = os.path.join(tmp, "src")
    shutil.copytree(os.path.join(ROOT, "python"), src,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    r = subprocess.run([py, "-m", "pip", "install", "--no-index", src], capture_output=True,
                       env=env, cwd=tmp)
    if not check("pip install --no-index ./python (offline)", r.returncode == 0,
                 (r.stdout + r.stderr).decode()[-2000:]):
        return None
    return py


def run_checks(py, binary, tmp):
    work = os.path.join(tmp, "work")
    os.makedirs(work)
    env = dict(os.environ, PROFVIZ_BIN=binary, PROFVIZ_EMBED_ORIGIN="http://127.0.0.1:18650")
    env.pop("PYTHONPATH", None)
    env.pop("BROWSER", None)
    p = subprocess.run([py, os.path.join(HERE, "magic_checks.py"), work], capture_output=True,
                       env=env, cwd=work, timeout=300)
    out = p.stdout.decode()
    err = p.stderr.decode()
    m = re.search(r"^(\d+) passed, (\d+) failed$", out, re.M)
    for line in out.splitlines():
        # (a line may follow IPython's "Out[N]: " prompt)
        said = re.search(r"(FAIL |note: ).*", line)
        if said:
            print(said.group(0))
    if m:
        harness.passed += int(m.group(1))
        harness.failed += int(m.group(2))
    check("the IPython checks ran to the end", m is not None and p.returncode in (0, 1),
          out[-1500:] + err[-1500:])
    if "Traceback" in err:
        print(err[-3000:])
    s = re.search(r"^SERVER (\d+) (\S+)$", out, re.M)
    if check("the checks named their server", s is not None):
        pid, root = int(s.group(1)), s.group(2)
        check("the server stops when the Python that started it exits", not alive(pid), pid)
        check("its temporary folder is removed", not os.path.exists(root), root)


KILLED = r"""
import os, signal
from IPython.core.interactiveshell import InteractiveShell
sh = InteractiveShell.instance()
sh.run_cell("%load_ext profviz")
sh.run_cell("v = %profviz sum(range(1000))")
import profviz.server
print("SERVER", sh.user_ns["v"].url, profviz.server.current_server().root, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def run_killed(py, binary, tmp):
    """A kernel killed with SIGKILL runs no exit handler: its server must
    stop anyway (the watcher sees its pipe close) and its folder go."""
    env = dict(os.environ, PROFVIZ_BIN=binary)
    env.pop("PYTHONPATH", None)
    p = subprocess.run([py, "-c", KILLED], capture_output=True, env=env, cwd=tmp, timeout=120)
    m = re.search(r"^SERVER http://127\.0\.0\.1:(\d+)/\S* (\S+)$", p.stdout.decode(), re.M)
    if not check("a kernel killed with SIGKILL: it had started a server",
                 p.returncode == -9 and m is not None, p.stdout.decode() + p.stderr.decode()):
        return
    import socket
    gone = False
    for _ in range(50):
        s = socket.socket()
        s.settimeout(1)
        refused = s.connect_ex(("127.0.0.1", int(m.group(1)))) != 0
        s.close()
        if refused and not os.path.exists(m.group(2)):
            gone = True
            break
        time.sleep(0.1)
    check("a kernel killed with SIGKILL: its server stops and its folder is removed", gone,
          m.group(0))


def run_notebook(py, binary, tmp):
    """Executes the committed notebook with nbclient in a real kernel (the
    venv's Python, where the package is installed)."""
    executed = os.path.join(tmp, "executed.ipynb")
    # A kernel spec for this venv's Python (where the package is installed).
    spec = os.path.join(tmp, "jupyter", "kernels", "profviz-test")
    os.makedirs(spec)
    with open(os.path.join(spec, "kernel.json"), "w") as f:
        json.dump({"argv": [py, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                   "display_name": "profviz test", "language": "python"}, f)
    code = f"""
import json, os, sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read({NOTEBOOK!r}, as_version=4)
client = NotebookClient(nb, timeout=120, kernel_name="profviz-test", resources={{"metadata": {{"path": {tmp!r}}}}})
client.execute()
nbformat.write(nb, {executed!r})
"""
    env = dict(os.environ, PROFVIZ_BIN=binary, JUPYTER_PATH=os.path.join(tmp, "jupyter"))
    env.pop("PYTHONPATH", None)
    t0 = time.monotonic()
    r = subprocess.run([py, "-c", code], capture_output=True, env=env, cwd=tmp, timeout=300)
    if not check("the notebook runs headless (nbclient)", r.returncode == 0,
                 r.stderr.decode()[-3000:]):
        return
    print(f"note: notebook executed in {time.monotonic() - t0:.1f} s", flush=True)
    with open(executed) as f:
        nb = json.load(f)
    frames = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            if isinstance(html, list):
                html = "".join(html)
            frames += re.findall(r'<iframe class="profviz-frame" src="(http://127\.0\.0\.1:(\d+)/'
                                 r'\?profile=([0-9a-f]{12}))"', html)
    check("the notebook's output cells hold the profviz IFrames (line and cell form)",
          len(frames) == 2, frames)
    if frames:
        check("one server for the notebook's kernel", len({f[1] for f in frames}) == 1, frames)
        check("two profiles", len({f[2] for f in frames}) == 2, frames)
        import socket
        s = socket.socket()
        s.settimeout(2)
        refused = s.connect_ex(("127.0.0.1", int(frames[0][1]))) != 0
        s.close()
        check("the kernel's server stopped with the kernel", refused, frames[0][1])
    texts = [o.get("text", "") for c in nb["cells"] for o in c.get("outputs", [])
             if o.get("output_type") == "stream"]
    check("the notebook's own output is there", any("total = " in "".join(t) for t in texts),
          texts)


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    base = python_with("IPython", "nbclient", "ipykernel", "nbformat") or python_with("IPython")
    if not check("a Python with IPython (python3-ipython)", base is not None):
        print(f"{harness.passed} passed, {harness.failed} failed")
        return 1
    tmp = tempfile.mkdtemp(prefix="profviz-magic-")
    try:
        py = make_venv(base, tmp)
        if py:
            run_checks(py, binary, tmp)
            run_killed(py, binary, tmp)
            if check("nbclient and ipykernel (python3-nbclient, python3-ipykernel)",
                     python_with("nbclient", "ipykernel", "nbformat") is not None):
                run_notebook(py, binary, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{harness.passed} passed, {harness.failed} failed")
    return 1 if harness.failed else 0


if __name__ == "__main__":
    sys.exit(main())
