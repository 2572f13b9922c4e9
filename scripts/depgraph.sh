#!/usr/bin/env bash
# The layer picture in docs/ARCHITECTURE.md, generated from CMake: the project's own
# library and program targets (no tests, probes, benchmarks or external libraries),
# as docs/deps.dot and, where Graphviz is installed, docs/deps.svg.
# Usage: scripts/depgraph.sh [BUILD_DIR]   (a configured build dir; default build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ -f "$build/CMakeCache.txt" ]] || { echo "depgraph: configure $build first" >&2; exit 1; }
cat >"$build/CMakeGraphVizOptions.cmake" <<'OPTS'
set(GRAPHVIZ_GRAPH_NAME "HB Exporter layers")
set(GRAPHVIZ_EXTERNAL_LIBS FALSE)
set(GRAPHVIZ_GENERATE_PER_TARGET FALSE)
set(GRAPHVIZ_GENERATE_DEPENDERS FALSE)
set(GRAPHVIZ_IGNORE_TARGETS "^tst_" "^probe-" "^hb_crashingparent$" "^hbtestsupport$"
    "^hbhttptestserver$" "^hbbench$" "^scalebench$" "^segmentopening$" "^tlstransport$"
    "^writepath$")
OPTS
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$build" && cmake --graphviz="$tmp/deps.dot" . >/dev/null)
# Without the legend; dot's default ranks put the lowest layer (hbutil) at the bottom.
sed -e '/^subgraph clusterLegend/,/^}/d' "$tmp/deps.dot" >docs/deps.dot
if command -v dot >/dev/null; then
  dot -Tsvg docs/deps.dot -o docs/deps.svg
  echo "depgraph: docs/deps.dot docs/deps.svg"
else
  echo "depgraph: docs/deps.dot (install graphviz for docs/deps.svg)"
fi
