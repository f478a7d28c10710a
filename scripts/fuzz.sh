#!/bin/sh
# scripts/fuzz.sh [SECONDS] [TARGET...]: fuzz profviz's parsers of untrusted
# bytes with libFuzzer.
#
#   scripts/fuzz.sh                 # 60 seconds for each target
#   scripts/fuzz.sh 600 fuzz_gzip   # ten minutes, one target
#
# Targets (tests/fuzz/), each with its seed corpus:
#   fuzz_pstats     the .prof parser           tests/fuzz/corpus/
#   fuzz_params     API path and query params  tests/fuzz/corpus-params/
#                   (and the Host/Origin/redirect rules)
#   fuzz_multipart  multipart/form-data bodies tests/fuzz/corpus-multipart/
#   fuzz_gzip       gzip input (capped)        tests/fuzz/corpus-gzip/
#
# Configures a clang build with ASan + UBSan in build-fuzz/
# (-DPROFVIZ_FUZZ=ON -DPROFVIZ_SANITIZE=ON), builds the targets, runs each
# for SECONDS on a scratch copy of its seed corpus plus
# tests/fuzz/regressions/ (the committed folders are never written to), then
# replays every regression file through each target. Exits nonzero when a
# fuzzer finds a crash, leak, hang or broken invariant; the input that did it
# is saved as build-fuzz/artifacts/TARGET-crash-* (or leak-*, timeout-*,
# oom-*): fix the code, then commit the input to tests/fuzz/regressions/
# under a name that says what it caught. Needs clang and cmake; 2 build jobs.
set -eu

seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-fuzz_pstats fuzz_params fuzz_multipart fuzz_gzip}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DPROFVIZ_FUZZ=ON \
    -DPROFVIZ_SANITIZE=ON -DPROFVIZ_TESTS=OFF >/dev/null
# shellcheck disable=SC2086 # one word per target
cmake --build "$build" --target $targets -j2
mkdir -p "$build/artifacts"
regressions=$(find "$root/tests/fuzz/regressions" -type f ! -name '*.md' | sort)

for target in $targets; do
    case $target in
        fuzz_pstats) seeds=$root/tests/fuzz/corpus ;;
        fuzz_*) seeds=$root/tests/fuzz/corpus-${target#fuzz_} ;;
    esac
    fuzzer=$build/tests/fuzz/$target
    work=$build/corpus-$target
    rm -rf "$work"
    mkdir -p "$work"
    cp "$seeds"/* "$work"/
    for f in $regressions; do cp "$f" "$work"/; done
    echo "fuzz.sh: $target for ${seconds}s on $(ls "$work" | wc -l) seed files"
    "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$target-" "$work"
    if [ -n "$regressions" ]; then
        echo "fuzz.sh: $target: replaying $(echo "$regressions" | wc -l) regression files"
        # shellcheck disable=SC2086 # one argument per file; names have no spaces
        "$fuzzer" -runs=1 $regressions
    fi
done
echo "fuzz.sh: no crash"
