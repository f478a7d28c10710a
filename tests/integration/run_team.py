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

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402
from cases_team_access import test_command_line, test_token  # noqa: E402
from cases_team_limits import test_cache, test_concurrent, test_limits  # noqa: E402
from cases_team_uploads import test_growing_file, test_restart, test_uploads_and_listing  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="profviz-team-test-")
    try:
        for test in (lambda: test_restart(binary, test_uploads_and_listing(binary, work)),
                     lambda: test_growing_file(binary, tempfile.mkdtemp(dir=work)),
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
    print(f"{harness.passed} passed, {harness.failed} failed")
    return 1 if harness.failed else 0


if __name__ == "__main__":
    sys.exit(main())
