#!/usr/bin/env python3
"""`profviz report --json` when memory runs out.

usage: python3 tests/integration/run_oom.py /path/to/profviz /path/to/failalloc.so

Runs each case once under the allocation-failing shim (failalloc.c) with
nothing failing, to count its allocations, then once for every N from 1 to
that count with allocation N failing, and once more with every allocation
from N on failing. Each run must either
- exit 0 with stdout byte for byte what the run without failures printed, or
- exit non-zero with stdout not a complete JSON document and a "profviz: ..."
  message on stderr;
never exit 0 with other output, never die of a signal, never hang.

Exits 77 (skipped for ctest) without a shim path (sanitizer builds: their
allocator must come first, so the shim cannot be preloaded) or when the
binary is built with AddressSanitizer. Prints "N passed, M failed" and exits
non-zero on any failure.
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as ri  # noqa: E402

check = ri.check
SKIP = 77
# Above this many allocations a case is swept at this many N, spread evenly.
MAX_RUNS = 2000


def golden(*names):
    return [os.path.join(ri.GOLDEN, n) for n in names]


CASES = [
    ("one file", ["report", "--json"] + golden("cprofile-py313.prof")),
    ("a Python 2.7 file", ["report", "--json"] + golden("profile-py27.prof")),
    ("two files merged",
     ["report", "--json"] + golden("cprofile-py313.prof", "cprofile-b-py313.prof")),
    ("a comparison", ["report", "--compare", "--json"]
     + [os.path.join(ri.GOLDEN, "compare", n) for n in ("before-py313.prof", "after-py313.prof")]),
]


def run(binary, shim, args, count_file, fail_at=0, after=False):
    env = dict(os.environ, LD_PRELOAD=shim, PV_FAIL_ALLOC_AT=str(fail_at),
               PV_FAIL_ALLOC_AFTER="1" if after else "0", PV_FAIL_ALLOC_COUNT=count_file)
    return subprocess.run([binary] + args, env=env, capture_output=True, timeout=30)


def is_json(data):
    try:
        json.loads(data)
        return True
    except ValueError:
        return False


def sweep(binary, shim, name, args, tmp):
    count_file = os.path.join(tmp, "count")
    base = run(binary, shim, args, count_file)
    if not check(f"{name}: runs without failures", base.returncode == 0 and is_json(base.stdout),
                 f"exit {base.returncode}, stderr {base.stderr[:300]!r}"):
        return 0
    try:
        with open(count_file) as f:
            total = int(f.read())
    except (OSError, ValueError):
        check(f"{name}: the shim counted the allocations", False, base.stderr[:300])
        return 0
    os.unlink(count_file)
    step = max(1, total // MAX_RUNS)
    runs = 0
    for after in (False, True):
        how = "every allocation from" if after else "allocation"
        for n in range(1, total + 1, step):
            runs += 1
            p = run(binary, shim, args, count_file, n, after)
            what = f"{name}: {how} {n} of {total} failing"
            if p.returncode < 0:
                check(what, False, f"killed by signal {-p.returncode}, stderr {p.stderr[-300:]!r}")
            elif p.returncode == 0:
                check(what, p.stdout == base.stdout,
                      f"exit 0 with {len(p.stdout)} bytes on stdout, not the {len(base.stdout)} "
                      f"of the normal run; stderr {p.stderr[:300]!r}")
            else:
                check(what, not is_json(p.stdout) and p.stderr.startswith(b"profviz"),
                      f"exit {p.returncode} with stdout {p.stdout[:100]!r}, "
                      f"stderr {p.stderr[:300]!r}")
    print(f"{name}: {total} allocations, {runs} runs")
    return runs


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    shim = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else ""
    if not shim:
        print("skipped: no failalloc shim (a sanitizer build)")
        return SKIP
    with open(binary, "rb") as f:
        if b"__asan_init" in f.read():
            print("skipped: profviz is built with AddressSanitizer, which the shim cannot go under")
            return SKIP
    with tempfile.TemporaryDirectory(prefix="pv-oom-") as tmp:
        try:
            for name, args in CASES:
                sweep(binary, shim, name, args, tmp)
        except Exception as e:
            import traceback
            traceback.print_exc()
            check("the tests ran to the end", False, repr(e))
    print(f"{ri.passed} passed, {ri.failed} failed")
    return 1 if ri.failed else 0


if __name__ == "__main__":
    sys.exit(main())
