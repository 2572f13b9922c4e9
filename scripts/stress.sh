#!/usr/bin/env bash
# The test suites N times in a row with every core kept busy, to shake out timing
# bugs before they reach someone else's machine. Stops at the first failure and
# says which suite failed on which repeat.
#
#   ./scripts/stress.sh N              every suite, N times
#   ./scripts/stress.sh N -R exporter  only the suites matching (ctest -R)
#
# Builds in the normal build folder (./build, or $BUILD_DIR) like scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 || ! $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 N [ctest selection, e.g. -R exporter]" >&2
  exit 2
fi
repeats=$1
shift

./scripts/build.sh
build_dir=${BUILD_DIR:-build}
cd "$build_dir"
export QT_QPA_PLATFORM=offscreen

mapfile -t suites < <(ctest -N "$@" | sed -n 's/^ *Test *#[0-9]*: *//p')
if [[ ${#suites[@]} -eq 0 ]]; then
  echo "stress: no suite selected" >&2
  exit 2
fi

# One busy loop per core, always killed on the way out, whatever ends the script.
load_pids=()
stop_load() {
  local pid
  for pid in "${load_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${load_pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  load_pids=()
}
trap stop_load EXIT
trap 'stop_load; exit 130' INT
trap 'stop_load; exit 143' TERM
for ((i = 0; i < $(nproc); i++)); do
  yes >/dev/null &
  load_pids+=($!)
done
echo "stress: ${#suites[@]} suites x $repeats, with ${#load_pids[@]} busy loops (${suites[*]})"

start=$SECONDS
for ((r = 1; r <= repeats; r++)); do
  repeat_start=$SECONDS
  for suite in "${suites[@]}"; do
    log=$(mktemp)
    if ! ctest --output-on-failure -R "^${suite}\$" >"$log" 2>&1; then
      cat "$log"
      rm -f "$log"
      echo "stress: FAILED: $suite on repeat $r of $repeats (after $((SECONDS - start)) s)" >&2
      exit 1
    fi
    rm -f "$log"
  done
  echo "stress: repeat $r/$repeats passed ($((SECONDS - repeat_start)) s)"
done
elapsed=$((SECONDS - start))
echo "stress: all ${#suites[@]} suites passed $repeats times in a row under load" \
  "($((elapsed / 60))m$((elapsed % 60))s)"
