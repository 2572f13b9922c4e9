#!/usr/bin/env bash
# Every test suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/),
# then the suites that exercise the core's own threads (hashing, the write path, the
# monitor, the faults) under ThreadSanitizer (build-tsan/). Any sanitizer report, in
# a suite or in a process it started, fails the run (tests/CMakeLists.txt sets the
# options; tests/sanitizers/*.supp holds the few named suppressions).
#
#   ./scripts/sanitize.sh                 both stages
#   ./scripts/sanitize.sh asan|tsan       one stage
#   ./scripts/sanitize.sh tsan -R exporter   extra arguments go to ctest
#
# Test deadlines are multiplied by HBEXPORTER_TEST_TIME_SCALE (3 for ASan, 5 for
# TSan unless set): the sanitizers make everything several times slower.
set -euo pipefail
cd "$(dirname "$0")/.."

stages=(asan tsan)
if [[ ${1:-} == asan || ${1:-} == tsan ]]; then
  stages=("$1")
  shift
fi
ctest_args=("$@")

# What ThreadSanitizer sees: the core's threads (SHA-256 worker, export jobs, the
# monitor) and RedisConnection. Qt itself is not instrumented (see tsan.supp), so
# the window's suites would mostly measure Qt.
tsan_suites=(tst_units tst_exporter tst_monitor tst_faults tst_redisconnection tst_resume)

./scripts/setup-deps.sh
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
jobs=$(nproc)

configure() { # dir sanitizers scale
  cmake -S . -B "$1" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHBEXPORTER_SANITIZE="$2" -DHBEXPORTER_TEST_TIME_SCALE="$3" -DHBEXPORTER_BUILD_BENCH=OFF >/dev/null
}

# GCC's ThreadSanitizer maps its shadow memory at fixed addresses; with the larger
# mmap randomisation of recent kernels (vm.mmap_rnd_bits > 28) binaries can land
# there and TSan dies with "unexpected memory mapping". Running without address
# space randomisation (setarch -R, inherited by every child) avoids it, and costs a
# test nothing. Where setarch cannot change the personality (some containers), the
# sysctl is the other way out: sysctl vm.mmap_rnd_bits=28.
tsan_prefix=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
  tsan_prefix=(setarch "$(uname -m)" -R)
elif [[ $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28) -gt 28 ]]; then
  echo "sanitize: warning: setarch -R is not permitted here and vm.mmap_rnd_bits is" \
    "$(cat /proc/sys/vm/mmap_rnd_bits); ThreadSanitizer may fail to start" \
    "(fix: sysctl vm.mmap_rnd_bits=28)" >&2
fi

failed=()
for stage in "${stages[@]}"; do
  start=$SECONDS
  case $stage in
    asan)
      dir=${ASAN_BUILD_DIR:-build-asan}
      scale=${HBEXPORTER_TEST_TIME_SCALE:-3}
      echo "sanitize: ASan+UBSan, every suite, in $dir (deadlines x$scale)"
      configure "$dir" address,undefined "$scale"
      if cmake --build "$dir" --parallel "$jobs" &&
        (cd "$dir" && ctest --output-on-failure "${ctest_args[@]}"); then
        rc=0
      else
        rc=1
      fi
      ;;
    tsan)
      dir=${TSAN_BUILD_DIR:-build-tsan}
      scale=${HBEXPORTER_TEST_TIME_SCALE:-5}
      regex="^($(IFS='|'; echo "${tsan_suites[*]}"))\$"
      echo "sanitize: TSan, ${tsan_suites[*]}, in $dir (deadlines x$scale)"
      configure "$dir" thread "$scale"
      if cmake --build "$dir" --parallel "$jobs" --target "${tsan_suites[@]}" &&
        (cd "$dir" && "${tsan_prefix[@]}" ctest --output-on-failure -R "$regex" "${ctest_args[@]}"); then
        rc=0
      else
        rc=1
      fi
      ;;
  esac
  elapsed=$((SECONDS - start))
  if [[ $rc -eq 0 ]]; then
    printf 'sanitize: %s passed in %dm%02ds\n' "$stage" $((elapsed / 60)) $((elapsed % 60))
  else
    printf 'sanitize: %s FAILED in %dm%02ds\n' "$stage" $((elapsed / 60)) $((elapsed % 60))
    failed+=("$stage")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "sanitize: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "sanitize: ${stages[*]}: no sanitizer report, every suite passed"
