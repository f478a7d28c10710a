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
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import GOLDEN, WEB, Server, all_rows, check, expected, row_key  # noqa: E402
from cases_api import (test_empty, test_function_detail, test_functions,  # noqa: E402
                       test_profiles)
from cases_cli import test_browser, test_cli_errors, test_ports, test_report_sort  # noqa: E402
from cases_static import test_static  # noqa: E402
from cases_tree import test_api_routing, test_compact_form, test_gzip, test_tree  # noqa: E402


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
        test_report_sort(binary, tmp)

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
        test_compact_form(srv, [pid, ids[1], ids[3], ids[4]])
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
    print(f"{harness.passed} passed, {harness.failed} failed")
    return 1 if harness.failed else 0


if __name__ == "__main__":
    sys.exit(main())
