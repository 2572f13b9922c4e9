#!/bin/sh
# run-with-deadline.sh SECONDS COMMAND [ARG...]: how CTest runs every suite.
#
# timeout(1) puts COMMAND in a process group of its own; when SECONDS pass, the whole
# group gets SIGTERM, and SIGKILL 15 s later, so a hung suite, a crash handler stuck
# in fork(), or anything else the suite started cannot outlive the deadline.
#
# In sanitizer builds HB_SANITIZER_REPORT_DIR is where every process of the suite
# writes its sanitizer reports (log_path): they are printed here, and any report
# fails the suite even when the process that found it exited as the test expected.
secs=$1
shift
reports=${HB_SANITIZER_REPORT_DIR:-}
if [ -n "$reports" ]; then
  rm -rf "$reports"
  mkdir -p "$reports"
fi
timeout --kill-after=15 "$secs" "$@"
rc=$?
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
  echo "run-with-deadline: $1 did not finish within $secs s; its process group was killed (exit $rc)" >&2
fi
if [ -n "$reports" ] && [ -n "$(ls -A "$reports" 2>/dev/null)" ]; then
  for f in "$reports"/*; do
    echo "==== sanitizer report $f" >&2
    cat "$f" >&2
  done
  echo "run-with-deadline: $(ls "$reports" | wc -l) sanitizer report(s) in $reports" >&2
  [ "$rc" -eq 0 ] && rc=1
fi
exit "$rc"
