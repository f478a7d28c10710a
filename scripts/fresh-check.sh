#!/usr/bin/env bash
# scripts/fresh-check.sh [-p PORT] [--keep]: the README's two Quick start
# commands on a fresh, minimal Debian bookworm, as a new user would run them.
#
#   scripts/fresh-check.sh            # as root; needs debootstrap (installed if missing)
#   scripts/fresh-check.sh -p 18100   # the port run-example.sh is asked for (default 18080)
#   scripts/fresh-check.sh --keep     # leave the root mounted for a look (path printed)
#
# 1. base: a `debootstrap --variant=minbase bookworm` root, built once and kept
#    as a tarball ($PROFVIZ_FRESH_CACHE, default /var/tmp/profviz-fresh); delete
#    the tarball to rebuild it.
# 2. a new root from that tarball, in a tmpfs (PROFVIZ_FRESH_SIZE, default
#    12g), holding a clone of this repository at its committed HEAD
#    (uncommitted changes are not in it), with this host's network settings
#    and nothing else of the host: /etc/resolv.conf, the CA
#    certificates under /usr/local/share/ca-certificates, apt's sources and
#    Acquire settings, npm's config files, and the proxy and CA variables of
#    the environment. /proc, /dev, /dev/pts and a fresh /dev/shm (Chromium
#    needs it) are mounted.
# 3. `scripts/run-example.sh -s -p PORT` inside it (chroot), until the server
#    it starts answers /api/health and serves the page at /; then it is
#    stopped.
# 4. `scripts/test.sh` inside it.
#
# Prints each step's result and time; the logs of the last 10 runs stay in
# the cache folder (logs/). Closes with 'fresh-check: N passed, N failed' (the
# two commands). Exits 0 when both pass, 1 when either fails, 2 when the root
# could not be made. The mounts are undone and the root deleted on every exit
# (with --keep, all but the root's own tmpfs).
set -euo pipefail

port=18080
keep=0
while [ $# -gt 0 ]; do
    case $1 in
    -p | --port) port=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "fresh-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

