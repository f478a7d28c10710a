#!/usr/bin/env python3
"""bench_run.py: what `profviz run` and `%profviz` add to a profiled run.

usage: python3 bench/bench_run.py [path/to/profviz] [--runs N]

A benchmark, not a test: it prints figures and never fails on them.

1. `profviz run`: wall and CPU time of two scripts (one that sleeps 0.3 s,
   so that nearly all of the difference is profviz's; one that makes many
   calls, so that cProfile's own slowdown shows), each run four ways, median of N
   (default 7), alternating, with the Python that python3 on PATH runs
   (resolved, and given to profviz as PROFVIZ_PYTHON): `python3 script.py`; `python3 -m cProfile -o F
   script.py` (the two-step way: the profiling itself); `profviz run
   --no-serve`; and `profviz run -s` up to its "profviz: serving" line, the
   moment the browser would be opened. Prints what profviz adds to the bare
   run and to the cProfile run (the latter is profviz's own cost: the
   bootstrap, loading the profile, starting the server).
2. `%profviz` in IPython (needs a Python with IPython; the package is taken
   from python/): in N fresh processes, the first %profviz (which starts the
   server) and 5 later ones, from the moment the profiled code finishes to the
   display object being published (the magic's `seconds_to_show`), then, in
   headless Chromium (bench/bench_frame.mjs), from inserting each IFrame to
   the first icicle drawn inside it. The sum is "code finished -> picture".
"""

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

WORKLOAD = '''
import json, re
def tokenize(text):
    return re.findall(r"[a-z]+", text)
def encode(i):
    return json.dumps({"i": i, "words": tokenize("alpha beta gamma delta " * (i % 7))})
def main():
    rows = [json.loads(encode(i)) for i in range(10000)]
    return sum(len(r["words"]) for r in rows)
print(main())
'''

DRIVER = r'''
import json, sys, time
from IPython.core.interactiveshell import InteractiveShell
from IPython.core.displaypub import CapturingDisplayPublisher
sh = InteractiveShell.instance()
sh.display_pub = CapturingDisplayPublisher()
sh.run_cell("%load_ext profviz")
sh.run_cell("import json\ndef work(n):\n    return [json.loads(json.dumps({'i': i})) for i in range(n)]")
out = []
for k in range(6):
    r = sh.run_cell("v = %profviz work(20000)")
    v = sh.user_ns["v"]
    out.append({"seconds": v.seconds_to_show, "url": v.url})
print(json.dumps(out), flush=True)
sys.stdin.read()
'''


def median_ms(xs):
    return statistics.median(xs) * 1000


def cpu_of(pid):
    """Waits for pid; its CPU time (user + system, with the children it
    waited for), which a loaded machine inflates far less than wall time."""
    _, status, usage = os.wait4(pid, 0)
    return usage.ru_utime + usage.ru_stime


