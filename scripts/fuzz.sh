#!/usr/bin/env bash
# Fuzzes the status-JSON and Redis-URL parsers with libFuzzer (clang), each for
# SECONDS (default 120), growing the corpus kept in tests/fuzz/corpus/.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-120}
./scripts/setup-deps.sh
need=()
command -v clang++ >/dev/null || need+=(clang)
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q 'install ok installed' || need+=(libclang-rt-14-dev)
if [[ ${#need[@]} -gt 0 ]]; then
  sudo=(); [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq "${need[@]}"
fi
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DHBEXPORTER_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --parallel "$(nproc)"
for target in statusjson redisurl; do
  echo "fuzz: $target for ${seconds}s" >&2
  mkdir -p "tests/fuzz/corpus/$target" "build-fuzz/artifacts/$target"
  ./build-fuzz/tests/fuzz/fuzz_$target -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/artifacts/$target/" "tests/fuzz/corpus/$target"
done
