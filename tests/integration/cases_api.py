"""run_integration.py's checks of the profile and function endpoints:
/api/health, /api/profiles and a profile's detail, the function table
(numbers equal to pstats', every sort and order, q, paging, bad parameters)
and a function's callers and callees, and an empty profile."""

import os
import re
import time

from harness import GOLDEN, ROW_KEYS, all_rows, check, expected, row_key


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


def test_empty(srv, pid):
    status, _, body = srv.json(f"/api/profiles/{pid}/functions?q=a")
    check("empty profile: no rows", status == 200 and body == {"total": 0, "rows": []}, body)
    status, _, body = srv.json(f"/api/profiles/{pid}/tree")
    check("empty profile: a tree of the synthetic root alone",
          status == 200 and body["root"]["id"] == -1 and body["root"]["children"] == [] and
          body["root"]["time"] == 0, body)
    status, _, body = srv.json(f"/api/profiles/{pid}/functions/0")
    check("empty profile: function 0 is 404", status == 404)
