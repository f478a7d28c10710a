#!/usr/bin/env bash
# Installs what profviz needs on Debian bookworm (as root) and builds it.
#
#   scripts/setup.sh            build dependencies, then a release build in build/
#   scripts/setup.sh --test     also what the tests need: clang and its runtime,
#                               clang-format, node/npm, Debian's chromium, and
#                               playwright-core (npm ci, the version the lock pins)
#
# Only missing packages are installed, so it is quick to run again. Says what
# it installs and why; when something cannot be installed it names it and
# exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--test" ] && want_tests=1

# Each need is "package|what shows it is there|why": the check is a command, a
# file or a file pattern, not the package name, so that tools installed
# another way (a Node.js that brings its own npm, say) count as present.
needs=("gcc|gcc|C compiler"
       "libc6-dev|/usr/include/stdio.h|C library headers"
       "make|make|build tool cmake drives"
       "cmake|cmake|build system"
       "pkg-config|pkg-config|finds the libraries below"
       "libmicrohttpd-dev|/usr/include/microhttpd.h|HTTP server library"
       "zlib1g-dev|/usr/include/zlib.h|gzip'd profiles and responses"
       "libcmocka-dev|/usr/include/cmocka.h|unit test framework (the build includes the tests)"
       "python3|python3|golden and integration tests, example workload"
       "ca-certificates|/etc/ssl/certs/ca-certificates.crt|HTTPS to the npm registry")
if [ "$want_tests" = 1 ]; then
    needs+=("clang|clang|libFuzzer build of the parser"
            "libclang-rt-14-dev|/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a|clang's fuzzer and sanitizer runtime"
            "clang-format|clang-format|C formatting check"
            "chromium|/usr/bin/chromium|headless browser for the end-to-end tests"
            "fonts-dejavu-core|/usr/share/fonts/truetype/dejavu|a font for Chromium to draw text with"
            "nodejs|node|JavaScript unit tests, drives the end-to-end tests"
            "npm|npm|installs playwright-core for the end-to-end tests"
            "time|/usr/bin/time|peak memory in the benchmarks")
    # profviz run and the IPython/Jupyter magics (python/): a venv, IPython,
    # and a headless notebook run
    needs+=("python3-venv|/usr/lib/python3.11/ensurepip|a venv for the profviz run tests"
            "python3-ipython|/usr/lib/python3/dist-packages/IPython|the %profviz IPython magic"
            "python3-ipykernel|/usr/lib/python3/dist-packages/ipykernel|a kernel for the notebook test"
            "python3-nbclient|/usr/lib/python3/dist-packages/nbclient|runs the notebook test headless"
            "jupyter-nbconvert|jupyter-nbconvert|runs the notebook test headless")
fi

present() {
    case $1 in
    *'*'*) compgen -G "$1" >/dev/null ;;
    /*) [ -e "$1" ] ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
    esac
}

missing=()
for need in "${needs[@]}"; do
    IFS='|' read -r package check why <<<"$need"
    if ! present "$check"; then
        missing+=("$package")
        echo "setup: will install $package: $why (no $check)"
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "setup: need root to install ${missing[*]} (run as root, or install them yourself)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    echo "setup: apt-get update"
    if ! apt-get update -qq; then
        echo "setup: apt-get update failed, so ${missing[*]} cannot be installed (check /etc/apt/sources.list*, DNS, proxy)" >&2
        exit 1
    fi
    echo "setup: apt-get install ${missing[*]}"
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || true
    still=()
    for need in "${needs[@]}"; do
        IFS='|' read -r package check why <<<"$need"
        present "$check" || still+=("$package")
    done
    if [ "${#still[@]}" -gt 0 ]; then
        echo "setup: still missing after apt-get install: ${still[*]} (apt-get's message above says why)" >&2
        exit 1
    fi
fi

# playwright-core as tests/e2e/package-lock.json pins it (again when the lock changed)
pinned_playwright() {
    node -e 'const lock = require("./tests/e2e/package-lock.json").packages["node_modules/playwright-core"];
             const got = require("./tests/e2e/node_modules/playwright-core/package.json");
             process.exit(lock.version === got.version ? 0 : 1)' 2>/dev/null
}
if [ "$want_tests" = 1 ] && ! pinned_playwright; then
    echo "setup: npm ci in tests/e2e: playwright-core, the version its package-lock.json pins, drives Chromium"
    if ! (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error); then
        echo "setup: npm ci in tests/e2e failed: playwright-core is missing (npm's message above says why)" >&2
        exit 1
    fi
fi

echo "setup: release build in build/"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPROFVIZ_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
