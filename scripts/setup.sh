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

# Each need is "package:what-shows-it-is-there"; the check is a command or a
# file, not the package name, so that tools installed another way (a Node.js
# that brings its own npm, say) count as present.
needs=(gcc:gcc libc6-dev:/usr/include/stdio.h make:make cmake:cmake pkg-config:pkg-config
       libmicrohttpd-dev:/usr/include/microhttpd.h
       zlib1g-dev:/usr/include/zlib.h libcmocka-dev:/usr/include/cmocka.h
       python3:python3 ca-certificates:/etc/ssl/certs/ca-certificates.crt)
if [ "$want_tests" = 1 ]; then
    needs+=(clang:clang clang-format:clang-format chromium:/usr/bin/chromium
            nodejs:node npm:npm time:/usr/bin/time fonts-dejavu-core:/usr/share/fonts/truetype/dejavu)
    # profviz run and the IPython/Jupyter magics (python/): a venv, IPython,
    # and a headless notebook run
    needs+=(python3-venv:/usr/lib/python3.11/ensurepip python3-ipython:/usr/lib/python3/dist-packages/IPython
            python3-ipykernel:/usr/lib/python3/dist-packages/ipykernel
            python3-nbclient:/usr/lib/python3/dist-packages/nbclient jupyter-nbconvert:jupyter-nbconvert)
fi

missing=()
for need in "${needs[@]}"; do
    package=${need%%:*} check=${need#*:}
    if [[ $check == /* ]]; then
        [ -e "$check" ] || missing+=("$package")
    else
        command -v "$check" >/dev/null 2>&1 || missing+=("$package")
    fi
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
