#!/usr/bin/env bash
# Builds HB Exporter in Release (build-bench/) and runs hbbench (issues #6, #10):
# throughput of 1 and N exports against the bare segmented loader on fresh and warm
# redis-servers, another client's worst wait, Redis memory per byte, a segment-size
# sweep, peak RSS, cancel latency and event-loop lateness; --big adds a 2 GiB
# export and fetch. hbbench starts its own redis-servers.
# Idempotent: re-running only rebuilds what changed. Extra arguments go to hbbench,
# e.g. scripts/bench.sh --quick, or scripts/bench.sh --runs 3 --only throughput.
# Exit status is hbbench's (non-zero on any error; missed targets are reported,
# not errors).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HBEXPORTER_BENCH_BUILD_DIR:-$root/build-bench}"
jobs="${HBEXPORTER_BENCH_JOBS:-2}"

"$root/scripts/setup-deps.sh"
# The C baselines in tests/bench/probes are copies of the shared probes: say so
# when they drifted apart (the figures would no longer be the issue's baselines).
shared="$root/../shared/probes"
if [[ -d "$shared" ]]; then
  for p in segments limit pinglat; do
    if ! cmp -s "$shared/$p.c" "$root/tests/bench/probes/$p.c"; then
      echo "bench.sh: warning: tests/bench/probes/$p.c differs from $shared/$p.c" >&2
    fi
  done
fi
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DHBEXPORTER_BUILD_TESTS=ON -DHBEXPORTER_BUILD_BENCH=ON >/dev/null
ninja -C "$build" -j"$jobs" hbbench hbexporter-cli
exec "$build/tests/bench/hbbench" "$@"
