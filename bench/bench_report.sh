#!/bin/sh
# Benchmark: `profviz report` against Python's pstats and against the floor
# (a bare marshal walk) on the same large profile (300,000 functions, ~740,000
# caller edges, ~45 MB).
#
#   bench/bench_report.sh [PROFVIZ_BINARY [MARSHAL_WALK_BINARY]]
#       (defaults build/server/profviz and build/bench/marshal_walk)
#
# Generates bench/out/large.prof (gitignored) if missing, then runs each of
#   profviz report --limit 10 FILE
#   pstats.Stats(FILE).sort_stats("tottime").print_stats(10)
#   marshal_walk FILE           (bench/marshal_walk.c: tokenizes, builds nothing)
#   profviz report --json FILE  (output to /dev/null)
# RUNS times (default 3), interleaved, and prints for each the best and worst
# wall time, the best CPU time (user + system) and the peak resident memory
# (/usr/bin/time), then the ratios against the targets:
#   report --limit 10 at least 40x faster than pstats in every run (run i of
#     pstats against run i of profviz, the smallest ratio printed),
#   report --limit 10 within 2.5x of the marshal walk (best against best),
#   report --json under 1 s (best), peak memory under 2.5x the file size.
# Each run is preceded by a read of the whole file (cat), for every tool
# alike: a profile just written is in the page cache, and some virtual
# machines drop file pages within seconds of their use (fincore shows it), so
# that without the read a run would also time this machine's disk, more for
# a short run than for pstats' long one.
# The machine may be shared: wall times then vary from run to run, CPU times
# less. PYTHON overrides the interpreter (default /usr/bin/python3, Debian's).
set -eu

cd "$(dirname "$0")/.."
BIN=${1:-build/server/profviz}
WALK=${2:-build/bench/marshal_walk}
if [ -n "${PYTHON:-}" ]; then
    PY=$PYTHON
elif [ -x /usr/bin/python3 ]; then
    PY=/usr/bin/python3
else
    PY=python3
fi
FILE=bench/out/large.prof
RUNS=${RUNS:-3}

for b in "$BIN" "$WALK"; do
    if [ ! -x "$b" ]; then
        echo "bench_report.sh: no binary at $b (build it first)" >&2
        exit 2
    fi
done
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

# once NAME CMD...: one run; appends "wall_ns cpu_s rss_kib" to $TMP/NAME.
once() {
    name=$1
    shift
    cat "$FILE" >/dev/null # in the page cache, as a profile just written is
    start=$(date +%s%N)
    if ! /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$@" >/dev/null 2>"$TMP/err"; then
        echo "bench_report.sh: $name failed:" >&2
        cat "$TMP/err" >&2
        exit 1
    fi
    end=$(date +%s%N)
    tail -n 1 "$TMP/time" | awk -v ns=$((end - start)) '{ printf "%.0f %.3f %d\n", ns, $1 + $2, $3 }' \
        >>"$TMP/$name"
}

i=0
while [ $i -lt "$RUNS" ]; do
    once profviz "$BIN" report --limit 10 "$FILE"
    once pstats "$PY" -c 'import pstats,sys; pstats.Stats(sys.argv[1]).sort_stats("tottime").print_stats(10)' "$FILE"
    once walk "$WALK" "$FILE"
    once json "$BIN" report --json "$FILE"
    i=$((i + 1))
done

SIZE=$(stat -L -c %s "$FILE")
PYV=$("$PY" -c 'import sys; print(sys.version.split()[0])')
# Each run's wall times, in the order they ran, then the summary.
paste "$TMP/profviz" "$TMP/pstats" "$TMP/walk" "$TMP/json" | awk '
{ printf "run %d: report %.3f s, pstats %.3f s (%.1fx), walk %.3f s, --json %.3f s\n",
         NR, $1 / 1e9, $4 / 1e9, $4 / $1, $7 / 1e9, $10 / 1e9 }'
paste "$TMP/profviz" "$TMP/pstats" "$TMP/walk" "$TMP/json" | awk -v size="$SIZE" -v file="$FILE" \
    -v runs="$RUNS" -v py="$PYV" '
function keep(k, ns, cpu, rss) {
    if (!(k in best) || ns < best[k]) best[k] = ns
    if (!(k in worst) || ns > worst[k]) worst[k] = ns
    if (!(k in cpub) || cpu < cpub[k]) cpub[k] = cpu
    if (!(k in peak) || rss > peak[k]) peak[k] = rss
}
function line(k, label) {
    printf "%-34s best %7.3f s  worst %7.3f s  cpu %7.3f s  peak %7.1f MiB\n",
           label, best[k] / 1e9, worst[k] / 1e9, cpub[k], peak[k] / 1024
}
{
    keep("pv", $1, $2, $3); keep("ps", $4, $5, $6); keep("walk", $7, $8, $9); keep("json", $10, $11, $12)
    r = $4 / $1
    if (NR == 1 || r < minratio) minratio = r
}
END {
    mb = 1024 * 1024
    printf "file %s: %d bytes (%.1f MiB), %d runs of each, interleaved\n", file, size, size / mb, runs
    line("pv", "profviz report --limit 10")
    line("ps", "pstats (Python " py ")")
    line("walk", "marshal_walk (the floor)")
    line("json", "profviz report --json >/dev/null")
    printf "vs pstats      %.1fx best, %.1fx in the worst pairing of run i with run i (target >= 40x in every run: %s)\n",
           best["ps"] / best["pv"], minratio, (minratio >= 40 ? "met" : "MISSED")
    w = best["pv"] / best["walk"]
    printf "vs the walk    %.2fx wall, %.2fx cpu (target <= 2.5x: %s)\n", w,
           (cpub["walk"] > 0 ? cpub["pv"] / cpub["walk"] : 0), (w <= 2.5 ? "met" : "MISSED")
    printf "report --json  %.3f s best (target < 1 s: %s)\n", best["json"] / 1e9,
           (best["json"] < 1e9 ? "met" : "MISSED")
    m = peak["pv"] * 1024 / size
    printf "memory         report --limit 10 peak / file size = %.2f (target < 2.5: %s); --json %.2f; pstats %.2f\n",
           m, (m < 2.5 ? "met" : "MISSED"), peak["json"] * 1024 / size, peak["ps"] * 1024 / size
}'
