#!/usr/bin/env bash
# One command: install what is missing, build, and run every test suite.
# Each suite starts its own redis-server on a unix socket in a temporary folder;
# the window's suites run on Qt's offscreen platform.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
cd "${BUILD_DIR:-build}"
export QT_QPA_PLATFORM=offscreen
ctest --output-on-failure --timeout 900 "$@"
