#!/usr/bin/env python3
"""Integration tests of `profviz FILE...`: the real binary, a real port, real HTTP.

usage: python3 tests/integration/run_integration.py /path/to/profviz

Starts profviz on free ports with the golden fixture profiles and checks the
command line, every REST endpoint, parameter, status code and error of
docs/api.md, gzip, content types and cache headers of the web UI, and that no
URL reaches the file system. Numbers are checked against what Python's own
pstats says about each fixture (tests/golden/*.expected.json). Only the Python
standard library is used. Prints "N passed, M failed" and exits non-zero on any
failure.
"""

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

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


# ---------------------------------------------------------------------------


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


def test_profiles(srv, ids, names):
    status, hdrs, body = srv.json("/api/health")
    check("health 200", status == 200)
    check("health body", body.get("status") == "ok" and isinstance(body.get("version"), str), body)
    check("health content type", hdrs.get("content-type") == "application/json; charset=utf-8",
          hdrs.get("content-type"))
    check("API responses are not cached", hdrs.get("cache-control") == "no-store",
          hdrs.get("cache-control"))

    status, _, body = srv.json("/api/profiles")
    check("profiles 200", status == 200)
    check("profiles: one per distinct file, in order", [p["name"] for p in body] == names,
          [p["name"] for p in body])
    for p in body:
        check(f"profile summary keys ({p['name']})",
              set(p) == {"id", "name", "functions", "total_calls", "primitive_calls",
                         "total_time", "size", "modified"}, sorted(p))
        check(f"profile modified is ISO 8601 UTC ({p['name']})",
              re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", p["modified"]), p["modified"])
        check(f"profile id is 12 hex digits ({p['name']})", re.fullmatch(r"[0-9a-f]{12}", p["id"]))
    by_name = {p["name"]: p for p in body}
    for name in ("cprofile-py313.prof", "names-py313.prof"):
        exp = expected(name[:-5])
        p = by_name[name]
        check(f"summary numbers match pstats ({name})",
              p["functions"] == len(exp["functions"]) and p["total_calls"] == exp["total_calls"]
              and p["primitive_calls"] == exp["primitive_calls"]
              and (p["total_time"] == exp["total_time"] if exp["total_time_exact"] else
                   abs(p["total_time"] - exp["total_time"]) <= 1e-12 * exp["total_time"]),
              (p, exp["total_calls"], exp["total_time"]))
        st = os.stat(os.path.join(GOLDEN, name))
        check(f"summary size and modified are the file's ({name})",
              p["size"] == st.st_size and p["modified"] ==
              time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(st.st_mtime))), p)
    ids.extend(p["id"] for p in body)

    pid = by_name["cprofile-py313.prof"]["id"]
    status, _, detail = srv.json(f"/api/profiles/{pid}")
    check("profile detail 200", status == 200)
    check("detail = summary plus roots",
          {k: v for k, v in detail.items() if k != "roots"} == by_name["cprofile-py313.prof"])
    check("roots are function rows", detail["roots"] and all(set(r) == ROW_KEYS
                                                            for r in detail["roots"]))
    status, _, err = srv.json("/api/profiles/000000000000")
    check("unknown profile 404 with error", status == 404 and "error" in err, (status, err))
    gzname = "cprofile-py313.prof.gz"
    check("gzip file gets its own id (content of the file)",
          by_name[gzname]["id"] != pid and by_name[gzname]["functions"] ==
          by_name["cprofile-py313.prof"]["functions"])


def all_rows(srv, pid, query=""):
    status, _, body = srv.json(f"/api/profiles/{pid}/functions?limit=10000{query}")
    assert status == 200, (status, body)
    return body


def row_key(f):
    return json.dumps([f["file"], f["line"], f["name"]], ensure_ascii=False)


