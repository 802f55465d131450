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
rig=$?
# rig.sh's judgement as it stands (its plan, result names and problems; the
# kernel's own KTAP plan from KUnit is told apart from init's by the line
# after it), its plan line dropped: the format checks follow, numbered on.
printf '%s\n' "$out" | grep -v '^1\.\.[0-9]*$'
n=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' | head -n 1)
n=$((${n:-0} + 1))
if [ $rig = 0 ]; then
	echo "ok $n - rig.sh: every test of the scenario ok (exit 0)"
else
	echo "not ok $n - rig.sh: every test of the scenario ok (exit $rig: 1 a test failed, 3 the rig failed)"
fi

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
