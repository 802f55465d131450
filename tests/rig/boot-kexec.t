#!/bin/sh
# The rig on the patched kernel: SMMUv3 probed, edu and e1000e in IOMMU groups,
# a KHO kexec into the second kernel, and the same checks there.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel patched --scenario boot
