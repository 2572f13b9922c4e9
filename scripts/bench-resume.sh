#!/usr/bin/env bash
# `scripts/bench.sh resume [MiB]` (issue 22): what a resume costs beyond sending
# the remainder. Per round and per server state (fresh: a redis-server just
# started; warm: one that already held and freed an export's worth of memory):
# an export of the whole file (default 600 MiB) killed with SIGKILL at half, then
#   plain   `hbexporter-cli export` of a file holding exactly what it had not
#           acknowledged, on a second server in the same state;
#   resume  `hbexporter-cli resume ID` of the killed one: the segments' lengths
#           checked (pipelined), the prefix hashed again, the rest sent.
# Reports both times, the resume's extra cost (resume − plain) and their ratio,
# and what Redis received during the resume (INFO total_net_input_bytes) against
# the remainder. Release build in build-bench/ (HBEXPORTER_BENCH_BUILD_DIR).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${HBEXPORTER_BENCH_BUILD_DIR:-$root/build-bench}"
jobs="${HBEXPORTER_BENCH_JOBS:-2}"
mib="${1:-600}"
rounds="${HBEXPORTER_BENCH_RUNS:-3}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DHBEXPORTER_BUILD_TESTS=ON -DHBEXPORTER_BUILD_BENCH=ON >/dev/null
fi
ninja -C "$build" -j"$jobs" hbexporter-cli >/dev/null
cli="$build/app/hbexporter-cli"
work="$(mktemp -d)"
rpid=""
cleanup() {
  [[ -n "$rpid" ]] && kill "$rpid" 2>/dev/null
  [[ -n "${r2pid:-}" ]] && kill "$r2pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
export XDG_STATE_HOME="$work/state"

head -c $((mib * 1024 * 1024)) /dev/urandom >"$work/whole.bin"
total=$(stat -c %s "$work/whole.bin")

start_redis() {
  [[ -n "$rpid" ]] && { kill "$rpid"; wait "$rpid" 2>/dev/null || true; }
  rm -f "$work/r.sock"
  redis-server --port 0 --unixsocket "$work/r.sock" --save '' --appendonly no \
               --dir "$work" >"$work/redis.log" 2>&1 &
  rpid=$!
  for _ in $(seq 100); do redis-cli -s "$work/r.sock" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis-server did not start" >&2; exit 1
}
rc() { redis-cli -s "$work/r.sock" "$@"; }
r2pid=""
start_second() {
  rm -f "$work/r2.sock"; mkdir -p "$work/r2"
  redis-server --port 0 --unixsocket "$work/r2.sock" --save '' --appendonly no \
               --dir "$work/r2" >"$work/redis2.log" 2>&1 &
  r2pid=$!
  for _ in $(seq 100); do redis-cli -s "$work/r2.sock" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "the second redis-server did not start" >&2; exit 1
}
stop_second() { kill "$r2pid"; wait "$r2pid" 2>/dev/null || true; r2pid=""; }
warm2() { "$cli" export "$work/whole.bin" --redis "unix://$work/r2.sock" >/dev/null; redis-cli -s "$work/r2.sock" flushall >/dev/null; }
netin() { rc info stats | tr -d '\r' | sed -n 's/^total_net_input_bytes://p'; }
now() { date +%s.%N; }
calc() { python3 -c "print($1)"; }
# Warms a server: an export of the whole file, then FLUSHALL (its memory freed).
warm() { "$cli" export "$work/whole.bin" --redis "unix://$work/r.sock" >/dev/null; rc flushall >/dev/null; }

written_of() { rc get "export:{$1}" | grep -o '"bytesWritten":[0-9]*' | cut -d: -f2; }
# An export of the whole file killed with SIGKILL at half; prints "ID HELD".
killed_at_half() {
  "$cli" export "$work/whole.bin" --redis "unix://$work/r.sock" --bwlimit 100M >"$work/id" 2>/dev/null &
  local pid=$! id="" written=0
  for _ in $(seq 2000); do id=$(head -1 "$work/id" 2>/dev/null || true); [[ -n "$id" ]] && break; sleep 0.01; done
  for _ in $(seq 6000); do
    written=$(written_of "$id")
    (( written * 2 >= total )) && break
    sleep 0.005
  done
  kill -9 "$pid" 2>/dev/null || { echo "the export ended before it was killed" >&2; exit 1; }
  wait "$pid" 2>/dev/null || true
  echo "$id $(written_of "$id")"
}

printf '%-6s %-5s %10s %10s %10s %8s %14s %14s\n' round state plain_s resume_s extra_s ratio received remainder
for round in $(seq "$rounds"); do
  for state in fresh warm; do
    # The killed export, on a server in this state.
    start_redis
    [[ $state == warm ]] && warm
    read -r id held < <(killed_at_half)
    # What Redis holds decides: the remainder is what the resume will send (at
    # most: Redis may hold a little more than the status acknowledged).
    remainder=$((total - held))
    tail -c "$remainder" "$work/whole.bin" >"$work/rest.bin"
    # The plain export of exactly that remainder, on a second server in the same
    # state, while the first keeps the killed export.
    start_second
    [[ $state == warm ]] && warm2
    t0=$(now); "$cli" export "$work/rest.bin" --redis "unix://$work/r2.sock" >/dev/null; t1=$(now)
    plain=$(calc "$t1 - $t0")
    stop_second
    before=$(netin)
    t0=$(now); "$cli" resume "$id" --redis "unix://$work/r.sock" >/dev/null; t1=$(now)
    received=$(( $(netin) - before ))
    resume=$(calc "$t1 - $t0")
    state_now=$(rc get "export:{$id}" | grep -o '"status":"[A-Z]*"' | cut -d'"' -f4)
    [[ $state_now == COMPLETED ]] || { echo "resume ended $state_now" >&2; exit 1; }
    printf '%-6s %-5s %10.3f %10.3f %10.3f %8.3f %14d %14d\n' "$round" "$state" "$plain" "$resume" \
      "$(calc "$resume - $plain")" "$(calc "$resume / $plain")" "$received" "$remainder"
  done
done
echo "file: $total bytes; extra_s is the resume's cost beyond sending the remainder (target ≤ 0.5 s for 600 MiB)"
