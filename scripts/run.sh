#!/usr/bin/env bash
# One command: install what is missing, build, and start the HB Exporter window.
# Arguments are passed on: ./scripts/run.sh FILE... starts exporting those files.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  echo "run: no display found; starting the window under Xvfb (xvfb-run)" >&2
  exec xvfb-run -a -s "-screen 0 1280x800x24" ./build/app/hbexporter "$@"
fi
exec ./build/app/hbexporter "$@"