def test_functions(srv, pid, exp):
    body = all_rows(srv, pid)
    rows = body["rows"]
    check("functions: total is the number of functions", body["total"] == len(exp["functions"]))
    check("functions: every row has the documented keys", all(set(r) == ROW_KEYS for r in rows))
    ok = True
    for r in rows:
        e = exp["functions"].get(row_key(r))
        if not e or (r["ncalls"], r["pcalls"], r["tottime"], r["cumtime"]) != (
                e["ncalls"], e["pcalls"], e["tottime"], e["cumtime"]):
            ok = False
            print("  mismatch", r, e)
            break
        if r["ncalls"] and r["tottime_percall"] != r["tottime"] / r["ncalls"]:
            ok = False
        if r["pcalls"] and r["cumtime_percall"] != r["cumtime"] / r["pcalls"]:
            ok = False
    check("functions: numbers equal pstats exactly (floats round-trip)", ok)
    check("functions: default sort is cumtime descending",
          [r["cumtime"] for r in rows] == sorted((r["cumtime"] for r in rows), reverse=True))

    keys = {
        "tottime": lambda r: (r["tottime"],),
        "cumtime": lambda r: (r["cumtime"],),
        "ncalls": lambda r: (r["ncalls"],),
        "pcalls": lambda r: (r["pcalls"],),
        "name": lambda r: (r["name"].encode(), r["file"].encode(), r["line"]),
        "file": lambda r: (r["file"].encode(), r["line"], r["name"].encode()),
        # Per-call keys: zero calls (null in the row) sort as 0.
        "tottime_percall": lambda r: (r["tottime_percall"] or 0.0,),
        "cumtime_percall": lambda r: (r["cumtime_percall"] or 0.0,),
    }
    for sort, key in keys.items():
        for order in ("asc", "desc"):
            got = all_rows(srv, pid, f"&sort={sort}&order={order}")["rows"]
            # Ties keep ascending id in both orders.
            by_id = sorted(rows, key=lambda r: r["id"])
            if order == "asc":
                want = sorted(by_id, key=key)
            else:
                groups = {}
                for r in by_id:
                    groups.setdefault(key(r), []).append(r)
                want = [r for k in sorted(groups, reverse=True) for r in groups[k]]
            check(f"functions sort={sort} order={order}",
                  [r["id"] for r in got] == [r["id"] for r in want],
                  ([r["id"] for r in got][:8], [r["id"] for r in want][:8]))
    default_name = all_rows(srv, pid, "&sort=name")["rows"]
    check("sort=name defaults to ascending",
          [r["id"] for r in default_name] ==
          [r["id"] for r in all_rows(srv, pid, "&sort=name&order=asc")["rows"]])

    for q in ("work", "WORK", "lambda", "<", "~", "zzz-no-such", "e", "py"):
        got = all_rows(srv, pid, "&q=" + http_quote(q))
        want = [r for r in rows if q.lower() in r["name"].lower() or q.lower() in r["file"].lower()]
        check(f"functions q={q!r} filters name or file, case-insensitively",
              got["total"] == len(want) and [r["id"] for r in got["rows"]] ==
              [r["id"] for r in want], (got["total"], len(want)))

    pages = []
    for offset in range(0, len(rows) + 7, 7):
        status, _, page = srv.json(f"/api/profiles/{pid}/functions?offset={offset}&limit=7")
        pages.extend(page["rows"])
        if page["total"] != len(rows):
            break
    check("functions: offset/limit pages add up to the whole table",
          [r["id"] for r in pages] == [r["id"] for r in rows])
    status, _, page = srv.json(f"/api/profiles/{pid}/functions?offset=100000&limit=5")
    check("functions: offset past the end gives no rows",
          status == 200 and page["rows"] == [] and page["total"] == len(rows), page)
    status, _, page = srv.json(f"/api/profiles/{pid}/functions?q=e&offset=3&limit=2&sort=name")
    want = [r["id"] for r in all_rows(srv, pid, "&q=e&sort=name")["rows"]][3:5]
    check("functions: paging a filtered, sorted table", [r["id"] for r in page["rows"]] == want)
    status, _, page = srv.json(f"/api/profiles/{pid}/functions?limit=0")
    check("functions: limit=0 gives the total only", page == {"total": len(rows), "rows": []})
    status, _, page = srv.json(f"/api/profiles/{pid}/functions")
    check("functions: default limit is 100", len(page["rows"]) == min(100, len(rows)))

    bad = [("sort=bogus", "sort"), ("sort=", "sort"), ("order=up", "order"), ("limit=-5", "limit"),
           ("limit=abc", "limit"), ("limit=10001", "limit"), ("limit=", "limit"),
           ("limit=1.5", "limit"), ("limit=%2B5", "limit"), ("limit=%205", "limit"),
           ("offset=-1", "offset"), ("offset=x", "offset"), ("offset", "offset"),
           ("q=" + "a" * 1001, "q"), ("q=a%00b", "q"),
           ("offset=99999999999999999999", "offset")]
    for qs, param in bad:
        status, hdrs, body = srv.json(f"/api/profiles/{pid}/functions?{qs}")
        check(f"functions?{qs[:30]} is 400 naming '{param}'",
              status == 400 and f"'{param}'" in body.get("error", "") and
              hdrs.get("content-type") == "application/json; charset=utf-8", (status, body))
    status, _, body = srv.json("/api/profiles/000000000000/functions")
    check("functions of an unknown profile: 404", status == 404 and "error" in body)


