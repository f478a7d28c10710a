"""What run_team.py's cases_team_*.py modules share: a running profviz --dir
(Server, which counts a clean exit as a check), golden files and synthetic
profiles as bytes, a POST of headers only (raw_headers_only), and looking at
the folder (listing, temp_files, read). The count itself (check) is
harness.py's. Only the Python standard library is used.
"""

import http.client
import json
import marshal
import os
import re
import signal
import subprocess
import urllib.parse

from harness import GOLDEN, check

SUMMARY_KEYS = {"id", "name", "functions", "total_calls", "primitive_calls", "total_time",
                "size", "modified"}


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
