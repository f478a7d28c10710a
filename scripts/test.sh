#!/usr/bin/env bash
# Sets everything up and runs every test:
#   1. release build (-Werror): cmocka unit tests, golden tests against pstats'
#      own reading of every fixture, integration tests of the real server (ctest)
#   2. the same unit, golden and integration tests under ASan + UBSan
#   3. JavaScript unit tests (node --test) and end-to-end tests of the web UI
#      in Debian's headless Chromium driven by playwright-core
#   4. a 30-second libFuzzer run on the parser (replaying every regression)
#   5. clang-format check of the C sources
# Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test

# What the steps run with, so that a log from another machine says it.
version() { "$@" 2>/dev/null | head -n 1 || true; }
echo "tools: $(version gcc --version); $(version clang --version); node $(version node --version);" \
    "$(version chromium --version); playwright-core" \
    "$(node -p 'require("./tests/e2e/node_modules/playwright-core/package.json").version' 2>/dev/null)"

failed=()
passed=0
step() {
    local name=$1
    shift
    echo
    echo "=== $name"
    if "$@"; then
        echo "=== $name: ok"
        passed=$((passed + 1))
    else
        echo "=== $name: FAILED"
        failed+=("$name")
    fi
}

step "unit, golden and integration tests" ctest --test-dir build --output-on-failure
step "sanitizer build (ASan+UBSan)" bash -c '
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPROFVIZ_SANITIZE=ON -DPROFVIZ_WERROR=ON >/dev/null &&
    cmake --build build-asan -j"$(nproc)" >/dev/null'
step "tests under ASan+UBSan" ctest --test-dir build-asan --output-on-failure
step "web unit tests" node --test tests/web/
step "end-to-end tests in Chromium" node tests/e2e/run.mjs build/server/profviz
step "fuzzing the parser for 30 s" scripts/fuzz.sh 30
step "clang-format" bash -c 'clang-format --dry-run --Werror parser/*.[ch] server/*.[ch] tests/unit/*.c tests/fuzz/*.c'

echo
[ "${#failed[@]}" -eq 0 ] || echo "FAILED: ${failed[*]}"
echo "steps: $passed passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
