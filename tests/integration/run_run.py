#!/usr/bin/env python3
"""Integration tests of `profviz run`: the real binary running real programs.

usage: python3 tests/integration/run_run.py /path/to/profviz

Runs scripts that finish, raise, call sys.exit(3), are run with -m, and are
stopped with SIGINT (sent to the process group as a terminal's Ctrl-C does,
and to profviz alone as kill does); checks the program's stdin, stdout,
stderr, arguments and exit status are its own, that the profile is written
and reads in pstats with the program's functions in it, the default file
name, the venv's Python being the one used, PROFVIZ_PYTHON, --no-serve, and
serving (the profile is listed by the server, which stops on SIGINT with the
program's status). Only the Python standard library is used. Prints
"N passed, M failed" and exits non-zero on any failure.
"""

import json
import os
import pstats
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  (check and the pass/fail count, shared with the other runners)
from harness import check  # noqa: E402


SCRIPTS = {
    "ok.py": """
import sys
def work(n):
    return sum(i * i for i in range(n))
line = sys.stdin.readline().strip()
print("out:", line, sys.argv[1:], work(20000))
print("err: to stderr", file=sys.stderr)
""",
    "raises.py": """
def inner():
    raise ValueError("this went wrong")
def outer():
    inner()
outer()
""",
    "exit3.py": """
import sys
def leave():
    print("leaving")
    sys.exit(3)
leave()
""",
    "loop.py": """
import sys
def spin():
    while True:
        sum(range(1000))
print("started", flush=True)
spin()
""",
    "whoami.py": """
import os, sys
def where():
    return sys.prefix
print(where())
print(os.path.realpath(sys.executable))
""",
    "imports_sibling.py": """
import sibling
sibling.hello()
""",
    "sibling.py": """
def hello():
    print("sibling imported")
""",
    "chdir.py": """
import os
def move():
    os.chdir("/")
move()
""",
    "exit_os.py": """
import os
os._exit(5)
""",
}

MODULE = """
import sys
def module_main():
    print("module", __name__, sys.argv[1:])
    return 7
if __name__ == "__main__":
    sys.exit(module_main())
"""


def functions(path):
    """The function names in a profile, read by pstats."""
    st = pstats.Stats(path)
    return {key[2] for key in st.stats}, st


