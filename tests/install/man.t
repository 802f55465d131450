#!/usr/bin/env bash
# The man pages (docs/man/mkman, made from the binary's own --help) against
# that --help: a page for hitless and for every verb its help lists, every
# line of each verb's help in its rendered page (so help and man cannot
# drift), a whatis entry man-db can read, no warning from groff.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
H=${HITLESS_BIN:-$top/userspace/build/host/hitless}
. "$top/tests/lib/tap.sh"
tmp=$(mktemp -d /tmp/hl-man.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$top/docs/man/mkman" "$H" "$tmp"
ok $? "docs/man/mkman made the pages from $H"
verbs=$("$H" --help | sed -n 's/^ *hitless \([a-z]*\) .*\[.*/\1/p' | grep -vx help)
for v in hitless $verbs; do
	[ $v = hitless ] && page=$tmp/hitless.1 args=(--help) || page=$tmp/hitless-$v.1 args=($v --help)
	if [ ! -f "$page" ]; then
		ok 1 "$(basename "$page"): there"
		continue
	fi
	text=$(LC_ALL=C MANWIDTH=80 man -l "$page" 2>"$tmp/warn" | col -bx | tr -s ' \n' '  ')
	missing=$("$H" "${args[@]}" | sed 's/^Usage: //' | while IFS= read -r line; do
		l=$(printf '%s' "$line" | tr -s ' ' ' ' | sed 's/^ //; s/ $//')
		[ -z "$l" ] || [[ $text == *"$l"* ]] || printf '%s | ' "$l"
	done)
	ok $([ -z "$missing" ]; echo $?) "$(basename "$page"): every line of 'hitless ${args[*]}' in the page${missing:+ (missing: $missing)}"
	w=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
	ok $([ -z "$w$(cat "$tmp/warn")" ] && lexgrog "$page" >/dev/null; echo $?) \
		"$(basename "$page"): no groff warning, a whatis entry (lexgrog)${w:+: $w}"
done
done_tap