def http_quote(s):
    from urllib.parse import quote
    return quote(s, safe="")


def test_function_detail(srv, pid, exp):
    rows = all_rows(srv, pid)["rows"]
    by_key = {row_key(r): r for r in rows}
    ok = True
    for r in rows:
        status, _, d = srv.json(f"/api/profiles/{pid}/functions/{r['id']}")
        if status != 200 or set(d) != {"function", "callers", "callees"} or d["function"] != r:
            ok = False
            print("  bad detail", r["id"], status, d)
            break
        e = exp["functions"][row_key(r)]
        want_callers = {}
        for ck, nums in e["callers"].items():
            want_callers[by_key[ck]["id"]] = nums
        got_callers = {c["id"]: [c["ncalls"], c["pcalls"], c["tottime"], c["cumtime"]]
                       for c in d["callers"]}
        if got_callers != want_callers:
            ok = False
            print("  callers differ", r["id"], got_callers, want_callers)
            break
        # Callees: every function that lists r as a caller.
        want_callees = {}
        for k, f in exp["functions"].items():
            if row_key(r) in f["callers"]:
                want_callees[by_key[k]["id"]] = f["callers"][row_key(r)]
        got_callees = {c["id"]: [c["ncalls"], c["pcalls"], c["tottime"], c["cumtime"]]
                       for c in d["callees"]}
        if got_callees != want_callees:
            ok = False
            print("  callees differ", r["id"], got_callees, want_callees)
            break
        for c in d["callers"] + d["callees"]:
            if set(c) != ROW_KEYS:
                ok = False
        cums = [c["cumtime"] for c in d["callees"]]
        if cums != sorted(cums, reverse=True):
            ok = False
    check("function detail: callers and callees carry the exact edge numbers of pstats", ok)
    for fid in (str(len(rows)), "abc", "-1", "1.0", "99999999999"):
        status, _, body = srv.json(f"/api/profiles/{pid}/functions/{fid}")
        check(f"function {fid}: 404 with error", status == 404 and "error" in body, (status, body))
    status, _, body = srv.json("/api/profiles/000000000000/functions/0")
    check("function of an unknown profile: 404", status == 404)


def walk(node, path, visit):
    visit(node, path)
    for c in node["children"]:
        walk(c, path + [c["id"]], visit)


