#!/bin/sh
# `bpftool prog loadall ... autoattach pinmaps` on the patched kernel in the rig (hitless_tp.bpf.o), and
# hitless reading the pinned maps (issue 4, production use).
# -global e1000e.romfile=: the rig's QEMU (unpacked from .debs) has no iPXE ROMs.
exec "$(dirname "$0")/../../scripts/rig.sh" --tap --kernel patched --scenario bpf-bpftool \
	-q -global -q e1000e.romfile=
