#!/usr/bin/env bash
# The kernel series' events on the rig (scenario tracepoints): they fire in
# both kernels of a KHO kexec, from early boot, into the persistent instance
# of docs/early-boot-tracing.md; the KUnit suite passes in both. Then, on the
# host, the tracefs format files each boot printed are checked against
# tracepoints.txt (kernel/check-tracepoints.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$top/out/rig/patched-tracepoints.log
. "$top/scripts/lib.sh"
trace_args="kunit.enable=1 kunit.autorun=1 $(trace_instance_args)"

out=$("$top/scripts/rig.sh" --tap --kernel patched --scenario tracepoints \
	--timeout 400 --append "$trace_args" --log "$log")
# Judged here from the log rather than by rig.sh: with KUnit enabled the
# kernel prints its own KTAP plan ("1..0", no built-in suites) on the console
# before init's, and rig.sh would take that one. The guest's plan is in init's
# "# boot 1: scenario NAME, tests 1..N" line; its results are "ok N - NAME".
printf '%s\n' "$out" | grep -E '^# (rig|b[0-9]+\|)'
plan=$(sed -n 's/^b1| # boot 1: scenario tracepoints, tests 1\.\.\([0-9][0-9]*\)$/\1/p' "$log" | head -n 1)
n=0
for ((i = 1; i <= ${plan:-0}; i++)); do
	n=$i
	line=$(grep -E "^b[0-9]+\| (not )?ok $i - " "$log" | head -n 1)
	if [ -z "$line" ]; then
		echo "not ok $i - (no result: the guest stopped before this test)"
	else
		echo "${line#*| } [${line%%|*}]"
	fi
done
[ -n "$plan" ] || { n=1; echo "not ok 1 - scenario tracepoints ran (no plan in $log)"; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for b in 1 2; do
	n=$((n + 1))
	# "bB| # tpfmt SYSTEM/EVENT LINE", tabs as '~'
	sed -n "s/^b$b| # tpfmt //p" "$log" 2>/dev/null | while read -r ev line; do
		mkdir -p "$tmp/b$b/events/$ev"
		printf '%s\n' "$line" | tr '~' '\t' >>"$tmp/b$b/events/$ev/format"
	done
	if [ ! -d "$tmp/b$b/events" ]; then
		echo "not ok $n - boot $b: tracefs formats match tracepoints.txt # no formats in the log"
	elif res=$("$top/kernel/check-tracepoints.sh" "$top/tracepoints.txt" "$tmp/b$b"); then
		echo "ok $n - boot $b: tracefs formats match tracepoints.txt"
	else
		echo "not ok $n - boot $b: tracefs formats match tracepoints.txt"
		printf '%s\n' "$res" | grep -vE '^(KTAP|1\.\.|ok )' | sed 's/^/# /'
	fi
done
echo "1..$n"
