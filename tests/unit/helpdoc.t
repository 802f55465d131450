#!/usr/bin/env bash
# Help against its documentation and its option tables:
# - userspace/README.md's "Command line" block is what `hitless help` prints
#   (which takes each verb's synopsis from that verb's --help);
# - every long option in a verb's getopt table (its source file) is in its
#   --help, unless the verb refuses it by name (snapshot: record's options);
# - every --option a verb's --help names is taken by that verb.
# The man pages are made from the same --help (tests/install/man.t).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
H="$top/userspace/build/host/hitless"
. "$top/tests/lib/tap.sh"
src="$top/userspace"

want=$("$H" help | sed -n '1,/hitless help \[VERB\]/p')
got=$(sed -n '/^## Command line/,/^```$/d; /^## Command line/,$p' "$src/README.md" >/dev/null;
      awk '/^## Command line/{c=1} c&&/^```$/{n++; next} c&&n==1' "$src/README.md" | sed -n '1,/hitless help \[VERB\]/p')
ok $([ "$want" = "$got" ]; echo $?) "userspace/README.md's Command line block is 'hitless help'$( [ "$want" = "$got" ] || diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") | head -n 6 | tr '\n' ' ')"

# the options of a verb's getopt table: its own file's, cli.c's for the pair verbs, main.h's common ones
table() {
	case $1 in
	diff | timeline) f="$src/cli.c" ;;
	record | snapshot) f="$src/record.c" ;;
	*) f="$src/$1.c" ;;
	esac
	{ grep -oE '\{ "[a-z-]+", (no|required|optional)_argument' "$f"; grep -oE '\{ "[a-z-]+", (no|required|optional)_argument' "$src/main.h"; } |
		sed 's/{ "\([a-z-]*\)".*/\1/' | grep -vx help | sort -u
}
for v in show diff timeline record snapshot import monitor; do
	help=$("$H" $v --help)
	missing=
	for o in $(table $v); do
		printf '%s\n' "$help" | grep -qE -- "--$o([^a-z-]|$)" && continue
		err=$("$H" $v --$o x -o /nonexistent/x 2>&1 >/dev/null)
		printf '%s\n' "$err" | grep -q "takes no --$o" && continue
		missing="$missing --$o"
	done
	ok $([ -z "$missing" ]; echo $?) "$v --help documents every option of its table${missing:+ (missing:$missing)}"
	unknown=
	for o in $(printf '%s\n' "$help" | grep -oE -- '--[a-z][a-z-]+' | sort -u); do
		table $v | grep -qx -- "${o#--}" || unknown="$unknown $o"
	done
	ok $([ -z "$unknown" ]; echo $?) "$v takes every option its --help names${unknown:+ (not taken:$unknown)}"
done
done_tap