def test_tree(srv, pid, multi_root_pid):
    status, hdrs, t = srv.json(f"/api/profiles/{pid}/tree")
    check("tree 200", status == 200)
    check("tree body is {path, root}", set(t) == {"path", "root"}, sorted(t))
    problems = []

    def visit(n, path):
        want = NODE_KEYS | (FUNCTION_KEYS if n["id"] >= 0 else set()) | (
            {"hidden"} if "hidden" in n else set())
        if set(n) != want:
            problems.append(("keys", sorted(n)))
        if "hidden" in n and (set(n["hidden"]) != {"time", "count"} or n["hidden"]["count"] < 1):
            problems.append(("hidden", n["hidden"]))
        if n["exact"] != (n["why"] is None):
            problems.append(("why", n["id"], n["why"]))
        kids = sum(c["time"] for c in n["children"]) + n.get("hidden", {}).get("time", 0)
        if kids > n["time"] * (1 + 1e-9) + 1e-12:
            problems.append(("children exceed parent", n["id"], kids, n["time"]))
        if not isinstance(n["exact"], bool) or not isinstance(n["more"], bool):
            problems.append("flags")
    walk(t["root"], [], visit)
    check("tree: nodes have the documented keys; children never exceed the parent",
          not problems, problems[:3])

    status, _, r = srv.json(f"/api/profiles/{pid}")
    max_cum = max(f["cumtime"] for f in all_rows(srv, pid)["rows"])
    check("tree root time is at least the largest cumtime", t["root"]["time"] >= max_cum,
          (t["root"]["time"], max_cum))

    # Depth.
    status, _, t1 = srv.json(f"/api/profiles/{pid}/tree?depth=1")
    check("depth=1: children have no children",
          all(c["children"] == [] for c in t1["root"]["children"]) and t1["root"]["children"])
    check("depth=1: children that have callees say more",
          any(c["more"] for c in t1["root"]["children"]))
    status, _, t0 = srv.json(f"/api/profiles/{pid}/tree?depth=0")
    check("depth=0: only the root, marked more", t0["root"]["children"] == [] and
          t0["root"]["more"] is True)
    status, _, tn = srv.json(f"/api/profiles/{pid}/tree?max_nodes=1")
    check("max_nodes=1: only the root", tn["root"]["children"] == [])
    count = []
    status, _, t5 = srv.json(f"/api/profiles/{pid}/tree?max_nodes=5&cutoff=0")
    walk(t5["root"], [], lambda n, p: count.append(1))
    check("max_nodes=5: at most 5 nodes", 1 < len(count) <= 5, len(count))
    status, _, tc = srv.json(f"/api/profiles/{pid}/tree?cutoff=0.5")
    small = []
    walk(tc["root"], [], lambda n, p: small.append(n) if n["time"] < 0.5 * tc["root"]["time"]
         and n is not tc["root"] else None)
    check("cutoff=0.5: no node under half the root", not small, [n["name"] for n in small][:3])

    # A subtree is the full tree at that place.
    status, _, full = srv.json(f"/api/profiles/{pid}/tree?depth=30&cutoff=0&max_nodes=20000")
    places = []
    base = full["path"]
    walk(full["root"], [], lambda n, p: places.append((p, n)) if p and len(p) <= 4 else None)
    ok = True
    for p, node in places[:25]:
        path = base + p
        status, _, sub = srv.json(f"/api/profiles/{pid}/tree?path={','.join(map(str, path))}"
                                  f"&depth=2&cutoff=0&max_nodes=20000")
        if status != 200 or sub["path"] != path:
            ok = False
            print("  subtree", path, status, sub)
            break
        want = {k: node[k] for k in ("id", "name", "time", "calls", "exact")}
        got = {k: sub["root"][k] for k in ("id", "name", "time", "calls", "exact")}
        if want != got:
            ok = False
            print("  subtree root differs", path, got, want)
            break
        wkids = [(c["id"], c["time"], c["exact"]) for c in node["children"]]
        gkids = [(c["id"], c["time"], c["exact"]) for c in sub["root"]["children"]]
        if wkids != gkids:
            ok = False
            print("  subtree children differ", path, gkids, wkids)
            break
    check("subtree request = full tree at that place (path, node, children)", ok and places)

    # Multiple roots: synthetic root.
    status, _, tm = srv.json(f"/api/profiles/{multi_root_pid}/tree")
    root = tm["root"]
    check("several roots carrying time: synthetic root id -1 named <all roots>",
          status == 200 and root["id"] == -1 and root["name"] == "<all roots>" and
          tm["path"] == [], (root["id"], root["name"], tm["path"]))
    if root["id"] == -1 and root["children"]:
        first = root["children"][0]["id"]
        status, _, sub = srv.json(f"/api/profiles/{multi_root_pid}/tree?path={first}")
        check("path of a root under the synthetic root names that root",
              status == 200 and sub["root"]["id"] == first and sub["path"] == [first])

    bad = [("depth=abc", "depth"), ("depth=-1", "depth"), ("depth=1001", "depth"),
           ("depth=", "depth"), ("cutoff=2", "cutoff"), ("cutoff=-0.1", "cutoff"),
           ("cutoff=abc", "cutoff"), ("cutoff=nan", "cutoff"), ("cutoff=inf", "cutoff"),
           ("cutoff=0.5x", "cutoff"), ("max_nodes=0", "max_nodes"),
           ("max_nodes=abc", "max_nodes"), ("max_nodes=100001", "max_nodes"),
           ("path=abc", "path"), ("path=1,,2", "path"), ("path=1,", "path"),
           ("path=-1", "path"), ("path=%2C", "path"), ("path=99999999999", "path")]
    for qs, param in bad:
        status, _, body = srv.json(f"/api/profiles/{pid}/tree?{qs}")
        check(f"tree?{qs} is 400 naming '{param}'",
              status == 400 and f"'{param}'" in body.get("error", ""), (status, body))
    for n in (20001, 100000):
        status, _, body = srv.json(f"/api/profiles/{pid}/tree?max_nodes={n}")
        check(f"tree?max_nodes={n} (over the limit) is 400 naming the limit of 20000",
              status == 400 and "'max_nodes'" in body.get("error", "") and
              "20000" in body.get("error", ""), (status, body))
    status, _, body = srv.json(f"/api/profiles/{pid}/tree?max_nodes=20000")
    check("tree?max_nodes=20000 (the limit) is 200", status == 200, status)
    for path in ("123456", f"{base[0] if base else 0},123456", "0,0,0,0"):
        status, _, body = srv.json(f"/api/profiles/{pid}/tree?path={path}")
        check(f"tree?path={path} (no such node) is 404", status == 404 and "error" in body,
              (status, body))
    status, _, body = srv.json("/api/profiles/000000000000/tree")
    check("tree of an unknown profile: 404", status == 404)


