#!/usr/bin/env bash
# Every patch of kernel/patches/series, and the test modules' sources
# (tests/kmod), pass the kernel's checkpatch.pl --strict, run from the Linux
# 7.3 source the series applies to.  That source is Debian's, without git
# history: the two checks that need a git tree are left out
# (UNKNOWN_COMMIT_ID: a Fixes: id cannot be looked up; FILE_PATH_CHANGES:
# it asks whether MAINTAINERS covers a new file), and the last test answers
# the second one: every file the series creates is under an F: pattern of
# MAINTAINERS, as the series leaves it, other than THE REST's.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
src="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/src"
mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/kernel/patches/series")
kmod=("$top"/tests/kmod/*.c)
echo "1..$((${#patches[@]} + ${#kmod[@]} + 1))"
[ -f "$src/scripts/checkpatch.pl" ] || { echo "# no Linux source at $src: run scripts/setup.sh"; exit 1; }
n=0
for p in "${patches[@]}"; do
	n=$((n + 1))
	if out=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-tree -q \
		--ignore UNKNOWN_COMMIT_ID,FILE_PATH_CHANGES "$top/kernel/patches/$p" 2>&1) &&
		[ -z "$out" ]; then
		echo "ok $n - checkpatch --strict: $p"
	else
		echo "not ok $n - checkpatch --strict: $p"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
	fi
done
for f in "${kmod[@]}"; do
	n=$((n + 1))
	if out=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-tree -q -f "$f" 2>&1) && [ -z "$out" ]; then
		echo "ok $n - checkpatch --strict: tests/kmod/${f##*/}"
	else
		echo "not ok $n - checkpatch --strict: tests/kmod/${f##*/}"
		printf '%s\n' "$out" | head -n 20 | sed 's/^/#   /'
	fi
done
n=$((n + 1))
# F: patterns of every section but THE REST (whose "*" and "*/" cover any file)
mapfile -t pats < <({ awk '/^THE REST$/ { skip = 1 } /^$/ { skip = 0 }
		!skip && sub(/^F:[[:space:]]*/, "")' "$src/MAINTAINERS"
	for p in "${patches[@]}"; do sed -n 's/^+F:[[:space:]]*//p' "$top/kernel/patches/$p"; done; } | sort -u)
uncovered=$(for p in "${patches[@]}"; do
	awk '/^diff --git a\// { f = substr($3, 3) } /^new file mode/ { print f }' "$top/kernel/patches/$p"
done | while read -r f; do
	hit=
	for pat in "${pats[@]}"; do
		case $pat in */) [[ $f == "$pat"* ]] && hit=1 ;; *) [[ $f == $pat ]] && hit=1 ;; esac
		[ -n "$hit" ] && break
	done
	[ -n "$hit" ] || echo "$f"
done)
[ -z "$uncovered" ] && echo "ok $n - every file the series creates has a MAINTAINERS entry" ||
	echo "not ok $n - files the series creates that no MAINTAINERS F: pattern covers: $uncovered"
