#!/usr/bin/env bash
# Installs what profviz needs on Debian bookworm (as root) and builds it.
#
#   scripts/setup.sh            build dependencies, then a release build in build/
#   scripts/setup.sh --test     also what the tests need: cmocka, python3, clang,
#                               node/npm, Debian's chromium, playwright-core (npm ci)
#
# Only missing packages are installed, so it is quick to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

packages=(gcc make cmake pkg-config libmicrohttpd-dev libcjson-dev zlib1g-dev libcmocka-dev
          python3 ca-certificates)
if [ "$want_tests" = 1 ]; then
    packages+=(clang clang-format chromium nodejs npm time)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    if [ "$(id -u)" != 0 ]; then
        echo "setup: need root to install packages (run as root, or install them yourself)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$want_tests" = 1 ] && [ ! -d tests/e2e/node_modules/playwright-core ]; then
    echo "setup: installing playwright-core (npm ci in tests/e2e)"
    (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPROFVIZ_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
