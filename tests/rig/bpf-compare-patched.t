#!/bin/sh
# On the patched kernel: the fentry capture and the tracepoint capture of one
# vfio attach/map/unmap/detach are the same STE/CD/descriptor writes and
# commands, record for record (issue 4).
# -global e1000e.romfile=: the rig's QEMU (unpacked from .debs) has no iPXE ROMs.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel patched --scenario bpf-compare \
	-q -global -q e1000e.romfile=