def test_api_routing(srv, pid):
    for path in ("/api", "/api/", "/api/nope", "/api/profiles/", f"/api/profiles/{pid}/",
                 f"/api/profiles/{pid}/bogus", f"/api/profiles/{pid}/functions/1/x",
                 f"/api/profiles/{pid}/tree/1", "/api/health/x", "/api/../api/health"):
        status, hdrs, body = srv.request(path)
        ok = status == 404 and hdrs.get("content-type", "").startswith("application/json")
        try:
            ok = ok and "error" in json.loads(body)
        except ValueError:
            ok = False
        check(f"{path}: 404 with a JSON error", ok, (status, body[:100]))
    status, hdrs, body = srv.request("/api/health", method="POST", body=b"x")
    check("POST /api/health: 405 with Allow", status == 405 and "GET" in hdrs.get("allow", ""),
          (status, hdrs))
    status, hdrs, body = srv.request("/api/health", method="HEAD")
    check("HEAD /api/health: 200, no body", status == 200 and body == b"")


def test_gzip(srv, pid):
    path = f"/api/profiles/{pid}/functions?limit=10000"
    status, hdrs, plain = srv.request(path)
    check("no Accept-Encoding: not compressed", "content-encoding" not in hdrs)
    check("compressible responses say Vary: Accept-Encoding",
          hdrs.get("vary") == "Accept-Encoding", hdrs.get("vary"))
    status, hdrs, packed = srv.request(path, headers={"Accept-Encoding": "gzip, deflate"})
    check("large JSON is gzip-compressed when accepted",
          hdrs.get("content-encoding") == "gzip" and hdrs.get("vary") == "Accept-Encoding" and
          len(packed) < len(plain), hdrs)
    check("gzip body decompresses to the same JSON",
          hdrs.get("content-encoding") == "gzip" and gzip.decompress(packed) == plain)
    status, hdrs, _ = srv.request(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
    check("gzip;q=0 is not compressed", "content-encoding" not in hdrs)
    status, hdrs, _ = srv.request(path, headers={"Accept-Encoding": "br"})
    check("only other encodings: not compressed", "content-encoding" not in hdrs)
    status, hdrs, _ = srv.request("/api/health", headers={"Accept-Encoding": "gzip"})
    check("small responses are not compressed", "content-encoding" not in hdrs)
    status, hdrs, packed = srv.request(f"/api/profiles/{pid}/tree?cutoff=0",
                                       headers={"Accept-Encoding": "gzip"})
    check("tree is compressed too", hdrs.get("content-encoding") == "gzip" and
          json.loads(gzip.decompress(packed))["root"])


def web_files():
    out = []
    for dirpath, dirnames, filenames in os.walk(WEB):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in filenames:
            if not fn.startswith("."):
                out.append(os.path.relpath(os.path.join(dirpath, fn), WEB).replace(os.sep, "/"))
    return sorted(out)


TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml", ".json": "application/json; charset=utf-8",
         ".png": "image/png", ".ico": "image/x-icon"}


