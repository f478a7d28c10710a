#!/bin/sh
# scripts/fuzz.sh [SECONDS]: fuzz the .prof parser with libFuzzer.
#
#   scripts/fuzz.sh        # 60 seconds
#   scripts/fuzz.sh 600    # ten minutes
#
# Configures a clang build with ASan + UBSan in build-fuzz/
# (-DPROFVIZ_FUZZ=ON -DPROFVIZ_SANITIZE=ON), builds the fuzz_pstats target
# (tests/fuzz/fuzz_pstats.c), runs it for SECONDS on a scratch copy of the
# seed corpus tests/fuzz/corpus/ plus tests/fuzz/regressions/ (the committed
# folders are never written to), then replays every regression file. Exits
# nonzero when the fuzzer finds a crash, leak, hang or broken invariant; the
# input that did it is saved as build-fuzz/artifacts/crash-* (or leak-*,
# timeout-*, oom-*): fix the parser, then commit the input to
# tests/fuzz/regressions/ under a name that says what it caught.
# Needs clang (the fuzzer runtime) and cmake; uses 2 build jobs.
set -eu

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DPROFVIZ_FUZZ=ON \
    -DPROFVIZ_SANITIZE=ON -DPROFVIZ_TESTS=OFF >/dev/null
cmake --build "$build" --target fuzz_pstats -j2
fuzzer=$build/tests/fuzz/fuzz_pstats

work=$build/corpus
rm -rf "$work"
mkdir -p "$work" "$build/artifacts"
cp "$root"/tests/fuzz/corpus/* "$work"/
regressions=$(find "$root/tests/fuzz/regressions" -type f ! -name '*.md' | sort)
for f in $regressions; do cp "$f" "$work"/; done

echo "fuzz.sh: fuzzing for ${seconds}s on $(ls "$work" | wc -l) seed files"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/" "$work"

if [ -n "$regressions" ]; then
    echo "fuzz.sh: replaying $(echo "$regressions" | wc -l) regression files"
    # shellcheck disable=SC2086 # one argument per file; names have no spaces
    "$fuzzer" -runs=1 $regressions
fi
echo "fuzz.sh: no crash"
