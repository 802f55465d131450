#!/bin/sh
# The stock-kernel capture in the rig (issue 4): a vfio attach, map, unmap and
# detach through iommufd captured with no loss, every kind of record present,
# the walker's state equal to the state the log implies; the same after a
# KHO kexec.
# -global e1000e.romfile=: the rig's QEMU (unpacked from .debs) has no iPXE ROMs.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel stock --scenario bpf-capture \
	-q -global -q e1000e.romfile=
