"""run_team.py's checks of who may do what: the token (header, cookie,
?token= redirect, health without it), a read-only folder, the command
line's --dir rules, stale temporary uploads, FILE mode without uploads, and
the warning on a non-loopback address."""

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import time

from harness import GOLDEN, check
from team_harness import Server, golden, listing, synthetic_profile, temp_files


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