BOOT_BLOCK = re.compile(rb'(<script type="application/json" id="profviz-boot">)(.*?)(</script>)',
                        re.S)


def page_template(body):
    """index.html as served, with its data block emptied again; None when the
    block is missing or does not hold the start data."""
    m = BOOT_BLOCK.search(body)
    if not m:
        return None
    try:
        data = json.loads(m.group(2))
    except ValueError:
        return None
    if not isinstance(data, dict) or "health" not in data:
        return None
    return body[:m.start(2)] + b"null" + body[m.end(2):]


def test_static(srv, label, from_disk):
    """The web UI's files as served; returns /js/bundle.js as served."""
    files = web_files()
    check(f"{label}: web/ has files to serve", bool(files))
    status, hdrs, body = srv.request("/")
    check(f"{label}: / is index.html with its start data", status == 200 and
          hdrs.get("content-type") == "text/html; charset=utf-8" and
          page_template(body) == open(os.path.join(WEB, "index.html"), "rb").read(),
          (status, hdrs))
    for rel in files:
        status, hdrs, body = srv.request("/" + rel)
        ext = os.path.splitext(rel)[1]
        want_type = TYPES.get(ext)
        if rel == "index.html":
            # The page is made per request (server/page.c): the file with its
            # data block filled, never cached.
            same = page_template(body) == open(os.path.join(WEB, rel), "rb").read()
            check(f"{label}: /index.html served with its start data",
                  status == 200 and same and hdrs.get("content-type") == want_type and
                  hdrs.get("cache-control") == "no-store", (status, hdrs, same))
            # compressed by the page's pool job (respond.h pv_respond_pack)
            status, hdrs, packed = srv.request("/" + rel, headers={"Accept-Encoding": "gzip"})
            check(f"{label}: /index.html gzip when accepted",
                  status == 200 and hdrs.get("content-encoding") == "gzip" and
                  page_template(gzip.decompress(packed)) == page_template(body), (status, hdrs))
            continue
        if rel.startswith("js/") and not from_disk:
            # the modules are embedded joined, as js/bundle.js (server/bundle.h)
            check(f"{label}: /{rel} is not embedded on its own (the bundle holds it)",
                  status == 404, status)
            continue
        same = body == open(os.path.join(WEB, rel), "rb").read()
        check(f"{label}: /{rel} served with its content type",
              status == 200 and same and (want_type is None or
                                          hdrs.get("content-type") == want_type),
              (status, hdrs.get("content-type"), same))
        check(f"{label}: /{rel} nosniff", hdrs.get("x-content-type-options") == "nosniff")
        if from_disk:
            check(f"{label}: /{rel} not cached", hdrs.get("cache-control") == "no-store")
        else:
            etag = hdrs.get("etag")
            check(f"{label}: /{rel} revalidates with an ETag",
                  hdrs.get("cache-control") == "no-cache" and etag)
            status, hdrs2, body2 = srv.request("/" + rel, headers={"If-None-Match": etag or "x"})
            check(f"{label}: /{rel} If-None-Match gives 304", status == 304 and body2 == b"")
        if len(body) > 2048 and (ext in (".html", ".css", ".js", ".svg")):
            status, hdrs, packed = srv.request("/" + rel, headers={"Accept-Encoding": "gzip"})
            check(f"{label}: /{rel} gzip when accepted",
                  hdrs.get("content-encoding") == "gzip" and gzip.decompress(packed) == body)
    status, hdrs, bundle = srv.request("/js/bundle.js")
    modules = [rel for rel in files if rel.startswith("js/") and rel.endswith(".js")]
    check(f"{label}: /js/bundle.js joins the modules, boot.js first and app.js last",
          status == 200 and hdrs.get("content-type") == TYPES[".js"] and
          bundle.startswith(b"// profviz's web UI: js/app.js and the modules it imports") and
          bundle.index(b"\n/* js/boot.js */\n") < bundle.index(b"\n/* js/app.js */\n") and
          b"\nimport " not in bundle and b"\nexport " not in bundle and
          sum(bundle.count(f"\n/* {m} */\n".encode()) for m in modules) == bundle.count(b"\n/* js/"),
          (status, hdrs.get("content-type"), bundle[:80]))
    if from_disk:
        check(f"{label}: /js/bundle.js is made anew, not cached", hdrs.get("cache-control") == "no-store")
    else:
        etag = hdrs.get("etag")
        status, _, again = srv.request("/js/bundle.js", headers={"If-None-Match": etag or "x"})
        check(f"{label}: /js/bundle.js revalidates with an ETag", etag and status == 304)
        status, hdrs, packed = srv.request("/js/bundle.js", headers={"Accept-Encoding": "gzip"})
        check(f"{label}: /js/bundle.js gzip when accepted",
              hdrs.get("content-encoding") == "gzip" and gzip.decompress(packed) == bundle)
    status, hdrs, body = srv.request("/", method="HEAD")
    check(f"{label}: HEAD / gives headers only", status == 200 and body == b"")
    status, hdrs, body = srv.request("/", method="POST", body=b"x")
    check(f"{label}: POST / is 405", status == 405)
    for path in ("/nope.html", "/js/", "/js", "/index.html/", "/INDEX.HTML", "/index.html.bak"):
        status, _, _ = srv.request(path)
        check(f"{label}: {path} is 404", status == 404, status)

    attempts = [
        "/../CMakeLists.txt", "/../../../../etc/passwd", "/js/../../CMakeLists.txt",
        "/%2e%2e/CMakeLists.txt", "/%2E%2E/%2E%2E/etc/passwd", "/js/%2e%2e/%2e%2e/CMakeLists.txt",
        "/%252e%252e/CMakeLists.txt", "/%252e%252e%252fCMakeLists.txt",
        "/..%2fCMakeLists.txt", "/..%252fCMakeLists.txt", "/js%2f..%2f..%2fCMakeLists.txt",
        "/..\\CMakeLists.txt", "/%5c..%5cCMakeLists.txt", "/js\\..\\index.html",
        "/..%5cCMakeLists.txt", "//etc/passwd", "/./index.html", "/js/./app.js",
        "/.git/config", "/%2egit/config", "/%00index.html", "/index.html%00.js",
        "/%c0%ae%c0%ae/CMakeLists.txt", "/js/../index.html", "/..", "/.", "/%2e",
        "/server/http.c", "/CMakeLists.txt",
    ]
    for path in attempts:
        status, _, body = srv.request(path)
        check(f"{label}: traversal {path} is 404", status == 404 and b"cmake" not in body.lower()
              and b"root:" not in body, status)
    return bundle