def run(binary, args, cwd, stdin=b"", env=None, timeout=60):
    p = subprocess.run([binary, "run"] + args, cwd=cwd, input=stdin, capture_output=True,
                       env=env, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_finishes(binary, work):
    code, out, err = run(binary, ["--no-serve", "-o", "ok.prof", "ok.py", "a", "--b"], work,
                         stdin=b"from stdin\n")
    check("a script that finishes exits 0", code == 0, f"{code} {err}")
    check("its stdin, stdout and arguments are its own",
          out == "out: from stdin ['a', '--b'] 2666466670000\n", repr(out))
    check("its stderr is its own", err.startswith("err: to stderr\n"), err)
    check("the end is reported", "profviz: ok.py finished with status 0" in err, err)
    check("the file is named on the terminal", "profviz: profile written to ok.prof" in err, err)
    check("--no-serve serves nothing", "serving" not in out + err, out + err)
    names, st = functions(os.path.join(work, "ok.prof"))
    check("the profile holds the script's functions", {"work", "<module>", "<genexpr>"} <= names,
          sorted(names))
    work_calls = [v[1] for k, v in st.stats.items() if k[2] == "work"]
    check("the profile counts the calls", work_calls == [1], work_calls)


def test_default_name(binary, work):
    before = set(os.listdir(work))
    code, out, err = run(binary, ["--no-serve", "ok.py"], work, stdin=b"x\n")
    made = sorted(set(os.listdir(work)) - before)
    check("default name: one file made", len(made) == 1, made)
    if made:
        check("default name is <script>-YYYYmmdd-HHMMSS.prof",
              re.fullmatch(r"ok-\d{8}-\d{6}\.prof", made[0]) is not None, made[0])
        check("the default name is printed", f"profile written to ./{made[0]}" in err, err)
    code, out, err = run(binary, ["--no-serve", "ok.py"], work, stdin=b"x\n")
    made2 = sorted(set(os.listdir(work)) - before)
    check("a second run in the same second does not overwrite the first",
          len(made2) == 2 or (len(made2) == 2 and made2[0] != made2[1]), made2)
    for m in made2:
        os.unlink(os.path.join(work, m))


def test_raises(binary, work):
    code, out, err = run(binary, ["--no-serve", "-o", "raises.prof", "raises.py"], work)
    check("a script that raises exits 1", code == 1, f"{code} {err}")
    check("the traceback is printed as python prints it",
          err.startswith("Traceback (most recent call last):\n  File \"raises.py\", line 5"), err)
    check("the traceback shows no profviz frames", "_profviz_run" not in err and "<string>" not in err,
          err)
    check("ValueError: this went wrong is printed", "ValueError: this went wrong" in err, err)
    check("the exception is reported", "profviz: raises.py raised ValueError (exit status 1)" in err,
          err)
    names, _ = functions(os.path.join(work, "raises.prof"))
    check("the profile of a raising script is written", {"inner", "outer"} <= names, sorted(names))


def test_exit3(binary, work):
    code, out, err = run(binary, ["--no-serve", "-o", "exit3.prof", "exit3.py"], work)
    check("sys.exit(3) gives status 3", code == 3, f"{code} {err}")
    check("sys.exit: stdout is the program's", out == "leaving\n", repr(out))
    check("sys.exit is reported", "profviz: exit3.py exited with status 3" in err, err)
    names, _ = functions(os.path.join(work, "exit3.prof"))
    check("the profile of sys.exit(3) is written", "leave" in names, sorted(names))


def test_module(binary, work):
    pkg = os.path.join(work, "pkgdemo")
    os.makedirs(pkg, exist_ok=True)
    with open(os.path.join(pkg, "__init__.py"), "w") as f:
        f.write("")
    with open(os.path.join(pkg, "tool.py"), "w") as f:
        f.write(MODULE)
    code, out, err = run(binary, ["--no-serve", "-o", "mod.prof", "-m", "pkgdemo.tool", "x", "-y"],
                         work)
    check("-m: the module's status", code == 7, f"{code} {err}")
    check("-m: runs as __main__ with its arguments", out == "module __main__ ['x', '-y']\n",
          repr(out))
    check("-m is reported", "profviz: -m pkgdemo.tool exited with status 7" in err, err)
    names, _ = functions(os.path.join(work, "mod.prof"))
    check("-m: the profile holds the module's function", "module_main" in names, sorted(names))
    before = set(os.listdir(work))
    code, out, err = run(binary, ["--no-serve", "-m", "pkgdemo.tool"], work)
    made = sorted(set(os.listdir(work)) - before)
    check("-m: default name from the module",
          len(made) == 1 and re.fullmatch(r"pkgdemo\.tool-\d{8}-\d{6}\.prof", made[0]), made)
    for m in made:
        os.unlink(os.path.join(work, m))
    code, out, err = run(binary, ["--no-serve", "-o", "none.prof", "-m", "no_such_module_xyz"], work)
    check("-m with an unknown module: python's message and status 1",
          code == 1 and "No module named no_such_module_xyz" in err, f"{code} {err}")
    check("-m with an unknown module writes nothing", not os.path.exists(os.path.join(work, "none.prof")))


def interrupt(binary, work, name, group):
    p = subprocess.Popen([binary, "run", "--no-serve", "-o", name, "loop.py"], cwd=work,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    first = p.stdout.readline()
    time.sleep(0.3)
    if group:
        os.killpg(p.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    else:
        os.kill(p.pid, signal.SIGINT)
    try:
        out, err = p.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return p.returncode, first.decode(), err.decode()


def test_sigint(binary, work):
    for group in (True, False):
        how = "Ctrl-C to the group" if group else "SIGINT to profviz alone"
        name = f"int-{int(group)}.prof"
        code, first, err = interrupt(binary, work, name, group)
        check(f"{how}: the program ran", first == "started\n", first)
        check(f"{how}: status 130", code == 130, f"{code} {err}")
        check(f"{how}: KeyboardInterrupt traceback", "KeyboardInterrupt" in err, err)
        check(f"{how}: reported as interrupted", "loop.py was interrupted (Ctrl-C)" in err, err)
        path = os.path.join(work, name)
        if check(f"{how}: the profile exists", os.path.exists(path)):
            names, st = functions(path)
            check(f"{how}: the profile parses and holds what ran", "spin" in names, sorted(names))
    # A second SIGINT while the program still runs (it ignores the first) quits.
    with open(os.path.join(work, "stubborn.py"), "w") as f:
        f.write("import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                "print('started', flush=True)\ntime.sleep(30)\n")
    p = subprocess.Popen([binary, "run", "--no-serve", "-o", "stubborn.prof", "stubborn.py"],
                         cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    p.stdout.readline()
    t0 = time.monotonic()
    os.kill(p.pid, signal.SIGINT)
    time.sleep(0.2)
    os.kill(p.pid, signal.SIGINT)
    out, err = p.communicate(timeout=20)
    err = err.decode()
    check("a second SIGINT quits at once", time.monotonic() - t0 < 5)
    check("a second SIGINT: status 130 and said so",
          p.returncode == 130 and "second Ctrl-C" in err, f"{p.returncode} {err}")


def test_python_choice(binary, work, tmp):
    venv = os.path.join(tmp, "venv")
    made = subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv],
                          capture_output=True)
    if not check("python3 -m venv works (python3-venv)", made.returncode == 0,
                 made.stderr.decode()):
        return
    env = dict(os.environ)
    env.pop("PROFVIZ_PYTHON", None)
    env["PATH"] = os.path.join(venv, "bin") + os.pathsep + env.get("PATH", "")
    env["VIRTUAL_ENV"] = venv
    code, out, err = run(binary, ["--no-serve", "-o", "venv.prof", "whoami.py"], work, env=env)
    lines = out.splitlines()
    check("an active venv's python3 is the one used",
          code == 0 and lines and os.path.realpath(lines[0]) == os.path.realpath(venv),
          f"{code} {out} {err}")
    env = dict(os.environ)
    env["PROFVIZ_PYTHON"] = sys.executable
    code, out, err = run(binary, ["--no-serve", "-o", "pp.prof", "whoami.py"], work, env=env)
    lines = out.splitlines()
    check("PROFVIZ_PYTHON is the one used",
          code == 0 and len(lines) == 2 and lines[1] == os.path.realpath(sys.executable),
          f"{code} {out} {err}")
    env["PROFVIZ_PYTHON"] = os.path.join(tmp, "no-such-python")
    code, out, err = run(binary, ["--no-serve", "-o", "np.prof", "ok.py"], work, env=env)
    check("a missing Python: status 2 and a message naming it",
          code == 2 and "no-such-python not found" in err and "PROFVIZ_PYTHON" in err,
          f"{code} {err}")


def test_program_environment(binary, work, tmp):
    other = os.path.join(tmp, "elsewhere")
    os.makedirs(other, exist_ok=True)
    code, out, err = run(binary, ["--no-serve", "-o", "sib.prof",
                                  os.path.join(work, "imports_sibling.py")], other)
    check("sys.path[0] is the script's folder", code == 0 and out == "sibling imported\n",
          f"{code} {out} {err}")
    code, out, err = run(binary, ["--no-serve", "-o", "moved.prof", "chdir.py"], work)
    check("a relative -o is written where profviz was started, even if the program chdirs",
          code == 0 and os.path.exists(os.path.join(work, "moved.prof")), f"{code} {err}")
    code, out, err = run(binary, ["--no-serve", "-o", "osexit.prof", "exit_os.py"], work)
    check("os._exit: its status and no profile, said so",
          code == 5 and "no profile was written" in err and
          not os.path.exists(os.path.join(work, "osexit.prof")), f"{code} {err}")
    code, out, err = run(binary, ["--no-serve", "-o", "x.prof", "no_such_script.py"], work)
    check("a missing script: python's message and status 2",
          code == 2 and "can't open file 'no_such_script.py'" in err, f"{code} {err}")
    marker = os.path.join(work, "ran-marker")
    with open(os.path.join(work, "marker.py"), "w") as f:
        f.write(f"open({marker!r}, 'w').close()\n")
    code, out, err = run(binary, ["-p", "notaport", "marker.py"], work)
    check("a bad serving option is refused before the program runs",
          code == 2 and "--port" in err and not os.path.exists(marker), f"{code} {err}")
    code, out, err = run(binary, ["--no-serve", "-o", "/nonexistent-dir/x.prof", "marker.py"], work)
    check("an unwritable -o is refused before the program runs",
          code == 2 and "cannot write the profile" in err and not os.path.exists(marker),
          f"{code} {err}")
    code, out, err = run(binary, ["--no-serve"], work)
    check("no program: usage error", code == 2 and "no program given" in err, err)


def test_serving_options_with_values(binary, work):
    """Every serving option that `profviz --help` shows with a value takes
    the next word as that value, not as the program."""
    text = subprocess.run([binary, "--help"], capture_output=True, text=True).stdout
    options = re.findall(r"^\s+(?:(-[A-Za-z]), )?(--[a-z-]+) [A-Z]", text, re.M)
    check("profviz --help lists serving options with values", len(options) >= 5, options)
    for short, long in options:
        if long == "--dir":
            continue
        for opt in filter(None, (short, long)):
            code, out, err = run(binary, ["--no-serve", "-o", "opt.prof", opt, "1", "ok.py", "x"],
                                 work, stdin=b"in\n")
            check(f"profviz run {opt} VALUE script.py: the value is the option's",
                  code == 0 and out.startswith("out: in ['x']"), f"{code} {out} {err}")


def test_serves(binary, work):
    p = subprocess.Popen([binary, "run", "-s", "-p", "0", "-o", "served.prof", "exit3.py"],
                         cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline().decode()
    line = p.stdout.readline().decode()
    m = re.match(r"profviz: serving (http://127\.0\.0\.1:\d+/)$", line.strip())
    check("the program's stdout comes first", first == "leaving\n", first)
    if check("then the profile is served", m is not None, line):
        with urllib.request.urlopen(m.group(1) + "api/profiles", timeout=10) as r:
            listing = json.load(r)
        st = pstats.Stats(os.path.join(work, "served.prof"))
        check("the server holds the profile written",
              len(listing) == 1 and listing[0]["name"] == "served.prof" and
              listing[0]["total_calls"] == st.total_calls, listing)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    check("stopping the server: profviz exits with the program's status", p.returncode == 3,
          f"{p.returncode} {err.decode()}")


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="profviz-run-")
    try:
        work = os.path.join(tmp, "work")
        os.makedirs(work)
        for name, text in SCRIPTS.items():
            with open(os.path.join(work, name), "w") as f:
                f.write(text.lstrip())
        test_finishes(binary, work)
        test_default_name(binary, work)
        test_raises(binary, work)
        test_exit3(binary, work)
        test_module(binary, work)
        test_sigint(binary, work)
        test_python_choice(binary, work, tmp)
        test_program_environment(binary, work, tmp)
        test_serving_options_with_values(binary, work)
        test_serves(binary, work)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{harness.passed} passed, {harness.failed} failed")
    return 1 if harness.failed else 0


if __name__ == "__main__":
    sys.exit(main())
