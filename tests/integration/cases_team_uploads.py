"""run_team.py's checks of uploads and the listing: raw, multipart and gzip
uploads, dedupe, the names kept or made, path traversal in ?name=, the
listing's fields and order, files appearing, disappearing and changing,
files that are not profiles, 400 for bad uploads with nothing stored,
methods, and a restart that keeps every profile."""

import gzip
import hashlib
import os
import re
import shutil
import time

from harness import GOLDEN, check
from team_harness import SUMMARY_KEYS, Server, golden, listing, read, synthetic_profile, temp_files


def poll_listing(srv, done, seconds):
    """The listing, asked for every 50 ms until done(listing) or seconds pass."""
    deadline = time.monotonic() + seconds
    while True:
        body = srv.json("/api/profiles")[2]
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


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
        body = poll_listing(srv, lambda b: b and b[0]["name"] == "swap.prof", 3.0)
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


def test_growing_file(binary, work):
    """A file written a little at a time while the listing is asked for is
    not parsed at every write: when it appears, at its first change, then at
    most once per PV_FOLDER_RESCAN_MS (1 s); once complete, it is listed."""
    folder = os.path.join(work, "growing")
    os.mkdir(folder)
    good = golden("cprofile-py313.prof")
    srv = Server(binary, folder)
    try:
        path = os.path.join(folder, "growing.prof")
        start = time.monotonic()
        steps = 40
        with open(path, "wb") as f:
            for i in range(steps):  # 2 s: the first bytes, then a byte at a time
                f.write(good[: len(good) // 2] if i == 0 else good[len(good) // 2 + i - 1:][:1])
                f.flush()
                srv.json("/api/profiles")
                time.sleep(0.05)
            f.write(good[len(good) // 2 + steps - 1:])
        elapsed = time.monotonic() - start
        body = poll_listing(srv, lambda b: any(p["name"] == "growing.prof" for p in b), 3.0)
        check("a file written slowly is listed once complete",
              any(p["name"] == "growing.prof" for p in body), body)
    finally:
        code, err = srv.stop()
    reads = err.count("growing.prof is left out")
    check("a file written slowly is not parsed at every write",
          1 <= reads <= elapsed / 1.0 + 3, (reads, round(elapsed, 2), err[-600:]))


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
