"""The profviz server of this process (one per kernel) and how to find it.

One ``profviz --dir FOLDER -s -H 127.0.0.1 -p 0`` is started on first use,
in its own session (so that interrupting the kernel, which signals the
kernel's process group, leaves it running), with a free loopback port the
system picks. Every profile is uploaded to it (``POST /api/profiles``), so it
is stored in FOLDER and listed at once; the same server is reused for later
cells while it is alive, and stopped (SIGTERM, then SIGKILL) and its folder
removed when the process exits. It runs under a small sh watcher that holds
a pipe from this process: when this process dies without running its exit
handlers (a kernel killed with SIGKILL), the pipe closes and the watcher
stops the server and removes its folder; when the server ends, so does the
watcher.

The server lets exactly the notebook's page frame it: its origin is passed
with ``--embed-origin`` (see ``embed_origins``). The profile API itself is
never readable by other sites: the server sends no CORS headers, so only the
IFrame (which is the server's own origin) reads it.
"""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

BUILD_HINT = (
    "Build it from the profviz repository:\n"
    "    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release && cmake --build build -j\n"
    "then put build/server/profviz on PATH (e.g. cmake --install build), or set\n"
    "PROFVIZ_BIN to its path (os.environ['PROFVIZ_BIN'] = '/path/to/profviz').")

DEFAULT_ORIGINS = ("http://localhost:8888", "http://127.0.0.1:8888")
START_TIMEOUT = 10.0

# sh -c WATCH sh ROOT PROGRAM ARGS...: runs the server; stops it when our end
# of its standard input closes; once it has ended, removes ROOT (the
# server's temporary folder) and exits with the server's status.
WATCH = ('root=$1; shift; exec 3<&0; "$@" </dev/null & server=$!; '
         '(read ignored <&3; kill "$server" 2>/dev/null) & watcher=$!; '
         'wait "$server"; status=$?; kill "$watcher" 2>/dev/null; rm -rf "$root"; '
         'exit "$status"')

# Requests go straight to the loopback server, never through a proxy.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ProfvizError(Exception):
    """The profviz program is missing, or its server did not start or answer;
    the message says what to do."""


def find_binary():
    """The profviz program: $PROFVIZ_BIN, else `profviz` on PATH. Raises
    ProfvizError saying how to build it when there is none."""
    env = os.environ.get("PROFVIZ_BIN")
    if env:
        if os.path.isfile(env) and os.access(env, os.X_OK):
            return os.path.abspath(env)
        raise ProfvizError(f"PROFVIZ_BIN is {env!r}, which is not an executable file.\n"
                           + BUILD_HINT)
    found = shutil.which("profviz")
    if found:
        return found
    raise ProfvizError("The profviz program was not found on PATH, and PROFVIZ_BIN is not set.\n"
                       + BUILD_HINT)


def _origin(url):
    u = urllib.parse.urlsplit(url)
    if not u.scheme or not u.netloc:
        return None
    return f"{u.scheme}://{u.netloc}"


def _with_twin(origin):
    """The origin and the same one with localhost and 127.0.0.1 swapped: a
    browser may have the notebook open under either name."""
    out = [origin]
    for a, b in (("//localhost", "//127.0.0.1"), ("//127.0.0.1", "//localhost")):
        if a + ":" in origin or origin.endswith(a):
            out.append(origin.replace(a, b, 1))
    return out


def _jupyter_runtime_dirs():
    dirs = []
    try:
        from jupyter_core.paths import jupyter_runtime_dir
        dirs.append(jupyter_runtime_dir())
    except Exception:
        pass
    if os.environ.get("JUPYTER_RUNTIME_DIR"):
        dirs.append(os.environ["JUPYTER_RUNTIME_DIR"])
    dirs.append(os.path.expanduser("~/.local/share/jupyter/runtime"))
    return [d for i, d in enumerate(dirs) if d not in dirs[:i]]


def jupyter_server_origins():
    """The origins of the Jupyter server that started this kernel, from the
    server info files (jpserver-PID.json, nbserver-PID.json) in Jupyter's
    runtime folder whose pid is this kernel's parent ($JPY_PARENT_PID, else
    the parent process). [] when there is none (plain IPython, nbconvert)."""
    try:
        parent = int(os.environ.get("JPY_PARENT_PID") or os.getppid())
    except ValueError:
        parent = os.getppid()
    for folder in _jupyter_runtime_dirs():
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if not re.fullmatch(r"(jp|nb)server-\d+\.json", name):
                continue
            try:
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    info = json.load(f)
            except (OSError, ValueError):
                continue
            if info.get("pid") != parent or not isinstance(info.get("url"), str):
                continue
            origin = _origin(info["url"])
            if origin:
                return _with_twin(origin)
    return []


