#!/usr/bin/env python3
"""Integration tests of what profviz writes: messages, JSON, hostile numbers.

usage: python3 tests/integration/run_output.py /path/to/profviz

Against the real binary (helpers from harness.py, as run_integration.py):
- files that are not Python profiles (a gzip'd Go pprof, speedscope and
  Chrome trace JSON, collapsed stacks, py-spy and Austin output, perf.data,
  a pickle, an SVG flame graph, an empty file) are refused by `profviz
  report` with exit status 2 and one line naming them and how to make a
  .prof;
- every error body of the API is valid UTF-8 JSON, whatever bytes the
  request held (depth=%ff, a value whose 40-byte echo would cut a character,
  raw bytes in a path);
- names that differ only after a NUL byte stay two functions;
- call counts at INT64_MAX (merged, so that they would overflow) saturate;
- `report --json` prints integers as integers and doubles that read back.
Prints "N passed, M failed" and exits non-zero on any failure.
"""

import gzip
import json
import marshal
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as ri  # noqa: E402

check = ri.check
HOW = "make one with: python -m cProfile -o out.prof script.py"
INT64_MAX = 2**63 - 1

# The start of a real Go heap profile once inflated (runtime/pprof writes
# time_nanos first), then a few more well-formed fields.
PPROF = bytes.fromhex("4880b489e406" "50904e" "5a0408011002" "6080ade204"
                      "0a0408031004" "12060a0101120105")

NOT_PROFILES = [
    ("heap.pb.gz", gzip.compress(PPROF), "a pprof profile", "go tool pprof"),
    ("speedscope.json", b'{"$schema":"https://www.speedscope.app/file-format-schema.json",'
     b'"exporter":"py-spy@0.3.14","profiles":[]}', "speedscope JSON profile written by py-spy",
     "speedscope.app"),
    ("trace.json", b'{"traceEvents":[{"name":"f","ph":"X","ts":1,"dur":3}]}', "a Chrome trace",
     "ui.perfetto.dev"),
    ("out.folded", b"main;load;parse 12\nmain;render 3\n", "collapsed stacks", "call counts"),
    ("pyspy.txt", b'process 7:"python x.py";<module> (x.py:1);f (x.py:3) 7\n',
     "py-spy's raw output", "call counts"),
    ("austin.txt", b"# austin: 3.6.0\n# mode: wall\n\nP7;T0:7f;x.py:<module>:1;x.py:f:3 1200\n",
     "Austin's output", "call counts"),
    ("perf.data", b"PERFILE2" + bytes(64), "a Linux perf.data file", "perf report"),
    ("stats.pkl", b"\x80\x04\x95\x03\x00\x00\x00\x00\x00\x00\x00}\x94.", "a Python pickle",
     "dump_stats"),
    ("flame.svg", b'<?xml version="1.0" standalone="no"?>\n<svg version="1.1" width="1200">'
     b"<!-- Flame graph stack visualization -->", "a flame graph image (SVG)", "call counts"),
    ("empty.prof", b"", "empty file", ""),
]