def wall(cmd, cwd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cpu = cpu_of(p.pid)
    p.returncode = 0
    return time.perf_counter() - t0, cpu


def until_serving(cmd, cwd):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    while True:
        line = p.stdout.readline()
        if not line:
            raise RuntimeError("profviz run ended without serving")
        if line.startswith(b"profviz: serving"):
            break
    t = time.perf_counter() - t0
    p.send_signal(signal.SIGINT)
    cpu = cpu_of(p.pid)
    p.returncode = 0
    return t, cpu


SLEEPER = '''
import time
def wait():
    time.sleep(0.3)
wait()
'''


def bench_run(binary, runs, tmp, name, text, what):
    script = os.path.join(tmp, name)
    with open(script, "w") as f:
        f.write(text)
    # The Python python3 on PATH runs, resolved: a shim (pyenv's is a shell
    # script) would add its own start-up to every run, bare or not.
    py = subprocess.run(["python3", "-c", "import sys; print(sys.executable)"], capture_output=True,
                        text=True, check=True).stdout.strip()
    os.environ["PROFVIZ_PYTHON"] = py
    times = {"bare": [], "cprofile": [], "no-serve": [], "serving": []}
    cpu = {k: [] for k in times}
    wall([py, script], tmp)  # warm the file cache
    for k in range(runs):
        for key, (t, c) in (
                ("bare", wall([py, script], tmp)),
                ("cprofile", wall([py, "-m", "cProfile", "-o", "c.prof", script], tmp)),
                ("no-serve", wall([binary, "run", "--no-serve", "-o", "r.prof", script], tmp)),
                ("serving", until_serving([binary, "run", "-s", "-p", "0", "-o", "s.prof", script],
                                          tmp))):
            times[key].append(t)
            cpu[key].append(c)
    m = {k: median_ms(v) for k, v in times.items()}
    c = {k: median_ms(v) for k, v in cpu.items()}
    load = os.getloadavg()[0]
    print(f"profviz run, {what} (median of {runs}, {py}, load average {load:.1f}):")
    print("                                              wall      CPU (user+system)")
    print(f"  python3 script.py                        {m['bare']:7.1f} ms {c['bare']:7.1f} ms")
    print(f"  python3 -m cProfile -o F script.py       {m['cprofile']:7.1f} ms {c['cprofile']:7.1f} ms")
    print(f"  profviz run --no-serve script.py         {m['no-serve']:7.1f} ms {c['no-serve']:7.1f} ms")
    print(f"  profviz run -s script.py, until serving  {m['serving']:7.1f} ms {c['serving']:7.1f} ms")
    print(f"  added to the bare run before the browser opens: {m['serving'] - m['bare']:.1f} ms "
          f"(cProfile's own slowdown included; target < 100 ms)")
    print(f"  added to python -m cProfile -o (profviz's own part): "
          f"{m['serving'] - m['cprofile']:.1f} ms wall, {c['serving'] - c['cprofile']:.1f} ms CPU")


def ipython_python():
    for py in (sys.executable, "/usr/bin/python3"):
        if subprocess.run([py, "-c", "import IPython"], capture_output=True).returncode == 0:
            return py
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def bench_magic(binary, runs, tmp):
    py = ipython_python()
    if py is None:
        print("%profviz: skipped, no Python with IPython (apt-get install python3-ipython)")
        return
    first, later, first_draw, later_draw = [], [], [], []
    for k in range(runs):
        port = free_port()
        env = dict(os.environ, PROFVIZ_BIN=binary, PYTHONPATH=os.path.join(REPO, "python"),
                   PROFVIZ_EMBED_ORIGIN=f"http://127.0.0.1:{port}")
        p = subprocess.Popen([py, "-c", DRIVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env, cwd=tmp)
        line = b""
        while not line.startswith(b"["):
            line = p.stdout.readline()
            if not line:
                raise RuntimeError("the IPython driver ended early")
        cells = json.loads(line)
        draw = subprocess.run(["node", os.path.join(HERE, "bench_frame.mjs"), str(port)] +
                              [c["url"] for c in cells], capture_output=True, text=True)
        p.stdin.close()
        p.wait()
        ms = json.loads(draw.stdout)["ms"] if draw.returncode == 0 else None
        first.append(cells[0]["seconds"] * 1000)
        later += [c["seconds"] * 1000 for c in cells[1:]]
        if ms:
            first_draw.append(ms[0])
            later_draw += ms[1:]
        elif k == 0:
            print(f"  (no Chromium figures: {draw.stderr.strip()[:200]})")
    med = statistics.median
    print(f"%profviz in IPython ({runs} fresh processes, 1 first and 5 later cells each; medians):")
    print(f"  first:  code finished -> display published {med(first):6.1f} ms (starts the server)"
          + (f", IFrame inserted -> icicle drawn {med(first_draw):6.1f} ms, "
             f"total {med(first) + med(first_draw):6.1f} ms (target < 1000 ms)" if first_draw else ""))
    print(f"  later:  code finished -> display published {med(later):6.1f} ms"
          + (f", IFrame inserted -> icicle drawn {med(later_draw):6.1f} ms, "
             f"total {med(later) + med(later_draw):6.1f} ms (target < 300 ms)" if later_draw else ""))


def main():
    if "--magic-only" in sys.argv:
        sys.argv.remove("--magic-only")
        only_magic = True
    else:
        only_magic = False
    args = sys.argv[1:]
    runs = 7
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    binary = os.path.abspath(args[0] if args else os.path.join(REPO, "build/server/profviz"))
    with tempfile.TemporaryDirectory(prefix="profviz-bench-run-") as tmp:
        if not only_magic:
            bench_run(binary, runs, tmp, "sleeper.py", SLEEPER,
                      "a script that sleeps 0.3 s (what profviz itself adds)")
            bench_run(binary, runs, tmp, "workload.py", WORKLOAD,
                      "a call-heavy script (cProfile's own slowdown shows)")
        bench_magic(binary, max(1, min(runs, 3)), tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
