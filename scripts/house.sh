#!/usr/bin/env bash
# The shape of the house (issue 20's table), over core/ ui/ app/: the files lying
# directly in core/ (rather than in a layer folder), the largest classes (the class
# body plus every member function defined outside it), the longest functions and
# the largest files. Start and end lines come from universal-ctags
# (`--fields=+neK`); lambdas are counted inside the function that holds them.
# A report, not a gate: it exits 0 whatever the figures (1 only without ctags).
set -euo pipefail
cd "$(dirname "$0")/.."

ctags=ctags
command -v ctags-universal >/dev/null && ctags=ctags-universal
if ! "$ctags" --version 2>/dev/null | grep -q 'Universal Ctags'; then
  echo "house: needs universal-ctags (scripts/setup-deps.sh installs it)" >&2
  exit 1
fi

top=${HOUSE_TOP:-4} # how many of each to show, besides every one over its target
# Issue 20's targets: the largest class, the longest function, the largest file.
class_max=450
function_max=100
file_max=600
sources=$(find core ui app -type f \( -name '*.cpp' -o -name '*.h' \) | sort)

echo "house: core/ ui/ app/, $(wc -l <<<"$sources") files"
echo "files directly in core/: $(find core -maxdepth 1 -type f \( -name '*.cpp' -o -name '*.h' \) | wc -l)"

# One line per figure: "class LINES NAME", "function LINES NAME FILE".
"$ctags" --language-force=C++ --fields=+neK --excmd=number --sort=no -L - -f - <<<"$sources" |
  awk -F'\t' '
    {
      name = $1; file = $2; kind = $4; line = 0; end = 0; scope = ""
      for (i = 5; i <= NF; i++) {
        if ($i ~ /^line:/) line = substr($i, 6) + 0
        else if ($i ~ /^end:/) end = substr($i, 5) + 0
        else if ($i ~ /^(class|struct|union|namespace|function|enum):/) scope = $i
      }
      if (line == 0 || end < line) next
      owner = scope; sub(/^[a-z]+:/, "", owner)
      if (kind == "class" || kind == "struct") {
        key = owner == "" ? name : owner "::" name
        cfile[key] = file; cstart[key] = line; cend[key] = end
      } else if (kind == "function" && name !~ /^__anon/) {
        member = scope ~ /^(class|struct):/
        shown = member ? owner "::" name : name
        sub(/^hb::/, "", shown); gsub(/__anon[0-9a-f]+::/, "", shown)
        print "function", end - line + 1, shown, file
        if (member) { n++; mkey[n] = owner; mfile[n] = file; mline[n] = line; mlen[n] = end - line + 1 }
      }
    }
    END {
      for (k in cstart) total[k] = cend[k] - cstart[k] + 1
      for (i = 1; i <= n; i++) {
        k = mkey[i]
        if (!(k in cstart)) continue
        # Defined inside the class body: already counted with it.
        if (mfile[i] == cfile[k] && mline[i] >= cstart[k] && mline[i] <= cend[k]) continue
        total[k] += mlen[i]
      }
      for (k in total) { shown = k; sub(/^hb::/, "", shown); gsub(/__anon[0-9a-f]+::/, "", shown); print "class", total[k], shown, cfile[k] }
    }' >"${TMPDIR:-/tmp}/house.$$"
trap 'rm -f "${TMPDIR:-/tmp}/house.$$"' EXIT

# The top ones of a list ("LINES NAME [FILE]" a line, largest first), then any
# other over the target, each over it marked, and how many are.
show() { # target
  awk -v top="$top" -v max="$1" '
    { over = $1 > max; if (over) n++ }
    NR <= top || over {
      mark = over ? "  (over " max ")" : ""
      if (NF > 2) printf "  %5d  %-40s %s%s\n", $1, $2, $3, mark
      else printf "  %5d  %s%s\n", $1, $2, mark
    }
    END { printf "  %d over %d\n", n, max }'
}
figures() { # kind
  grep "^$1 " "${TMPDIR:-/tmp}/house.$$" | sort -k2,2nr -k3,3 | cut -d' ' -f2-
}
echo "largest class (member functions + body):"
figures class | show "$class_max"
echo "longest function:"
figures function | show "$function_max"
echo "largest file:"
xargs wc -l <<<"$sources" | grep -v ' total$' | sort -k1,1nr -k2,2 | show "$file_max"
