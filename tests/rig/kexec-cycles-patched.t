#!/usr/bin/env bash
# Five KHO kexecs in a row with the monitors attached in every boot
# (tests/guest/scenarios/kexec-cycles): no crash, no lost record, DMA working.
# The kernel command line of the demo (scripts/demo.sh): each capture also
# takes in the persistent trace instances, the previous kernel's last events
# and this one's early boot.
trace="reserve_mem=16M:4096:hitless"
trace+=" trace_instance=hitless@hitless,arm_smmu_v3,io_pgtable_arm,iommufd,liveupdate"
trace+=" trace_instance=hitless_prev=hitless"
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel patched --scenario kexec-cycles \
	--timeout 900 -a "$trace"
