#!/bin/sh
# Benchmark: `profviz report --limit 10` against Python's pstats on the same
# large profile (300,000 functions, ~770,000 caller edges, ~47 MB).
#
#   bench/bench_report.sh [PROFVIZ_BINARY]     (default build/server/profviz)
#
# Generates bench/out/large.prof (gitignored) if missing, then runs each tool
# 3 times and prints the best wall time, the peak resident memory
# (/usr/bin/time -f %M), the file size and the ratios. Targets: profviz at
# least 40x faster than pstats, peak memory under 2.5x the file size.
# PYTHON overrides the interpreter (default /usr/bin/python3, Debian's).
set -eu

cd "$(dirname "$0")/.."
BIN=${1:-build/server/profviz}
if [ -n "${PYTHON:-}" ]; then
    PY=$PYTHON
elif [ -x /usr/bin/python3 ]; then
    PY=/usr/bin/python3
else
    PY=python3
fi
FILE=bench/out/large.prof
RUNS=3

if [ ! -x "$BIN" ]; then
    echo "bench_report.sh: no profviz binary at $BIN (build it first)" >&2
    exit 2
fi
if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (Debian package 'time')" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq && $SUDO apt-get install -y -qq time >/dev/null
fi
if [ ! -f "$FILE" ]; then
    mkdir -p bench/out
    "$PY" bench/gen_large_profile.py "$FILE"
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT INT TERM

# measure NAME CMD...: best wall time in seconds and the largest peak RSS
# (KiB) over $RUNS runs, written to $TMP/NAME.
measure() {
    name=$1
    shift
    best=
    peak=0
    i=0
    while [ $i -lt $RUNS ]; do
        start=$(date +%s%N)
        if ! /usr/bin/time -f %M -o "$TMP/rss" "$@" >"$TMP/out" 2>"$TMP/err"; then
            echo "bench_report.sh: $name failed:" >&2
            cat "$TMP/err" >&2
            exit 1
        fi
        end=$(date +%s%N)
        ns=$((end - start))
        rss=$(tail -n 1 "$TMP/rss")
        if [ -z "$best" ] || [ "$ns" -lt "$best" ]; then best=$ns; fi
        if [ "$rss" -gt "$peak" ]; then peak=$rss; fi
        i=$((i + 1))
    done
    echo "$best $peak" >"$TMP/$name"
}

SIZE=$(stat -c %s "$FILE")
measure profviz "$BIN" report --limit 10 "$FILE"
measure pstats "$PY" -c 'import pstats,sys; pstats.Stats(sys.argv[1]).sort_stats("tottime").print_stats(10)' "$FILE"

read -r pv_ns pv_kb <"$TMP/profviz"
read -r ps_ns ps_kb <"$TMP/pstats"
awk -v size="$SIZE" -v file="$FILE" -v runs="$RUNS" -v py="$("$PY" -c 'import sys; print(sys.version.split()[0])')" \
    -v pv_ns="$pv_ns" -v pv_kb="$pv_kb" -v ps_ns="$ps_ns" -v ps_kb="$ps_kb" 'BEGIN {
    mb = 1024 * 1024
    printf "file     %s: %d bytes (%.1f MiB)\n", file, size, size / mb
    printf "profviz  report --limit 10:    best of %d %8.3f s   peak %8.1f MiB\n", runs, pv_ns / 1e9, pv_kb / 1024
    printf "pstats   (Python %s):      best of %d %8.3f s   peak %8.1f MiB\n", py, runs, ps_ns / 1e9, ps_kb / 1024
    speed = ps_ns / pv_ns
    mem = pv_kb * 1024 / size
    printf "speedup  %.1fx (target >= 40x: %s)\n", speed, (speed >= 40 ? "met" : "MISSED")
    printf "memory   profviz peak / file size = %.2f (target < 2.5: %s); pstats peak / file size = %.2f\n",
           mem, (mem < 2.5 ? "met" : "MISSED"), ps_kb * 1024 / size
}'
