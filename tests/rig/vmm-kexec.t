#!/usr/bin/env bash
# The VMM-like workload (tests/e2e/vmm.c) across a KHO kexec on Linux 7.3 as
# Debian ships it: edu on vfio-pci through iommufd does DMA into memfd-backed
# guest memory through the SMMU; LUO carries the memfd into the next kernel,
# where the IOAS is re-created at the same IOVAs and DMA is checked again.
#
# The guest's own steps are tests 1..N (scripts/rig.sh judges them); one more
# test is judged here, from QEMU's side: its SMMUv3 model recorded no event
# (fault) and raised no translation abort in either boot, and edu never had a
# DMA address clamped or out of bounds (QEMU trace events and guest_errors).
top=$(cd "$(dirname "$0")/../.." && pwd)
log="$top/out/rig/stock-vmm.log"
out=$("$top/scripts/rig.sh" --tap --kernel stock --scenario vmm -o "$log" \
	-q -d -q guest_errors -q -trace -q smmuv3_record_event -q -trace -q smmuv3_translate_abort)
rc=$?
plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' | head -n1)
printf '%s\n' "$out" | sed "s/^1\.\.$plan\$/1..$((plan + 1))/"

qerr="$log.qemu-stderr"
events=$(grep -E 'smmuv3_record_event|smmuv3_translate_abort|translation failed|EDU:' "$qerr" 2>/dev/null)
if [ ! -f "$qerr" ]; then
	echo "not ok $((plan + 1)) - QEMU's SMMUv3 recorded no event (no $qerr)"
	rc=1
elif [ -n "$events" ]; then
	echo "not ok $((plan + 1)) - QEMU's SMMUv3 recorded no event ($(printf '%s\n' "$events" | wc -l) lines in $qerr)"
	printf '%s\n' "$events" | head -n 10 | sed 's/^/#   /'
	rc=1
else
	echo "ok $((plan + 1)) - QEMU's SMMUv3 recorded no event (trace smmuv3_record_event, smmuv3_translate_abort; edu guest_errors: none)"
fi
exit $rc
