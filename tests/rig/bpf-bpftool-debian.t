#!/bin/sh
# The bpftool route (bpf/README.md "Production use without the collector's
# loader") on Debian's own arm64 7.3 kernel as shipped (rig flavor debian:
# both Arm SMMU drivers built in, no iommufd, VFIO as modules): `bpftool prog
# loadall` takes the stock object (no CO-RE read of struct arm_smmu_device
# left in it, no fentry on a function that kernel lacks), the first `hitless
# snapshot --pinned` sets the SMMU layout in the pinned map and walks, and
# `hitless record --pinned` drains the VMM-like workload on the VFIO type1
# container with no record lost (scenario bpf-bpftool-type1).
# -global e1000e.romfile=: the rig's QEMU (unpacked from .debs) has no iPXE ROMs.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel debian --scenario bpf-bpftool-type1 \
	-q -global -q e1000e.romfile=
