"""What run_integration.py, its cases_*.py modules and run_output.py share:
the pass/fail count (check, passed, failed; run_team.py's, run_run.py's,
run_magic.py's and run_frontdoor.py's too), a running
profviz (Server), running the binary once (run_cli), the golden fixtures and
what pstats says of them (GOLDEN, expected), the keys of the API's nodes and
rows, and paging a whole function table (all_rows, row_key). Only the Python
standard library is used.
"""

import gzip
import http.client
import json
import os
import re
import signal
import socket
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden")
WEB = os.path.join(ROOT, "web")
NODE_KEYS = {"id", "name", "file", "line", "time", "calls", "exact", "reentry", "why", "children",
             "more"}
# A function's node also has its totals; a node whose children were cut, "hidden".
FUNCTION_KEYS = {"cumtime", "tottime", "ncalls", "pcalls"}
ROW_KEYS = {"id", "file", "line", "name", "ncalls", "pcalls", "tottime", "tottime_percall",
            "cumtime", "cumtime_percall"}

passed = 0
failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
    return cond


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running profviz; stop() ends it with SIGTERM and returns the exit status."""

    def __init__(self, binary, args, env=None, port=None):
        self.port = port if port is not None else free_port()
        self.proc = subprocess.Popen([binary, "-s", "-p", str(self.port)] + args,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.line = self.proc.stdout.readline().decode()
        m = re.fullmatch(r"profviz: serving http://127\.0\.0\.1:(\d+)/\n", self.line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"profviz did not start: {self.line!r} "
                               f"{self.proc.stderr.read().decode()!r}")
        self.port = int(m.group(1))

    def request(self, path, method="GET", headers=None, body=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data

    def json(self, path, headers=None):
        status, hdrs, data = self.request(path, headers=headers)
        if hdrs.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return status, hdrs, json.loads(data) if data else None

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = None
        self.proc.stdout.close()
        self.proc.stderr.close()
        return rc


def run_cli(binary, args, env=None, timeout=20):
    p = subprocess.run([binary] + args, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def expected(name):
    with open(os.path.join(GOLDEN, name + ".expected.json")) as f:
        return json.load(f)


def all_rows(srv, pid, query=""):
    status, _, body = srv.json(f"/api/profiles/{pid}/functions?limit=10000{query}")
    assert status == 200, (status, body)
    return body


def row_key(f):
    return json.dumps([f["file"], f["line"], f["name"]], ensure_ascii=False)
