"""run_integration.py's checks of the command line: bad options, files and
ports (one line on stderr, exit 2), the next free port of the following 10,
$BROWSER, and a clean stop on SIGINT and SIGTERM."""

import gzip
import re
import os
import signal
import socket
import subprocess
import time

from harness import GOLDEN, Server, check, free_port, run_cli


def test_cli_errors(binary, tmp):
    rc, out, err = run_cli(binary, ["--bogus", os.path.join(GOLDEN, "cprofile-py313.prof")])
    check("bad option exits 2", rc == 2, rc)
    check("bad option: one line on stderr naming it",
          err.count("\n") == 1 and "--bogus" in err and err.startswith("profviz: "), err)
    rc, out, err = run_cli(binary, ["-s"])
    check("no file exits 2 with one line", rc == 2 and err.count("\n") == 1, (rc, err))
    rc, out, err = run_cli(binary, ["-s", os.path.join(tmp, "missing.prof")])
    check("missing file exits 2 with one line naming it",
          rc == 2 and err.count("\n") == 1 and "missing.prof" in err, (rc, err))
    notprof = os.path.join(tmp, "notes.txt")
    with open(notprof, "w") as f:
        f.write("hello, this is not a profile\n")
    rc, out, err = run_cli(binary, ["-s", notprof])
    check("non-profile exits 2 with one line", rc == 2 and err.count("\n") == 1 and
          "notes.txt" in err and out == "", (rc, out, err))
    badgz = os.path.join(tmp, "bad.prof.gz")
    with open(badgz, "wb") as f:
        f.write(gzip.compress(b"x" * 1000)[:30])
    rc, out, err = run_cli(binary, ["-s", badgz])
    check("truncated gzip exits 2", rc == 2 and err.count("\n") == 1 and "bad.prof.gz" in err,
          (rc, err))
    for args, what in ((["-p", "abc"], "port abc"), (["-p", "70000"], "port 70000"),
                       (["-p", "-1"], "port -1"), (["-p"], "port without value"),
                       (["--host"], "host without value"), (["--web-root"], "web-root alone")):
        rc, out, err = run_cli(binary, ["-s"] + args + [os.path.join(GOLDEN, "cprofile-py313.prof")]
                               if args[-1] not in ("-p", "--host", "--web-root") else ["-s"] + args)
        check(f"{what} exits 2 with one line", rc == 2 and err.count("\n") == 1, (rc, err))
    rc, out, err = run_cli(binary, ["-s", "--web-root", os.path.join(tmp, "nope"),
                                    os.path.join(GOLDEN, "cprofile-py313.prof")])
    check("--web-root that is no folder exits 2", rc == 2 and "nope" in err, (rc, err))
    rc, out, err = run_cli(binary, ["-s", "-H", "256.1.1.1", "-p", "0",
                                    os.path.join(GOLDEN, "cprofile-py313.prof")])
    check("bad host exits 2 with one line", rc == 2 and err.count("\n") == 1, (rc, err))
    rc, out, err = run_cli(binary, ["--help"])
    check("--help prints usage with every option", rc == 0 and all(
        o in out for o in ("--host", "--port", "--server-only", "--web-root", "--merge", "report")),
        out)


def test_ports(binary):
    prof = os.path.join(GOLDEN, "cprofile-py313.prof")
    # Find a run of 12 free ports, hold the first one, and expect the next.
    for _ in range(50):
        base = free_port()
        if base + 12 > 65535:
            continue
        socks = []
        try:
            for p in range(base, base + 11):
                s = socket.socket()
                s.bind(("127.0.0.1", p))
                s.listen(1)
                socks.append(s)
        except OSError:
            for s in socks:
                s.close()
            continue
        break
    else:
        check("found 11 free ports in a row", False)
        return
    try:
        # All 11 taken: exit 2.
        rc, out, err = run_cli(binary, ["-s", "-p", str(base), prof])
        check("all 11 ports taken exits 2 with one line", rc == 2 and err.count("\n") == 1 and
              str(base) in err, (rc, err))
        # Free the last one: it is chosen.
        socks[-1].close()
        srv = Server(binary, [prof], port=base)
        check("port in use: the next free one of the following 10 is used",
              srv.port == base + 10, (base, srv.port))
        status, _, body = srv.json("/api/health")
        check("the chosen port answers", status == 200 and body["status"] == "ok")
        check("SIGINT stops cleanly with status 0", srv.stop(signal.SIGINT) == 0)
    finally:
        for s in socks:
            s.close()


