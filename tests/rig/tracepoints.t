#!/usr/bin/env bash
# The kernel series' events on the rig (scenario tracepoints): they fire in
# both kernels of a KHO kexec, from early boot, into the persistent instance
# of docs/early-boot-tracing.md; the KUnit suite passes in both. Then, on the
# host, the tracefs format files each boot printed are checked against
# tracepoints.txt (kernel/check-tracepoints.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
log=$top/out/rig/patched-tracepoints.log
trace_args="reserve_mem=16M:4096:hitless"
trace_args+=" trace_instance=hitless@hitless,arm_smmu_v3,io_pgtable_arm,iommufd,liveupdate"
trace_args+=" trace_instance=hitless_prev=hitless"

out=$("$top/scripts/rig.sh" --tap --kernel patched --scenario tracepoints \
	--timeout 400 --append "$trace_args" --log "$log")
# The rig's TAP, its plan moved to the end to make room for the host checks.
printf '%s\n' "$out" | grep -vE '^1\.\.[0-9]+$'
n=$(printf '%s\n' "$out" | grep -cE '^(not )?ok [0-9]+')

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
