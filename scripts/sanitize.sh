#!/bin/sh
# scripts/sanitize.sh: the unit and golden tests under AddressSanitizer and
# UndefinedBehaviorSanitizer.
#
#   scripts/sanitize.sh
#
# Configures build-asan/ with -DPROFVIZ_SANITIZE=ON (ASan + UBSan,
# -fno-sanitize-recover: the first finding fails the test) and
# -DPROFVIZ_WERROR=ON (the checked warning list as errors), builds with 2 jobs
# and runs `ctest -L 'unit|golden'`. Extra arguments go to ctest (e.g.
# `scripts/sanitize.sh -R parser`). Exits nonzero on any build error, warning,
# test failure or sanitizer report. Uses $CC when set (gcc or clang).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-asan

cmake -S "$root" -B "$build" -DPROFVIZ_SANITIZE=ON -DPROFVIZ_WERROR=ON >/dev/null
cmake --build "$build" -j2
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --test-dir "$build" -L 'unit|golden' --output-on-failure "$@"
