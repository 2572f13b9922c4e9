#!/usr/bin/env bash
# Builds HB Exporter in Release (build-bench/) and runs the benchmark of issue #6:
# throughput against a bare hiredis loader, the CLI's peak memory, cancel latency
# and event-loop lateness, on a redis-server the benchmark starts itself.
# Idempotent: re-running only rebuilds what changed. Extra arguments go to hbbench,
# e.g. scripts/bench.sh --runs 3 --only throughput. Exit status is hbbench's
# (non-zero on any error; missed targets are reported, not errors).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HBEXPORTER_BENCH_BUILD_DIR:-$root/build-bench}"
jobs="${HBEXPORTER_BENCH_JOBS:-2}"

"$root/scripts/setup-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DHBEXPORTER_BUILD_TESTS=ON -DHBEXPORTER_BUILD_BENCH=ON >/dev/null
ninja -C "$build" -j"$jobs" hbbench hbexporter-cli
exec "$build/tests/bench/hbbench" "$@"
