#!/usr/bin/env python3
"""Integration tests of team mode, `profviz --dir DIR`: the real binary, a real port.

usage: python3 tests/integration/run_team.py /path/to/profviz

Starts profviz --dir on temporary folders and checks uploads (raw, multipart,
gzip), the listing (fields, newest first, files appearing and disappearing),
400 for bad files with nothing stored, 413 (by Content-Length and while
streaming a chunked body), dedupe, the token (header, cookie, ?token=
redirect, health without it), restarts, 20 concurrent uploads, path
traversal in ?name=, the cache (evicted profiles parsed again), and the
warning on a non-loopback address. Only the Python standard library is used.
Prints "N passed, M failed" and exits non-zero on any failure.
"""

import gzip
import hashlib
import http.client
import json
import marshal
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOLDEN = os.path.join(ROOT, "tests", "golden")
SUMMARY_KEYS = {"id", "name", "functions", "total_calls", "primitive_calls", "total_time",
                "size", "modified"}

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


def golden(name):
    with open(os.path.join(GOLDEN, name), "rb") as f:
        return f.read()


def synthetic_profile(nfunctions, seed):
    """A valid pstats file (a marshalled dict, as pstats.Stats.dump_stats
    writes) with nfunctions functions in a chain; seed makes it distinct."""
    stats = {}
    for i in range(nfunctions):
        key = (f"/src/module_{seed}_{i // 100}.py", i + 1, f"function_{seed}_{i}")
        callers = {}
        if i > 0:
            callers[(f"/src/module_{seed}_{(i - 1) // 100}.py", i, f"function_{seed}_{i - 1}")] = (
                1, 1, 0.001, 0.002)
        stats[key] = (1, 1 + (i % 3), 0.001 * (i % 7), 0.002 * (nfunctions - i), callers)
    return marshal.dumps(stats)


