"""run_integration.py's checks of /api/profiles/ID/tree (keys, depth,
max_nodes, cutoff, subtrees by path, several roots, bad parameters, the
compact form read back against the nested one), of
routing (404 and 405 with JSON errors) and of gzip-compressed responses."""

import gzip
import json

from harness import FUNCTION_KEYS, NODE_KEYS, all_rows, check


def walk(node, path, visit):
    visit(node, path)
    for c in node["children"]:
        walk(c, path + [c["id"]], visit)


def expand_compact(c):
    """The nested form of a compact tree body (as web/js/treeform.js reads it)."""
    files, fns, whys, v = c["files"], c["functions"], c["whys"], c["nodes"]
    nodes, counts = [], []
    for i in range(0, len(v), 8):
        f, time, calls, flags, why, htime, hcount, nkids = v[i:i + 8]
        if f < 0:
            n = {"id": -1, "name": "<all roots>", "file": "", "line": 0}
        else:
            fid, name, fi, line, cum, tot, nc, pc = fns[f]
            n = {"id": fid, "name": name, "file": files[fi], "line": line}
        n.update(time=time, calls=calls, exact=bool(flags & 1), reentry=bool(flags & 2),
                 why=whys[why])
        if f >= 0:
            n.update(cumtime=cum, tottime=tot, ncalls=nc, pcalls=pc)
        if hcount > 0:
            n["hidden"] = {"time": htime, "count": hcount}
        n["children"] = []
        n["more"] = bool(flags & 4)
        nodes.append(n)
        counts.append(nkids)
    nxt = 1
    for n, k in zip(nodes, counts):
        n["children"] = nodes[nxt:nxt + k]
        nxt += k
    out = {"path": c["path"]}
    if nodes:
        out["root"] = nodes[0]
    return out


def test_compact_form(srv, pids):
    """form=compact holds the nested form's tree, every node and number."""
    for pid in pids:
        status, _, nested = srv.json(f"/api/profiles/{pid}/tree")
        if status != 200:
            check(f"{pid}: tree 200", False, status)
            continue
        path = ",".join(map(str, nested["path"]))
        for qs in ("", "depth=40&cutoff=0.001&max_nodes=5000", "depth=30&cutoff=0&max_nodes=20000",
                   "depth=2&cutoff=0", "max_nodes=5", f"path={path}&depth=3", "depth=0"):
            sep = "&" if qs else ""
            status, _, want = srv.json(f"/api/profiles/{pid}/tree?{qs}")
            status2, _, got = srv.json(f"/api/profiles/{pid}/tree?{qs}{sep}form=compact")
            check(f"{pid} tree?{qs}: the compact form reads back as the nested form",
                  status == status2 == 200 and got.get("form") == "compact" and
                  set(got) == {"path", "form", "files", "functions", "whys", "nodes"} and
                  expand_compact(got) == want, (status, status2))
            if qs == "depth=30&cutoff=0&max_nodes=20000" and "root" in want:
                nodes = len(got["nodes"]) // 8
                distinct = len({tuple(f[:2]) for f in got["functions"]})
                check(f"{pid}: each function and file written once",
                      distinct == len(got["functions"]) and
                      len(set(got["files"])) == len(got["files"]) and
                      len(got["functions"]) <= nodes, (distinct, len(got["functions"])))
    status, _, body = srv.json(f"/api/profiles/{pids[0]}/tree?form=flat")
    check("tree?form=flat is 400 naming 'form'",
          status == 400 and "'form'" in body.get("error", ""), (status, body))


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