def test_empty(srv, pid):
    status, _, body = srv.json(f"/api/profiles/{pid}/functions?q=a")
    check("empty profile: no rows", status == 200 and body == {"total": 0, "rows": []}, body)
    status, _, body = srv.json(f"/api/profiles/{pid}/tree")
    check("empty profile: a tree of the synthetic root alone",
          status == 200 and body["root"]["id"] == -1 and body["root"]["children"] == [] and
          body["root"]["time"] == 0, body)
    status, _, body = srv.json(f"/api/profiles/{pid}/functions/0")
    check("empty profile: function 0 is 404", status == 404)


def write_two_roots(path):
    """A hand-made pstats dump with two roots that both carry time."""
    import marshal
    main_f, other, child = ("a.py", 1, "main"), ("b.py", 1, "other"), ("a.py", 5, "child")
    stats = {
        main_f: (1, 1, 0.1, 1.0, {}),
        other: (1, 1, 0.2, 0.6, {}),
        child: (3, 3, 1.3, 1.3, {main_f: (2, 2, 0.9, 0.9), other: (1, 1, 0.4, 0.4)}),
    }
    with open(path, "wb") as f:
        marshal.dump(stats, f)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="profviz-integration-")
    servers = []
    try:
        test_cli_errors(binary, tmp)
        test_ports(binary)
        test_browser(binary, tmp)

        plain = os.path.join(GOLDEN, "cprofile-py313.prof")
        names = os.path.join(GOLDEN, "names-py313.prof")
        multi = os.path.join(tmp, "two-roots.prof")
        write_two_roots(multi)
        gz = os.path.join(tmp, "cprofile-py313.prof.gz")
        with open(plain, "rb") as f, open(gz, "wb") as g:
            g.write(gzip.compress(f.read()))
        empty = os.path.join(GOLDEN, "empty-py313.prof")
        srv = Server(binary, [plain, names, gz, plain, multi, empty])
        servers.append(srv)
        ids = []
        test_profiles(srv, ids, ["cprofile-py313.prof", "names-py313.prof",
                                 "cprofile-py313.prof.gz", "two-roots.prof",
                                 "empty-py313.prof"])
        test_empty(srv, ids[4])
        pid = ids[0]
        test_functions(srv, pid, expected("cprofile-py313"))
        test_functions(srv, ids[1], expected("names-py313"))
        test_function_detail(srv, pid, expected("cprofile-py313"))
        test_function_detail(srv, ids[1], expected("names-py313"))
        test_tree(srv, pid, ids[3])
        test_api_routing(srv, pid)
        test_gzip(srv, pid)
        embedded_bundle = test_static(srv, "embedded", from_disk=False)
        check("SIGTERM stops the server with status 0", srv.stop() == 0)
        servers.remove(srv)

        # --merge: one profile of all files, numbers as pstats.Stats.add.
        a = os.path.join(GOLDEN, "cprofile-py313.prof")
        b = os.path.join(GOLDEN, "cprofile-b-py313.prof")
        srv = Server(binary, ["--merge", a, b, "--web-root", WEB])
        servers.append(srv)
        status, _, body = srv.json("/api/profiles")
        ea, eb = expected("cprofile-py313"), expected("cprofile-b-py313")
        check("--merge serves one profile named after the files",
              len(body) == 1 and body[0]["name"] == "cprofile-py313.prof + cprofile-b-py313.prof",
              body)
        check("--merge totals add up", body and body[0]["total_calls"] ==
              ea["total_calls"] + eb["total_calls"], body)
        merged_exp = os.path.join(GOLDEN, "merge-args-cprofile-a-b-py313.expected.json")
        if os.path.exists(merged_exp) and body:
            with open(merged_exp) as f:
                me = json.load(f)
            rows = all_rows(srv, body[0]["id"])["rows"]
            check("--merge numbers equal pstats.Stats.add",
                  len(rows) == len(me["functions"]) and all(
                      (r["ncalls"], r["tottime"], r["cumtime"]) ==
                      (me["functions"][row_key(r)]["ncalls"], me["functions"][row_key(r)]["tottime"],
                       me["functions"][row_key(r)]["cumtime"]) for r in rows))
        disk_bundle = test_static(srv, "--web-root", from_disk=True)
        check("the embedded bundle is web/js joined as a --web-root server joins it",
              embedded_bundle == disk_bundle, (len(embedded_bundle), len(disk_bundle)))
        check("SIGTERM stops the --merge server with status 0", srv.stop() == 0)
        servers.remove(srv)
    except Exception as e:  # a crash of the server or the test: report it, count it
        import traceback
        traceback.print_exc()
        check("the tests ran to the end", False, repr(e))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
