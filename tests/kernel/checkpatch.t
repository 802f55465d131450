#!/usr/bin/env bash
# Every patch of kernel/patches/series, and the test modules' sources
# (tests/kmod), pass the kernel's checkpatch.pl --strict, run from the Linux
# 7.3 source the series applies to.
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/scripts/lib.sh"
src="$HITLESS_CACHE/linux-$LINUX_SOURCE_VERSION/src"
mapfile -t patches < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$top/kernel/patches/series")
kmod=("$top"/tests/kmod/*.c)
echo "1..$((${#patches[@]} + ${#kmod[@]}))"
[ -f "$src/scripts/checkpatch.pl" ] || { echo "# no Linux source at $src: run scripts/setup.sh"; exit 1; }
n=0
for p in "${patches[@]}"; do
	n=$((n + 1))
	if out=$(cd "$src" && perl scripts/checkpatch.pl --strict --no-tree -q "$top/kernel/patches/$p" 2>&1) &&
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
