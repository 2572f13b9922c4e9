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
# real export (scripts/bench.sh scale 100000 1000000; default 100000). Per N, on a
# fresh redis-server: Redis's own idle CPU, the streaming lister (scalebench list:
# all, --status PENDING, --owner, --limit 20, --sort) and the CLI's current `list
# --json`, then 30 s of an idle `hbexporter-cli watch` and of the window's two
# monitors (All exports; My exports following one id): Redis commands/s (INFO
# commandstats), Redis CPU, the watcher's CPU and RSS (/proc).
# `scripts/bench.sh resume [MiB]` (issue 22): a resume's cost beyond sending the
# remainder, against a plain export of the remainder: scripts/bench-resume.sh.
if [[ "${1:-}" == resume ]]; then
  shift
  exec "$root/scripts/bench-resume.sh" "$@"
fi
if [[ "${1:-}" == scale ]]; then
  shift
  counts=("$@")
  [[ ${#counts[@]} -gt 0 ]] || counts=(100000)
  seconds="${HBEXPORTER_BENCH_SCALE_SECONDS:-30}"
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
          -DHBEXPORTER_BUILD_TESTS=ON -DHBEXPORTER_BUILD_BENCH=ON >/dev/null
  fi
  ninja -C "$build" -j"$jobs" scalebench hbexporter-cli >/dev/null
  sb="$build/tests/bench/scalebench"
  cli="$build/app/hbexporter-cli"
  for n in "${counts[@]}"; do
    dir="$(mktemp -d)"
    redis-server --port 0 --unixsocket "$dir/r.sock" --save '' --appendonly no \
                 --dir "$dir" >"$dir/redis.log" 2>&1 &
    rpid=$!
    trap 'kill $rpid 2>/dev/null; rm -rf "$dir"' EXIT
    for _ in $(seq 100); do redis-cli -s "$dir/r.sock" ping >/dev/null 2>&1 && break; sleep 0.1; done
    url="unix://$dir/r.sock"
    head -c 1000 /dev/urandom >"$dir/one.bin" # small: N copies of its data must fit in RAM
    "$cli" export "$dir/one.bin" --redis "$url" >/dev/null
    key="$(redis-cli -s "$dir/r.sock" --scan --pattern 'export:{*}' | grep -v -- '-data' | head -1)"
    id="${key#export:\{}"; id="${id%\}}"
    "$sb" fill "$url" "$id" $((n - 1))
    echo "== $n exports: $(redis-cli -s "$dir/r.sock" dbsize) keys, used_memory $(redis-cli -s "$dir/r.sock" info memory | grep used_memory_human | tr -d '\r')"
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
    echo "window All exports, first ${seconds} s: $("$sb" measure "$url" "$mpid" "$seconds") [$(head -1 "$dir/mon.log")]"
    echo "window All exports, idle next ${seconds} s: $("$sb" measure "$url" "$mpid" "$seconds")"
    kill "$mpid"; wait "$mpid" 2>/dev/null || true
    "$sb" monitor "$url" --follow "$id" 2>/dev/null &
    mpid=$!
    echo "window My exports:  $("$sb" measure "$url" "$mpid" "$seconds")"
    kill "$mpid"; wait "$mpid" 2>/dev/null || true
    kill "$rpid"; wait "$rpid" 2>/dev/null || true
    rm -rf "$dir"
    trap - EXIT
  done
  exit 0
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
