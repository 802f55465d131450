#!/usr/bin/env bash
# A device behind a bridge keeps its DMA across a live update (scenario
# lu-bridge, patched kernel): the rig's host topology has a pcie-root-port
# with an edu behind it (tests/guest/README.md); the VMM preserves its iommufd, the DMA edu starts as the guest goes to
# kexec lands in guest memory (it is lost when the kexec shutdown clears
# edu's Bus Master Enable), and the next kernel adopts the hand-over of its
# StreamID (256). The kexec shutdown also leaves bus mastering on for the
# root port above it (patch 11), which real bridges need; on the rig (QEMU
# 10.0) the DMA lands even with the root port's bit cleared (tried), so this
# test cannot tell that part.
. "$(dirname "$0")/lu-lib.sh"
echo "1..4"
lu_run lu-bridge 'DMA at kexec|iommufd preserved|live update:'
check '[ $rc = 0 ]' "every step of the scenario passed in both boots (rig.sh $rc)"
check 'b1 | grep -q "vmm: iommufd preserved (token 3): .* 0000:01:00.0.s translation is handed over"' \
	"the VMM preserved its iommufd with the edu behind the root port attached"
check 'b2 | grep -q "vmm: DMA at kexec: landed"' \
	"the DMA edu started as the guest went to kexec landed (edu kept bus mastering)"
check 'b2 | grep -q "live update: adopted the stream table" && b2 | grep -q "live update: StreamID 256: restored domain freed"' \
	"the next kernel adopted the hand-over of StreamID 256 (01:00.0) and the VMM's HWPT replaced it"