def test_browser(binary, tmp):
    prof = os.path.join(GOLDEN, "cprofile-py313.prof")
    mark = os.path.join(tmp, "browser-called")
    script = os.path.join(tmp, "fake-browser")
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" > {mark}.tmp && mv {mark}.tmp {mark}\necho noise\n")
    os.chmod(script, 0o755)
    env = dict(os.environ, BROWSER=f"/nonexistent/browser:{script} --new-tab")
    port = free_port()
    proc = subprocess.Popen([binary, "-p", str(port), prof], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    line = proc.stdout.readline().decode()
    url = f"http://127.0.0.1:{port}/"
    check("serving line printed exactly", line == f"profviz: serving {url}\n", line)
    for _ in range(100):
        if os.path.exists(mark):
            break
        time.sleep(0.05)
    got = open(mark).read().strip() if os.path.exists(mark) else None
    check("$BROWSER opened with the URL (first command that starts)",
          got == f"--new-tab {url}", got)
    proc.send_signal(signal.SIGTERM)
    rest = proc.stdout.read().decode()
    rc = proc.wait(timeout=10)
    proc.stderr.close()
    proc.stdout.close()
    check("stdout holds only the serving line (browser output kept off it)", rest == "", rest)
    check("SIGTERM stops cleanly with status 0", rc == 0, rc)


SORT_KEYS = ("tottime", "cumtime", "ncalls", "pcalls", "name", "file",
             "tottime_percall", "cumtime_percall")


def test_report_sort(binary, tmp):
    """`report --sort KEY` takes the function table's keys (one list, index.c)
    and orders as the API's table does: the same sequence of values."""
    import marshal
    import random
    rng = random.Random(7)
    stats = {}
    for i in range(60):
        nc = rng.randint(1, 50)
        tt = rng.randint(1, 10**6) * 1e-7
        stats[(f"/src/m{i % 4}.py", rng.randint(1, 999), f"f{rng.randint(0, 30)}")] = (
            nc - rng.randint(0, nc - 1), nc, tt, tt + rng.randint(0, 10**6) * 1e-7, {})
    path = os.path.join(tmp, "sorts.prof")
    with open(path, "wb") as f:
        marshal.dump(stats, f)
    srv = Server(binary, [path])
    try:
        pid = srv.json("/api/profiles")[2][0]["id"]
        for key in SORT_KEYS:
            rows = srv.json(f"/api/profiles/{pid}/functions?limit=1000&sort={key}")[2]["rows"]
            by_place = {(r["file"], r["line"], r["name"]): r for r in rows}
            rc, out, err = run_cli(binary, ["report", "--sort", key, path])
            got = []
            for line in out.splitlines():
                m = re.search(r" (\S+):(\d+)\((\w+)\)$", line)
                if m:
                    got.append(by_place.get((m.group(1), int(m.group(2)), m.group(3))))
            field = key if key not in ("name", "file") else None
            value = (lambda r: r[field]) if field else (
                lambda r: (r["name"], r["file"], r["line"]) if key == "name"
                else (r["file"], r["line"], r["name"]))
            check(f"report --sort {key}: every function, in the API's order",
                  rc == 0 and len(got) == len(rows) and None not in got
                  and [value(r) for r in got] == [value(r) for r in rows],
                  (rc, err, len(got), len(rows)))
        rc, out, err = run_cli(binary, ["report", "--sort", "nope", path])
        check("report --sort nope: exit 2, usage lists every key",
              rc == 2 and "nope" in err and all(k in err for k in SORT_KEYS), (rc, err))
    finally:
        srv.stop()
