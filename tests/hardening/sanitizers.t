#!/usr/bin/env bash
# The unit tests again, built with clang under ASan + UBSan (make -C userspace
# san): each program must pass all its tests with no sanitizer report, in
# itself or in the hitless processes it starts (reports go to files here, so
# a child's report cannot hide behind the exit status the test expected).
top=$(cd "$(dirname "$0")/../.." && pwd)
san="$top/userspace/build/san/tests"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS="log_path=$tmp/report:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$tmp/report:print_stacktrace=1:halt_on_error=1"
progs=()
for p in "$san"/*; do
	[ -f "$p" ] && [ -x "$p" ] && progs+=("$p")
done
[ ${#progs[@]} -gt 0 ] || { echo "1..1"; echo "not ok 1 - sanitizer builds exist (make -C userspace san)"; exit 0; }
echo "1..${#progs[@]}"
n=0
for p in "${progs[@]}"; do
	n=$((n + 1))
	name=$(basename "$p")
	rm -f "$tmp"/report*
	"$p" >"$tmp/out" 2>&1
	rc=$?
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$tmp/out" | tail -n1)
	oks=$(grep -c '^ok ' "$tmp/out")
	bad=$(grep -c '^not ok ' "$tmp/out")
	reports=$(cat "$tmp"/report* 2>/dev/null)
	if [ $rc = 0 ] && [ -n "$plan" ] && [ "$oks" = "$plan" ] && [ "$bad" = 0 ] && [ -z "$reports" ]; then
		echo "ok $n - $name: $oks tests under ASan+UBSan"
	else
		echo "not ok $n - $name under ASan+UBSan (status $rc, plan ${plan:-none}, $oks ok, $bad not ok)"
		grep '^not ok' "$tmp/out" | sed 's/^/#   /'
		printf '%s\n' "$reports" | head -n 30 | sed 's/^/#   /'
	fi
done
