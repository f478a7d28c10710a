#!/usr/bin/env bash
# Sets everything up, then serves the bundled example profile and opens the
# browser on it (or prints the URL when there is no browser). Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec build/server/profviz "$@" assets/example.prof