def embed_origins():
    """The origins allowed to show the profviz page in an IFrame:
    $PROFVIZ_EMBED_ORIGIN (origins separated by spaces or commas) when set,
    else the Jupyter server that started this kernel, else the usual
    http://localhost:8888 and http://127.0.0.1:8888."""
    env = os.environ.get("PROFVIZ_EMBED_ORIGIN", "").strip()
    if env:
        return [o for o in re.split(r"[\s,]+", env) if o]
    return jupyter_server_origins() or list(DEFAULT_ORIGINS)


def _supports(binary, option):
    try:
        out = subprocess.run([binary, "--help"], capture_output=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return option.encode() in out


class Server:
    """A running `profviz --dir` with its folder. Attributes: binary, root
    (a temporary folder removed by stop()), folder (the profiles, inside
    root), url ("http://127.0.0.1:PORT/"), origins (passed with
    --embed-origin, or [] when the binary has no such option), process."""

    def __init__(self, binary):
        self.binary = binary
        self.root = tempfile.mkdtemp(prefix="profviz-")
        self.folder = os.path.join(self.root, "profiles")
        os.mkdir(self.folder)
        self.log_path = os.path.join(self.root, "server.log")
        self.origins = embed_origins() if _supports(binary, "--embed-origin") else []
        cmd = [binary, "--dir", self.folder, "-s", "-H", "127.0.0.1", "-p", "0"]
        for origin in self.origins:
            cmd += ["--embed-origin", origin]
        env = dict(os.environ)
        env.pop("PROFVIZ_TOKEN", None)  # this server is the kernel's own: no token
        self.url = None
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(["/bin/sh", "-c", WATCH, "sh", self.root] + cmd,
                                            stdin=subprocess.PIPE, stdout=log, stderr=log,
                                            env=env, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            m = re.search(r"profviz: serving (http://\S+/)", self._log())
            if m:
                self.url = m.group(1)
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.005)
        log = self._log().strip()
        self.stop()
        raise ProfvizError(f"profviz --dir did not start ({' '.join(cmd)}):\n{log}")

    def _log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def upload(self, data, name):
        """Stores the profile bytes as NAME in the server's folder. Returns
        the server's summary ({"id", "name", "total_calls", ...}); raises
        ProfvizError with the server's message when it refuses them."""
        req = urllib.request.Request(
            self.url + "api/profiles?" + urllib.parse.urlencode({"name": name}), data=data,
            method="POST", headers={"Content-Type": "application/octet-stream"})
        try:
            with _opener.open(req, timeout=60) as r:
                return json.load(r)
        except urllib.error.HTTPError as e:
            try:
                message = json.load(e).get("error", "")
            except ValueError:
                message = ""
            raise ProfvizError(f"profviz refused the profile ({e.code}): {message}") from None
        except OSError as e:
            raise ProfvizError(f"profviz at {self.url} did not answer: {e}") from None

    def levels(self, profile_id, depth):
        """How many levels the page's first icicle has (the tree the UI asks
        for by default), or None when the server does not say."""
        try:
            with _opener.open(f"{self.url}api/profiles/{profile_id}/tree?depth={depth}",
                              timeout=30) as r:
                tree = json.load(r)
        except (OSError, ValueError):
            return None
        deepest, stack = 0, [(tree.get("root") or {}, 1)]
        while stack:
            node, level = stack.pop()
            deepest = max(deepest, level)
            stack.extend((c, level + 1) for c in node.get("children") or ())
        return deepest

    def page_url(self, profile_id):
        return f"{self.url}?profile={urllib.parse.quote(profile_id)}"

    def stop(self):
        """Stops the server and removes its folder."""
        p, self.process = self.process, None
        if p is not None:
            # the watcher, the server and nothing else: the session started
            # for them
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(p.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    p.wait(timeout=3)
                    break
                except subprocess.TimeoutExpired:
                    continue
            try:
                p.stdin.close()
            except OSError:
                pass
            p.wait()
        shutil.rmtree(self.root, ignore_errors=True)


_server = None


def get_server(binary):
    """The server of this process, started on first use (or again when it has
    died, or the binary changed). Raises ProfvizError when it cannot start."""
    global _server
    if _server is None or not _server.alive() or _server.binary != binary:
        if _server is not None:
            _server.stop()
        _server = Server(binary)
    return _server


def current_server():
    """The running server of this process, or None."""
    return _server if _server is not None and _server.alive() else None


@atexit.register
def stop_server():
    """Stops this process's server, if any (run at exit)."""
    global _server
    if _server is not None:
        _server.stop()
        _server = None
