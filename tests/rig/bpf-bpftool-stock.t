#!/bin/sh
# `bpftool prog loadall ... autoattach pinmaps` on stock 7.3 in the rig, and
# hitless reading the pinned maps (issue 4, production use).
# -global e1000e.romfile=: the rig's QEMU (unpacked from .debs) has no iPXE ROMs.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel stock --scenario bpf-bpftool \
	-q -global -q e1000e.romfile=