class Server:
    """A running profviz --dir; stop() ends it with SIGTERM and returns the
    exit status and what it printed on stderr."""

    def __init__(self, binary, folder, args=(), env=None, host=None):
        cmd = [binary, "-s", "-p", "0", "--dir", folder] + list(args)
        if host:
            cmd += ["-H", host]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.line = self.proc.stdout.readline().decode()
        m = re.fullmatch(r"profviz: serving http://[^/]+:(\d+)/\n", self.line)
        if not m:
            self.proc.kill()
            raise RuntimeError(f"profviz did not start: {self.line!r} "
                               f"{self.proc.stderr.read().decode()!r}")
        self.port = int(m.group(1))

    def request(self, path, method="GET", headers=None, body=None, chunked=False):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers or {},
                         encode_chunked=chunked)
            r = conn.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            conn.close()

    def json(self, path, method="GET", headers=None, body=None, chunked=False):
        status, hdrs, data = self.request(path, method, headers, body, chunked)
        try:
            return status, hdrs, json.loads(data)
        except ValueError:
            return status, hdrs, data

    def upload(self, data, name=None, headers=None):
        path = "/api/profiles" + (f"?name={urllib.parse.quote(name)}" if name else "")
        return self.json(path, "POST", headers=headers, body=data)

    def upload_multipart(self, data, filename, field="file", query=""):
        boundary = "----profviz-test-boundary-7d1a"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
                f"hello\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
                f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return self.json("/api/profiles" + query, "POST", body=body,
                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        err = self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()
        check("server exits 0 on SIGTERM, no sanitizer report",
              self.proc.returncode == 0 and "Sanitizer" not in err and "runtime error" not in err,
              (self.proc.returncode, err[-2000:]))
        return self.proc.returncode, err


def raw_headers_only(port, path, headers):
    """Sends a POST's headers only and returns the status and body of the
    answer (read until the server closes or 5 s pass)."""
    import socket
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
        sock.sendall(head.encode())
        data = b""
        try:
            while b"\r\n\r\n" not in data or len(data.split(b"\r\n\r\n", 1)[1]) < int(
                    re.search(rb"(?i)content-length: *(\d+)", data).group(1)
                    if re.search(rb"(?i)content-length: *(\d+)", data) else 1 << 30):
                got = sock.recv(65536)
                if not got:
                    break
                data += got
        except OSError:
            pass
    m = re.match(rb"HTTP/1\.1 (\d+)", data)
    return (int(m.group(1)) if m else None), data.split(b"\r\n\r\n", 1)[-1]


def listing(folder):
    return sorted(os.listdir(folder))


def temp_files(folder):
    return [n for n in os.listdir(folder) if n.startswith(".upload-")]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def test_uploads_and_listing(binary, work):
    folder = os.path.join(work, "profiles")
    os.mkdir(folder)
    srv = Server(binary, folder)
    try:
        status, _, health = srv.json("/api/health")
        check("health says uploads in --dir mode",
              status == 200 and health.get("uploads") is True and health.get("status") == "ok",
              health)
        status, _, body = srv.json("/api/profiles")
        check("empty folder lists nothing", status == 200 and body == [], body)

        # Raw upload.
        raw = golden("cprofile-py313.prof")
        status, hdrs, s = srv.upload(raw, "workload.prof")
        check("raw upload: 201", status == 201, (status, s))
        check("raw upload: summary fields", isinstance(s, dict) and set(s) == SUMMARY_KEYS, s)
        check("raw upload: Location names the profile",
              hdrs.get("location") == f"/api/profiles/{s.get('id')}", hdrs.get("location"))
        check("raw upload: stored under its name, bytes equal",
              os.path.exists(os.path.join(folder, "workload.prof"))
              and read(os.path.join(folder, "workload.prof")) == raw, listing(folder))
        check("raw upload: size is the file's", s.get("size") == len(raw), s)
        check("raw upload: modified is ISO 8601 UTC",
              re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(s.get("modified"))), s)
        raw_id = s.get("id")
        status, _, p = srv.json(f"/api/profiles/{raw_id}")
        check("raw upload: the profile answers", status == 200 and p.get("functions") == 39, p)
        status, _, tree = srv.json(f"/api/profiles/{raw_id}/tree")
        check("raw upload: its tree answers", status == 200 and "root" in tree, status)

        # Dedupe: the same bytes again, under another name.
        status, hdrs, again = srv.upload(raw, "other-name.prof")
        check("dedupe: same content again is 200", status == 200, (status, again))
        check("dedupe: same id", again.get("id") == raw_id, again)
        check("dedupe: no Location on 200", "location" not in hdrs, hdrs)
        check("dedupe: one file", listing(folder) == ["workload.prof"], listing(folder))

        # Multipart upload: name from the part's file name.
        mp = golden("names-py313.prof")
        status, hdrs, s = srv.upload_multipart(mp, "my names.prof")
        check("multipart upload: 201", status == 201, (status, s))
        check("multipart upload: name from the part, as uploaded",
              s.get("name") == "my names.prof", s)
        check("multipart upload: bytes equal",
              read(os.path.join(folder, "my names.prof")) == mp, listing(folder))
        mp_id = s.get("id")
        # ?name= wins over the part's file name.
        mp2 = golden("two-roots.prof") if os.path.exists(os.path.join(GOLDEN, "two-roots.prof")) \
            else golden("cprofile-py312.prof")
        status, _, s = srv.upload_multipart(mp2, "ignored.prof", query="?name=chosen.prof")
        check("multipart upload: ?name= wins", status == 201 and s.get("name") == "chosen.prof", s)
        status, _, s = srv.upload_multipart(golden("cprofile-py311.prof"), "x.prof",
                                            field="other")
        check("multipart without a file field: 400",
              status == 400 and "file" in s.get("error", ""), (status, s))
        check("multipart without a file field: nothing stored", not temp_files(folder)
              and "x.prof" not in listing(folder), listing(folder))

        # Gzip upload is stored as .prof.gz.
        gz = gzip.compress(golden("cprofile-py310.prof"))
        status, _, s = srv.upload(gz, "compressed.prof.gz")
        check("gzip upload: 201", status == 201, (status, s))
        check("gzip upload: stored as .prof.gz", s.get("name") == "compressed.prof.gz"
              and read(os.path.join(folder, "compressed.prof.gz")) == gz, listing(folder))
        status, _, s = srv.upload(gzip.compress(golden("cprofile-py39.prof")), "plain-name.prof")
        check("gzip content named .prof is stored as .prof.gz",
              status == 201 and s.get("name") == "plain-name.prof.gz", s)

        # Names are kept as uploaded: '+', spaces and UTF-8 stay; control bytes and bad UTF-8 go.
        for sent, kept in (("NAU-CCL+Epymorph.prof", "NAU-CCL+Epymorph.prof"),
                           ("résumé (v2).prof", "résumé (v2).prof"),
                           ("tab\there.prof", "tabhere.prof")):
            data = synthetic_profile(5, "kept" + hashlib.md5(sent.encode()).hexdigest()[:6])
            status, _, s = srv.upload(data, sent)
            check(f"name {sent!r} is kept as {kept!r}", status == 201 and s.get("name") == kept
                  and os.path.isfile(os.path.join(folder, kept)), (status, s))
            os.remove(os.path.join(folder, kept))

        # No name at all.
        status, _, s = srv.upload(golden("cprofile-py38.prof"))
        check("upload without a name is upload.prof",
              status == 201 and s.get("name") == "upload.prof", s)
        # A name taken by other content gets -ID.
        other = golden("cprofile-py37.prof")
        status, _, s = srv.upload(other, "workload.prof")
        check("a taken name gets -ID before the extension",
              status == 201 and s.get("name") == f"workload-{s.get('id')}.prof", s)

        # Path traversal in ?name= stays inside the folder.
        outside = os.path.join(work, "x.prof")
        for name in ("../../x.prof", "..\\..\\x.prof", "/etc/x.prof", "....//x.prof",
                     ".hidden.prof", "%2e%2e%2fx.prof"):
            data = synthetic_profile(5, "trav" + hashlib.md5(name.encode()).hexdigest()[:6])
            status, _, s = srv.upload(data, name)
            stored = s.get("name", "") if isinstance(s, dict) else ""
            check(f"traversal {name!r}: stored inside the folder",
                  status == 201 and "/" not in stored and "\\" not in stored
                  and not stored.startswith(".") and os.path.isfile(os.path.join(folder, stored)),
                  (status, s))
        check("traversal: nothing written outside the folder",
              not os.path.exists(outside) and not os.path.exists(os.path.join(work, "..", "x.prof"))
              and sorted(os.listdir(work)) == ["profiles"], os.listdir(work))

        # Listing: fields, newest first.
        now = time.time()
        names = [n for n in listing(folder)]
        for i, n in enumerate(sorted(names)):
            os.utime(os.path.join(folder, n), (now - 1000 + i * 10, now - 1000 + i * 10))
        # Two with the same mtime: ordered by name.
        os.utime(os.path.join(folder, "chosen.prof"), (now - 5, now - 5))
        os.utime(os.path.join(folder, "my names.prof"), (now - 5, now - 5))
        status, _, body = srv.json("/api/profiles")
        check("listing: 200", status == 200 and isinstance(body, list), status)
        check("listing: every file once", sorted(p["name"] for p in body) == sorted(names),
              ([p["name"] for p in body], names))
        check("listing: summary fields", all(set(p) == SUMMARY_KEYS for p in body),
              [sorted(p) for p in body if set(p) != SUMMARY_KEYS])
        want = sorted(names, key=lambda n: (-int(os.stat(os.path.join(folder, n)).st_mtime), n))
        check("listing: newest first, then by name", [p["name"] for p in body] == want,
              ([p["name"] for p in body], want))
        check("listing: the changed mtime is shown",
              body[0]["modified"] == time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                   time.gmtime(int(now - 5))), body[0])
        check("listing: size is the file size",
              all(p["size"] == os.path.getsize(os.path.join(folder, p["name"])) for p in body))
        by_name = {p["name"]: p for p in body}
        check("listing: ids unchanged by a new mtime", by_name["workload.prof"]["id"] == raw_id
              and by_name["my names.prof"]["id"] == mp_id, by_name.get("workload.prof"))

        # Files appearing and disappearing.
        shutil.copy(os.path.join(GOLDEN, "cprofile-py36.prof"), os.path.join(folder, "new.prof"))
        status, _, body = srv.json("/api/profiles")
        added = [p for p in body if p["name"] == "new.prof"]
        check("a file copied in appears", len(added) == 1, [p["name"] for p in body])
        os.remove(os.path.join(folder, "new.prof"))
        status, _, body = srv.json("/api/profiles")
        check("a deleted file disappears", all(p["name"] != "new.prof" for p in body),
              [p["name"] for p in body])
        if added:
            status, _, _ = srv.json(f"/api/profiles/{added[0]['id']}")
            check("a deleted file's profile is 404", status == 404, status)
        # An unknown id rescans: a file copied in is found without a listing.
        shutil.copy(os.path.join(GOLDEN, "cprofile-b-py313.prof"), os.path.join(folder, "b.pstats"))
        status, _, s = srv.upload(golden("cprofile-b-py313.prof"), "b-again.prof")
        check("an upload of a file copied in since the last listing is a dedupe",
              status == 200 and s.get("name") == "b.pstats", (status, s))
        # A changed file is read again (new id).
        shutil.copy(os.path.join(GOLDEN, "cprofile-py313.prof"), os.path.join(folder, "swap.prof"))
        status, _, body = srv.json("/api/profiles")
        swap = [p for p in body if p["name"] == "swap.prof"]
        check("a copy of a held profile is one profile (same id)",
              not swap and any(p["id"] == raw_id for p in body), [p["name"] for p in body])
        shutil.copy(os.path.join(GOLDEN, "names-py27.prof"), os.path.join(folder, "swap.prof"))
        os.utime(os.path.join(folder, "swap.prof"), (now + 50, now + 50))
        status, _, body = srv.json("/api/profiles")
        check("a changed file is read again", body and body[0]["name"] == "swap.prof"
              and body[0]["id"] not in (raw_id, mp_id), body[:1])
        os.remove(os.path.join(folder, "swap.prof"))

        # A file in the folder that is not a profile is left out, logged once.
        with open(os.path.join(folder, "notes.prof"), "w") as f:
            f.write("these are not the profiles you are looking for\n")
        with open(os.path.join(folder, "readme.txt"), "w") as f:
            f.write("not a profile name\n")
        before = srv.json("/api/profiles")[2]
        srv.json("/api/profiles")
        check("an invalid file in the folder is left out",
              all(p["name"] != "notes.prof" for p in before), [p["name"] for p in before])
        check("other extensions are ignored", all(p["name"] != "readme.txt" for p in before))

        # 400 for bad files, nothing stored.
        before = listing(folder)
        good = golden("cprofile-py313.prof")
        bad_files = [
            ("text file", b"hello, this is text\n", "hello.prof"),
            ("gzip of garbage", gzip.compress(os.urandom(3000)), "garbage.prof.gz"),
            ("truncated profile", good[: len(good) // 2], "truncated.prof"),
            ("empty body", b"", "empty.prof"),
        ]
        for what, data, name in bad_files:
            status, _, s = srv.upload(data, name)
            check(f"bad upload ({what}): 400", status == 400, (status, s))
            check(f"bad upload ({what}): the parser's message",
                  isinstance(s, dict) and isinstance(s.get("error"), str) and len(s["error"]) > 5,
                  s)
            check(f"bad upload ({what}): nothing stored, no temporary file",
                  listing(folder) == before and not temp_files(folder), listing(folder))
        status, _, s = srv.upload(good[:100], "short.prof")
        check("truncated profile: message gives the byte offset",
              re.search(r"\(at byte \d+\)$", s.get("error", "")), s)
        status, _, s = srv.upload_multipart(b"not a profile at all", "bad.prof")
        check("bad multipart upload: 400, nothing stored",
              status == 400 and listing(folder) == before and not temp_files(folder), (status, s))

        # Methods.
        status, _, s = srv.json("/api/profiles", "PUT", body=b"x")
        check("PUT /api/profiles is 405", status == 405, status)
        status, _, s = srv.json("/api/profiles/abc", "POST", body=b"x")
        check("POST elsewhere under /api is 405", status == 405, status)
    finally:
        code, err = srv.stop()
    check("stops cleanly", code == 0, (code, err))
    check("the invalid file was reported once on stderr",
          err.count("notes.prof") == 1, err)
    return folder


def test_restart(binary, folder):
    srv = Server(binary, folder)
    try:
        _, _, before = srv.json("/api/profiles")
    finally:
        srv.stop()
    srv = Server(binary, folder)
    try:
        _, _, after = srv.json("/api/profiles")
        check("restart keeps every profile with the same ids",
              before and [(p["id"], p["name"]) for p in before]
              == [(p["id"], p["name"]) for p in after], (before, after))
        for p in after[:3]:
            status, _, _ = srv.json(f"/api/profiles/{p['id']}/functions?limit=5")
            check(f"after restart {p['name']} answers", status == 200, status)
    finally:
        srv.stop()


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


def test_token(binary, work):
    folder = os.path.join(work, "token")
    os.mkdir(folder)
    token = "s3cret-Token_1"
    env = dict(os.environ, PROFVIZ_TOKEN=token)
    srv = Server(binary, folder, env=env)
    try:
        status, _, s = srv.json("/api/health")
        check("token: health answers without it", status == 200 and s.get("status") == "ok")
        status, _, s = srv.json("/api/profiles")
        check("token: 401 without it", status == 401 and s == {"error": "a token is required"}, s)
        status, hdrs, data = srv.request("/")
        check("token: a page without it is 401 text/html",
              status == 401 and hdrs.get("content-type", "").startswith("text/html")
              and b"token" in data, (status, hdrs.get("content-type")))
        status, _, s = srv.json("/api/profiles", headers={"Authorization": "Bearer wrong"})
        check("token: a wrong token is 401", status == 401, status)
        status, _, s = srv.json("/api/profiles", headers={"Authorization": f"Bearer {token}x"})
        check("token: a longer token is 401", status == 401, status)
        status, _, s = srv.json("/api/profiles", headers={"Authorization": f"Bearer {token}"})
        check("token: 200 with the header", status == 200, status)
        status, _, s = srv.json("/api/profiles", headers={"Cookie": f"profviz_token={token}"})
        check("token: 200 with the cookie", status == 200, status)
        status, _, s = srv.upload(golden("cprofile-py313.prof"), "t.prof")
        check("token: an upload without it is 401, nothing stored",
              status == 401 and listing(folder) == [], (status, listing(folder)))
        status, _, s = srv.upload(golden("cprofile-py313.prof"), "t.prof",
                                  headers={"Authorization": f"Bearer {token}"})
        check("token: an upload with it is 201", status == 201, (status, s))
        status, hdrs, _ = srv.request(f"/?p=abc&token={token}&view=tree")
        check("token: ?token= redirects 303 without the parameter",
              status == 303 and hdrs.get("location") == "/?p=abc&view=tree", (status, hdrs))
        cookie = hdrs.get("set-cookie", "")
        check("token: ?token= sets the cookie",
              cookie.startswith(f"profviz_token={token}") and "HttpOnly" in cookie
              and "SameSite=Strict" in cookie and "Path=/" in cookie, cookie)
        status, hdrs, _ = srv.request(f"/index.html?token={token}")
        check("token: ?token= alone redirects to the bare path",
              status == 303 and hdrs.get("location") == "/index.html", hdrs.get("location"))
        status, _, _ = srv.request("/?token=wrong")
        check("token: a wrong ?token= is 401", status == 401, status)
    finally:
        srv.stop()
    srv = Server(binary, folder, ["--token", "from-the-option"])
    try:
        status, _, _ = srv.json("/api/profiles",
                                headers={"Authorization": "Bearer from-the-option"})
        check("token: --token works", status == 200, status)
    finally:
        srv.stop()


def read_only_folder(work):
    """A folder holding one profile that this process cannot write to: by its
    mode for a normal user; for root (as in CI), a read-only bind mount.
    Returns (path, cleanup) or (None, None) when neither can be had."""
    src = os.path.join(work, "ro-src")
    os.mkdir(src)
    shutil.copy(os.path.join(GOLDEN, "cprofile-py313.prof"), src)
    if os.geteuid() != 0:
        os.chmod(src, 0o555)
        return src, lambda: os.chmod(src, 0o755)
    mnt = os.path.join(work, "ro-mnt")
    os.mkdir(mnt)
    ok = subprocess.run(["mount", "--bind", src, mnt], capture_output=True).returncode == 0
    if ok and subprocess.run(["mount", "-o", "remount,ro,bind", mnt],
                             capture_output=True).returncode == 0:
        return mnt, lambda: subprocess.run(["umount", mnt], capture_output=True)
    if ok:
        subprocess.run(["umount", mnt], capture_output=True)
    return None, None


def test_read_only_folder(binary, work):
    folder, cleanup = read_only_folder(work)
    if folder is None:
        print("note: no read-only folder could be made here; read-only test not run", flush=True)
        return
    try:
        srv = Server(binary, folder)
        try:
            status, _, health = srv.json("/api/health")
            check("read-only --dir: health says uploads are off",
                  status == 200 and health.get("uploads") is False, health)
            status, _, listing = srv.json("/api/profiles")
            check("read-only --dir: its profile is listed",
                  status == 200 and len(listing) == 1, listing)
            status, _, body = srv.upload(synthetic_profile(5, "ro"), "x.prof")
            check("read-only --dir: an upload is refused with 403",
                  status == 403 and "read-only" in body.get("error", ""), (status, body))
        finally:
            code, err = srv.stop()
        check("read-only --dir: a warning on stderr", "read-only" in err, err)
    finally:
        cleanup()


def test_command_line(binary, work):
    r = subprocess.run([binary, "-s", "-p", "0", "--dir", os.path.join(work, "missing")],
                       capture_output=True, text=True, timeout=20)
    check("--dir of a missing folder: exit 2, one line",
          r.returncode == 2 and r.stderr.count("\n") == 1 and "missing" in r.stderr, r.stderr)
    a_file = os.path.join(work, "a-file")
    open(a_file, "w").close()
    r = subprocess.run([binary, "-s", "-p", "0", "--dir", a_file],
                       capture_output=True, text=True, timeout=20)
    check("--dir of a file: exit 2", r.returncode == 2 and "not a folder" in r.stderr, r.stderr)
    test_read_only_folder(binary, work)
    r = subprocess.run([binary, "-s", "-p", "0", "--dir", work,
                        os.path.join(GOLDEN, "cprofile-py313.prof")],
                       capture_output=True, text=True, timeout=20)
    check("--dir with files: exit 2", r.returncode == 2, r.stderr)

    # Stale temporary uploads are removed at start; fresh ones are kept.
    folder = os.path.join(work, "stale")
    os.mkdir(folder)
    for name, age in ((".upload-old123", 7200), (".upload-new456", 60)):
        path = os.path.join(folder, name)
        with open(path, "wb") as f:
            f.write(b"partial")
        os.utime(path, (time.time() - age, time.time() - age))
    srv = Server(binary, folder)
    srv.stop()
    check("stale temporary uploads are deleted at start, fresh ones kept",
          temp_files(folder) == [".upload-new456"], temp_files(folder))

    # FILE mode: no uploads.
    proc = subprocess.Popen([binary, "-s", "-p", "0", os.path.join(GOLDEN, "cprofile-py313.prof")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline().decode()
    port = int(re.search(r":(\d+)/", line).group(1))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        conn.request("GET", "/api/health")
        health = json.loads(conn.getresponse().read())
        check("FILE mode: health says no uploads", health.get("uploads") is False, health)
        conn.request("POST", "/api/profiles", body=golden("cprofile-py313.prof"))
        r = conn.getresponse()
        body = json.loads(r.read())
        check("FILE mode: upload is 405 'uploads need --dir'",
              r.status == 405 and body == {"error": "uploads need --dir"}, (r.status, body))
        conn.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    check("FILE mode on loopback: no warning", b"warning" not in err, err)

    # Non-loopback without a token: a warning.
    srv = Server(binary, os.path.join(work, "stale"), ["--allow-host", "localhost"],
                 host="0.0.0.0")
    code, err = srv.stop()
    lines = [ln for ln in err.splitlines() if "warning" in ln]
    check("non-loopback without a token: one warning line on stderr",
          len(lines) == 1 and "token" in lines[0], err)
    srv = Server(binary, os.path.join(work, "stale"), ["--token", "abc", "--allow-host", "x"],
                 host="0.0.0.0")
    code, err = srv.stop()
    check("non-loopback with a token: no warning", "warning" not in err, err)


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="profviz-team-test-")
    try:
        for test in (lambda: test_restart(binary, test_uploads_and_listing(binary, work)),
                     lambda: test_limits(binary, tempfile.mkdtemp(dir=work)),
                     lambda: test_concurrent(binary, tempfile.mkdtemp(dir=work)),
                     lambda: test_cache(binary, tempfile.mkdtemp(dir=work)),
                     lambda: test_token(binary, tempfile.mkdtemp(dir=work)),
                     lambda: test_command_line(binary, tempfile.mkdtemp(dir=work))):
            try:
                test()
            except Exception as e:  # noqa: BLE001 - a crash is a failure, keep the totals
                import traceback
                traceback.print_exc()
                check(f"test ran to the end ({e!r})", False)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
