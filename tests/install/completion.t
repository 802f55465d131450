#!/usr/bin/env bash
# The bash completion (completion/hitless) in a real bash with Debian's
# bash-completion: verbs, a verb's options (from its --help's option list),
# option values (by the argument's name), snapshot files.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
H=${HITLESS_BIN:-$top/userspace/build/host/hitless}
COMPLETION=${HITLESS_COMPLETION:-$top/completion/hitless}
tmp=$(mktemp -d /tmp/hl-compl.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/files/sub"
ln -s "$(readlink -f "$H")" "$tmp/bin/hitless"
touch "$tmp/files/before.snap" "$tmp/files/after.hls" "$tmp/files/notes.txt"

# complete "WORDS...": the candidates, sorted, on one line
cat >"$tmp/run.sh" <<'SH'
. /usr/share/bash-completion/bash_completion
. "$COMPLETION"
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<<"$*"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
_hitless hitless "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
SH
c() { (cd "$tmp/files" && PATH=$tmp/bin:$PATH COMPLETION=$COMPLETION bash "$tmp/run.sh" "$@"); }
n=0
is() {
	n=$((n + 1))
	local got
	got=$(c "$1")
	if [ "$got" = "$2" ]; then echo "ok $n - '$1': $2"; else echo "not ok $n - '$1': got '$got', want '$2'"; fi
}
[ -f /usr/share/bash-completion/bash_completion ] || { echo "1..0 # SKIP no bash-completion"; exit 0; }
is "hitless ti" "timeline "
is "hitless " "diff help import monitor record show snapshot timeline "
is "hitless diff --pro" "--protect "
is "hitless monitor --metrics-f" "--metrics-format "
is "hitless monitor --metrics-format " "openmetrics prometheus "
is "hitless diff -f " "html json junit openmetrics prometheus text "
is "hitless record --mode " "auto fentry tracepoint "
is "hitless diff --protect 8 " "after.hls before.snap sub "
is "hitless -j show b" "before.snap "
# from the option lists: every option of a verb, the global ones, an argument by its name
is "hitless show --" "--format --help --iova --json --max --pretty --sid --verbose "
is "hitless --vers" "--version "
is "hitless -f json --h" "--help "
is "hitless record -o " "after.hls before.snap notes.txt sub "
is "hitless snapshot --pinned " "sub "
is "hitless monitor --mode t" "tracepoint "
is "hitless show --sid " " "
echo "1..$n"
