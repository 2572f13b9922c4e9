#!/usr/bin/env bash
# clang-format over the C++ sources of app/ core/ ui/ tests/ with the committed
# .clang-format (Debian 12's clang-format 14).
#   ./scripts/format.sh           reformat in place
#   ./scripts/format.sh --check   change nothing; list what breaks the style, exit 1 if any
set -euo pipefail
cd "$(dirname "$0")/.."

check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

clang_format=
for c in clang-format-14 clang-format; do
  if command -v "$c" >/dev/null; then clang_format=$c; break; fi
done
if [[ -z $clang_format ]]; then
  ./scripts/setup-deps.sh
  clang_format=clang-format
fi

mapfile -d '' files < <(find app core ui tests -type f \( -name '*.cpp' -o -name '*.h' \) \
  -not -path 'tests/fuzz/corpus/*' -print0 | sort -z)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "format: no sources found" >&2
  exit 1
fi

if [[ $check -eq 0 ]]; then
  "$clang_format" -i --style=file "${files[@]}"
  echo "format: ${#files[@]} files formatted with $("$clang_format" --version)"
  exit 0
fi

bad=()
for f in "${files[@]}"; do
  if ! "$clang_format" --dry-run -Werror --style=file "$f" 2>/dev/null; then
    bad+=("$f")
  fi
done
if [[ ${#bad[@]} -eq 0 ]]; then
  echo "format: all ${#files[@]} files follow .clang-format"
  exit 0
fi
# Show what is wrong (clang-format's own messages), at most 200 lines of it.
"$clang_format" --dry-run -Werror --style=file "${bad[@]}" 2>&1 | head -n 200 >&2 || true
lines=$("$clang_format" --dry-run --style=file "${bad[@]}" 2>&1 | grep -c 'warning:' || true)
echo "format: ${#bad[@]} of ${#files[@]} files break .clang-format ($lines places):" >&2
printf '  %s\n' "${bad[@]}" >&2
echo "format: run ./scripts/format.sh to fix them" >&2
exit 1
