#!/bin/sh
# hitless monitor started before VFIO's modules are loaded, on Debian's own
# 7.3 as shipped (scenario type1-monitor-modules): it attaches to
# vfio_iommu_type1 when the VMM loads it, says so, and sees the VM's type1
# attach (the clean run stays clean).
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel debian --scenario type1-monitor-modules
