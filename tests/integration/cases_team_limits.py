"""run_team.py's checks of the limits: 413 by Content-Length and while
streaming a chunked body, 20 concurrent uploads and 10 identical ones at
once, and a cache smaller than its profiles."""

import os
import threading

from harness import check
from team_harness import (Server, golden, listing, raw_headers_only, read,
                          synthetic_profile, temp_files)


def test_limits(binary, work):
    folder = os.path.join(work, "limits")
    os.mkdir(folder)
    srv = Server(binary, folder, ["--max-upload-mb", "1"])
    try:
        # A 2 MB body: refused on its Content-Length, before any of it is
        # read. The client waits for that answer (Expect: 100-continue, as
        # curl does, or no Expect at all) instead of sending the body.
        for expect in (True, False):
            status, body = raw_headers_only(srv.port, "/api/profiles?name=big.prof",
                                            {"Content-Length": str(2 << 20),
                                             **({"Expect": "100-continue"} if expect else {})})
            check(f"413 for a body over the limit by Content-Length (expect={expect})",
                  status == 413, (status, body))
            check(f"413 body is a JSON error (expect={expect})", b'"error"' in body, body)

        def chunks():
            for _ in range(32):
                yield b"\0" * 65536
        status, _, s = srv.json("/api/profiles?name=chunked.prof", "POST", body=chunks(),
                                chunked=True)
        check("413 for a chunked body over the limit", status == 413, (status, s))
        check("413: nothing stored, no temporary file",
              listing(folder) == [] and not temp_files(folder), listing(folder))
        # Just under the limit, chunked and valid: stored.
        data = golden("cprofile-py313.prof")
        status, _, s = srv.json("/api/profiles?name=ok.prof", "POST", body=iter([data[:1000],
                                data[1000:]]), chunked=True)
        check("a chunked body under the limit is stored", status == 201
              and read(os.path.join(folder, "ok.prof")) == data, (status, s))
        status, _, s = srv.upload(synthetic_profile(3000, "edge")[: (1 << 20)], "edge.prof")
        check("a body of exactly the limit is read (then judged by the parser)",
              status in (201, 400), status)
    finally:
        srv.stop()
    check("no temporary files after the limits", not temp_files(folder), listing(folder))


def test_concurrent(binary, work):
    folder = os.path.join(work, "concurrent")
    os.mkdir(folder)
    srv = Server(binary, folder)
    results = {}
    payloads = {i: synthetic_profile(200 + 37 * i, f"c{i}") for i in range(20)}
    try:
        def go(i):
            try:
                results[i] = srv.upload(payloads[i], f"concurrent-{i}.prof")
            except Exception as e:  # noqa: BLE001 - reported as a failure below
                results[i] = (None, None, repr(e))
        threads = [threading.Thread(target=go, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check("20 concurrent uploads: all 201",
              all(results[i][0] == 201 for i in range(20)),
              {i: results[i][0] for i in range(20) if results[i][0] != 201})
        intact = all(read(os.path.join(folder, f"concurrent-{i}.prof")) == payloads[i]
                     for i in range(20) if os.path.exists(os.path.join(folder, f"concurrent-{i}.prof")))
        check("20 concurrent uploads: 20 files, bytes equal",
              len(listing(folder)) == 20 and intact, listing(folder))
        check("20 concurrent uploads: no temporary files", not temp_files(folder))
        _, _, body = srv.json("/api/profiles")
        check("20 concurrent uploads: 20 profiles listed", len(body) == 20, len(body))
        check("20 concurrent uploads: distinct ids",
              len({p["id"] for p in body}) == 20)

        # The same file 10 times at once: one file, one id.
        same = synthetic_profile(500, "same")
        res = []
        threads = [threading.Thread(target=lambda: res.append(srv.upload(same, "same.prof")))
                   for _ in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r[0] for r in res)
        check("10 concurrent identical uploads: one 201, the rest 200",
              codes == [200] * 9 + [201], codes)
        check("10 concurrent identical uploads: one id",
              len({r[2]["id"] for r in res if isinstance(r[2], dict)}) == 1)
        check("10 concurrent identical uploads: one file",
              [n for n in listing(folder) if n.startswith("same")] == ["same.prof"],
              listing(folder))
        check("no temporary files after concurrent uploads", not temp_files(folder))
    finally:
        srv.stop()


def test_cache(binary, work):
    folder = os.path.join(work, "cache")
    os.mkdir(folder)
    # Each of these takes a few MB parsed; the cache holds 1 MB.
    for i in range(3):
        with open(os.path.join(folder, f"big-{i}.prof"), "wb") as f:
            f.write(synthetic_profile(20000, f"big{i}"))
    srv = Server(binary, folder, ["--cache-mb", "1"])
    try:
        status, _, body = srv.json("/api/profiles")
        check("cache: every profile listed with its summary",
              status == 200 and len(body) == 3 and all(p["functions"] == 20000 for p in body),
              body)
        ok = True
        for _ in range(2):
            for p in body:
                st, _, page = srv.json(f"/api/profiles/{p['id']}/functions?sort=cumtime_percall"
                                       "&limit=3")
                ok = ok and st == 200 and page.get("total") == 20000
        check("cache: evicted profiles are parsed again on use", ok)
        status, _, again = srv.json("/api/profiles")
        check("cache: summaries kept after eviction", again == body)
    finally:
        srv.stop()
