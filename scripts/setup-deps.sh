#!/usr/bin/env bash
# Installs the Debian packages HB Exporter needs to build, run and test (the
# sanitizer runtimes come with g++; clang-format is for scripts/format.sh; universal-ctags
# for scripts/house.sh; openssl, the command, makes the TLS tests' certificates).
# Idempotent: does nothing when everything is present. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  qt6-base-dev qt6-base-dev-tools qtkeychain-qt6-dev
  libhiredis-dev libssl-dev openssl redis-server redis-tools
  libqt6svg6 xvfb xauth
  clang-format universal-ctags
)
if [[ "${HBEXPORTER_WITH_TOOLS:-0}" == 1 ]]; then
  packages+=(imagemagick xdotool)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