src=$(cd "$(dirname "$0")/.." && pwd)
cache=${PROFVIZ_FRESH_CACHE:-/var/tmp/profviz-fresh}
mirror=${PROFVIZ_FRESH_MIRROR:-http://deb.debian.org/debian}
base=$cache/bookworm-minbase.tar.gz
started=$SECONDS

say() { echo "fresh-check: $*"; }
elapsed() { local s=$((SECONDS - $1)); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

if [ "$(id -u)" != 0 ]; then
    say "needs root (debootstrap, chroot and mounts)" >&2
    exit 2
fi
mkdir -p "$cache"
# What this script itself uses on the host.
host_missing=()
command -v debootstrap >/dev/null || host_missing+=(debootstrap)
command -v curl >/dev/null || host_missing+=(curl)
command -v git >/dev/null || host_missing+=(git)
if [ "${#host_missing[@]}" -gt 0 ]; then
    say "installing ${host_missing[*]} on this host (to build the root, clone into it, ask the server)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${host_missing[@]}" >/dev/null ||
        { say "could not install ${host_missing[*]}" >&2; exit 2; }
fi

commit=$(git -C "$src" rev-parse HEAD)
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
    say "note: $src has uncommitted changes; the check uses the committed $commit"
fi

# --- 1. the base tarball, built once (a lock keeps two runs from both building it)
exec 9>"$cache/.lock"
flock 9
if [ ! -s "$base" ]; then
    t=$SECONDS
    say "building the base: debootstrap --variant=minbase bookworm from $mirror"
    tmp=$(mktemp -d "$cache/base.XXXXXX")
    if ! debootstrap --variant=minbase bookworm "$tmp/root" "$mirror" >"$cache/debootstrap.log" 2>&1; then
        say "debootstrap failed; see $cache/debootstrap.log" >&2
        tail -n 5 "$cache/debootstrap.log" >&2
        rm -rf "$tmp"
        exit 2
    fi
    rm -f "$tmp"/root/var/cache/apt/archives/*.deb
    tar -C "$tmp/root" -czf "$base.part" .
    mv "$base.part" "$base"
    rm -rf "$tmp"
    say "base built in $(elapsed $t): $base ($(du -h "$base" | cut -f1))"
else
    say "base: $base (cached, built $(date -u -r "$base" '+%Y-%m-%d %H:%M UTC'); delete it to rebuild)"
fi
flock -u 9

# --- 2. a new root from it
run=$(realpath "$(mktemp -d "$cache/run.XXXXXX")")
root=$run/root
mounted=()
server_pid=
closing=

mounts_under_root() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts; }

cleanup() {
    local rc=$?
    set +e
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
    # Anything still running inside the root (a stray Chromium, say) was started
    # by this script: end it by pid, so that the mounts can go.
    local p pids=()
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
    done
    if [ "${#pids[@]}" -gt 0 ]; then
        kill "${pids[@]}" 2>/dev/null
        sleep 1
        kill -9 "${pids[@]}" 2>/dev/null
    fi
    local i t=$SECONDS
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        # --keep leaves the root's own tmpfs mounted, so that it can be looked at
        [ "$keep" = 1 ] && [ "${mounted[$i]}" = "$root" ] && continue
        umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}"
    done
    if [ "$keep" = 1 ]; then
        say "kept the root: $root (a tmpfs: umount $root && rm -r $run when done)"
    elif [ -n "$(mounts_under_root)" ]; then
        say "still mounted under $root, not deleting it:" >&2
        mounts_under_root >&2
    else
        rm -rf "$run"
    fi
    say "cleaned up in $(elapsed $t); total $(elapsed $started)"
    [ -n "$closing" ] && echo "$closing"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t=$SECONDS
mkdir -p "$root"
# The root lives in memory (tmpfs; about 3 GB once test.sh has installed
# everything): dpkg's syncs cost nothing and deleting it is one umount.
mount -t tmpfs -o size=${PROFVIZ_FRESH_SIZE:-12g},mode=0755 profviz-fresh "$root" && mounted+=("$root")
tar -C "$root" -xzf "$base"

# The host's network settings, so that the root reaches Debian's mirror and
# the npm registry the way this host does.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
if compgen -G '/usr/local/share/ca-certificates/*' >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -rL /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
if [ -s /etc/apt/sources.list ] || compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null ||
    compgen -G '/etc/apt/sources.list.d/*.list' >/dev/null; then
    : >"$root/etc/apt/sources.list"
    [ -s /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
    for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
        [ -e "$f" ] && cp "$f" "$root/etc/apt/sources.list.d/"
    done
fi
for f in /etc/apt/apt.conf.d/*; do
    # only the network settings (proxies, mirror checks), not the host's hooks
    [ -f "$f" ] && grep -qi '^[[:space:]]*Acquire' "$f" && cp "$f" "$root/etc/apt/apt.conf.d/"
done
for f in /etc/npmrc /usr/etc/npmrc "$HOME/.npmrc"; do
    if [ -f "$f" ]; then
        mkdir -p "$root$(dirname "${f/#$HOME//root}")"
        cp "$f" "$root${f/#$HOME//root}"
    fi
done
chroot_env=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
            LANG=C.UTF-8 TERM=dumb)
for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY all_proxy ALL_PROXY \
    NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE npm_config_registry \
    npm_config_cafile; do
    [ -n "${!v:-}" ] && chroot_env+=("$v=${!v}")
done

git clone -q --no-hardlinks "$src" "$root/root/profviz"
git -C "$root/root/profviz" -c advice.detachedHead=false checkout -q "$commit"

for m in proc dev dev/pts dev/shm; do mkdir -p "$root/$m"; done
mount -t proc proc "$root/proc" && mounted+=("$root/proc")
mount --bind /dev "$root/dev" && mounted+=("$root/dev")
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" && mounted+=("$root/dev/pts")
mount -t tmpfs -o mode=1777,size=1g shm "$root/dev/shm" && mounted+=("$root/dev/shm")
say "root ready in $(elapsed $t): $root, clone of $commit"

in_root() { chroot "$root" /usr/bin/env -i "${chroot_env[@]}" /bin/bash -c "cd /root/profviz && $1"; }

# --- 3. scripts/run-example.sh -s -p PORT, until it serves
logs=$cache/logs/$(date -u +%Y%m%d-%H%M%S)-${commit:0:7}
mkdir -p "$logs"
# keep the logs of the last 10 runs
find "$cache/logs" -mindepth 1 -maxdepth 1 -type d | sort | head -n -10 | xargs -r rm -rf
example_log=$logs/run-example.log
t=$SECONDS
say "step 1: scripts/run-example.sh -s -p $port (log: $example_log)"
# The log exists before the server starts: the loop below reads it at once.
: >"$example_log"
in_root "exec scripts/run-example.sh -s -p $port" >"$example_log" 2>&1 &
server_pid=$!
example=FAILED why="" url=""
deadline=$((SECONDS + 45 * 60))
while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        why="it exited before serving"
        break
    fi
    # profviz prints the address it took (the next free port when PORT is busy)
    url=$(sed -n 's|^profviz: serving \(http://[^ ]*/\)$|\1|p' "$example_log" | head -n 1 || true)
    if [ -n "$url" ]; then
        health=$(curl -fsS --max-time 5 "${url}api/health" 2>/dev/null || true)
        page=$(curl -fsS --max-time 5 "$url" 2>/dev/null || true)
        if [[ $health =~ \"status\":\ *\"ok\" ]] && [[ $page == *'<html'* ]]; then
            example=ok
            break
        fi
        why="serving line printed, but /api/health or / does not answer (health: ${health:-none})"
    fi
    sleep 2
done
[ $SECONDS -ge $deadline ] && why="${why:-no serving line} after 45 minutes"
kill "$server_pid" 2>/dev/null
wait "$server_pid" 2>/dev/null || true
server_pid=
if [ "$example" = ok ]; then
    say "step 1: run-example.sh: ok in $(elapsed $t) (${url}api/health: $health; / served the page)"
else
    say "step 1: run-example.sh: FAILED in $(elapsed $t): $why; last lines of its log:"
    tail -n 15 "$example_log" | sed 's/^/    /'
fi

# --- 4. scripts/test.sh
test_log=$logs/test.log
t=$SECONDS
say "step 2: scripts/test.sh (log: $test_log)"
if in_root "exec scripts/test.sh" >"$test_log" 2>&1; then tests=ok; else tests=FAILED; fi
grep -E '^=== .*: (ok|FAILED)$|^steps: |^FAILED: ' "$test_log" | sed 's/^/    /'
say "step 2: test.sh: $tests in $(elapsed $t)"
[ "$tests" = ok ] || { say "last lines of its log:"; tail -n 25 "$test_log" | sed 's/^/    /'; }

say "Quick start on a fresh bookworm: run-example.sh $example, test.sh $tests, in $(elapsed $started)"
passed=0
[ "$example" = ok ] && passed=$((passed + 1))
[ "$tests" = ok ] && passed=$((passed + 1))
closing="fresh-check: $passed passed, $((2 - passed)) failed"
[ "$passed" = 2 ]