def test_messages(binary, tmp):
    for name, data, what, advice in NOT_PROFILES:
        path = os.path.join(tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        rc, out, err = ri.run_cli(binary, ["report", path])
        check(f"report {name}: exit 2, one line naming it ({what}) and how to make a .prof",
              rc == 2 and out == "" and err.count("\n") == 1 and name in err and what in err and
              advice in err and HOW in err and "(at byte 0)" in err, (rc, err))


def utf8_json(data):
    """The body as JSON when it is valid UTF-8 JSON, else None."""
    try:
        return json.loads(data.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, ValueError):
        return None


def test_error_bodies(srv, pid):
    long_value = "a" * 39 + "\u20ac"  # the echo's 40th byte falls inside the euro sign
    quoted = "".join(f"%{b:02x}" for b in long_value.encode())
    cases = [f"/api/profiles/{pid}/tree?depth=%ff",
             f"/api/profiles/{pid}/tree?depth=%ff%fe%c3",
             f"/api/profiles/{pid}/tree?depth={quoted}",
             f"/api/profiles/{pid}/tree?path=%e2%82",
             f"/api/profiles/{pid}/functions?sort=%ed%a0%80",
             f"/api/profiles/{pid}/functions/%ff%ff",
             f"/api/profiles/{pid}/functions/{quoted}",
             "/api/%ff%fe/x"]
    for path in cases:
        status, _, data = srv.request(path)
        body = utf8_json(data)
        check(f"{path}: an error whose body is valid UTF-8 JSON",
              status in (400, 404) and body is not None and "error" in body, (status, data))
    status, _, data = srv.request(f"/api/profiles/{pid}/tree?depth={quoted}")
    body = utf8_json(data) or {}
    check("a 40-byte echo ends before a character it would cut",
          '"' + "a" * 39 + '"' in body.get("error", ""), body)


def write_stats(path, stats):
    with open(path, "wb") as f:
        marshal.dump(stats, f)


def test_nul_names(binary, srv_factory, tmp):
    path = os.path.join(tmp, "nul.prof")
    main = ("m.py", 1, "main")
    write_stats(path, {
        main: (1, 1, 0.1, 1.0, {}),
        ("m.py", 2, "f\0x"): (2, 2, 0.2, 0.2, {main: (2, 2, 0.2, 0.2)}),
        ("m.py", 2, "f\0y"): (3, 3, 0.3, 0.3, {main: (3, 3, 0.3, 0.3)}),
        ("m.py", 2, "f"): (4, 4, 0.4, 0.4, {main: (4, 4, 0.4, 0.4)}),
    })
    rc, out, err = ri.run_cli(binary, ["report", "--json", path])
    model = json.loads(out) if rc == 0 else {}
    names = sorted(f["name"] for f in model.get("functions", []))
    check("report --json: f\\0x, f\\0y and f stay three functions, NUL shown as U+2400",
          names == ["f", "f\u2400x", "f\u2400y", "main"], (rc, names, err))
    srv = srv_factory([path])
    try:
        status, _, body = srv.json("/api/profiles")
        pid = body[0]["id"]
        status, _, page = srv.json(f"/api/profiles/{pid}/functions?sort=name&limit=10")
        got = sorted((r["name"], r["ncalls"]) for r in page["rows"])
        check("API: the three functions keep their own numbers",
              got == [("f", 4), ("f\u2400x", 2), ("f\u2400y", 3), ("main", 1)], got)
        status, _, tree = srv.json(f"/api/profiles/{pid}/tree")
        kids = sorted(c["name"] for c in tree["root"]["children"])
        check("API: the tree has the three callees apart",
              kids == ["f", "f\u2400x", "f\u2400y"], kids)
    finally:
        srv.stop()


def test_saturated_counts(binary, srv_factory, tmp):
    path = os.path.join(tmp, "huge.prof")
    main, f = ("m.py", 1, "main"), ("m.py", 2, "f")
    write_stats(path, {
        main: (INT64_MAX, INT64_MAX, 1.0, 2.0, {}),
        f: (INT64_MAX, INT64_MAX, 0.5, 1.0, {main: (INT64_MAX, INT64_MAX, 0.5, 1.0)}),
    })
    rc, out, err = ri.run_cli(binary, ["report", "--json", path, path])
    model = json.loads(out) if rc == 0 else {}
    check("report --json of a merge at INT64_MAX: totals saturate, printed as integers",
          model.get("total_calls") == INT64_MAX and
          all(fn["ncalls"] == INT64_MAX for fn in model.get("functions", [])) and
          '"total_calls":9223372036854775807' in out, (rc, err, out[:200]))
    srv = srv_factory(["--merge", path, path])
    try:
        status, _, body = srv.json("/api/profiles")
        pid = body[0]["id"]
        check("merged server: total_calls saturates at INT64_MAX",
              body[0]["total_calls"] == INT64_MAX, body)
        status, _, tree = srv.json(f"/api/profiles/{pid}/tree")
        check("merged server: the tree is served", status == 200 and tree["root"]["calls"] > 0,
              status)
        status, _, fn = srv.json(f"/api/profiles/{pid}/functions/1")
        check("merged server: edge counts saturate",
              status == 200 and fn["callers"][0]["ncalls"] == INT64_MAX, fn)
    finally:
        srv.stop()


def test_report_json(binary):
    prof = os.path.join(ri.GOLDEN, "cprofile-py313.prof")
    rc, out, err = ri.run_cli(binary, ["report", "--json", prof])
    check("report --json exits 0 with one line of JSON", rc == 0 and out.count("\n") == 1,
          (rc, err))
    model = json.loads(out)
    exp = ri.expected("cprofile-py313")
    check("report --json: totals equal pstats'", model["total_calls"] == exp["total_calls"] and
          model["total_time"] == exp["total_time"], (model["total_calls"], model["total_time"]))
    ints = all(isinstance(f[k], int) and not isinstance(f[k], bool)
               for f in model["functions"] for k in ("id", "line", "ncalls", "pcalls"))
    check("report --json: ids, lines and counts are integers", ints)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="profviz-output-")
    servers = []

    def start(args):
        srv = ri.Server(binary, args)
        servers.append(srv)
        return srv

    try:
        test_messages(binary, tmp)
        test_report_json(binary)
        srv = start([os.path.join(ri.GOLDEN, "cprofile-py313.prof")])
        status, _, body = srv.json("/api/profiles")
        test_error_bodies(srv, body[0]["id"])
        srv.stop()
        test_nul_names(binary, start, tmp)
        test_saturated_counts(binary, start, tmp)
    except Exception as e:
        import traceback
        traceback.print_exc()
        check("the tests ran to the end", False, repr(e))
    finally:
        for s in servers:
            if s.proc.poll() is None:
                s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{ri.passed} passed, {ri.failed} failed")
    return 1 if ri.failed else 0


if __name__ == "__main__":
    sys.exit(main())
