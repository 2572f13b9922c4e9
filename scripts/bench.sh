#!/usr/bin/env bash
# Builds HB Exporter in Release (build-bench/) and runs hbbench (issues #6, #10):
# throughput of 1 and N exports against the bare segmented loader on fresh and warm
# redis-servers, another client's worst wait, Redis memory per byte, a segment-size
# sweep, peak RSS, cancel latency and event-loop lateness; --big adds a 2 GiB
# export and fetch. hbbench starts its own redis-servers.
# Idempotent: re-running only rebuilds what changed. Extra arguments go to hbbench,
# e.g. scripts/bench.sh --quick, or scripts/bench.sh --runs 3 --only throughput.
# `scripts/bench.sh scale [N…]` runs the watching-at-scale case instead (below).
# Exit status is hbbench's (non-zero on any error; missed targets are reported,
# not errors).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HBEXPORTER_BENCH_BUILD_DIR:-$root/build-bench}"
jobs="${HBEXPORTER_BENCH_JOBS:-2}"

# `scale` (issue 21): what N exports on a server cost a watcher, N copies of one
# real export (scripts/bench.sh scale 100000 1000000; default 100000; `scale
# --cluster N…`: on a cluster of 3 masters and 3 replicas on loopback, as tst_cluster
# runs, the copies spread over the masters by their ids' slots). Per N, on a fresh
# server: Redis's own idle CPU, the streaming lister (scalebench list: all, --status
# PENDING, --owner, --limit 20, --sort) and the CLI's `list --json`, then 30 s of an
# idle `hbexporter-cli watch` and of the window's two monitors (All exports; My
# exports following one id): Redis commands/s (INFO commandstats, summed over the
# masters), Redis CPU, the watcher's CPU and RSS (/proc); then the real window
# (windowbench, offscreen): My exports idle, All exports loading N rows, sorting,
# idle, and how soon a new export, its cancel, a status SET without PUBLISH and a
# CLIENT KILL TYPE pubsub show in the window and in a watch beside it.
# `scripts/bench.sh resume [MiB]` (issue 22): a resume's cost beyond sending the
# remainder, against a plain export of the remainder: scripts/bench-resume.sh.
if [[ "${1:-}" == resume ]]; then
  shift
  exec "$root/scripts/bench-resume.sh" "$@"
fi

# A fresh redis-server on a Unix socket in $1: sets url, pids.
start_single() {
  redis-server --port 0 --unixsocket "$1/r.sock" --save '' --appendonly no \
               --dir "$1" >"$1/redis.log" 2>&1 &
  pids=($!)
  for _ in $(seq 100); do redis-cli -s "$1/r.sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
  url="unix://$1/r.sock"
  nodes=("-s $1/r.sock")
}

# Six fresh cluster nodes on loopback in $1 (3 masters, 3 replicas): sets url, pids.
start_cluster() {
  local base=$((20000 + RANDOM % 20000)) p addrs=()
  pids=() nodes=()
  for i in 0 1 2 3 4 5; do
    p=$((base + i))
    mkdir -p "$1/$p"
    redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
                 --cluster-config-file "$1/$p/nodes.conf" --save '' --appendonly no \
                 --dir "$1/$p" >"$1/$p/redis.log" 2>&1 &
    pids+=($!)
    addrs+=("127.0.0.1:$p")
    nodes+=("-p $p")
  done
  for p in $(seq "$base" $((base + 5))); do
    for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$1/create.log" 2>&1
  for p in $(seq "$base" $((base + 5))); do
    for _ in $(seq 300); do
      redis-cli -p "$p" cluster info 2>/dev/null | grep -q 'cluster_state:ok' && break
      sleep 0.1
    done
  done
  url="redis://127.0.0.1:$base"
}

if [[ "${1:-}" == scale ]]; then
  shift
  topology=single
  if [[ "${1:-}" == --cluster ]]; then topology=cluster; shift; fi
  counts=("$@")
  [[ ${#counts[@]} -gt 0 ]] || counts=(100000)
  seconds="${HBEXPORTER_BENCH_SCALE_SECONDS:-30}"
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
          -DHBEXPORTER_BUILD_TESTS=ON -DHBEXPORTER_BUILD_BENCH=ON >/dev/null
  fi
  ninja -C "$build" -j"$jobs" scalebench windowbench hbexporter-cli >/dev/null
  sb="$build/tests/bench/scalebench"
  wb="$build/tests/bench/windowbench"
  cli="$build/app/hbexporter-cli"
  rc=0
  for n in "${counts[@]}"; do
    dir="$(mktemp -d)"
    "start_$topology" "$dir"
    trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$dir"' EXIT
    head -c 1000 /dev/urandom >"$dir/one.bin" # small: N copies of its data must fit in RAM
    id="$("$cli" export "$dir/one.bin" --redis "$url")"
    "$sb" fill "$url" "$id" $((n - 1))
    keys=0 memory=()
    for node in "${nodes[@]}"; do
      # shellcheck disable=SC2086
      [[ "$(redis-cli $node role | head -1)" == master ]] || continue
      # shellcheck disable=SC2086
      keys=$((keys + $(redis-cli $node dbsize)))
      # shellcheck disable=SC2086
      memory+=("$(redis-cli $node info memory | grep used_memory_human | tr -d '\r' | cut -d: -f2)")
    done
    echo "== $n exports ($topology): $keys keys, used_memory ${memory[*]}"
    echo "redis alone:        $("$sb" measure "$url" 0 10)"
    for args in "" "--status PENDING" "--owner nobody-here" "--limit 20" "--sort"; do
      # shellcheck disable=SC2086
      echo "scalebench list $args: $("$sb" list "$url" $args 2>&1 >/dev/null)"
    done
    if command -v /usr/bin/time >/dev/null; then
      echo "cli list --json: $( { /usr/bin/time -f '%e s, peak RSS %M KiB' "$cli" list --json --redis "$url" >/dev/null; } 2>&1 | tail -1)"
    fi
    # The first interval from the start (the first walk included), then one idle.
    "$cli" watch --redis "$url" >/dev/null 2>&1 &
    wpid=$!
    echo "watch, first ${seconds} s: $("$sb" measure "$url" "$wpid" "$seconds")"
    echo "watch, idle next ${seconds} s: $("$sb" measure "$url" "$wpid" "$seconds")"
    kill "$wpid"; wait "$wpid" 2>/dev/null || true
    "$sb" monitor "$url" 2>"$dir/mon.log" &
    mpid=$!
    echo "All exports' monitor, first ${seconds} s: $("$sb" measure "$url" "$mpid" "$seconds") [$(head -1 "$dir/mon.log")]"
    echo "All exports' monitor, idle next ${seconds} s: $("$sb" measure "$url" "$mpid" "$seconds")"
    kill "$mpid"; wait "$mpid" 2>/dev/null || true
    "$sb" monitor "$url" --follow "$id" 2>/dev/null &
    mpid=$!
    echo "My exports' monitor: $("$sb" measure "$url" "$mpid" "$seconds")"
    kill "$mpid"; wait "$mpid" 2>/dev/null || true
    QT_QPA_PLATFORM=offscreen "$wb" "$url" "$n" "$cli" "$seconds" 2>"$dir/window.log" || {
      rc=1
      echo "windowbench failed: $(tail -3 "$dir/window.log")"
    }
    kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true
    rm -rf "$dir"
    trap - EXIT
  done
  exit "$rc"
fi

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
