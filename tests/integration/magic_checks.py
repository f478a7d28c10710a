"""The checks of the %profviz magics, run inside IPython by run_magic.py.

usage: PROFVIZ_BIN=/path/to/profviz python magic_checks.py WORKDIR

Runs under a Python where the profviz package is installed (not imported
from the repository) and IPython is importable. Drives a real IPython shell
(InteractiveShell) cell by cell and checks what the magics do: user
variables, the profile against pstats and the server, one server reused,
the display object and what was displayed, -o, -t, errors in the profiled
code, the missing-binary message, the notebook origins. Prints one line per
failure, then "SERVER <pid> <folder>" and "N passed, M failed".
"""

import json
import os
import pstats
import sys
import urllib.request

from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

passed = 0
failed = 0
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
    return cond


def get_json(url):
    with opener.open(url, timeout=10) as r:
        return json.load(r)


def get(url):
    with opener.open(url, timeout=10) as r:
        return r.status, dict(r.headers), r.read()


def fib_calls(n):
    """How many calls fib(n) makes (itself included)."""
    return 1 if n < 2 else 1 + fib_calls(n - 1) + fib_calls(n - 2)


def main():
    work = sys.argv[1]
    shell = InteractiveShell.instance()
    shell.display_pub = CapturingDisplayPublisher()
    shown = shell.display_pub.outputs

    def run(cell):
        shown.clear()
        return shell.run_cell(cell, store_history=True)

    r = run("%load_ext profviz")
    check("%load_ext profviz", r.success, r.error_in_exec)
    import profviz
    import profviz.server

    check("the installed package is used, not the repository's",
          "site-packages" in profviz.__file__ and "python/profviz" not in profviz.__file__,
          profviz.__file__)
    check("no server before the first %profviz", profviz.server.current_server() is None)

    run("def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nN = 16\n")

    # The line form, with a user variable.
    r = run("v = %profviz fib(N)")
    check("line form runs", r.success, r.error_in_exec)
    view = shell.user_ns.get("v")
    check("line form returns a display object", type(view).__name__ == "ProfileView", view)
    server = profviz.server.current_server()
    check("a server is running after the first %profviz", server is not None)
    if view is None or server is None:
        return
    stats = pstats.Stats(view.path)
    fib_rows = [v for k, v in stats.stats.items() if k[2] == "fib"]
    check("the profile is written where the view says", os.path.isfile(view.path), view.path)
    check("the profile is in the server's temporary folder",
          os.path.dirname(view.path) == server.folder, view.path)
    check("the user's variable was seen: pstats counts fib(16)'s calls",
          len(fib_rows) == 1 and fib_rows[0][1] == fib_calls(16) and fib_rows[0][0] == 1,
          fib_rows)
    summary = get_json(f"{server.url}api/profiles/{view.profile_id}")
    check("the server's numbers agree with pstats",
          summary["total_calls"] == stats.total_calls and
          summary["primitive_calls"] == stats.prim_calls and
          summary["functions"] == len(stats.stats), (summary, stats.total_calls))
    check("the view's URL is the page of that profile",
          view.url == f"{server.url}?profile={view.profile_id}", view.url)
    status, headers, body = get(view.url)
    check("the page answers", status == 200 and b"<html" in body.lower(), status)
    html = [o["data"].get("text/html", "") for o in shown]
    check("the magic displayed the view once", len(html) == 1, len(html))
    if html:
        check("what was displayed is an IFrame of the page",
              f'<iframe class="profviz-frame" src="{view.url}"' in html[0], html[0][:200])
        check("the IFrame has a fitting height",
              f'height="{view.height}"' in html[0] and 480 <= view.height <= 900, view.height)
    check("the display object's HTML is what was displayed",
          html and view._repr_html_() == html[0])
    pid = server.process.pid

    # The cell form: variables set in the cell land in the user's namespace.
    r = run("%%profviz\nsmall = fib(N - 4)\nbigger = small + 1\n")
    check("cell form runs", r.success, r.error_in_exec)
    cell_view = r.result
    check("cell form returns the display object",
          type(cell_view).__name__ == "ProfileView", cell_view)
    check("cell form: the cell's variables are the user's",
          shell.user_ns.get("small") == 144 and shell.user_ns.get("bigger") == 145,
          (shell.user_ns.get("small"), shell.user_ns.get("bigger")))
    check("cell form: displayed once (the returned object is not shown twice)",
          len(shown) == 1, len(shown))
    again = profviz.server.current_server()
    check("the server is reused for the second cell",
          again is server and again.process.pid == pid)
    if cell_view is not None:
        check("a second cell is a second profile", cell_view.profile_id != view.profile_id)
        cst = pstats.Stats(cell_view.path)
        rows = [v for k, v in cst.stats.items() if k[2] == "fib"]
        check("cell form: pstats agrees", rows and rows[0][1] == fib_calls(12), rows)
    listing = get_json(server.url + "api/profiles")
    ids = {p["id"] for p in listing}
    check("the server lists both cells' profiles",
          len(listing) == 2 and {view.profile_id, getattr(cell_view, "profile_id", "")} == ids,
          listing)

    # Not the last line of its cell: still shown, and shown once.
    r = run("%profviz fib(10)\nafter = 1\n")
    check("a %profviz that is not the cell's last line is shown",
          r.success and len(shown) == 1 and "<iframe" in shown[0]["data"]["text/html"],
          len(shown))

    # -o FILE
    out = os.path.join(work, "cell out.prof")
    r = run(f'%profviz -o "{out}" fib(12)')
    check("-o FILE writes the file", r.success and os.path.isfile(out), r.error_in_exec)
    if os.path.isfile(out):
        rows = [v for k, v in pstats.Stats(out).stats.items() if k[2] == "fib"]
        check("-o FILE: pstats reads it", rows and rows[0][1] == fib_calls(12), rows)
        check("-o FILE: the view points at it", r.result is not None and r.result.path == out)

    # An exception in the profiled code: shown, then raised.
    r = run("def bad():\n    fib(8)\n    raise ValueError('bad cell')\n")
    r = run("%profviz bad()")
    check("an exception in the code is raised to the user",
          isinstance(r.error_in_exec, ValueError), r.error_in_exec)
    check("and the profile up to it is shown",
          len(shown) == 1 and "<iframe" in shown[0]["data"].get("text/html", ""), len(shown))
    last = profviz.magic.ProfvizMagics.last_view
    rows = [v for k, v in pstats.Stats(last.path).stats.items() if k[2] == "bad"]
    check("the profile of the raising code holds it", len(rows) == 1, rows)

    # -t opens a browser tab ($BROWSER records the URL) and shows a link.
    record = os.path.join(work, "browser.txt")
    os.environ["BROWSER"] = f"{sys.executable} -c \"import sys; open({record!r}, 'w').write(sys.argv[1])\" %s"
    r = run("t = %profviz -t fib(9)")
    tview = shell.user_ns.get("t")
    opened = open(record).read() if os.path.exists(record) else ""
    check("-t opens the page in a browser", tview is not None and opened == tview.url,
          (opened, tview))
    check("-t shows a link, no IFrame",
          len(shown) == 1 and "<iframe" not in shown[0]["data"]["text/html"] and
          tview.url in shown[0]["data"]["text/html"], shown)

    # Nothing to profile, and the missing binary.
    r = run("%profviz")
    check("%profviz with no code: a usage error", isinstance(r.error_in_exec, UsageError),
          r.error_in_exec)
    binary = os.environ["PROFVIZ_BIN"]
    os.environ["PROFVIZ_BIN"] = os.path.join(work, "no-such-profviz")
    r = run("%profviz ran_it = 1")
    msg = str(r.error_in_exec)
    check("PROFVIZ_BIN pointing at nothing: a clear error",
          isinstance(r.error_in_exec, UsageError) and "PROFVIZ_BIN" in msg and
          "no-such-profviz" in msg and "cmake" in msg, msg)
    check("the code is not run when the binary is missing", "ran_it" not in shell.user_ns)
    del os.environ["PROFVIZ_BIN"]
    path = os.environ.get("PATH", "")
    os.environ["PATH"] = work
    r = run("%profviz ran_it = 1")
    msg = str(r.error_in_exec)
    check("no profviz on PATH: says so and how to build it",
          isinstance(r.error_in_exec, UsageError) and "not found on PATH" in msg and
          "cmake --build" in msg and "PROFVIZ_BIN" in msg, msg)
    os.environ["PATH"] = path
    os.environ["PROFVIZ_BIN"] = binary

    # The notebook's origin: from Jupyter's server info file for our parent.
    runtime = os.path.join(work, "runtime")
    os.makedirs(runtime, exist_ok=True)
    with open(os.path.join(runtime, "jpserver-4242.json"), "w") as f:
        json.dump({"pid": 4242, "url": "http://localhost:9999/", "port": 9999}, f)
    with open(os.path.join(runtime, "jpserver-77.json"), "w") as f:
        json.dump({"pid": 77, "url": "http://localhost:7777/"}, f)
    os.environ["JUPYTER_RUNTIME_DIR"] = runtime
    os.environ["JPY_PARENT_PID"] = "4242"
    saved = os.environ.pop("PROFVIZ_EMBED_ORIGIN", None)
    got = profviz.server.embed_origins()
    check("the origin of the Jupyter server that started the kernel",
          got == ["http://localhost:9999", "http://127.0.0.1:9999"], got)
    os.environ["JPY_PARENT_PID"] = "1"
    got = profviz.server.embed_origins()
    check("no matching Jupyter server: the usual localhost:8888 origins",
          got == ["http://localhost:8888", "http://127.0.0.1:8888"], got)
    os.environ["PROFVIZ_EMBED_ORIGIN"] = "https://hub.example:8443, http://localhost:8890"
    got = profviz.server.embed_origins()
    check("PROFVIZ_EMBED_ORIGIN wins", got == ["https://hub.example:8443", "http://localhost:8890"],
          got)
    if saved is None:
        del os.environ["PROFVIZ_EMBED_ORIGIN"]
    else:
        os.environ["PROFVIZ_EMBED_ORIGIN"] = saved

    # The server was started with the notebook's origin allowed to frame it.
    if server.origins:
        status, headers, body = get(view.url)
        csp = headers.get("Content-Security-Policy", "")
        check("the page's frame-ancestors allow the notebook's origin",
              all(o in csp for o in server.origins) and "frame-ancestors" in csp, csp)
    else:
        print("note: this profviz has no --embed-origin; the page is sent without "
              "frame headers", flush=True)

    print(f"SERVER {server.process.pid} {server.root}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a crash of the checks is a failure, not a pass
        import traceback

        traceback.print_exc()
        failed += 1
    print(f"{passed} passed, {failed} failed", flush=True)
    sys.exit(1 if failed else 0)
