#!/bin/sh
# run-with-deadline.sh SECONDS COMMAND [ARG...]: what CTest runs for every suite.
# timeout(1) puts COMMAND in a process group of its own; when SECONDS pass, the whole
# group gets SIGTERM, and SIGKILL 15 s later, so a hung suite, a crash handler stuck
# in fork(), or anything else the suite started cannot outlive the deadline.
secs=$1
shift
timeout --kill-after=15 "$secs" "$@"
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "run-with-deadline: $1 did not finish within $secs s; its process group was killed (exit $rc)" >&2
fi
exit "$rc"
